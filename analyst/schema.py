"""The compact description of the loaded tables that every prompt carries.

One line per column: the exact name (quoted when it needs quotes), the type, and only the hint
that helps a model write correct SQL: a range, the few values of a low-cardinality text column,
or one example. Built from the live database, so uploaded tables appear automatically.
"""

from __future__ import annotations

from typing import Any

from analyst.sandbox import SessionDatabase

MAX_LISTED_VALUES = 8
LOW_CARDINALITY = 12
EXAMPLE_MAX_CHARS = 40
NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL", "UBIGINT", "UINTEGER")


def quote_identifier(name: str) -> str:
    """DuckDB folds unquoted names to lower case: quote anything that is not plain lower case."""
    plain = name.isidentifier() and name == name.lower()
    return name if plain else '"' + name.replace('"', '""') + '"'


def _short_number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _column_hint(db: SessionDatabase, table: str, column: str, kind: str, rows: int) -> str:
    col = quote_identifier(column)
    tbl = quote_identifier(table)
    stats = db.internal_query(f"SELECT min({col}), max({col}), approx_count_distinct({col}), count({col}) FROM {tbl}")[
        0
    ]
    low, high, distinct, non_null = stats
    parts: list[str] = []
    base = kind.split("(")[0]
    if non_null == 0:
        return "all null"
    if base in NUMERIC or base.startswith("TIMESTAMP") or base in ("DATE", "TIME"):
        if base.startswith("TIMESTAMP"):
            low, high = str(low)[:16], str(high)[:16]
        parts.append(f"{_short_number(low)}..{_short_number(high)}")
    elif base == "VARCHAR":
        if distinct <= LOW_CARDINALITY:
            values = db.internal_query(
                f"SELECT {col} FROM {tbl} WHERE {col} IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 "
                f"LIMIT {MAX_LISTED_VALUES}"
            )
            parts.append("values " + ", ".join(f"'{v[0]}'" for v in values))
        else:
            example = db.internal_query(f"SELECT {col} FROM {tbl} WHERE {col} IS NOT NULL LIMIT 1")[0][0]
            if len(str(example)) <= EXAMPLE_MAX_CHARS:
                parts.append(f"e.g. '{example}'")
    null_share = 1 - non_null / rows if rows else 0
    if null_share >= 0.05:
        parts.append(f"{null_share:.0%} null")
    return "; ".join(parts)


def describe_table(db: SessionDatabase, table: str) -> str:
    info = next(t for t in db.tables() if t.name == table)
    lines = [f"Table {quote_identifier(table)} ({info.rows:,} rows):"]
    for column, kind in info.columns:
        hint = _column_hint(db, table, column, kind, info.rows) if info.rows else ""
        lines.append(f"{quote_identifier(column)} {kind}" + (f" {hint}" if hint else ""))
    return "\n".join(lines)


def describe_tables(db: SessionDatabase) -> str:
    """All tables, cached until the tables change."""
    return db.memo("schema_description", lambda: "\n\n".join(describe_table(db, t) for t in db.table_names()))
