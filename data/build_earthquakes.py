"""Build data/earthquakes.parquet from the vega-datasets `earthquakes` sample.

The source is `data/earthquakes.json` in the `vega-datasets` npm package: a
GeoJSON FeatureCollection from USGS's "all earthquakes, past week" feed
(one week of 2018). Each feature is flattened to one row with USGS's column
names; coordinates [lon, lat, depth] become `longitude`, `latitude`, `depth`.

Usage:
    python data/build_earthquakes.py                  # fetch via `npm pack`
    python data/build_earthquakes.py --source PATH    # use an extracted earthquakes.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

VEGA_DATASETS_VERSION = "3.2.1"
PACKAGE_MEMBER = "package/data/earthquakes.json"
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "earthquakes.parquet"
EXPECTED_ROWS = 1707

# USGS GeoJSON properties, in output order after the leading columns.
# Epoch-millisecond fields become naive UTC timestamps (microsecond unit: DuckDB's plain TIMESTAMP).
TIMESTAMP_MS = pa.timestamp("us")
PROPERTY_TYPES: dict[str, pa.DataType] = {
    "mag": pa.float64(),
    "magType": pa.string(),
    "place": pa.string(),
    "updated": TIMESTAMP_MS,
    "tz": pa.int32(),
    "felt": pa.int32(),
    "cdi": pa.float64(),
    "mmi": pa.float64(),
    "alert": pa.string(),
    "status": pa.string(),
    "tsunami": pa.int32(),
    "sig": pa.int32(),
    "net": pa.string(),
    "code": pa.string(),
    "ids": pa.string(),
    "sources": pa.string(),
    "types": pa.string(),
    "nst": pa.int32(),
    "dmin": pa.float64(),
    "rms": pa.float64(),
    "gap": pa.float64(),
    "type": pa.string(),
    "title": pa.string(),
    "url": pa.string(),
    "detail": pa.string(),
}


def fetch_from_npm(version: str) -> dict[str, Any]:
    """Download vega-datasets@version with `npm pack` and load earthquakes.json."""
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run(
            ["npm", "pack", f"vega-datasets@{version}", "--pack-destination", tmp],
            check=True,
            capture_output=True,
            text=True,
        )
        tarball = Path(tmp) / result.stdout.strip().splitlines()[-1]
        with tarfile.open(tarball, "r:gz") as tar:
            member = tar.extractfile(PACKAGE_MEMBER)
            if member is None:
                raise FileNotFoundError(f"{PACKAGE_MEMBER} not found in {tarball.name}")
            return json.load(member)


def flatten(collection: dict[str, Any]) -> pa.Table:
    """Flatten a USGS GeoJSON FeatureCollection into a table sorted by time."""
    features = collection["features"]
    props = [f["properties"] for f in features]
    coords = [f["geometry"]["coordinates"] for f in features]

    extra = sorted({key for p in props for key in p} - PROPERTY_TYPES.keys() - {"time"})
    if extra:
        print(
            f"note: keeping unlisted properties with inferred types: {extra}",
            file=sys.stderr,
        )

    columns: dict[str, pa.Array] = {
        "id": pa.array([f["id"] for f in features], pa.string()),
        "time": pa.array([p["time"] for p in props], pa.timestamp("ms")).cast(TIMESTAMP_MS),
        "latitude": pa.array([c[1] for c in coords], pa.float64()),
        "longitude": pa.array([c[0] for c in coords], pa.float64()),
        "depth": pa.array([c[2] for c in coords], pa.float64()),
    }
    for name, dtype in PROPERTY_TYPES.items():
        if any(name in p for p in props):
            source_type = pa.timestamp("ms") if dtype == TIMESTAMP_MS else dtype
            columns[name] = pa.array([p.get(name) for p in props], source_type).cast(dtype)
    for name in extra:
        columns[name] = pa.array([p.get(name) for p in props])

    return pa.table(columns).sort_by("time")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="path to an extracted earthquakes.json")
    parser.add_argument("--version", default=VEGA_DATASETS_VERSION, help="vega-datasets npm version")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)

    collection = json.loads(args.source.read_text(encoding="utf-8")) if args.source else fetch_from_npm(args.version)

    table = flatten(collection)
    if table.num_rows != EXPECTED_ROWS:
        print(
            f"warning: expected {EXPECTED_ROWS} rows, got {table.num_rows}",
            file=sys.stderr,
        )

    pq.write_table(table, args.output, compression="zstd")

    times = table["time"]
    first, last = pc.min(times).as_py(), pc.max(times).as_py()
    size_kb = args.output.stat().st_size / 1024
    print(
        f"wrote {args.output.name}: {table.num_rows} rows, {table.num_columns} columns, "
        f"time {first:%Y-%m-%d %H:%M:%S} .. {last:%Y-%m-%d %H:%M:%S} UTC, {size_kb:.1f} KiB"
    )


if __name__ == "__main__":
    main()
