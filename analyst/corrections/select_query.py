"""The top-level SELECT of one statement, read and edited on DuckDB's parse, and what a rewrite of it reads besides
the query: the helpers the fit's rewrites share (``fit``, ``follow_up``)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from analyst.corrections.situation import Conversation
from sandbox.database import SessionDatabase
from sandbox.syntax_tree import NOT_THIS_EXPRESSION, aggregate_functions, aggregates_rows, shape, walk

Tree = dict[str, Any]


class SelectQuery:
    """The top-level SELECT of one statement, with DuckDB's list of aggregate functions."""

    def __init__(self, node: Tree, aggregates: frozenset[str] | None = None) -> None:
        self.node = node
        self.aggregates = aggregate_functions() if aggregates is None else aggregates

    def is_aggregate(self, expression: Any) -> bool:
        """Whether an expression aggregates rows (window functions and subqueries do not count)."""
        return aggregates_rows(expression, self.aggregates)

    @property
    def select_list(self) -> list[Tree]:
        return self.node["select_list"]

    @property
    def group_keys(self) -> list[Tree]:
        return self.node.get("group_expressions") or []

    @property
    def groups_all(self) -> bool:
        return self.node.get("aggregate_handling") == "FORCE_AGGREGATES"

    def modifier(self, kind: str) -> Tree | None:
        return next((m for m in self.node.get("modifiers", []) if m.get("type") == kind), None)

    def limit(self) -> int | None:
        found = self.modifier("LIMIT_MODIFIER")
        literal = ((found or {}).get("limit") or {}).get("literal") or {}
        text = str(literal.get("text", ""))
        return int(text) if found and not found.get("offset") and text.isdigit() else None

    def has_aggregate(self) -> bool:
        orders = (self.modifier("ORDER_MODIFIER") or {}).get("orders", [])
        return any(self.is_aggregate(e) for e in [*self.select_list, self.node.get("having"), *orders])

    def selected(self, key: Tree) -> bool:
        """Whether a GROUP BY key is one of the selected expressions (compared without aliases/locations)."""
        if key.get("class") == "CONSTANT":  # GROUP BY 1: a position in the select list
            return True
        wanted = shape(key)
        names = {item.get("alias") for item in self.select_list if item.get("alias")}
        is_alias = key.get("class") == "COLUMN_REF" and len(key.get("column_names", [])) == 1
        return any(shape(item) == wanted for item in self.select_list) or (is_alias and key["column_names"][0] in names)

    def is_grouped(self, item: Tree) -> bool:
        """Whether a selected expression is one of the GROUP BY keys (by expression, alias or position)."""
        position = str(self.select_list.index(item) + 1)
        for key in self.group_keys:
            names = key.get("column_names", [])
            if shape(key) == shape(item) or (len(names) == 1 and names[0] == item.get("alias")):
                return True
            if key.get("class") == "CONSTANT" and str(key.get("literal", {}).get("text")) == position:
                return True
        return False

    def drop_grouping(self) -> None:
        self.node["group_expressions"] = []
        self.node["group_sets"] = []
        self.node["aggregate_handling"] = "STANDARD_HANDLING"


def expression_nodes(tree: Any) -> Iterator[Tree]:
    """The nodes of an expression, not descending into subqueries or window functions."""
    return walk(tree, NOT_THIS_EXPRESSION)


def output_name(item: Tree) -> str:
    if item.get("alias"):
        return str(item["alias"])
    if item.get("class") == "COLUMN_REF":
        return str(item["column_names"][-1])
    return "the value"


def text_values(tree: Any) -> set[str]:
    """The text literals in a parse tree, lower-cased, without LIKE's ``%`` and ``_`` wildcards at the ends."""
    return {
        str(node["literal"]["text"]).strip("%_").lower()
        for node in expression_nodes(tree)
        if node.get("class") == "CONSTANT" and (node.get("literal") or {}).get("kind") == "STRING"
    } - {""}


def column_names(tree: Any) -> set[str]:
    return {
        str(node["column_names"][-1]).lower()
        for node in expression_nodes(tree)
        if node.get("class") == "COLUMN_REF" and node.get("column_names")
    }


