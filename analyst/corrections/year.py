"""Correcting a year compared with a date, when DuckDB says the year is not a date.

Small models write ``date_trunc('month', date) = '2015'`` or ``time = '2018'`` for "during 2015": DuckDB
cannot read '2015' as a timestamp and the query fails. When its message names a four-digit text as the
bad date, the app rewrites each such comparison in DuckDB's parse to ``year(column) = 2015`` and runs it
again at once, without a model call; the person sees the correction on the attempt.
"""

from __future__ import annotations

import copy
import re

from analyst.corrections.situation import Correction, Situation
from analyst.duckdb_errors import bad_date_text
from sandbox.database import SessionDatabase
from sandbox.syntax_tree import Tree, deserialized, parse_tree, serialized_statement, walk

TRUNCATIONS = {"date_trunc", "datetrunc", "date_part", "datepart"}


def _is_year_text(node: Tree, year: str) -> bool:
    literal = node.get("literal") or {}
    return node.get("class") == "CONSTANT" and literal.get("kind") == "STRING" and literal.get("text") == year


def _dated(expression: Tree) -> Tree:
    """The date a comparison side is about: ``date_trunc('month', date)`` → ``date``."""
    if expression.get("class") == "FUNCTION" and expression.get("function_name", "").lower() in TRUNCATIONS:
        arguments = expression.get("arguments") or []
        if len(arguments) == 2:
            return arguments[1]["expression"]
    return expression


def _rewrite(tree: Tree, year: str, template: Tree) -> int:
    """Replace ``<date> = 'YYYY'`` comparisons in place with ``year(<date>) = YYYY``; returns how many."""
    count = 0
    for node in walk(tree):
        if node.get("class") != "COMPARISON" or node.get("type") != "COMPARE_EQUAL":
            continue
        sides = [node.get("left") or {}, node.get("right") or {}]
        for position, side in enumerate(sides):
            other = sides[1 - position]
            if _is_year_text(side, year) and other:
                replacement = copy.deepcopy(template)
                replacement["left"]["arguments"][0]["expression"] = copy.deepcopy(_dated(other))
                replacement["right"]["literal"]["text"] = year
                node.clear()
                node.update(replacement)  # walked on from here: year(<date>) = YYYY compares no text
                count += 1
                break
    return count


def suggest_year_fix(sql: str, error: str, db: SessionDatabase) -> Correction | None:
    """The SQL with each date compared with DuckDB's bad four-digit "date" compared by year, or None."""
    year = bad_date_text(error)
    if year is None or not re.fullmatch(r"\d{4}", year):
        return None
    tree = serialized_statement(sql, db.internal_query)
    template = parse_tree("SELECT year(__date__) = 2000", db.internal_query)
    if tree is None or template is None or not _rewrite(tree, year, template["select_list"][0]):
        return None
    fixed = deserialized(tree, db.internal_query)
    reason = f"'{year}' is a year, not a date: the app compared the year of the date with {year}."
    return Correction(fixed, reason) if fixed else None


def correct_year(situation: Situation) -> Correction | None:
    """The step: a year compared with a date, which DuckDB could not read as one."""
    return suggest_year_fix(situation.sql, situation.error, situation.db)
