"""Per-table profiles for the Explore page: DuckDB's SUMMARIZE, trimmed to what people read."""

from __future__ import annotations

import math

import duckdb
import pandas as pd

from analyst.schema import quote_identifier
from sandbox.database import SessionDatabase

PROFILE_COLUMNS = [
    "column_name", "column_type", "min", "max", "avg", "q25", "q50", "q75", "approx_unique", "null_percentage",
]  # fmt: skip
HISTOGRAM_BINS = 12
HISTOGRAM_SAMPLE_ROWS = 100_000  # a bigger table's histograms come from a sample of this many rows
NUMERIC_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                 "UBIGINT", "FLOAT", "DOUBLE", "DECIMAL", "REAL")  # fmt: skip


def profile_table(db: SessionDatabase, table: str) -> pd.DataFrame:
    """Column, type, min, max, mean, quartiles, approximate distinct count (never above the row count), null share
    and, for numbers, a small histogram of every column (cached per data version); a ``QueryError`` when the table
    cannot be read."""
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
        for column in ("avg", "q25", "q50", "q75"):
            frame[column] = frame[column].map(_short_number)
        frame = frame.rename(columns={"avg": "mean", "q25": "25%", "q50": "median", "q75": "75%"})
        histograms = [
            _histogram(db, table, name) if str(kind).startswith(NUMERIC_TYPES) else None
            for name, kind in zip(frame["column"], frame["type"], strict=True)
        ]
        frame.insert(2, "histogram", histograms)  # beside the type: a wide profile would push it out of view
        return frame

    return db.memo(f"profile:{table}", compute)


def _short_number(value: object) -> str:
    """SUMMARIZE's mean and quartiles (text) at four significant digits; "" for other columns."""
    try:
        number = float(str(value))
    except ValueError:
        return ""
    return f"{number:.4g}" if math.isfinite(number) else ""


def _histogram(db: SessionDatabase, table: str, column: str) -> list[int]:
    """Row counts in ``HISTOGRAM_BINS`` equal-width bins from the minimum to the maximum (of a sample of a big
    table), for the profile's little bar chart."""
    col, tbl = quote_identifier(column), quote_identifier(table)
    source = f"(SELECT {col} AS v FROM {tbl} USING SAMPLE {HISTOGRAM_SAMPLE_ROWS} ROWS)"
    rows = db.internal_query(
        f"""WITH values AS (SELECT v::DOUBLE AS v FROM {source} WHERE v IS NOT NULL AND isfinite(v::DOUBLE)),
        bounds AS (SELECT min(v) AS lo, max(v) AS hi FROM values),
        bins AS (SELECT CASE WHEN hi = lo THEN 0
                        ELSE least(floor((v - lo) / (hi - lo) * {HISTOGRAM_BINS}), {HISTOGRAM_BINS - 1}) END::INT AS bin
                 FROM values, bounds)
        SELECT list(coalesce(n, 0) ORDER BY i) FROM range({HISTOGRAM_BINS}) r(i)
        LEFT JOIN (SELECT bin, count(*) AS n FROM bins GROUP BY 1) ON bin = i"""
    )
    return list(rows[0][0]) if rows and rows[0][0] is not None else []
