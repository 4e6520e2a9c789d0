"""Correcting a year compared with a date, when DuckDB says the year is not a date.

Small models write ``date_trunc('month', date) = '2015'`` or ``time = '2018'`` for "during 2015": DuckDB
cannot read '2015' as a timestamp and the query fails. When its message names a four-digit text as the
bad date, the app rewrites each such comparison in DuckDB's parse to ``year(column) = 2015`` and runs it
again at once, without a model call; the person sees the correction on the attempt.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sandbox.database import SessionDatabase
from sandbox.syntax_tree import parse_tree

Tree = dict[str, Any]

BAD_YEAR = re.compile(r'invalid (?:timestamp|date) field format: "(\d{4})"')
TRUNCATIONS = {"date_trunc", "datetrunc", "date_part", "datepart"}


@dataclass(frozen=True)
class YearFix:
    sql: str
    year: str

    @property
    def note(self) -> str:
        return f"'{self.year}' is a year, not a date: the app compared the year of the date with {self.year}."


def _children(tree: Any) -> Iterator[Any]:
    if isinstance(tree, dict):
        yield from tree.values()
    elif isinstance(tree, list):
        yield from tree


def _is_year_text(node: Any, year: str) -> bool:
    literal = node.get("literal") or {} if isinstance(node, dict) else {}
    return node.get("class") == "CONSTANT" and literal.get("kind") == "STRING" and literal.get("text") == year


def _dated(expression: Tree) -> Tree:
    """The date a comparison side is about: ``date_trunc('month', date)`` → ``date``."""
    if expression.get("class") == "FUNCTION" and expression.get("function_name", "").lower() in TRUNCATIONS:
        arguments = expression.get("arguments") or []
        if len(arguments) == 2:
            return arguments[1]["expression"]
    return expression


def _rewrite(tree: Any, year: str, template: Tree) -> int:
    """Replace ``<date> = 'YYYY'`` comparisons in place with ``year(<date>) = YYYY``; returns how many."""
    count = 0
    if isinstance(tree, dict) and tree.get("class") == "COMPARISON" and tree.get("type") == "COMPARE_EQUAL":
        sides = [tree.get("left"), tree.get("right")]
        for position, side in enumerate(sides):
            other = sides[1 - position]
            if _is_year_text(side, year) and isinstance(other, dict):
                replacement = copy.deepcopy(template)
                replacement["left"]["arguments"][0]["expression"] = copy.deepcopy(_dated(other))
                replacement["right"]["literal"]["text"] = year
                tree.clear()
                tree.update(replacement)
                return 1
    for child in _children(tree):
        count += _rewrite(child, year, template)
    return count


def suggest_year_fix(sql: str, error: str, db: SessionDatabase) -> YearFix | None:
    """The SQL with each date compared with DuckDB's bad four-digit "date" compared by year, or None."""
    bad = BAD_YEAR.search(error)
    if not bad:
        return None
    rows = db.internal_query("SELECT json_serialize_sql(?::VARCHAR)", [sql])
    tree = json.loads(rows[0][0]) if rows and rows[0][0] else {}
    if tree.get("error") or len(tree.get("statements", [])) != 1:
        return None
    template = parse_tree("SELECT year(__date__) = 2000", db.internal_query)
    if template is None or not _rewrite(tree, bad.group(1), template["select_list"][0]):
        return None
    fixed = db.internal_query("SELECT json_deserialize_sql(?::JSON)", [json.dumps(tree)])
    return YearFix(str(fixed[0][0]), bad.group(1)) if fixed and fixed[0][0] else None
