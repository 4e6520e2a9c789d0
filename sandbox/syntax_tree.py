"""DuckDB's own parse of a statement (``json_serialize_sql``), and walking it: what the guard, the corrections
and the "Computed:" line decide on, instead of matching text."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

Tree = dict[str, Any]
RunQuery = Callable[[str, list[Any]], list[tuple[Any, ...]]]


def walk(tree: Any, skip: frozenset[str] = frozenset()) -> Iterator[Tree]:
    """Every object in a parse tree, depth first; nodes whose ``class`` is in ``skip`` are not entered."""
    if isinstance(tree, dict):
        if tree.get("class") in skip:
            return
        yield tree
        for value in tree.values():
            yield from walk(value, skip)
    elif isinstance(tree, list):
        for item in tree:
            yield from walk(item, skip)


def shape(tree: Any) -> Any:
    """A parse tree without aliases and source positions, for comparing two expressions."""
    if isinstance(tree, dict):
        return {k: shape(v) for k, v in tree.items() if k not in {"alias", "query_location", "query_location_length"}}
    if isinstance(tree, list):
        return [shape(item) for item in tree]
    return tree


def serialized_statement(sql: str, run: RunQuery) -> Tree | None:
    """DuckDB's whole serialization of ``sql`` (to edit and ``json_deserialize_sql`` back), or None when it is not
    exactly one statement DuckDB can serialize."""
    rows = run("SELECT json_serialize_sql(?::VARCHAR)", [sql])
    tree = json.loads(rows[0][0]) if rows and rows[0][0] else {}
    if tree.get("error") or len(tree.get("statements", [])) != 1:
        return None
    return tree


def deserialized(tree: Tree, run: RunQuery) -> str | None:
    """The SQL of an edited serialization, or None."""
    rows = run("SELECT json_deserialize_sql(?::JSON)", [json.dumps(tree)])
    return str(rows[0][0]) if rows and rows[0][0] else None


def parse_tree(sql: str, run: RunQuery) -> Tree | None:
    """The query node of ``sql``'s one statement, or None (not one statement, or not a query DuckDB can
    serialize); ``run(sql, params)`` returns rows, e.g. ``SessionDatabase.internal_query``."""
    rows = run("SELECT json_serialize_sql(?::VARCHAR)", [sql])
    tree = json.loads(rows[0][0]) if rows and rows[0][0] else {}
    if tree.get("error") or len(tree.get("statements", [])) != 1:
        return None
    return tree["statements"][0]["node"]
