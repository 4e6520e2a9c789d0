"""Three differently shaped files a person might upload, made deterministically, and loading them the way the
app does (``sources.uploads.read_upload`` then ``SessionDatabase.add_table``)."""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Callable

from sandbox.database import SessionDatabase
from sources.uploads import read_upload


def sales_csv() -> bytes:
    """A date, two categories and two amounts: a year of orders."""
    rng = random.Random(1)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["order_date", "region", "product", "amount", "quantity"])
    for i in range(300):
        writer.writerow(
            [
                f"2024-{1 + i % 12:02d}-{1 + (i * 7) % 28:02d}",
                rng.choice(["North", "South", "East", "West"]),
                rng.choice(["Tea", "Coffee", "Cocoa", "Juice", "Water"]),
                round(rng.uniform(5, 500), 2),
                rng.randint(1, 20),
            ]
        )
    return out.getvalue().encode()


def books_json() -> bytes:
    """Only text columns: a title each, authors that repeat, a genre and a language."""
    rng = random.Random(2)
    authors = [f"Author {chr(65 + i)}{chr(65 + j)}" for i in range(8) for j in range(6)]
    rows = [
        {
            "title": f"Book number {i}",
            "author": rng.choice(authors),
            "genre": rng.choice(["Fantasy", "Crime", "Poetry", "History", "Science"]),
            "language": rng.choice(["English", "French", "German"]),
        }
        for i in range(240)
    ]
    return json.dumps(rows).encode()


def stations_csv() -> bytes:
    """Coordinates named lat/lon and numbers: no time, no category."""
    rng = random.Random(3)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["station", "lat", "lon", "elevation_m", "temperature", "rainfall_mm"])
    for i in range(120):
        writer.writerow(
            [
                f"ST{i:03d}",
                round(rng.uniform(45, 55), 4),
                round(rng.uniform(5, 15), 4),
                rng.randint(0, 2500),
                round(rng.uniform(-5, 30), 1),
                round(rng.uniform(0, 200), 1),
            ]
        )
    return out.getvalue().encode()


UPLOADS: dict[str, Callable[[], bytes]] = {
    "sales.csv": sales_csv,
    "books.json": books_json,
    "weather stations.csv": stations_csv,
}


def upload(db: SessionDatabase, file_name: str) -> str:
    """Load one of ``UPLOADS`` into ``db`` as the app does; returns the new table's name."""
    loaded = read_upload(file_name, UPLOADS[file_name](), db.table_names())
    db.add_table(loaded.table_name, loaded.table)
    return loaded.table_name
