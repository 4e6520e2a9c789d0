"""Rewrites for a follow-up question: what it keeps of the answer before and what it changes.

"And per hour?" after "per day", "per month instead", "now only in Alaska", "only magnitude 5 or more": small
models drop the earlier answer's filters or groups, or keep a grouping the follow-up replaces. Each rewrite here
reads the conversation's answer before (``Asked.earlier``) beside the new query.
"""

from __future__ import annotations

import copy
import json
import re

from analyst.corrections.question_words import GROUPING_WORDS, words
from analyst.corrections.select_query import (
    Asked,
    SelectQuery,
    all_of,
    column_names,
    conjuncts,
    group_key_columns,
    group_key_expressions,
    key_expression,
    selected_as,
    unaliased,
)
from sandbox.syntax_tree import shape

INSTEAD = re.compile(r"\binstead\b", re.IGNORECASE)


def _switches_grain(current: str) -> bool:
    """ "Per month instead", or a short "and per hour of the day?" that names one grain only."""
    if INSTEAD.search(current):
        return True
    regrain = REGRAIN.search(current)
    return regrain is not None and not re.search(r"\band\b|\bby\b.*\bby\b", current[regrain.end() :], re.IGNORECASE)


def switch_grain(query: SelectQuery, asked: Asked) -> list[str]:
    """ "Per month instead" or "and per hour?": a query that groups by the new key and still by the earlier
    answer's key (small models keep both) drops the earlier one. ``earlier_keys``: the columns the earlier
    answer grouped by; ``earlier_shapes``: its key expressions (one clock column can give two grains)."""
    current, earlier = asked.current, asked.earlier
    if earlier is None:
        return []
    earlier_keys = group_key_columns(earlier)
    earlier_shapes = [shape(unaliased(e)) for e in group_key_expressions(earlier)]
    keys = query.group_keys or ([i for i in query.select_list if not query.is_aggregate(i)] if query.groups_all else [])
    if not _switches_grain(current) or len(keys) < 2 or not earlier_keys:
        return []
    expressions = [key_expression(k, query) for k in keys]
    columns = [column_names(e) for e in expressions]
    same = [i for i, e in enumerate(expressions) if shape(unaliased(e)) in earlier_shapes]
    old = [i for i, names in enumerate(columns) if names and names <= earlier_keys]
    kept = [i for i in range(len(keys)) if i not in old]
    if not kept and same and len(same) < len(keys):  # "per day" then "and per hour?": one clock, two grains
        old, kept = same, [i for i in range(len(keys)) if i not in same]
    kept_columns = set().union(*(columns[i] for i in kept)) if kept else set()
    old = [i for i in old if i in same or not columns[i] & kept_columns]
    if not old or not kept:
        return []
    dropped = [expressions[i] for i in old]
    names = set().union(*(columns[i] for i in old))
    aliases = {str(d.get("alias")).lower() for d in dropped if d.get("alias")}
    if not query.groups_all:
        query.node["group_expressions"] = [unaliased(expressions[i]) for i in kept]  # no positions left to shift
        query.node["group_sets"] = [list(range(len(kept)))]
    ordered = query.modifier("ORDER_MODIFIER")
    if ordered:  # positions and the dropped key's names leave the ORDER BY; by the kept keys if nothing stays
        ordered["orders"] = [
            o
            for o in ordered["orders"]
            if o.get("expression", {}).get("class") != "CONSTANT"
            and not column_names(o.get("expression")) & (names | aliases)
        ] or [
            {"type": "ASCENDING", "null_order": "ORDER_DEFAULT", "expression": unaliased(expressions[i])} for i in kept
        ]
    shapes = [shape(unaliased(d)) for d in dropped]
    query.node["select_list"] = [i for i in query.select_list if shape(unaliased(i)) not in shapes]
    asks = "“instead” asks" if INSTEAD.search(current) else "the follow-up names one grain"
    return [f"grouped by the new key alone, without {', '.join(sorted(names))}, as {asks}"]


NARROWING = re.compile(r"^\W*(?:and\s+|now\s+|but\s+)*(?:only|just|excluding|without|except)\b", re.IGNORECASE)
REGRAIN = re.compile(r"^\W*(?:and\s+|now\s+|but\s+)*(?:per|by|each|for\s+each)\b", re.IGNORECASE)  # "and per hour?"
ONE_FIGURE = re.compile(r"\b(total|overall|in all|altogether|whole|single|one number)\b", re.IGNORECASE)


def narrows(current: str) -> bool:
    """ "Now only in Alaska", "just the reviewed ones": a follow-up that narrows the answer before."""
    return bool(NARROWING.search(current))


