"""What the SQL prompt says about the loaded tables besides describing them: worked examples and date
idioms written with the columns of the table a question is about. A small model copies the names and
shapes it sees, so every name must exist and every example must be right for its kind of question."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

import duckdb

from analyst.lead_measure import load_measures_by_lead
from analyst.schema import LOW_CARDINALITY, NUMERIC, describe_tables, quote_identifier, quote_literal
from sandbox.database import SessionDatabase, TableInfo
from sources.bundled import EARTHQUAKES_TABLE

COORDINATES = ("latitude", "longitude", "lat", "lon", "lng")


@dataclass(frozen=True)
class SchemaContext:
    """What the SQL prompt says about the loaded tables: their description, and worked examples written
    with their own columns (a small model copies the names and shapes it sees, so they must exist and be
    right for the kind of question they answer)."""

    schema: str
    examples: tuple[tuple[str, str, str], ...]  # (question, SQL, chart line)
    idioms: str = ""  # DuckDB date idioms with the table's own time column


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
    numbers = [
        c
        for c, k in columns
        if k.split("(")[0] in NUMERIC and c.lower() not in COORDINATES and not c.lower().endswith("id")
    ]
    measure = _lead_measure(db, info, numbers)
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


def _lead_measure(db: SessionDatabase, info: TableInfo, numbers: list[str]) -> str | None:
    """The measure the worked examples use: the one the table's other numbers move with (its lead), else its first
    number, as the table lists it (which small models follow best: the real 0.5B model answered worse with the first
    continuous number of an orders table, its unit price, than with its units)."""
    try:
        return next(iter(load_measures_by_lead(db, info, numbers, only_when_led=True)), None)
    except duckdb.Error:
        return numbers[0] if numbers else None


def _whole_days(db: SessionDatabase, table: str, column: str) -> bool:
    """Whether every value of a timestamp column is a midnight (daily data stored as timestamps)."""
    col, tbl = quote_identifier(column), quote_identifier(table)
    row = db.internal_query(f"SELECT bool_and({col} = date_trunc('day', {col})) FROM (FROM {tbl} LIMIT 5000)")
    return bool(row and row[0][0])


def build_idioms(info: TableInfo) -> str:
    """Date idioms written with the table's time column ("hour(time)"), or "" when it has none."""
    columns = info.columns
    time = _first(columns, lambda c, k: k.startswith(("TIMESTAMP", "DATE")), ("time", "date", "timestamp"))
    if not time:
        return ""
    t = quote_identifier(time)
    return f"Per month: date_trunc('month', {t}); hour of day: hour({t}); year: year({t})."


def load_examples(db: SessionDatabase, info: TableInfo) -> tuple[tuple[str, str, str], ...]:
    """Three worked examples over one table: a filtered, rounded average; a count per period; a top N by
    category. Each uses that table's own columns, and is skipped when it lacks them."""
    roles = _roles(db, info)
    tbl = quote_identifier(roles.table)
    examples: list[tuple[str, str, str]] = []
    if roles.measure and (roles.word or roles.top_value):
        m = quote_identifier(roles.measure)
        average = f"SELECT round(avg({m}), 2) AS avg_{_snake(roles.measure)} FROM {tbl} WHERE "
        if roles.text and roles.word:
            where = f"{roles.text} mentions {roles.word.title()}"
            condition = f"{quote_identifier(roles.text)} ILIKE {quote_literal(f'%{roles.word}%')}"
        else:
            where = f"{roles.category} is {roles.top_value}"
            condition = f"{quote_identifier(str(roles.category))} = {quote_literal(str(roles.top_value))}"
        question = f"Average {roles.measure} where {where}, rounded to 2 decimals?"
        examples.append((question, average + condition, "chart: none"))
    if roles.time:
        t = quote_identifier(roles.time)
        if roles.time_is_date:  # daily data: the useful grain is coarser
            question, key = "How many rows per month?", f"date_trunc('month', {t}) AS month"
        else:
            question, key = "How many rows per day?", f"{t}::DATE AS day"
        group = key.rsplit(" AS ", 1)[1]
        # GROUP BY ALL: small models copy it unchanged, and it groups by whatever they selected.
        sql = f"SELECT {key}, count(*) AS n FROM {tbl} GROUP BY ALL ORDER BY {group}"
        examples.append((question, sql, f"chart: line x={group} y=n"))
    if roles.category:
        c = quote_identifier(roles.category)
        examples.append(
            (
                f"Which 3 {roles.category} values have the most rows?",
                f"SELECT {c}, count(*) AS n FROM {tbl} GROUP BY ALL ORDER BY n DESC LIMIT 3",
                f"chart: bar x={roles.category} y=n",
            )
        )
    return tuple(examples)


def _snake(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()).strip("_") or "value"


def _named(info: TableInfo, question: str) -> tuple[int, int]:
    """Whether ``question`` names the table, and how many of its columns it names (a column's own name, or a
    word of it: "temperature" names ``temperature_c``)."""
    words = set(re.findall(r"[a-z0-9_]+", question.lower()))
    named = info.name.lower() in words or info.name.lower().replace("_", " ") in question.lower()
    columns = sum(
        1
        for c, _ in info.columns
        if c.lower() in words or any(len(piece) >= 4 and piece in words for piece in _snake(c).split("_"))
    )
    return int(named), columns


def focus_table(tables: list[TableInfo], question: str, conversation: str = "") -> TableInfo | None:
    """The table a question is most likely about: one it names, else the one whose columns it names most, else
    the one the conversation before it was about (``conversation``: its earlier questions), else ``earthquakes``
    (or the first table). Its columns write the prompt's examples."""
    if not tables:
        return None
    return max(tables, key=lambda info: (*_named(info, question), *_named(info, conversation),
                                         info.name == EARTHQUAKES_TABLE))  # fmt: skip


def load_schema_context(db: SessionDatabase, question: str = "", conversation: str = "") -> SchemaContext:
    """The prompt's view of the tables for this question: every table described, and examples written with
    the columns of the table the question (or else the conversation before it) is about. Cached until the
    tables change."""
    focus = focus_table(db.tables(), question, conversation)
    if focus is None:
        return SchemaContext(describe_tables(db), ())
    return db.memo(
        f"schema_context:{focus.name}",
        lambda: SchemaContext(describe_tables(db), load_examples(db, focus), build_idioms(focus)),
    )
