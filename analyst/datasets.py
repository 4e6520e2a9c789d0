"""The bundled data files and where they live."""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
EARTHQUAKES_PARQUET = DATA_DIR / "earthquakes.parquet"
EARTHQUAKES_TABLE = "earthquakes"
