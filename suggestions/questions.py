"""Questions to start from and to ask next, built from the data alone (no model call).

Starters come from each table's columns and a quick profile (``suggestions.table_roles``): a time column gives
counts per period, a category its most common values, a number its average per category or its distribution,
coordinates a map. Follow-ups come from an answer's SQL, read on DuckDB's parse, and from its result: only the
top category, the other time grain, a breakdown, a map, the top category against the rest. Every suggestion
carries the SQL that answers it and is offered only when that SQL passes the sandbox's guard and returns rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import zip_longest
from typing import Any

import duckdb
import pandas as pd

from analyst.answer import Answer
from analyst.schema import quote_identifier, quote_literal
from charts.roles import column_roles, time_grain
from sandbox.database import QueryError, SessionDatabase
from sandbox.owner_file_memo import OwnerFileMemo
from sandbox.syntax_tree import Tree, walk
from sources.bundled import EARTHQUAKES_TABLE
from suggestions.query_shape import QueryRewriter, QueryShape, column_names, read_query_shape, result_name
from suggestions.table_roles import TableRoles, TimeColumn, table_roles

TIME_WORDS = {"time", "date", "day", "week", "month", "quarter", "year", "hour", "timestamp", "datetime", "period"}

STARTERS = 6
PER_TABLE = 6
FOLLOW_UPS = 3
MIN_FOLLOW_UPS = 2
VALUE_MAX_CHARS = 30  # a value from the data inside a question: short, so it reads as a value, not as text
FEW_VALUES = 10  # a category with at most this many values is counted whole, and can colour a chart
SUM_WORDS = {"amount", "revenue", "sales", "total", "quantity", "qty", "units", "cost", "profit", "spend", "volume"}
GRAIN_SECONDS = {"hour": 3_600, "day": 86_400, "week": 604_800, "month": 2_629_800, "year": 31_557_600}
OTHER_GRAINS = {  # the grains a series is worth seeing at next, nearest first
    "hour": ("day",),
    "day": ("month", "week", "hour"),
    "week": ("month", "day"),
    "month": ("year", "week", "day"),
    "year": ("month",),
}


@dataclass(frozen=True)
class Suggestion:
    """A question in plain words, and SQL that answers it on the session's data."""

    question: str
    sql: str


@dataclass(frozen=True)
class _Candidate:
    suggestion: Suggestion
    min_rows: int = 1  # a series or a comparison needs two rows to be one


# Checking ---------------------------------------------------------------------------------------------
def answers(db: SessionDatabase, sql: str, min_rows: int = 1) -> bool:
    """Whether ``sql`` passes the sandbox's guard and returns at least ``min_rows`` rows on the path model SQL
    takes (read-only, row cap, time limit); one row of nothing but nulls and zeros answers nothing."""
    try:
        result = db.run_query(sql, first_rows=max(min_rows, 2))
    except QueryError:
        return False
    return result.total_rows >= min_rows and not result.found_nothing


def _checked(db: SessionDatabase, candidates: list[_Candidate], limit: int, skip: set[str]) -> list[Suggestion]:
    kept: list[Suggestion] = []
    for candidate in candidates:
        question = candidate.suggestion.question
        if len(kept) == limit:
            break
        if question in skip or any(k.question == question for k in kept):
            continue
        if answers(db, candidate.suggestion.sql, candidate.min_rows):
            kept.append(candidate.suggestion)
    return kept


# Words ------------------------------------------------------------------------------------------------
def noun_for(table: str) -> str:
    """What a table's rows are called in a question: its name when it reads as a plural ("earthquakes",
    "weather stations"), otherwise "rows of <name>"."""
    words = table.split("_")
    plural = table.endswith("s") and not table.endswith("ss")
    if 1 <= len(words) <= 3 and all(w.isalpha() for w in words) and plural:
        return " ".join(words)
    return f"rows of {table}"


def _aggregate_for(measure: str) -> tuple[str, str, str]:
    """(word, function, alias): totals for amounts and counts, averages for everything else."""
    words = set(measure.lower().replace("-", "_").split("_"))
    snake = "".join(c if c.isalnum() else "_" for c in measure.lower()).strip("_") or "value"
    if words & SUM_WORDS:
        return "total", "sum", f"total_{snake}"
    return "average", "avg", f"avg_{snake}"


