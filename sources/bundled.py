"""The bundled data files and where they live."""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
EARTHQUAKES_PARQUET = DATA_DIR / "earthquakes.parquet"
EARTHQUAKES_TABLE = "earthquakes"
EARTHQUAKES_ENV = "EARTHQUAKES_PARQUET"
# Units the bundled tables do not carry in their types, for the prompt's schema lines (USGS's definitions).
COLUMN_UNITS = {EARTHQUAKES_TABLE: {"time": "UTC", "depth": "km", "updated": "UTC", "tz": "minutes"}}


def earthquakes_source() -> Path:
    """The Parquet file behind the ``earthquakes`` table: the bundled week, or the owner's own file
    named by ``EARTHQUAKES_PARQUET`` (for example years of USGS data, or a synthetic 10-million-row table)."""
    configured = os.environ.get(EARTHQUAKES_ENV, "").strip()
    return Path(configured).expanduser().resolve() if configured else EARTHQUAKES_PARQUET
