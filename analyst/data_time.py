"""When the data of a query's tables begins and ends, by the time columns it uses: what a chart marks as a partial
period, what "no rows" says the data covers, and where the clock correction sets "now"."""

from __future__ import annotations

import datetime
from typing import Any

from sandbox.database import SessionDatabase
from sandbox.syntax_tree import parse_tree, quote_name, walk


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