def starter_grain(column: TimeColumn) -> str:
    """The grain that shows a time column's span as a readable series."""
    days = column.span.total_seconds() / 86_400
    if days <= 3 and not column.is_date:
        return "hour"
    if days <= 92:
        return "day"
    return "month" if days <= 5 * 366 else "year"


def other_grain(grain: str, column: TimeColumn) -> str | None:
    """The next grain worth a look for a series at ``grain``: one that gives 3 to 1,000 periods."""
    for other in OTHER_GRAINS.get(grain, ()):
        periods = column.span.total_seconds() / GRAIN_SECONDS[other] + 1
        if not (other == "hour" and column.is_date) and 3 <= periods <= 1_000:
            return other
    return None


def _truncated(grain: str, column: str) -> str:
    return f"date_trunc({quote_literal(grain)}, {quote_identifier(column)}) AS {quote_identifier(grain)}"


def askable_value(value: Any) -> str | None:
    """``value`` when a question may name it (in quotes): short text on one line, without a quote of its own."""
    if not isinstance(value, str):
        return None
    if not 0 < len(value) <= VALUE_MAX_CHARS or value != value.strip() or not value.isprintable() or "'" in value:
        return None
    return value


# Starters ---------------------------------------------------------------------------------------------
class _Starters:
    """One table's questions, each with SQL written for it from the table's roles."""

    def __init__(self, roles: TableRoles) -> None:
        self.roles = roles
        self.tbl, self.noun = quote_identifier(roles.table), noun_for(roles.table)
        self.time = roles.times[0] if roles.times else None
        self.grain = starter_grain(self.time) if self.time else ""
        self.measure = roles.measures[0] if roles.measures else None
        self.category = roles.categories[0][0] if roles.categories else None

    def candidates(self) -> list[_Candidate]:
        """Best first: a series, a category's counts, a number by category, a map, the top ten by a number,
        its distribution, two numbers together, a number over time, a second category, two categories."""
        roles = self.roles
        found = [
            self.series() or self.per_part(),
            self.counts(*roles.categories[0]) if roles.categories else self.top_values(),
            self.measure_by_category(),
            self.map(),
            self.top_rows(),
            self.distribution(),
            self.relation(),
            self.measure_over_time(),
            self.counts(*roles.categories[1]) if len(roles.categories) > 1 else None,
            self.top_values() if roles.categories else None,
            self.two_categories(),
        ]
        return [c for c in found if c is not None]

    def series(self) -> _Candidate | None:
        if not self.time:
            return None
        name, t = self.time.name, quote_identifier(self.time.name)
        event = not self.noun.startswith("rows of ") and name.lower() in ("time", "date", "timestamp", "datetime")
        plain = name.lower().replace("_", " ") in TIME_WORDS  # "per day", never "per day of day"
        question = (
            f"How many {self.noun} happened each {self.grain}?"
            if event
            else f"How many {self.noun} are there per {self.grain}{'' if plain else f' of {name}'}?"
        )
        key = _truncated(self.grain, name)
        sql = f"SELECT {key}, count(*) AS n FROM {self.tbl} WHERE {t} IS NOT NULL GROUP BY 1 ORDER BY 1"
        return _Candidate(Suggestion(question, sql), 2)

    def per_part(self) -> _Candidate | None:
        if not self.roles.time_parts:
            return None
        part = self.roles.time_parts[0]
        p = quote_identifier(part)
        sql = f"SELECT {p}, count(*) AS n FROM {self.tbl} WHERE {p} IS NOT NULL GROUP BY 1 ORDER BY 1"
        return _Candidate(Suggestion(f"How many {self.noun} are there per {part}?", sql), 2)

    def counts(self, category: str, distinct: int) -> _Candidate:
        c = quote_identifier(category)
        sql = f"SELECT {c}, count(*) AS n FROM {self.tbl} WHERE {c} IS NOT NULL GROUP BY 1 ORDER BY n DESC, 1"
        if distinct <= FEW_VALUES:
            return _Candidate(Suggestion(f"How many {self.noun} are there for each {category}?", sql), 2)
        return _Candidate(Suggestion(f"What are the 10 most common values of {category}?", f"{sql} LIMIT 10"), 2)

    def top_values(self) -> _Candidate | None:
        return self.counts(self.roles.listed[0], FEW_VALUES + 1) if self.roles.listed else None

    def measure_by_category(self) -> _Candidate | None:
        if not self.measure or not self.category:
            return None
        word, function, alias = _aggregate_for(self.measure)
        c, m = quote_identifier(self.category), quote_identifier(self.measure)
        sql = (
            f"SELECT {c}, {function}({m}) AS {quote_identifier(alias)} FROM {self.tbl} WHERE {c} IS NOT NULL "
            "GROUP BY 1 ORDER BY 2 DESC"
        )
        return _Candidate(Suggestion(f"What is the {word} {self.measure} for each {self.category}?", sql), 2)

    def map(self) -> _Candidate | None:
        if not self.roles.coordinates:
            return None
        lat, lon = (quote_identifier(c) for c in self.roles.coordinates)
        sized = f", {quote_identifier(self.measure)}" if self.measure else ""  # the points' size
        sql = f"SELECT {lat}, {lon}{sized} FROM {self.tbl} WHERE {lat} IS NOT NULL AND {lon} IS NOT NULL"
        return _Candidate(Suggestion(f"Show the {self.noun} on a map", sql))

    def top_rows(self) -> _Candidate | None:
        if not self.measure or not self.roles.labels:
            return None
        m, label = quote_identifier(self.measure), quote_identifier(self.roles.labels[0])
        sql = f"SELECT {label}, {m} FROM {self.tbl} WHERE {m} IS NOT NULL ORDER BY {m} DESC LIMIT 10"
        return _Candidate(Suggestion(f"Which 10 {self.noun} have the highest {self.measure}?", sql))

    def distribution(self) -> _Candidate | None:
        if not self.measure:
            return None
        m = quote_identifier(self.measure)
        sql = f"SELECT {m} FROM {self.tbl} WHERE {m} IS NOT NULL"
        return _Candidate(Suggestion(f"How is {self.measure} distributed?", sql), 2)

    def relation(self) -> _Candidate | None:
        if len(self.roles.measures) < 2:
            return None
        first, second = self.roles.measures[:2]
        a, b = quote_identifier(first), quote_identifier(second)
        sql = f"SELECT {a}, {b} FROM {self.tbl} WHERE {a} IS NOT NULL AND {b} IS NOT NULL"
        return _Candidate(Suggestion(f"How does {second} relate to {first}?", sql), 2)

    def measure_over_time(self) -> _Candidate | None:
        if not self.measure or not self.time:
            return None
        word, function, alias = _aggregate_for(self.measure)
        key, m = _truncated(self.grain, self.time.name), quote_identifier(self.measure)
        sql = (
            f"SELECT {key}, {function}({m}) AS {quote_identifier(alias)} FROM {self.tbl} "
            f"WHERE {quote_identifier(self.time.name)} IS NOT NULL GROUP BY 1 ORDER BY 1"
        )
        return _Candidate(Suggestion(f"What is the {word} {self.measure} each {self.grain}?", sql), 2)

    def two_categories(self) -> _Candidate | None:
        few = [c for c, n in self.roles.categories if n <= FEW_VALUES]
        if len(few) < 2:
            return None
        a, b = (quote_identifier(c) for c in few[:2])
        sql = (
            f"SELECT {a}, {b}, count(*) AS n FROM {self.tbl} WHERE {a} IS NOT NULL AND {b} IS NOT NULL "
            "GROUP BY 1, 2 ORDER BY 1, 3 DESC"
        )
        return _Candidate(Suggestion(f"How many {self.noun} are there for each {few[0]} and {few[1]}?", sql), 2)


