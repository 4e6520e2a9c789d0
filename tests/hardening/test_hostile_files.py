"""Hostile files, uploaded through the real page: each gets a clear message, nothing partial loads,
and the app keeps running."""

from __future__ import annotations

import decimal
import io
import json
import random
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sandbox.database import SessionDatabase
from sources.uploads import read_upload
from tests.support.apptest import open_app, texts


@pytest.fixture(scope="module")
def parquet_bomb(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A few kilobytes of Parquet that unpack to 300 million values (2.4 GB)."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.parquet"
    duckdb.connect().execute(f"COPY (SELECT 0::BIGINT AS z FROM range(300000000)) TO '{path}' (FORMAT parquet)")
    data = Path(path).read_bytes()
    assert len(data) < 5_000_000
    return data


def hostile_files(parquet_bomb: bytes) -> list[tuple[str, bytes, str]]:
    rng = random.Random(11)
    noise = [
        (f"noise.{ext}", bytes(rng.randrange(256) for _ in range(4096)), "random bytes")
        for ext in ("csv", "tsv", "parquet", "json", "ndjson", "geojson")
    ]
    return [
        *noise,
        ("bomb.parquet", parquet_bomb, "more than this app holds"),
        ("nested.json", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        ("wide.csv", (",".join(f"c{i}" for i in range(1_000_000)) + "\n1\n").encode(), "more than 2,000 columns"),
        ("../../../etc/passwd.csv", b"a,b\n1,2\n3\n", "different numbers of fields"),
        ("..\\..\\windows\\evil.json", json.dumps({"not": "records"}).encode(), None),
        ("empty.csv", b"", "the file is empty"),
    ]


def test_hostile_uploads_are_refused_clearly_and_nothing_partial_loads(parquet_bomb: bytes) -> None:
    at = open_app().run().switch_page("pages/explore.py").run()
    refused = 0
    for name, data, message in hostile_files(parquet_bomb):
        at.file_uploader[0].set_value((name, data, "application/octet-stream")).run()
        assert not at.exception, name
        errors, successes = texts(at.error), texts(at.success)
        if message is None:  # a harmless file with a hostile name: loaded under a safe name
            assert successes and "→ table evil" in successes[0], successes
            continue
        assert errors, f"{name}: no message"
        assert message == "random bytes" or message in errors[0], errors[0]
        refused += 1
    tables = [e.label for e in at.expander if e.label.startswith("**")]
    assert tables == ["**earthquakes** — 1,707 rows · 30 columns", "**evil** — 1 rows · 1 columns"]
    assert refused == 11
    at.text_area(key="workbench_sql").input("SELECT count(*) AS n FROM earthquakes").run()
    next(b for b in at.button if b.label == "Run").click().run()
    assert any(frame.value.columns.tolist() == ["n"] and frame.value["n"][0] == 1707 for frame in at.dataframe)


def odd_parquet(column: pa.Array) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.table({"odd": column, "n": pa.array(range(len(column)))}), buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "column",
    [
        pa.array([decimal.Decimal("1.5"), None], pa.decimal256(50, 2)),  # DuckDB stores 38 digits at most
        pa.array([decimal.Decimal("2.25"), None], pa.decimal256(20, 2)),
        pa.array([1_000, None], pa.time64("ns")),  # DuckDB's TIME is microseconds
        pa.array([2**30, 0], pa.date32()),  # the year 2,941,790: no Python date holds it
        pa.array([-(2**62), 0], pa.timestamp("ms")),
    ],
    ids=["decimal256-wide", "decimal256-narrow", "time-ns", "date-far", "timestamp-far"],
)
def test_a_parquet_file_with_odd_column_types_loads_and_select_star_shows_it(column: pa.Array) -> None:
    """The probe: such a file loaded, but every query on it failed with ArrowInvalid."""
    loaded = read_upload("odd.parquet", odd_parquet(column))
    db = SessionDatabase()
    db.add_table(loaded.table_name, loaded.table)
    result = db.run_query(f"SELECT * FROM {loaded.table_name}")
    assert result.total_rows == 2 and list(result.frame.columns) == ["odd", "n"]
    assert db.run_query(f"SELECT count(odd) AS n FROM {loaded.table_name}").frame["n"][0] >= 1
