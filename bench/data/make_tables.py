"""Writes the conversation benchmark's own tables (``python -m bench.data.make_tables``): three shapes the app
was not tuned on, made from a fixed seed so the files and every reference result stay the same.

- ``orders.csv``: a shop's orders in 2024 (dates, regions, products, units, prices, channels).
- ``readings.json``: weather-station readings as JSON, with ISO times and numbers written as strings.
- ``loans.csv``: a library's loans in 2022 (branches, genres, borrow and return dates, days late).
"""

from __future__ import annotations

import csv
import datetime
import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent


def orders(rng: random.Random) -> list[dict[str, object]]:
    prices = {"Lamp": 24.95, "Desk": 189.0, "Chair": 59.5, "Shelf": 79.9, "Sofa": 649.0}
    rows = []
    for number in range(1, 361):
        day = datetime.date(2024, 1, 1) + datetime.timedelta(days=rng.randrange(366))
        product = rng.choices(list(prices), weights=[5, 2, 4, 3, 1])[0]
        rows.append(
            {
                "order_id": number,
                "order_date": day.isoformat(),
                "region": rng.choice(["North", "South", "East", "West"]),
                "product": product,
                "units": rng.randint(1, 6),
                "unit_price": prices[product],
                "channel": rng.choices(["online", "store"], weights=[3, 2])[0],
            }
        )
    return sorted(rows, key=lambda r: (r["order_date"], r["order_id"]))


def readings(rng: random.Random) -> list[dict[str, object]]:
    stations = {"Harbor": 11.0, "Airport": 9.5, "Hill": 6.0, "Valley": 8.0}
    rows = []
    start = datetime.datetime(2023, 3, 1, tzinfo=datetime.UTC)
    for hour in range(0, 10 * 24, 3):
        taken = start + datetime.timedelta(hours=hour)
        for station, base in stations.items():
            daily = 4 * (1 - abs(((taken.hour - 14) % 24) - 12) / 6)
            rows.append(
                {
                    "station": station,
                    "taken_at": taken.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "temperature_c": f"{base + daily + rng.uniform(-1.5, 1.5):.1f}",
                    "humidity_pct": str(rng.randint(45, 95)),
                    "rain_mm": f"{max(0.0, rng.gauss(0.2, 1.2)):.1f}",
                }
            )
    return rows


def loans(rng: random.Random) -> list[dict[str, object]]:
    rows = []
    for number in range(1, 301):
        borrowed = datetime.date(2022, 1, 1) + datetime.timedelta(days=rng.randrange(365))
        kept = rng.randint(3, 40)
        returned = borrowed + datetime.timedelta(days=kept) if rng.random() > 0.08 else None
        rows.append(
            {
                "loan_id": number,
                "branch": rng.choices(["Central", "Riverside", "Oakwood"], weights=[5, 3, 2])[0],
                "genre": rng.choice(["Fiction", "History", "Science", "Children", "Travel"]),
                "borrowed_on": borrowed.isoformat(),
                "returned_on": returned.isoformat() if returned else "",
                "days_late": max(0, kept - 21) if returned else "",
            }
        )
    return sorted(rows, key=lambda r: (r["borrowed_on"], r["loan_id"]))


def write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    write_csv(HERE / "orders.csv", orders(random.Random(2024)))
    (HERE / "readings.json").write_text(json.dumps(readings(random.Random(2023)), indent=0) + "\n", encoding="utf-8")
    write_csv(HERE / "loans.csv", loans(random.Random(2022)))


if __name__ == "__main__":
    main()