SHARED_STARTERS: OwnerFileMemo[list[Suggestion]] = OwnerFileMemo()  # the owner's file: once per process


def table_starters(db: SessionDatabase, table: str) -> list[Suggestion]:
    """One table's starters that answer on the session's data, cached until the tables change (the owner's
    own earthquakes file: once per process, like its description)."""

    def build() -> list[Suggestion]:
        try:
            roles = table_roles(db, table)
        except (duckdb.Error, ValueError, TypeError, OverflowError):  # a column Python cannot hold: no starters
            return []
        return _checked(db, _Starters(roles).candidates(), PER_TABLE, set())

    source = db.external_source
    if source is None or table != EARTHQUAKES_TABLE:
        return db.memo(f"starters:{table}", build)
    return SHARED_STARTERS.get(source, build)


def question_about_table(db: SessionDatabase, table: str) -> tuple[str, str]:
    """What "Ask about this table" asks: the table's first starter, a concrete question with the SQL the app checked
    (small models answer "show a few key figures" badly), else its row count asked of the model."""
    starters = table_starters(db, table)
    if starters:
        return starters[0].question, starters[0].sql
    return f"How many rows does the {table} table have?", ""


def starter_questions(db: SessionDatabase, limit: int = STARTERS) -> list[Suggestion]:
    """Questions to start with, taking turns between the tables (the person's own tables first), each
    answered by its SQL on this session's data. Saved results ("Save as table") are already summaries: the
    per-period and per-category starters would count their rows, so they get none."""
    names = [n for n in db.table_names() if n not in db.saved_views]
    ordered = [n for n in names if n != EARTHQUAKES_TABLE] + [n for n in names if n == EARTHQUAKES_TABLE]
    turns = zip_longest(*(table_starters(db, name) for name in ordered))
    unique: dict[str, Suggestion] = {}
    for suggestion in (s for turn in turns for s in turn if s is not None):
        unique.setdefault(suggestion.question, suggestion)
    return list(unique.values())[:limit]


