"""An answer's query read on DuckDB's parse (``json_serialize_sql``) and rewritten on it
(``json_deserialize_sql``): which table it reads, under which filter, what it groups by and computes; and the
same query grouped another way, under one more condition, or with more columns. No text is spliced into the
answer's SQL: new parts are parsed on their own and grafted into its tree."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from analyst.schema import quote_identifier
from sandbox.database import SessionDatabase
from sandbox.syntax_tree import Tree, aggregates_rows, deserialized, parse_tree, walk


def _resolve(expression: Tree, select: list[Tree]) -> Tree:
    """``GROUP BY 1`` or an alias means a select item: that item."""
    literal = expression.get("literal") or {}
    if expression.get("class") == "CONSTANT" and literal.get("kind") in ("INTEGER", "BIGINT"):
        index = int(literal["text"]) - 1
        return select[index] if 0 <= index < len(select) else expression
    if expression.get("class") == "COLUMN_REF" and len(expression["column_names"]) == 1:
        name = expression["column_names"][0]
        return next((s for s in select if s.get("alias") == name), expression)
    return expression


def result_name(item: Tree) -> str | None:
    """The result column a select item makes: its alias, or the column it names."""
    if item.get("alias"):
        return str(item["alias"])
    return str(item["column_names"][-1]) if item.get("class") == "COLUMN_REF" else None


def column_names(tree: Any) -> list[str]:
    """The columns a part of the tree refers to, without any table alias."""
    return [str(t["column_names"][-1]) for t in walk(tree) if t.get("class") == "COLUMN_REF"]


@dataclass(frozen=True)
class QueryShape:
    """A query that is one SELECT over one session table: what it groups by and what it computes."""

    node: Tree
    table: str
    keys: tuple[Tree, ...]  # the select items the rows are grouped by
    aggregates: tuple[Tree, ...]  # the select items that aggregate

    @property
    def select(self) -> list[Tree]:
        return self.node.get("select_list") or []

    @property
    def kept_to_values(self) -> set[str]:
        """Columns (lower case) the filter keeps to certain values (``=`` or ``IN``)."""
        tests = [t for t in walk(self.node.get("where_clause")) if t.get("type") in ("COMPARE_EQUAL", "COMPARE_IN")]
        return {name.lower() for name in column_names(tests)}


def read_query_shape(db: SessionDatabase, sql: str) -> QueryShape | None:
    """``sql``'s shape, or None for anything else: CTEs, joins, subqueries, set operations, windows, HAVING."""
    node = parse_tree(sql, db.internal_query)
    if node is None or node.get("type") != "SELECT_NODE" or (node.get("cte_map") or {}).get("map"):
        return None
    source = node.get("from_table") or {}
    if source.get("type") != "BASE_TABLE" or source.get("schema_name") or source.get("catalog_name"):
        return None
    if source.get("table_name") not in db.table_names() or node.get("having") or node.get("qualify"):
        return None
    select = node.get("select_list") or []
    if any(t.get("class") in ("WINDOW", "SUBQUERY") for t in walk(select)):
        return None
    aggregates = tuple(s for s in select if aggregates_rows(s))
    groups = node.get("group_expressions") or []
    if groups:
        keys = tuple(_resolve(g, select) for g in groups)
    else:  # GROUP BY ALL, or none: with aggregates, the other items are the keys
        keys = tuple(s for s in select if not aggregates_rows(s)) if aggregates else ()
    return QueryShape(node, source["table_name"], keys, aggregates)


class QueryRewriter:
    """New queries over a shape's table that keep its FROM (with its alias) and its filter. Raises
    ``ValueError`` for a part that does not parse, ``duckdb.Error`` for a tree DuckDB cannot write back."""

    def __init__(self, db: SessionDatabase, shape: QueryShape) -> None:
        self.db, self.shape = db, shape
        self.table = quote_identifier(shape.table)

    def parsed(self, sql: str) -> Tree:
        node = parse_tree(sql, self.db.internal_query)
        if node is None:
            raise ValueError("not one query")
        return node

    def items(self, *expressions: str) -> list[Tree]:
        """Select items parsed from ``expressions`` (columns, ``... AS name``)."""
        return self.parsed(f"SELECT {', '.join(expressions)} FROM {self.table}")["select_list"]

    def to_sql(self, node: Tree) -> str:
        document = {"error": False, "statements": [{"node": node, "named_param_map": []}]}
        sql = deserialized(document, self.db.internal_query)
        if sql is None:
            raise ValueError("not one query")
        return sql

    def _on_the_shapes_rows(self, node: Tree) -> Tree:
        node["from_table"] = copy.deepcopy(self.shape.node["from_table"])
        conditions = [c for c in (self.shape.node.get("where_clause"), node.get("where_clause")) if c]
        node["where_clause"] = (
            {"class": "CONJUNCTION", "type": "CONJUNCTION_AND", "alias": "", "children": copy.deepcopy(conditions)}
            if len(conditions) == 2
            else copy.deepcopy(conditions[0] if conditions else None)
        )
        return node

    def grouped(self, keys: list[Tree], condition: str | None, order: str) -> str:
        """The shape's aggregates (a count when it has none) per ``keys``, under its filter and ``condition``."""
        where = f" WHERE {condition}" if condition else ""
        node = self.parsed(f"SELECT 1 FROM {self.table}{where} GROUP BY ALL ORDER BY {order}")
        computed = list(self.shape.aggregates) or self.items("count(*) AS n")
        node["select_list"] = copy.deepcopy([*keys, *computed])
        return self.to_sql(self._on_the_shapes_rows(node))

    def rows(self, columns: list[str], condition: str) -> str:
        """``columns`` of the rows under the shape's filter and ``condition``."""
        node = self.parsed(f"SELECT {', '.join(columns)} FROM {self.table} WHERE {condition}")
        return self.to_sql(self._on_the_shapes_rows(node))

    def with_columns_first(self, *columns: str) -> str:
        """The shape's own query with ``columns`` in front of what it selects."""
        node = copy.deepcopy(self.shape.node)
        node["select_list"] = [*self.items(*columns), *node["select_list"]]
        return self.to_sql(node)
