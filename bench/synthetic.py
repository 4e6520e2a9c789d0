"""A reproducible synthetic earthquakes table of any size, drawn from the bundled week's events.

Row i copies bundled event ``hash(i) mod 1707`` (so magnitudes, depths, places and types follow
the bundled distributions) with its position, depth and magnitude jittered by hashes of i, and
a time spread over ten years. Hashes, not random(), keep it identical on every run and thread.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

from sources.bundled import EARTHQUAKES_PARQUET

CACHE_DIR = Path(__file__).resolve().parent / ".cache"
SECONDS_IN_TEN_YEARS = 10 * 365 * 86_400

SYNTHETIC_SQL = """
COPY (
    WITH source AS (SELECT row_number() OVER (ORDER BY id) - 1 AS k, * FROM read_parquet('{source}')),
         n AS (SELECT count(*) AS total FROM source),
         draws AS (SELECT range AS i, hash(range) % (SELECT total FROM n) AS k FROM range({rows}))
    SELECT
        'syn' || lpad(draws.i::VARCHAR, 9, '0') AS id,
        TIMESTAMP '2010-01-01' + to_seconds((hash(draws.i, 1) % {seconds})::BIGINT) AS time,
        least(90, greatest(-90, s.latitude + ((hash(draws.i, 2) % 2001)::INTEGER - 1000) / 1000.0)) AS latitude,
        ((s.longitude + ((hash(draws.i, 3) % 2001)::INTEGER - 1000) / 1000.0 + 540) % 360) - 180 AS longitude,
        greatest(-3, s.depth + ((hash(draws.i, 4) % 201)::INTEGER - 100) / 10.0) AS depth,
        round(s.mag + ((hash(draws.i, 5) % 41)::INTEGER - 20) / 100.0, 2) AS mag,
        s."magType", s.place, s.type, s.net, s.status, s.tsunami, s.sig, s.felt, s.gap, s.rms
    FROM draws JOIN source s USING (k)
) TO '{target}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)
"""


def synthetic_path(rows: int) -> Path:
    return CACHE_DIR / f"earthquakes_{rows}.parquet"


def ensure_synthetic(rows: int, log=print) -> Path:  # type: ignore[no-untyped-def]
    """The Parquet file with ``rows`` synthetic events, generated once into ``bench/.cache``."""
    path = synthetic_path(rows)
    if path.exists():
        log(f"synthetic table: reusing {path.relative_to(CACHE_DIR.parent.parent)} ({rows:,} rows)")
        return path
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    partial = path.with_suffix(".partial")
    sql = SYNTHETIC_SQL.format(source=EARTHQUAKES_PARQUET, rows=rows, seconds=SECONDS_IN_TEN_YEARS, target=partial)
    duckdb.connect().execute(sql)
    partial.rename(path)
    size = path.stat().st_size / 1024**2
    took = time.perf_counter() - started
    log(f"synthetic table: generated {rows:,} rows into {path.name} ({size:.0f} MB) in {took:.1f} s")
    return path