def _columns_fixed_to_one_value(query: SelectQuery) -> set[str]:
    """The columns a ``column = constant`` condition of the WHERE clause holds to one value, lower-cased."""
    fixed = set()
    for condition in conjuncts(query.node.get("where_clause")):
        sides = [condition.get("left") or {}, condition.get("right") or {}]
        if condition.get("type") == "COMPARE_EQUAL" and sorted(s.get("class") for s in sides) == [
            "COLUMN_REF",
            "CONSTANT",
        ]:
            fixed |= column_names(condition)
    return fixed


def keep_grouping(query: SelectQuery, asked: Asked) -> list[str]:
    """ "Only in the West region" after "online and store orders, each": the model keeps the totals and loses the
    grouping, or groups by an older answer's key. A narrowing follow-up that asks for no grouping of its own
    keeps the earlier answer's groups."""
    current, earlier = asked.current, asked.earlier
    if earlier is None:
        return []
    if not narrows(current) or GROUPING_WORDS.search(current) or ONE_FIGURE.search(current):
        return []
    same_table = (query.node.get("from_table") or {}).get("table_name")
    if not same_table or same_table != (earlier.node.get("from_table") or {}).get("table_name"):
        return []
    keys = earlier.group_keys or (
        [i for i in earlier.select_list if not earlier.is_aggregate(i)] if earlier.groups_all else []
    )
    expressions = [selected_as(key_expression(k, earlier), earlier) for k in keys]
    if not expressions or any(earlier.is_aggregate(e) for e in expressions):
        return []
    mine = query.group_keys or ([i for i in query.select_list if not query.is_aggregate(i)] if query.groups_all else [])
    own = [key_expression(k, query) for k in mine]
    shapes = [json.dumps(shape(unaliased(e)), sort_keys=True) for e in own]
    if sorted(shapes) == sorted(json.dumps(shape(unaliased(e)), sort_keys=True) for e in expressions):
        return []  # the same groups
    named = words(current)
    fixed = _columns_fixed_to_one_value(query)  # "only in the West region": region is a filter, not a grouping
    if any(column_names(e) & named and not column_names(e) <= fixed for e in own) or not query.has_aggregate():
        return []  # a grouping the question names is its own
    if not all(
        query.is_aggregate(i) or json.dumps(shape(unaliased(i)), sort_keys=True) in shapes for i in query.select_list
    ):
        return []
    aggregates = [i for i in query.select_list if query.is_aggregate(i)]
    query.node["select_list"] = [copy.deepcopy(e) for e in expressions] + aggregates
    query.node["group_expressions"] = [unaliased(e) for e in expressions]
    query.node["group_sets"] = [list(range(len(expressions)))]
    query.node["aggregate_handling"] = "STANDARD_HANDLING"
    ordered = query.modifier("ORDER_MODIFIER")
    if ordered and own:  # orders by the replaced keys go with them
        gone = set().union(*(column_names(e) for e in own)) | {str(e.get("alias", "")).lower() for e in own}
        ordered["orders"] = [
            o
            for o in ordered["orders"]
            if o.get("expression", {}).get("class") != "CONSTANT" and not column_names(o.get("expression")) & gone
        ]
        if not ordered["orders"]:
            query.node["modifiers"] = [m for m in query.node["modifiers"] if m is not ordered]
    names = sorted(set().union(*(column_names(e) for e in expressions)))
    return [f"kept the grouping by {', '.join(names)} from the answer before: the question only narrows it"]


def keep_filters(query: SelectQuery, asked: Asked) -> list[str]:
    """ "Now only those deeper than 50 km" after "magnitude 4 or more": the model writes the new condition and
    drops the old one. A follow-up on the same table that narrows it or regroups it ("and per hour?", "per day
    instead") keeps the earlier conditions on columns it does not filter itself ("now only magnitude 5 or more"
    replaces "4 or more")."""
    current, earlier = asked.current, asked.earlier
    if earlier is None:
        return []
    if not (narrows(current) or REGRAIN.search(current) or INSTEAD.search(current)):
        return []
    table = (query.node.get("from_table") or {}).get("table_name")
    if not table or table != (earlier.node.get("from_table") or {}).get("table_name"):
        return []
    mine = conjuncts(query.node.get("where_clause"))
    filtered = set().union(set(), *(column_names(c) for c in mine))
    shapes = [shape(c) for c in mine]
    carried = [
        copy.deepcopy(c)
        for c in conjuncts(earlier.node.get("where_clause"))
        if shape(c) not in shapes and column_names(c) and not column_names(c) & filtered
    ]
    if not carried:
        return []
    query.node["where_clause"] = all_of(mine + carried)
    names = sorted(set().union(*(column_names(c) for c in carried)))
    return [f"kept the earlier filter on {', '.join(names)}: the question only narrows the answer before"]