# Follow-ups ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Key:
    kind: str  # "time", "category" or "other"
    result_column: str
    table_column: str


class _FollowUps:
    """Follow-up questions for one answer, each with SQL rewritten from the answer's own parse: its table (and
    alias), its filter and what it computed are kept; only the grouping, a condition or the columns change."""

    def __init__(self, db: SessionDatabase, shape: QueryShape, frame: pd.DataFrame) -> None:
        self.shape, self.frame = shape, frame
        self.sql = QueryRewriter(db, shape)
        self.roles = table_roles(db, shape.table)
        self.result = column_roles(frame)
        info = next(t for t in db.tables() if t.name == shape.table)
        self.types = {c.lower(): (c, k) for c, k in info.columns}  # DuckDB binds names in any case
        self.filtered = shape.kept_to_values  # splitting by these again would show just those values

    # Reading the answer ----------------------------------------------------------------------------
    def key(self, item: Tree) -> _Key:
        name = result_name(item)
        columns = [self.types[n.lower()] for n in column_names(item) if n.lower() in self.types]
        if name is None or name not in self.frame.columns or not columns:
            return _Key("other", name or "", "")
        column, kind = columns[0]
        if name in self.result.times and (kind.startswith("TIMESTAMP") or kind == "DATE"):
            return _Key("time", name, column)
        if item.get("class") == "COLUMN_REF" and kind == "VARCHAR" and name in self.result.categories:
            return _Key("category", name, column)
        return _Key("other", name, column)

    def top_value(self, column: str) -> str | None:
        """The answer's top category when a question may name it: the row with the largest first value."""
        values = [v for v in self.result.values if v in self.frame.columns]
        frame = self.frame.dropna(subset=[column])
        if frame.empty:
            return None
        row = frame[values[0]].idxmax() if values and frame[values[0]].notna().any() else frame.index[0]
        return askable_value(frame.at[row, column])

    def time_column(self, name: str) -> TimeColumn | None:
        return next((t for t in self.roles.times if t.name == name), None)

    # The follow-ups --------------------------------------------------------------------------------
    def candidates(self) -> list[_Candidate]:
        keys = [self.key(k) for k in self.shape.keys]
        if len(keys) == 1 and keys[0].kind == "category":
            return self.for_category(keys[0])
        if len(keys) == 1 and keys[0].kind == "time":
            return self.for_series(keys[0])
        if not keys and self.shape.aggregates:
            return self.breakdowns()
        if not keys:
            return self.on_a_map()
        return []

    def for_category(self, key: _Key) -> list[_Candidate]:
        """Only the top category (over time, or by another category), it on a map, it against the rest."""
        value = self.top_value(key.result_column)
        if value is None:
            return []
        c, literal = quote_identifier(key.table_column), quote_literal(value)
        label = f"{key.table_column} '{value}'"
        out: list[_Candidate] = []
        others = [n for n, _ in self.roles.categories if n != key.table_column and n.lower() not in self.filtered]
        if self.roles.times:
            time = self.roles.times[0]
            grain = starter_grain(time)
            sql = self.sql.grouped(self.sql.items(_truncated(grain, time.name)), f"{c} = {literal}", "1")
            out.append(_Candidate(Suggestion(f"Now only {label}, per {grain}", sql), 2))
        elif others:
            sql = self.sql.grouped(self.sql.items(quote_identifier(others[0])), f"{c} = {literal}", "2 DESC")
            out.append(_Candidate(Suggestion(f"Now only {label}, by {others[0]}", sql), 2))
        if self.roles.coordinates and not self.result.coordinates:
            lat, lon = (quote_identifier(n) for n in self.roles.coordinates)
            sized = [quote_identifier(self.roles.measures[0])] if self.roles.measures else []
            condition = f"{c} = {literal} AND {lat} IS NOT NULL AND {lon} IS NOT NULL"
            out.append(_Candidate(Suggestion(f"Put {label} on a map", self.sql.rows([lat, lon, c, *sized], condition))))
        if len(self.frame) >= 2:
            case = f"CASE WHEN {c} = {literal} THEN {literal} ELSE 'all others' END AS {c}"
            sql = self.sql.grouped(self.sql.items(case), None, "2 DESC")
            out.append(_Candidate(Suggestion(f"Compare {label} with the rest", sql), 2))
        return out

    def for_series(self, key: _Key) -> list[_Candidate]:
        """The other time grain; the same series split by a category."""
        out: list[_Candidate] = []
        grain = time_grain(self.frame[key.result_column]).name
        time = self.time_column(key.table_column)
        other = other_grain(grain, time) if time and grain in OTHER_GRAINS else None
        if other and time:
            sql = self.sql.grouped(self.sql.items(_truncated(other, time.name)), None, "1")
            out.append(_Candidate(Suggestion(f"Now per {other} instead of per {grain}", sql), 2))
        few = [n for n, distinct in self.roles.categories if distinct <= FEW_VALUES and n.lower() not in self.filtered]
        if few:
            keys = [self.shape.keys[0], *self.sql.items(quote_identifier(few[0]))]
            out.append(_Candidate(Suggestion(f"Now split by {few[0]}", self.sql.grouped(keys, None, "1, 2")), 2))
        return out

    def breakdowns(self) -> list[_Candidate]:
        """One number: the same per period, and per category."""
        out: list[_Candidate] = []
        if self.roles.times:
            time = self.roles.times[0]
            grain = starter_grain(time)
            sql = self.sql.grouped(self.sql.items(_truncated(grain, time.name)), None, "1")
            out.append(_Candidate(Suggestion(f"Now per {grain}", sql), 2))
        categories = [n for n, _ in self.roles.categories if n.lower() not in self.filtered]
        if categories:
            category = categories[0]
            sql = self.sql.grouped(self.sql.items(quote_identifier(category)), None, "2 DESC")
            out.append(_Candidate(Suggestion(f"Now by {category}", sql), 2))
        return out

    def on_a_map(self) -> list[_Candidate]:
        """Rows of a table with coordinates that the answer did not select: the same rows, on a map."""
        star = any(t.get("class") == "STAR" for t in walk(self.shape.select))
        if not self.roles.coordinates or self.result.coordinates or star:
            return []
        sql = self.sql.with_columns_first(*(quote_identifier(c) for c in self.roles.coordinates))
        return [_Candidate(Suggestion("Show these on a map", sql))]


