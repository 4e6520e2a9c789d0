"""One labelled row per compared value, when a comparison was written as one query per value.

Small models answer "compare online and store orders" with ``SELECT count(*) ... WHERE channel = 'online' UNION
SELECT count(*) ... WHERE channel = 'store'``: rows that do not say which is which (and ``UNION`` merges two equal
ones). When every branch is the same query on the same table apart from one ``expression = constant`` condition,
the app asks it once, filtered to those values and grouped by that expression, with the expression as a column.
Decided on DuckDB's parse.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from sandbox.syntax_tree import Tree, shape

IsAggregate = Callable[[Tree], bool]


def _branches(node: Tree) -> list[Tree] | None:
    """The SELECT branches of a chain of UNIONs with no ORDER BY or LIMIT of its own, or None."""
    if node.get("type") == "SELECT_NODE":
        return [node]
    if node.get("type") != "SET_OPERATION_NODE" or node.get("setop_type") != "UNION" or node.get("modifiers"):
        return None
    branches: list[Tree] = []
    for child in node.get("children") or [node.get("left"), node.get("right")]:
        found = _branches(child or {})
        if found is None:
            return None
        branches += found
    return branches


def _conjuncts(where: Tree | None) -> list[Tree]:
    if not where:
        return []
    return list(where["children"]) if where.get("type") == "CONJUNCTION_AND" else [where]


def _key_and_value(condition: Tree) -> tuple[Tree, Tree] | None:
    """(expression, constant) of ``expression = constant``."""
    if condition.get("class") != "COMPARISON" or condition.get("type") != "COMPARE_EQUAL":
        return None
    left, right = condition.get("left") or {}, condition.get("right") or {}
    if right.get("class") == "CONSTANT" and left.get("class") != "CONSTANT":
        return left, right
    if left.get("class") == "CONSTANT" and right.get("class") != "CONSTANT":
        return right, left
    return None


def _key_name(key: Tree) -> str:
    if key.get("class") == "COLUMN_REF":
        return str(key["column_names"][-1])
    if key.get("class") == "FUNCTION":
        return str(key.get("function_name") or "compared")
    return "compared"


def _printed(tree: Any) -> str:
    return json.dumps(shape(tree), sort_keys=True)


def _same(trees: list[Any]) -> bool:
    first = _printed(trees[0])
    return all(_printed(t) == first for t in trees[1:])


def one_row_per_value(node: Tree, is_aggregate: IsAggregate) -> tuple[Tree, str] | None:
    """A UNION of one query per compared value as one grouped query, and why; None when it is not one."""
    branches = _branches(node)
    if branches is None or len(branches) < 2 or not all(b.get("type") == "SELECT_NODE" for b in branches):
        return None
    if not _same([{k: v for k, v in b.items() if k != "where_clause"} for b in branches]):
        return None
    conjuncts = [_conjuncts(b.get("where_clause")) for b in branches]
    shapes = [[_printed(c) for c in cs] for cs in conjuncts]
    common = [c for c, s in zip(conjuncts[0], shapes[0], strict=True) if all(s in other for other in shapes[1:])]
    common_shapes = {_printed(c) for c in common}
    differing = [
        [c for c, s in zip(cs, ss, strict=True) if s not in common_shapes]
        for cs, ss in zip(conjuncts, shapes, strict=True)
    ]
    if any(len(d) != 1 for d in differing):
        return None
    pairs = [_key_and_value(d[0]) for d in differing]
    if any(p is None for p in pairs):
        return None
    keys = [p[0] for p in pairs if p]
    values = [p[1] for p in pairs if p]
    if not _same(keys) or len({_printed(v) for v in values}) != len(values):
        return None
    merged = copy.deepcopy(branches[0])
    key = copy.deepcopy(keys[0])
    key["alias"] = "" if key.get("class") == "COLUMN_REF" else _key_name(key)
    listed = {"class": "OPERATOR", "type": "COMPARE_IN", "alias": "", "children": [copy.deepcopy(keys[0])] + values}
    together = [copy.deepcopy(c) for c in common] + [listed]
    merged["where_clause"] = (
        together[0]
        if len(together) == 1
        else {"class": "CONJUNCTION", "type": "CONJUNCTION_AND", "alias": "", "children": together}
    )
    items = merged["select_list"]
    if _printed(keys[0]) not in {_printed(i) for i in items}:
        merged["select_list"] = [key] + items
    if any(is_aggregate(i) for i in items) and merged.get("aggregate_handling") == "STANDARD_HANDLING":
        groups = list(merged.get("group_expressions") or [])
        merged["group_expressions"] = groups + [copy.deepcopy(keys[0])]
        merged["group_sets"] = [list(range(len(groups) + 1))]
    name = _key_name(keys[0])
    return merged, f"one row per compared {name}, instead of one unlabelled query per value"
