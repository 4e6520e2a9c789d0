"""Time relative to the data: "the last 3 days" of data that ends in the past means its own last 3 days.

Small models write ``now() - INTERVAL 3 DAY`` for "in the last 3 days"; over data from 2018 that finds nothing.
When a query reads the clock (``now()``, ``current_date``, ``today()``...) and every table it reads ends more than
a day before today, the clock is set to the data's end: on DuckDB's parse, the calls become the end's literal
(a DATE for ``current_date``), and the person is told. Data that reaches today is left on the real clock.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from sandbox.database import SessionDatabase, quote_name
from sandbox.syntax_tree import Tree, deserialized, parse_tree, serialized_statement, walk

CLOCK_FUNCTIONS = {"now", "today", "get_current_timestamp", "transaction_timestamp", "current_localtimestamp"}
CLOCK_NAMES = {"current_date", "current_timestamp", "localtimestamp"}  # parsed as column references
DATE_ONLY = {"today", "current_date"}
STALE_AFTER = datetime.timedelta(days=1)


@dataclass(frozen=True)
class ClockFix:
    sql: str
    end: datetime.datetime

    @property
    def note(self) -> str:
        return f"The app set “now” to the data's end, {self.end:%Y-%m-%d %H:%M}: the data ends before today."


def _clock_kind(node: Tree) -> str | None:
    if node.get("class") == "FUNCTION" and str(node.get("function_name", "")).lower() in CLOCK_FUNCTIONS:
        return str(node["function_name"]).lower()
    names = node.get("column_names") or []
    if node.get("class") == "COLUMN_REF" and len(names) == 1 and str(names[0]).lower() in CLOCK_NAMES:
        return str(names[0]).lower()
    return None


def read_tables(tree: Any) -> set[str]:
    """The names of the tables (and views) a parse tree reads."""
    return {str(n["table_name"]) for n in walk(tree) if n.get("type") == "BASE_TABLE" and n.get("table_name")}


def data_span(
    tables: set[str], db: SessionDatabase, named: frozenset[str] = frozenset()
) -> tuple[datetime.datetime, datetime.datetime] | None:
    """The earliest and latest date or time in the date/time columns of these tables (only those in ``named``,
    the columns a query compares, when it names any); None when they have none."""
    spans = []
    for info in db.tables():
        if info.name not in tables:
            continue
        times = [c for c, kind in info.columns if kind.startswith(("TIMESTAMP", "DATE"))]
        for column in [c for c in times if c.lower() in named] or times:
            name = quote_name(column)
            rows = db.internal_query(
                f"SELECT min({name})::TIMESTAMP, max({name})::TIMESTAMP FROM {quote_name(info.name)}"
            )
            if rows and rows[0][0] is not None:
                spans.append(rows[0])
    return (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None


def span_of(sql: str, db: SessionDatabase) -> tuple[datetime.datetime, datetime.datetime] | None:
    """When the data of the tables ``sql`` reads begins and ends, by the time columns it uses (a count per day of
    ``time`` ends at the last ``time``, not at the last ``updated``); None when they hold no time."""
    tree = parse_tree(sql, db.internal_query)
    used = frozenset(
        str(node["column_names"][-1]).lower()
        for node in walk(tree)
        if node.get("class") == "COLUMN_REF" and node.get("column_names")
    )
    return data_span(read_tables(tree), db, used)


def covered(sql: str, db: SessionDatabase) -> str:
    """ "The data covers 2018-01-31 to 2018-02-07." for the tables ``sql`` reads, or "" when they hold no time."""
    span = span_of(sql, db)
    return f"The data covers {span[0]:%Y-%m-%d} to {span[1]:%Y-%m-%d}." if span else ""


def _literal(value: str, type_name: str) -> Tree:
    constant = {"kind": "STRING", "text": value}
    child = {"class": "CONSTANT", "type": "VALUE_CONSTANT", "alias": "", "literal": constant}
    return {"class": "CAST", "type": "OPERATOR_CAST", "alias": "", "child": child, "cast_type": {"id": type_name},
            "try_cast": False}  # fmt: skip


def anchor_clock(sql: str, db: SessionDatabase, today: datetime.datetime | None = None) -> ClockFix | None:
    """``sql`` with the clock set to the data's end, or None when it reads no clock, its data reaches today, or
    it is not one statement DuckDB can serialize."""
    tree = serialized_statement(sql, db.internal_query)
    if tree is None:
        return None
    clocks = [n for n in walk(tree) if _clock_kind(n)]
    if not clocks:
        return None
    named = frozenset(str(n["column_names"][-1]).lower() for n in walk(tree) if n.get("class") == "COLUMN_REF")
    span = data_span(read_tables(tree), db, named)
    now = today or datetime.datetime.now()
    if span is None or now - span[1] < STALE_AFTER:
        return None
    end = span[1]
    for node in clocks:
        alias = node.get("alias", "")
        date_only = _clock_kind(node) in DATE_ONLY
        text = end.strftime("%Y-%m-%d") if date_only else end.isoformat(sep=" ")
        node.clear()
        node.update(_literal(text, "DATE" if date_only else "TIMESTAMP"), alias=alias)
    anchored = deserialized(tree, db.internal_query)
    return ClockFix(anchored, end) if anchored else None
