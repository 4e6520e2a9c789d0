"""Per-table profiles for the Explore page: DuckDB's SUMMARIZE, trimmed to what people read."""

from __future__ import annotations

import duckdb
import pandas as pd

from analyst.schema import quote_identifier
from sandbox.database import SessionDatabase

PROFILE_COLUMNS = ["column_name", "column_type", "min", "max", "approx_unique", "null_percentage"]


def profile_table(db: SessionDatabase, table: str) -> pd.DataFrame:
    """Column, type, min, max, approximate distinct count (never above the row count) and null share of every
    column (cached per data version); a ``QueryError`` when the table cannot be read."""
    if table not in db.table_names():
        raise ValueError(f"No table named {table}")

    def compute() -> pd.DataFrame:
        try:
            rows = db.internal_query(f"SUMMARIZE {quote_identifier(table)}")
        except duckdb.Error as error:  # a saved view's query may fail or run too long
            raise db.reading_error(error) from None
        frame = pd.DataFrame(
            rows,
            columns=[
                "column_name",
                "column_type",
                "min",
                "max",
                "approx_unique",
                "avg",
                "std",
                "q25",
                "q50",
                "q75",
                "count",
                "null_percentage",
            ],
        )
        # SUMMARIZE's distinct count is a HyperLogLog estimate: it can exceed the rows there are.
        frame["approx_unique"] = frame[["approx_unique", "count"]].min(axis=1)
        frame = frame[PROFILE_COLUMNS].rename(
            columns={
                "column_name": "column",
                "column_type": "type",
                "approx_unique": "distinct (approx.)",
                "null_percentage": "null %",
            }
        )
        frame["min"] = frame["min"].astype(str).str.slice(0, 40)
        frame["max"] = frame["max"].astype(str).str.slice(0, 40)
        return frame

    return db.memo(f"profile:{table}", compute)