def key_expression(key: Tree, query: SelectQuery) -> Tree:
    """A GROUP BY key as the expression it groups by (``GROUP BY 2`` or an alias is the select item)."""
    if key.get("class") == "CONSTANT" and str(key.get("literal", {}).get("text", "")).isdigit():
        position = int(key["literal"]["text"])
        return query.select_list[position - 1] if 0 < position <= len(query.select_list) else key
    names = key.get("column_names") or []
    aliased = next((i for i in query.select_list if len(names) == 1 and i.get("alias") == names[0]), None)
    return aliased or key


def unaliased(expression: Tree) -> Tree:
    copied = copy.deepcopy(expression)
    copied["alias"] = ""
    return copied


def group_key_expressions(query: SelectQuery) -> list[Tree]:
    """The expressions a query groups by (``GROUP BY ALL``'s are its plain select items)."""
    keys = query.group_keys or ([i for i in query.select_list if not query.is_aggregate(i)] if query.groups_all else [])
    return [key_expression(k, query) for k in keys]


def group_key_columns(query: SelectQuery) -> set[str]:
    """The columns a query groups by, lower-cased."""
    return set().union(set(), *(column_names(e) for e in group_key_expressions(query)))


def selected_as(expression: Tree, query: SelectQuery) -> Tree:
    """The select item that is ``expression`` (with its alias), or the expression itself."""
    wanted = json.dumps(shape(unaliased(expression)), sort_keys=True)
    return next((i for i in query.select_list if json.dumps(shape(unaliased(i)), sort_keys=True) == wanted), expression)


def conjuncts(where: Tree | None) -> list[Tree]:
    if not where:
        return []
    return list(where["children"]) if where.get("type") == "CONJUNCTION_AND" else [where]


def all_of(conditions: list[Tree]) -> Tree:
    """One condition that holds when all of ``conditions`` do."""
    if len(conditions) == 1:
        return conditions[0]
    return {"class": "CONJUNCTION", "type": "CONJUNCTION_AND", "alias": "", "children": conditions}


def order_column(order: Tree, query: SelectQuery) -> str:
    """The column an ORDER BY item sorts by (through an alias or a position in the select list), lower-cased."""
    expression = order.get("expression", {})
    if expression.get("class") == "CONSTANT" and str(expression.get("literal", {}).get("text", "")).isdigit():
        position = int(expression["literal"]["text"])
        expression = query.select_list[position - 1] if 0 < position <= len(query.select_list) else {}
    names = expression.get("column_names") or []
    if len(names) == 1:
        alias = next((i for i in query.select_list if i.get("alias") == names[0]), None)
        inner = (alias or {}).get("column_names") or names
        return str(inner[-1]).lower()
    return ""


def names_aggregate(order: Tree, aggregates: list[Tree], select_list: list[Tree]) -> bool:
    """ORDER BY an aggregate's alias, or its position (ORDER BY 2)."""
    expression = order.get("expression", {})
    position = str(expression.get("literal", {}).get("text", "")) if expression.get("class") == "CONSTANT" else ""
    if position.isdigit() and 0 < int(position) <= len(select_list):
        return any(select_list[int(position) - 1] is a for a in aggregates)
    if expression.get("class") != "COLUMN_REF" or len(expression.get("column_names", [])) != 1:
        return False
    return expression["column_names"][0] in {a.get("alias") for a in aggregates if a.get("alias")}


@dataclass(frozen=True)
class Asked:
    """What the rewrites read besides the query: the conversation, the data, and the answer before."""

    conversation: Conversation
    db: SessionDatabase
    earlier: SelectQuery | None  # the answer before's top-level SELECT
    round_template: Tree
    fractional_columns: set[str]  # lower-cased names of the query's table's columns with decimals

    @property
    def question(self) -> str:
        """The conversation's questions, this one last."""
        return self.conversation.asked

    @property
    def current(self) -> str:
        return self.conversation.question

    @property
    def earlier_limit(self) -> int | None:
        return self.earlier.limit() if self.earlier is not None else None


Rewrite = Callable[[SelectQuery, Asked], list[str]]
