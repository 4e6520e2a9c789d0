"""The clock at the data's end: "the last 3 days" of data that ends in the past means its own last 3 days.

Small models write ``now() - INTERVAL 3 DAY`` for "in the last 3 days"; over data from 2018 that finds nothing.
When a query reads the clock (``now()``, ``current_date``, ``today()``...) and every table it reads ends more than
a day before today, the clock is set to the data's end: on DuckDB's parse, the calls become the end's literal
(a DATE for ``current_date``), and the person is told. Data that reaches today is left on the real clock.
"""

from __future__ import annotations

import datetime

from analyst.corrections.situation import Correction, Situation
from analyst.data_time import data_span, read_tables
from sandbox.database import SessionDatabase
from sandbox.syntax_tree import Tree, deserialized, serialized_statement, walk

CLOCK_FUNCTIONS = {"now", "today", "get_current_timestamp", "transaction_timestamp", "current_localtimestamp"}
CLOCK_NAMES = {"current_date", "current_timestamp", "localtimestamp"}  # parsed as column references
DATE_ONLY = {"today", "current_date"}
STALE_AFTER = datetime.timedelta(days=1)


def _clock_kind(node: Tree) -> str | None:
    if node.get("class") == "FUNCTION" and str(node.get("function_name", "")).lower() in CLOCK_FUNCTIONS:
        return str(node["function_name"]).lower()
    names = node.get("column_names") or []
    if node.get("class") == "COLUMN_REF" and len(names) == 1 and str(names[0]).lower() in CLOCK_NAMES:
        return str(names[0]).lower()
    return None


def _literal(value: str, type_name: str) -> Tree:
    constant = {"kind": "STRING", "text": value}
    child = {"class": "CONSTANT", "type": "VALUE_CONSTANT", "alias": "", "literal": constant}
    return {"class": "CAST", "type": "OPERATOR_CAST", "alias": "", "child": child, "cast_type": {"id": type_name},
            "try_cast": False}  # fmt: skip


def anchor_clock(sql: str, db: SessionDatabase, today: datetime.datetime | None = None) -> Correction | None:
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
    reason = f"The app set “now” to the data's end, {end:%Y-%m-%d %H:%M}: the data ends before today."
    return Correction(anchored, reason) if anchored else None


def correct_clock(situation: Situation) -> Correction | None:
    """The step: the clock set to the data's end."""
    return anchor_clock(situation.sql, situation.db)