def find_follow_ups(db: SessionDatabase, answer: Answer, limit: int = FOLLOW_UPS) -> list[Suggestion]:
    """Two or three questions to ask after ``answer``, from its SQL and result, each run on the session's data to
    check that it answers; the table's starters fill in when the answer's shape gives fewer than two (a join, a
    window, a CTE)."""
    part = answer.table
    if part is None or part.total_rows == 0:
        return []
    shape = read_query_shape(db, part.sql)
    candidates: list[_Candidate] = []
    if shape is not None:
        try:
            candidates = _FollowUps(db, shape, part.frame).candidates()
        except (duckdb.Error, ValueError, KeyError, IndexError, TypeError):
            candidates = []
    kept = _checked(db, candidates, limit, {answer.question})
    if len(kept) < MIN_FOLLOW_UPS:
        tables = [shape.table] if shape is not None else db.table_names()
        asked = {answer.question, *(k.question for k in kept)}
        starters = [s for table in tables for s in table_starters(db, table) if s.question not in asked]
        kept += starters[: MIN_FOLLOW_UPS - len(kept)]  # checked already
    return kept


def follow_up_questions(db: SessionDatabase, answer: Answer) -> list[Suggestion]:
    """``find_follow_ups``, once per answer until the tables change (the page draws them on every rerun)."""
    part = answer.table
    if part is None:
        return []
    return db.memo(f"follow_ups:{answer.question}\n{part.sql}", lambda: find_follow_ups(db, answer))
