"""Which statements model-written SQL may be: one, read-only, decided from DuckDB's own parser."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import duckdb

ST = duckdb.StatementType
READ_ONLY_TYPES = {ST.SELECT, ST.EXPLAIN}
# A SELECT may still carry DML in a CTE (``WITH x AS (DELETE ... RETURNING *)``): its syntax tree says so.
READ_ONLY_QUERY_NODES = {"SELECT_NODE", "SET_OPERATION_NODE", "RECURSIVE_CTE_NODE", "CTE_NODE", "BOUND_SUBQUERY_NODE"}

REFUSALS: dict[Any, str] = {
    ST.COPY: "COPY reads or writes files",
    ST.EXPORT: "EXPORT writes files",
    ST.ATTACH: "ATTACH opens other databases",
    ST.DETACH: "DETACH changes the loaded databases",
    ST.LOAD: "INSTALL/LOAD adds extensions",
    ST.SET: "SET/RESET/USE changes settings",
    ST.VARIABLE_SET: "SET VARIABLE changes settings",
    ST.PRAGMA: "PRAGMA changes or reads settings",
    ST.CALL: "CALL runs procedures",
    ST.CREATE: "CREATE writes to the database",
    ST.CREATE_FUNC: "CREATE FUNCTION/MACRO writes to the database",
    ST.INSERT: "INSERT writes to the database",
    ST.UPDATE: "UPDATE writes to the database",
    ST.DELETE: "DELETE writes to the database",
    ST.DROP: "DROP removes data",
    ST.ALTER: "ALTER changes tables",
    ST.TRANSACTION: "transaction control is not needed for questions",
    ST.VACUUM: "VACUUM changes storage",
    ST.ANALYZE: "ANALYZE changes statistics",
    ST.PREPARE: "PREPARE/EXECUTE are not allowed",
    ST.EXECUTE: "PREPARE/EXECUTE are not allowed",
    ST.COPY_DATABASE: "COPY DATABASE writes data",
    ST.MERGE_INTO: "MERGE writes to the database",
}


# Functions that read files, run SQL from a string, or reveal the server's settings and paths.
DENIED_FUNCTIONS = {
    "query", "query_table", "glob", "current_setting", "getenv", "getvariable", "json_execute_serialized_sql",
    "which_secret", "checkpoint", "force_checkpoint", "load_extension", "install_extension", "sql_auto_complete",
}  # fmt: skip
DENIED_PREFIXES = ("read_", "duckdb_", "pragma_", "parquet_", "sniff_", "iceberg_", "delta_", "sqlite_", "postgres_")
# String builders whose size argument decides how much memory one value takes (DuckDB's memory limit
# does not cover strings being built): only small literal sizes.
SIZE_ARGUMENT = {"repeat": 1, "lpad": 1, "rpad": 1}
MAX_BUILT_SIZE = 10_000
MAX_SQL_CHARS = 50_000


class UnsafeSQL(ValueError):
    """SQL the sandbox refuses to run; ``str(error)`` says why, for the person and the model."""


def _refusal(reason: str) -> UnsafeSQL:
    return UnsafeSQL(
        f"Refused: {reason}. Only one read-only query over the loaded tables may run "
        "(SELECT, WITH, DESCRIBE, SUMMARIZE, SHOW, EXPLAIN, PIVOT)."
    )


def _leading_keyword(sql: str) -> str:
    text = sql.lstrip().lstrip("(").lstrip()
    return text.split(None, 1)[0].upper() if text else ""


def _query_node_types(tree: Any) -> Iterator[str]:
    if isinstance(tree, dict):
        if "modifiers" in tree and isinstance(tree.get("type"), str):
            yield tree["type"]
        for value in tree.values():
            yield from _query_node_types(value)
    elif isinstance(tree, list):
        for item in tree:
            yield from _query_node_types(item)


def check_read_only(sql: str, connection: duckdb.DuckDBPyConnection) -> str:
    """Return the single statement in ``sql`` (no trailing semicolon), or raise ``UnsafeSQL``."""
    if not sql or not sql.strip():
        raise UnsafeSQL("There is no SQL to run.")
    if len(sql) > MAX_SQL_CHARS:
        raise _refusal(f"the query is {len(sql):,} characters long (the limit is {MAX_SQL_CHARS:,})")
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as error:
        raise duckdb.ParserException(str(error)) from None
    if len(statements) != 1:
        raise (
            _refusal(f"the text holds {len(statements)} statements")
            if statements
            else UnsafeSQL("There is no SQL to run.")
        )
    statement = statements[0]
    query = statement.query.strip().rstrip(";").strip()
    kind = statement.type
    if kind is ST.MULTI and _leading_keyword(query) in ("PIVOT", "UNPIVOT"):
        return query  # DuckDB plans PIVOT as several statements; the lockdown still applies
    if kind is ST.EXPLAIN:
        inner = query.split(None, 1)[1] if len(query.split(None, 1)) > 1 else ""
        if inner.upper().startswith("ANALYZE"):
            inner = inner.split(None, 1)[1] if len(inner.split(None, 1)) > 1 else ""
        check_read_only(inner, connection)  # EXPLAIN ANALYZE runs its statement
        return query
    if kind not in READ_ONLY_TYPES:
        raise _refusal(REFUSALS.get(kind, f"{kind.name} statements are not allowed"))
    _check_no_hidden_writes(query, connection)
    return query


def _check_no_hidden_writes(query: str, connection: duckdb.DuckDBPyConnection) -> None:
    row = connection.execute("SELECT json_serialize_sql(?)", [query]).fetchone()
    tree = json.loads(row[0]) if row else {}
    if tree.get("error"):
        return  # not serialisable (SHOW, DESCRIBE, SUMMARIZE...): DuckDB typed it SELECT, the lockdown covers it
    for node in _query_node_types(tree):
        if node not in READ_ONLY_QUERY_NODES:
            action = node.replace("_QUERY_NODE", "").replace("_NODE", "")
            raise _refusal(f"the query hides a {action} inside it")
    for call in _function_calls(tree):
        _check_function(call)


def _function_calls(tree: Any) -> Iterator[dict[str, Any]]:
    if isinstance(tree, dict):
        if isinstance(tree.get("function_name"), str):
            yield tree
        for value in tree.values():
            yield from _function_calls(value)
    elif isinstance(tree, list):
        for item in tree:
            yield from _function_calls(item)


def _check_function(call: dict[str, Any]) -> None:
    name = call["function_name"].lower()
    if name in DENIED_FUNCTIONS or name.startswith(DENIED_PREFIXES):
        raise _refusal(f"{name}() reads files, runs other SQL or reveals server settings")
    if name in SIZE_ARGUMENT:
        arguments = call.get("arguments") or call.get("children") or []
        index = SIZE_ARGUMENT[name]
        argument = arguments[index] if len(arguments) > index else {}
        expression = argument.get("expression", argument) if isinstance(argument, dict) else {}
        literal = expression.get("literal") if isinstance(expression, dict) else None
        text = literal.get("text") if isinstance(literal, dict) else None
        if not (isinstance(text, str) and text.lstrip("-").isdigit() and int(text) <= MAX_BUILT_SIZE):
            raise _refusal(f"{name}() may only build strings of a fixed size up to {MAX_BUILT_SIZE:,} characters")
