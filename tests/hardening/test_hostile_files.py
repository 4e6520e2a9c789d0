"""Hostile files, uploaded through the real page: each gets a clear message, nothing partial loads,
and the app keeps running."""

from __future__ import annotations

import json
import random
from pathlib import Path

import duckdb
import pytest

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
