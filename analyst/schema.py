"""The compact description of the loaded tables that every prompt carries.

One line per column: the exact name (quoted when it needs quotes), the type, and only the hint
that helps a model write correct SQL: a range, the few values of a low-cardinality text column,
or one example. Built from the live database, so uploaded tables appear automatically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from analyst.datasets import COLUMN_UNITS, EARTHQUAKES_TABLE
from analyst.sandbox import SessionDatabase, TableInfo

MAX_LISTED_VALUES = 8
LOW_CARDINALITY = 12
EXAMPLE_MAX_CHARS = 40
SAMPLE_ROWS = 200_000
IDENTIFIER_SHARE = 0.85
COORDINATES = ("latitude", "longitude", "lat", "lon", "lng")
NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL", "UBIGINT", "UINTEGER")


def quote_identifier(name: str) -> str:
    """DuckDB folds unquoted names to lower case: quote anything that is not plain lower case."""
    plain = name.isidentifier() and name == name.lower()
    return name if plain else '"' + name.replace('"', '""') + '"'


def _short_number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


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


def describe_table(db: SessionDatabase, table: str) -> str:
    """One line per column, from one scan for the statistics plus one small query per low-cardinality text column."""
    info = next(t for t in db.tables() if t.name == table)
    tbl = quote_identifier(table)
    lines = [f"Table {tbl} ({info.rows:,} rows):"]
    if not info.rows or not info.columns:
        return "\n".join(lines + [f"{quote_identifier(c)} {k}" for c, k in info.columns])
    # Ranges and null shares from every row; distinct counts and examples from a sample of big tables.
    share = max(0.01, 100 * SAMPLE_ROWS / info.rows)
    sampled = f"(SELECT * FROM {tbl} USING SAMPLE {share:.2f} PERCENT (system))" if info.rows > SAMPLE_ROWS else tbl
    exact, estimated = [], []
    for column, kind in info.columns:
        col = quote_identifier(column)
        exact.append(f"min({col}), max({col}), count({col})" if _is_range_type(kind) else f"NULL, NULL, count({col})")
        example = f"any_value({col})" if kind == "VARCHAR" else "NULL"
        estimated.append(f"approx_count_distinct({col}), {example}")
    ranges = db.internal_query(f"SELECT {', '.join(exact)} FROM {tbl}")[0]
    samples = db.internal_query(f"SELECT {', '.join(estimated)} FROM {sampled}")[0]
    for index, (column, kind) in enumerate(info.columns):
        low, high, non_null = ranges[index * 3 : index * 3 + 3]
        distinct, example = samples[index * 2 : index * 2 + 2]
        col = quote_identifier(column)
        parts: list[str] = []
        if non_null == 0:
            parts.append("all null")
        elif _is_range_type(kind):
            parts.append(_format_range(kind, low, high))
        elif kind == "VARCHAR" and distinct <= LOW_CARDINALITY:
            values = db.internal_query(
                f"SELECT {col} FROM {sampled} WHERE {col} IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 "
                f"LIMIT {MAX_LISTED_VALUES}"
            )
            parts.append("values " + ", ".join(str(v[0]) for v in values))
        elif kind == "VARCHAR" and _helpful_example(example, distinct, non_null):
            parts.append(f"e.g. '{example}'")
        null_share = 1 - non_null / info.rows
        if 0.05 <= null_share < 1:
            parts.append(f"{null_share:.0%} null")
        unit = COLUMN_UNITS.get(table, {}).get(column)
        lines.append(f"{col} {kind}" + (f" {unit}" if unit else "") + (f" {'; '.join(parts)}" if parts else ""))
    return "\n".join(lines)


_SHARED_FILE_DESCRIPTIONS: dict[tuple[str, float, int], str] = {}


def _describe(db: SessionDatabase, table: str) -> str:
    source = db.external_source
    if source is None or table != EARTHQUAKES_TABLE:
        return describe_table(db, table)
    # Every session reads the same owner-provided file: describe it once per process, not per visitor.
    stat = source.stat()
    key = (str(source), stat.st_mtime, stat.st_size)
    if key not in _SHARED_FILE_DESCRIPTIONS:
        _SHARED_FILE_DESCRIPTIONS[key] = describe_table(db, table)
    return _SHARED_FILE_DESCRIPTIONS[key]


def describe_tables(db: SessionDatabase) -> str:
    """All tables, cached until the tables change."""
    return db.memo("schema_description", lambda: "\n\n".join(_describe(db, t) for t in db.table_names()))


@dataclass(frozen=True)
class SchemaContext:
    """What the SQL prompt says about the loaded tables: their description, and worked examples written
    with their own columns (a small model copies the names and shapes it sees, so they must exist and be
    right for the kind of question they answer)."""

    schema: str
    examples: tuple[tuple[str, str], ...]  # (question, SQL)


@dataclass(frozen=True)
class _Roles:
    """Columns of one table that the examples use: a time, a measure, a category and a text column."""

    table: str
    time: str | None = None
    time_is_date: bool = False
    measure: str | None = None
    category: str | None = None
    top_value: str | None = None  # the category's most common value
    text: str | None = None
    word: str | None = None  # the most frequent word of the text column


def _first(columns: tuple[tuple[str, str], ...], test: Any, preferred: tuple[str, ...] = ()) -> str | None:
    matching = [c for c, k in columns if test(c, k)]
    return next((c for c in matching if c.lower() in preferred), matching[0] if matching else None)


def _roles(db: SessionDatabase, info: TableInfo) -> _Roles:
    columns = info.columns
    kinds = dict(columns)
    time = _first(columns, lambda c, k: k.startswith(("TIMESTAMP", "DATE")), ("time", "date", "timestamp"))
    measure = _first(
        columns,
        lambda c, k: k.split("(")[0] in NUMERIC and c.lower() not in COORDINATES and not c.lower().endswith("id"),
        ("mag", "value", "price", "amount"),
    )
    daily = bool(time) and (kinds[time] == "DATE" or _whole_days(db, info.name, str(time)))
    roles = _Roles(info.name, time, daily, measure)
    texts = [c for c, k in columns if k == "VARCHAR" and c.lower() not in ("id", "code")]
    if not texts or not info.rows:
        return roles
    tbl = quote_identifier(info.name)
    counts = db.internal_query(
        "SELECT " + ", ".join(f"approx_count_distinct({quote_identifier(c)})" for c in texts) + f" FROM {tbl}"
    )[0]
    categories = [c for c, n in zip(texts, counts, strict=True) if 1 < n <= LOW_CARDINALITY]
    category = next((c for c in categories if c != c.lower()), categories[0] if categories else None)
    top_value = None
    if category:
        col = quote_identifier(category)
        top = db.internal_query(f"SELECT {col} FROM {tbl} WHERE {col} IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1")
        top_value = str(top[0][0]) if top else None
    text = next((c for c, n in zip(texts, counts, strict=True) if n > LOW_CARDINALITY), None)
    word = None
    if text:
        # The most frequent word of the column (in its first rows): a value a question would plausibly name.
        rows = db.internal_query(
            f"SELECT w FROM (SELECT unnest(regexp_extract_all({quote_identifier(text)}, '[A-Za-z]{{4,}}')) AS w "
            f"FROM (FROM {tbl} LIMIT 5000)) GROUP BY w ORDER BY count(*) DESC, w LIMIT 1"
        )
        word = rows[0][0].lower() if rows else None
    return replace(roles, category=category, top_value=top_value, text=text if word else None, word=word)


def _whole_days(db: SessionDatabase, table: str, column: str) -> bool:
    """Whether every value of a timestamp column is a midnight (daily data stored as timestamps)."""
    col, tbl = quote_identifier(column), quote_identifier(table)
    row = db.internal_query(f"SELECT bool_and({col} = date_trunc('day', {col})) FROM (FROM {tbl} LIMIT 5000)")
    return bool(row and row[0][0])


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def build_examples(db: SessionDatabase) -> tuple[tuple[str, str], ...]:
    """Three worked examples over the first table (earthquakes first): a filtered, rounded average; a count per
    period; a top N by category. Each uses that table's own columns, and is skipped when it lacks them."""
    infos = sorted(db.tables(), key=lambda t: t.name != EARTHQUAKES_TABLE)
    if not infos:
        return ()
    roles = _roles(db, infos[0])
    tbl = quote_identifier(roles.table)
    examples: list[tuple[str, str]] = []
    if roles.measure and (roles.word or roles.top_value):
        m = quote_identifier(roles.measure)
        average = f"SELECT round(avg({m}), 2) AS avg_{_snake(roles.measure)} FROM {tbl} WHERE "
        if roles.text and roles.word:
            where = f"{roles.text} mentions {roles.word.title()}"
            condition = f"{quote_identifier(roles.text)} ILIKE '%{roles.word}%'"
        else:
            where = f"{roles.category} is {roles.top_value}"
            condition = f"{quote_identifier(str(roles.category))} = {_literal(str(roles.top_value))}"
        examples.append((f"Average {roles.measure} where {where}, rounded to 2 decimals?", average + condition))
    if roles.time:
        t = quote_identifier(roles.time)
        if roles.time_is_date:  # daily data: the useful grain is coarser
            question, key = "How many rows per month?", f"date_trunc('month', {t}) AS month"
        else:
            question, key = "How many rows per day?", f"{t}::DATE AS day"
        group = key.rsplit(" AS ", 1)[1]
        examples.append((question, f"SELECT {key}, count(*) AS n FROM {tbl} GROUP BY {group} ORDER BY {group}"))
    if roles.category:
        c = quote_identifier(roles.category)
        examples.append(
            (
                f"Which 3 {roles.category} values have the most rows?",
                f"SELECT {c}, count(*) AS n FROM {tbl} GROUP BY {c} ORDER BY n DESC LIMIT 3",
            )
        )
    return tuple(examples)


def _snake(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()).strip("_") or "value"


def build_schema_context(db: SessionDatabase) -> SchemaContext:
    """The prompt's view of the tables, cached until the tables change."""
    return db.memo("schema_context", lambda: SchemaContext(describe_tables(db), build_examples(db)))
