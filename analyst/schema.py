"""The compact description of the loaded tables that every prompt carries.

One line per column: the exact name (quoted when it needs quotes), the type, and only the hint
that helps a model write correct SQL: a range, the few values of a low-cardinality text column,
or one example. Built from the live database, so uploaded tables appear automatically.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import duckdb

from analyst.sql_description import describe_sql
from sandbox.database import SessionDatabase
from sandbox.owner_file_memo import OwnerFileMemo
from sandbox.syntax_tree import parse_tree, quote_name
from sources.bundled import COLUMN_UNITS, EARTHQUAKES_TABLE

MAX_LISTED_VALUES = 8
MAX_DESCRIBED_COLUMNS = 60  # a wide table's first columns get a line each; the rest are named only
MAX_NAMED_CHARS = 1_500  # room for the names of a wide table's other columns
MAX_NAME_CHARS = 120  # a longer column name is left out of the prompt (it would cost more than it helps)
MAX_SCHEMA_CHARS = 12_000  # about 4,000 tokens: every question pays for the description
LOW_CARDINALITY = 12
EXAMPLE_MAX_CHARS = 40
SAMPLE_ROWS = 200_000
IDENTIFIER_SHARE = 0.85
NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL", "UBIGINT", "UINTEGER")


@lru_cache(maxsize=1)
def reserved_words() -> frozenset[str]:
    """DuckDB's reserved keywords (``select``, ``order``) and type or function keywords (``at``, ``left``): a bare
    column name cannot be one."""
    with duckdb.connect() as connection:
        rows = connection.execute(
            "SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category IN ('reserved', 'type_function')"
        )
        return frozenset(r[0].lower() for r in rows.fetchall())


def quote_literal(value: str) -> str:
    """A SQL string literal holding ``value`` exactly (quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def quote_identifier(name: str) -> str:
    """``name`` as written in SQL that a person or the model reads (prompts, suggested questions): bare when it is a
    plain lower-case name that DuckDB reads unchanged, else ``quote_name``'s quoting. The app's own SQL that nobody
    reads uses ``quote_name``."""
    plain = name.isascii() and name.isidentifier() and name == name.lower() and name not in reserved_words()
    return name if plain else quote_name(name)


def _short_number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def is_numeric_type(kind: str) -> bool:
    """A DuckDB type of numbers (``DECIMAL(9,2)`` included)."""
    return kind.split("(")[0] in NUMERIC


def _is_range_type(kind: str) -> bool:
    base = kind.split("(")[0]
    return base in NUMERIC or base.startswith("TIMESTAMP") or base in ("DATE", "TIME")


def _format_range(kind: str, low: Any, high: Any) -> str:
    if kind.startswith("TIMESTAMP"):
        spans_days = str(low)[:10] != str(high)[:10]
        width = 10 if spans_days else 16  # dates are enough across days; minutes within one
        return f"{str(low)[:width]}..{str(high)[:width]}"
    return f"{_short_number(low)}..{_short_number(high)}"


def _helpful_example(example: Any, distinct: int, non_null: int) -> bool:
    """A short example shows a text column's format; an identifier's (nearly all values differ) shows nothing."""
    short = example is not None and len(str(example)) <= EXAMPLE_MAX_CHARS
    return short and distinct < IDENTIFIER_SHARE * non_null


def _other_columns(columns: tuple[tuple[str, str], ...]) -> list[str]:
    """A wide table's columns past the described ones, by name, within ``MAX_NAMED_CHARS``."""
    if not columns:
        return []
    names, size = [], 0
    for column, _kind in columns:
        name = quote_identifier(column)
        if len(name) > MAX_NAME_CHARS:
            continue
        if size + len(name) + 2 > MAX_NAMED_CHARS:
            break
        names.append(name)
        size += len(name) + 2
    left = len(columns) - len(names)
    more = f" and {left:,} more" if left else ""
    return [f"{len(columns):,} more columns: {', '.join(names)}{more}"]


def describe_table(db: SessionDatabase, table: str) -> str:
    """One line per column (the first ``MAX_DESCRIBED_COLUMNS`` of a wide table, the others by name), from one scan
    for the statistics plus one small query per low-cardinality text column."""
    info = next(t for t in db.tables() if t.name == table)
    tbl = quote_identifier(table)
    lines = [f"Table {tbl} ({info.rows:,} rows):"]
    described = tuple((c, k) for c, k in info.columns if len(quote_identifier(c)) <= MAX_NAME_CHARS)
    described, others = described[:MAX_DESCRIBED_COLUMNS], described[MAX_DESCRIBED_COLUMNS:]
    if not info.rows or not info.columns:
        return "\n".join(lines + [f"{quote_identifier(c)} {k}" for c, k in described] + _other_columns(others))
    # Ranges and null shares from every row; distinct counts and examples from a sample of big tables.
    share = max(0.01, 100 * SAMPLE_ROWS / info.rows)
    sampled = f"(SELECT * FROM {tbl} USING SAMPLE {share:.2f} PERCENT (system))" if info.rows > SAMPLE_ROWS else tbl
    exact, estimated = [], []
    for column, kind in described:
        col = quote_identifier(column)
        exact.append(f"min({col}), max({col}), count({col})" if _is_range_type(kind) else f"NULL, NULL, count({col})")
        example = f"any_value({col})" if kind == "VARCHAR" else "NULL"
        estimated.append(f"approx_count_distinct({col}), {example}")
    ranges = db.internal_query(f"SELECT {', '.join(exact)} FROM {tbl}")[0]
    samples = db.internal_query(f"SELECT {', '.join(estimated)} FROM {sampled}")[0]
    for index, (column, kind) in enumerate(described):
        low, high, non_null = ranges[index * 3 : index * 3 + 3]
        distinct, example = samples[index * 2 : index * 2 + 2]
        col = quote_identifier(column)
        unit = COLUMN_UNITS.get(table, {}).get(column)
        parts: list[str] = []
        if non_null == 0:
            parts.append("all null")
        elif _is_range_type(kind):
            parts.append(_format_range(kind, low, high) + (f" {unit}" if unit else ""))
        elif kind == "VARCHAR" and distinct <= LOW_CARDINALITY:
            values = db.internal_query(
                f"SELECT {col} FROM {sampled} WHERE {col} IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 "
                f"LIMIT {MAX_LISTED_VALUES}"
            )
            parts.append("values " + ", ".join(str(v[0]) for v in values if len(str(v[0])) <= EXAMPLE_MAX_CHARS))
        elif kind == "VARCHAR" and _helpful_example(example, distinct, non_null):
            parts.append(f"e.g. '{example}'")
        null_share = 1 - non_null / info.rows
        if 0.05 <= null_share < 1:
            parts.append(f"{null_share:.0%} null")
        lines.append(f"{col} {kind}" + (f" {'; '.join(parts)}" if parts else ""))
    return "\n".join(lines + _other_columns(others))


def _saved_answer_note(db: SessionDatabase, table: str, description: str) -> str:
    """A saved answer's description, with what its rows are: "one row per day of time, count (n) of earthquakes"
    tells the model to add up ``n`` for a total instead of counting the view's rows."""
    tree = parse_tree(db.saved_views[table].query, db.internal_query) or {}
    grouped = tree.get("group_expressions") or tree.get("aggregate_handling") == "GROUP_BY_ALL"
    computed = describe_sql(db.saved_views[table].query, db.internal_query) if grouped else None
    if not computed:
        return description
    header, _, rest = description.partition("\n")
    note = f"A saved answer: {computed}. Each row is a group: a total over it sums a column."
    return "\n".join(line for line in (header, note, rest) if line)


SHARED_FILE_DESCRIPTIONS: OwnerFileMemo[str] = OwnerFileMemo()  # the owner's file: described once per process


def _describe(db: SessionDatabase, table: str) -> str:
    view = db.saved_views.get(table)
    if view is not None:  # a saved view is run to describe it once per data version, and kept with it
        if view.description is None or not view.fresh:
            try:
                db.remember_description(table, _saved_answer_note(db, table, describe_table(db, table)))
            except duckdb.Error:  # too slow to describe, or failing now: as it was, else its columns alone
                return view.description or "\n".join(
                    [f"Table {quote_identifier(table)}:", *(f"{quote_identifier(c)} {k}" for c, k in view.columns)]
                )
        return db.saved_views[table].description or ""
    source = db.external_source
    if source is None or table != EARTHQUAKES_TABLE:
        return describe_table(db, table)
    # Every session reads the same owner-provided file: describe it once per process, not per visitor.
    return SHARED_FILE_DESCRIPTIONS.get(source, lambda: describe_table(db, table))


def _fitted(descriptions: list[str], tables: list[str]) -> str:
    """The descriptions within ``MAX_SCHEMA_CHARS``; a table that does not fit is named with its size only."""
    kept, size = [], 0
    for table, text in zip(tables, descriptions, strict=True):
        if size + len(text) > MAX_SCHEMA_CHARS:
            text = f"Table {quote_identifier(table)}: not described here (the description of the tables is full)."
        kept.append(text)
        size += len(text) + 2
    return "\n\n".join(kept)


def describe_tables(db: SessionDatabase) -> str:
    """All tables within ``MAX_SCHEMA_CHARS``, cached until the tables change."""

    def describe() -> str:
        tables = db.table_names()
        return _fitted([_describe(db, t) for t in tables], tables)

    return db.memo("schema_description", describe)
