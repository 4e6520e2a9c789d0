"""What each column of a loaded table can be asked about: times (and the span they cover), categories, text
worth a top ten, measures (the lead one first, chosen from the data: ``analyst.lead_measure``) and coordinates.
From one cheap scan (a sample of big tables), and one more for how the measures vary and move together; cached per
data version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from analyst.lead_measure import build_sampled_rows, load_measures_by_lead
from analyst.schema import IDENTIFIER_SHARE, NUMERIC, quote_identifier
from charts.roles import coordinates, is_time_part
from sandbox.database import SessionDatabase

CATEGORY_MAX = 30  # distinct values of a category: few enough to compare each one
CATEGORY_MAX_CHARS = 30  # average length: labels, not sentences
LISTED_MAX_CHARS = 40
MAX_NULL_SHARE = 0.5
MAX_PROFILED_COLUMNS = 200
NAME_MAX_CHARS = 40  # longer column names make unreadable questions: such columns are not suggested
PREFERRED_TIMES = ("time", "date", "timestamp", "datetime")
PREFERRED_LABELS = {"name", "title", "place", "station", "label", "city", "country", "product"}
IDENTIFIER_WORDS = {"id", "code", "zip", "zipcode", "postcode", "postal", "phone", "key"}


@dataclass(frozen=True)
class TimeColumn:
    name: str
    is_date: bool
    first: datetime
    last: datetime

    @property
    def span(self) -> timedelta:
        return self.last - self.first


@dataclass(frozen=True)
class TableRoles:
    """A table's columns by what a question can do with them, best first."""

    table: str
    rows: int
    times: tuple[TimeColumn, ...] = ()
    time_parts: tuple[str, ...] = ()  # whole numbers named like a date part (year, month)
    categories: tuple[tuple[str, int], ...] = ()  # (name, distinct values), 2..CATEGORY_MAX values
    listed: tuple[str, ...] = ()  # text with repeated values, too many to compare: a top ten
    labels: tuple[str, ...] = ()  # short text that names a row (a name, a place), for top-N lists
    measures: tuple[str, ...] = ()
    coordinates: tuple[str, str] | None = None


def readable_name(name: str) -> bool:
    """A column name that can stand in a question: short, printable, on one line."""
    return 0 < len(name) <= NAME_MAX_CHARS and name.isprintable()


def _words(name: str) -> list[str]:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w]


def _is_identifier(name: str) -> bool:
    words = _words(name)
    return bool(words) and (words[-1] in IDENTIFIER_WORDS or words[0] in IDENTIFIER_WORDS)


def _moment(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return None


def load_table_roles(db: SessionDatabase, table: str) -> TableRoles:
    """One scan for counts, distinct counts, time ranges and text lengths (and one for the lead measure); a few rows
    for the name rules the charts use (coordinates, date parts)."""
    info = next(t for t in db.tables() if t.name == table)
    columns = [(c, k) for c, k in info.columns if readable_name(c)][:MAX_PROFILED_COLUMNS]
    if not info.rows or not columns:
        return TableRoles(table, info.rows)
    expressions = []
    for column, kind in columns:
        col, base = quote_identifier(column), kind.split("(")[0]
        counted = base in NUMERIC or base == "VARCHAR" or base.startswith("TIMESTAMP") or base == "DATE"
        distinct = f"approx_count_distinct({col})" if counted else "NULL"
        low_high = f"min({col}), max({col})" if base.startswith("TIMESTAMP") or base == "DATE" else "NULL, NULL"
        length = f"avg(length({col}))" if base == "VARCHAR" else "NULL"
        expressions.append(f"count({col}), {distinct}, {low_high}, {length}")
    sample_rows, *stats = db.internal_query(
        f"SELECT count(*), {', '.join(expressions)} FROM {build_sampled_rows(info)}"
    )[0]
    preview = db.preview(table, 20)

    times, categories, listed, labels, measures, parts = [], [], [], [], [], []
    for index, (column, kind) in enumerate(columns):
        non_null, distinct, low, high, length = stats[index * 5 : index * 5 + 5]
        base = kind.split("(")[0]
        distinct = min(distinct or 0, non_null or 0)
        if not non_null or non_null < (1 - MAX_NULL_SHARE) * sample_rows:
            continue
        first, last = _moment(low), _moment(high)
        if first is not None and last is not None and first < last:
            times.append(TimeColumn(column, base == "DATE", first, last))
        elif base == "VARCHAR" and distinct >= 2 and distinct < IDENTIFIER_SHARE * non_null:
            if (length or 0) <= LISTED_MAX_CHARS:
                labels.append(column)
            if distinct <= CATEGORY_MAX and (length or 0) <= CATEGORY_MAX_CHARS:
                categories.append((column, distinct))
            elif distinct > CATEGORY_MAX and (length or 0) <= LISTED_MAX_CHARS:
                listed.append(column)
        elif base == "VARCHAR" and distinct >= 2 and (length or 0) <= LISTED_MAX_CHARS:
            labels.append(column)  # nearly every value differs: a name or an identifier
        elif base in NUMERIC and column in preview.columns and is_time_part(preview, column):
            parts.append(column)
        elif base in NUMERIC and distinct >= 3 and not _is_identifier(column):
            measures.append(column)
    found = coordinates(preview)
    measures = [m for m in measures if not found or m not in found]
    # Categories with a handful of values compare best; column order breaks ties.
    categories.sort(key=lambda item: not 3 <= item[1] <= 12)
    times.sort(key=lambda t: t.name.lower() not in PREFERRED_TIMES)
    labels.sort(key=lambda name: not PREFERRED_LABELS & set(_words(name)))
    return TableRoles(
        table,
        info.rows,
        tuple(times),
        tuple(parts),
        tuple(categories),
        tuple(listed),
        tuple(labels),
        load_measures_by_lead(db, info, measures),
        found,
    )


def table_roles(db: SessionDatabase, table: str) -> TableRoles:
    """``load_table_roles``, cached until the tables change."""
    return db.memo(f"table_roles:{table}", lambda: load_table_roles(db, table))
