"""Names written into SQL (``quote_name``), DuckDB's own parse of a statement (``json_serialize_sql``) and walking
it, and DuckDB's catalogue of aggregates: what the guard, the corrections and the "Computed:" line decide on,
instead of matching text."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from typing import Any

import duckdb

Tree = dict[str, Any]
RunQuery = Callable[[str, list[Any]], list[tuple[Any, ...]]]


def quote_name(name: str) -> str:
    """``name`` as a DuckDB identifier, whatever it holds: always quoted, its double quotes doubled. The one place a
    name is escaped (``analyst.schema.quote_identifier`` leaves a plain name bare for SQL that people read)."""
    return '"' + name.replace('"', '""') + '"'


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
    tree = serialized_statement(sql, run)
    return tree["statements"][0]["node"] if tree is not None else None


FRACTIONAL_TYPES = frozenset({"DOUBLE", "FLOAT", "DECIMAL"})
TIME_TYPE_WORDS = ("TIME", "DATE", "INTERVAL")


def has_decimals(type_name: str) -> bool:
    """Whether a DuckDB column type holds numbers with fractions (DOUBLE, FLOAT, DECIMAL(18,3)...)."""
    return (
        type_name.split("(")[0].strip().upper() in FRACTIONAL_TYPES
    )  # avg(time) is a time: no decimals to round either way


def _aggregate_catalogue() -> dict[str, set[str]]:
    """Each aggregate function DuckDB has, with the types its overloads return (from ``duckdb_functions()``)."""
    with duckdb.connect() as connection:  # the catalogue of this DuckDB, the same for every database
        rows = connection.execute(
            "SELECT lower(function_name), return_type FROM duckdb_functions() WHERE function_type = 'aggregate'"
        ).fetchall()
    catalogue: dict[str, set[str]] = {}
    for name, returns in rows:
        catalogue.setdefault(str(name), set()).add(str(returns))
    return catalogue


@functools.cache
def aggregate_functions() -> frozenset[str]:
    """The names of DuckDB's aggregate functions, lower-cased: the one notion of "aggregates rows" in the app."""
    return frozenset(_aggregate_catalogue())


@functools.cache
def fractional_aggregates() -> frozenset[str]:
    """Aggregates whose number has decimals whatever numbers they are given, by the types DuckDB says they return:
    ``avg``, ``stddev``, ``corr``... — not ``sum`` or ``max``, whose value over whole numbers is whole."""
    return frozenset(
        name
        for name, returns in _aggregate_catalogue().items()
        if returns & FRACTIONAL_TYPES
        and all(r in FRACTIONAL_TYPES or any(w in r for w in TIME_TYPE_WORDS) for r in returns)
    )


NOT_THIS_EXPRESSION = frozenset({"SUBQUERY", "WINDOW"})  # their aggregates are not the expression's own


def aggregates_rows(expression: Any, functions: frozenset[str] | None = None) -> bool:
    """Whether an expression of a parse tree aggregates rows: it calls one of DuckDB's aggregate functions (or of
    ``functions``) outside any subquery or window function. The one notion of "an aggregate" in the app."""
    names = aggregate_functions() if functions is None else functions
    return any(
        node.get("class") == "FUNCTION" and str(node.get("function_name", "")).lower() in names
        for node in walk(expression, NOT_THIS_EXPRESSION)
    )
