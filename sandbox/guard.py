"""Which statements visitor and model SQL may be: one read-only query over the session's own tables.

Every decision is made on DuckDB's own reading of the text, never on splitting or matching it:
``extract_statements`` says how many statements there are and of which type, ``tokenize`` says where
keywords, comments and strings are, and ``json_serialize_sql`` gives the syntax tree in which every table,
table function and function call is checked. What is not known to be safe is refused (allow-lists):

- statement types: SELECT (and PIVOT/UNPIVOT, judged as the ``SELECT * FROM (...)`` that actually runs);
  DESCRIBE/SUMMARIZE of a session table or of a query that passes these checks; SHOW TABLES;
  EXPLAIN of a statement that passes them. EXPLAIN ANALYZE is refused: it executes what it wraps.
- tables: the session's own tables and the query's own CTEs. No schema- or catalog-qualified names, so
  ``information_schema``, ``pg_catalog`` and the built-in views (``pg_settings``, ``duckdb_settings``) are out.
- table functions: ``range``, ``generate_series``, ``unnest``; nothing that reads files, settings or SQL.
- query nodes: no INSERT/UPDATE/DELETE hidden in a CTE.
- values: none may grow past what the sandbox allows per row (``sandbox.value_size``: each function that can
  build a large value has a rule, size arguments are small literal numbers, growth through CTEs multiplies).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import duckdb

from sandbox.row_size import measure_cells
from sandbox.syntax_tree import walk
from sandbox.value_size import TRACKED_BYTES, Columns, TooLarge, catalogue, check_value_sizes

ST = duckdb.StatementType
TOKEN = duckdb.token_type
READ_ONLY_QUERY_NODES = {"SELECT_NODE", "SET_OPERATION_NODE", "RECURSIVE_CTE_NODE", "CTE_NODE", "BOUND_SUBQUERY_NODE"}
SAFE_TABLE_FUNCTIONS = {"range", "generate_series", "unnest"}

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

# Scalar functions that read files, run SQL from a string, or reveal the server's settings and paths.
DENIED_FUNCTIONS = {
    "query",
    "query_table",
    "glob",
    "current_setting",
    "getenv",
    "getvariable",
    "json_execute_serialized_sql",
    "which_secret",
    "checkpoint",
    "force_checkpoint",
    "load_extension",
    "install_extension",
    "sql_auto_complete",
    "current_query",
}
DENIED_PREFIXES = ("read_", "duckdb_", "pragma_", "parquet_", "sniff_", "iceberg_", "delta_", "sqlite_", "postgres_")
MAX_SQL_CHARS = 50_000
INSPECTING = ("DESCRIBE", "SUMMARIZE", "SHOW")
QUERY_STARTS = ("SELECT", "FROM", "WITH", "VALUES", "(", "PIVOT", "UNPIVOT", "TABLE")


class UnsafeSQL(ValueError):
    """SQL the sandbox refuses to run; ``str(error)`` says why, for the person and the model."""


class NotAQuery(UnsafeSQL):
    """A statement that would change something (data, files, settings): no repair turns it into a question."""


class UnknownTable(UnsafeSQL):
    """A table name that is not one of the session's tables: a typo as often as an attack, said plainly."""

    def __init__(self, table: str, loaded: set[str]) -> None:
        super().__init__(f"Table {table} is not one of the loaded tables ({', '.join(sorted(loaded)) or 'none'}).")
        self.table = table


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    kind: Any
    text: str

    @property
    def word(self) -> str:
        return self.text.upper()


def refusal(reason: str) -> UnsafeSQL:
    return UnsafeSQL(
        f"Refused: {reason}. Only one read-only query over the loaded tables may run "
        "(SELECT, WITH, DESCRIBE, SUMMARIZE, SHOW TABLES, EXPLAIN, PIVOT)."
    )


def tokens(sql: str) -> list[Token]:
    """DuckDB's tokens of ``sql`` with their text, comments left out."""
    try:
        found = duckdb.tokenize(sql)
    except (duckdb.Error, RuntimeError):
        return []
    ends = [start for start, _ in found[1:]] + [len(sql)]
    return [
        Token(start, start + len(sql[start:end].rstrip()), kind, sql[start:end].rstrip())
        for (start, kind), end in zip(found, ends, strict=True)
        if kind != TOKEN.comment
    ]


def first_keyword(sql: str) -> str:
    """The statement's first word, comments and parentheses aside ("SELECT", "PIVOT", ...)."""
    words = [t for t in tokens(sql) if t.text != "("]
    return words[0].word if words else ""


def check_read_only(
    sql: str,
    connection: duckdb.DuckDBPyConnection,
    tables: set[str],
    *,
    cells: Mapping[str, Columns] | None = None,
    views: Mapping[str, dict[str, Any]] | None = None,
    tracked_bytes: float = TRACKED_BYTES,
) -> str:
    """The one statement to run for ``sql``, if it is a read-only query over ``tables``; else ``UnsafeSQL``.

    The returned text is exactly what was judged and what must run (a PIVOT comes back wrapped). ``cells``: each
    table's columns with the size of their largest value (``measure_cells``, measured here when not given);
    ``views``: each saved view's parsed query; ``tracked_bytes``: DuckDB's memory limit (``sandbox.value_size``)."""
    if not sql or not sql.strip():
        raise UnsafeSQL("There is no SQL to run.")
    if len(sql) > MAX_SQL_CHARS:
        raise refusal(f"the query is {len(sql):,} characters long (the limit is {MAX_SQL_CHARS:,})")
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as error:
        raise duckdb.ParserException(str(error)) from None
    except ValueError:  # a statement type the Python API does not even name (UPDATE EXTENSIONS)
        raise refusal("this kind of statement is not allowed") from None
    if len(statements) != 1:
        if not statements:
            raise UnsafeSQL("There is no SQL to run.")
        raise refusal(f"the text holds {len(statements)} statements")
    statement = statements[0]
    try:
        kind = statement.type
    except ValueError:  # a statement type the Python API does not even name (UPDATE EXTENSIONS)
        raise refusal("this kind of statement is not allowed") from None
    if cells is None:
        cells = measure_cells(lambda q, p: connection.execute(q, p).fetchall(), sorted(tables))
    judge = _Judge(connection, {t.lower() for t in tables}, cells, views or {}, tracked_bytes)
    return judge.statement(statement.query, kind)


class _Judge:
    def __init__(
        self,
        connection: duckdb.DuckDBPyConnection,
        tables: set[str],
        cells: Mapping[str, Columns],
        views: Mapping[str, dict[str, Any]],
        tracked_bytes: float,
    ) -> None:
        self.connection = connection
        self.tables = tables
        self.cells = cells
        self.views = views
        self.tracked_bytes = tracked_bytes

    def statement(self, text: str, kind: Any) -> str:
        query = _strip_semicolon(text)
        words = tokens(query)
        first = words[0].word if words else ""
        if kind is ST.EXPLAIN:
            return self.explain(query, words)
        if first in ("PIVOT", "UNPIVOT"):
            wrapped = f"SELECT * FROM (\n{query}\n)"
            self.tree(wrapped, "a PIVOT must list its values (ON column IN ('a', 'b')) so it can be checked")
            return wrapped
        if kind is not ST.SELECT:
            raise NotAQuery(str(refusal(REFUSALS.get(kind, f"{kind.name} statements are not allowed"))))
        if first in INSPECTING:
            self.inspection(query, words)
            return query
        self.tree(query, "DuckDB could not show how this query reads its data")
        return query

    def explain(self, query: str, words: list[Token]) -> str:
        rest = words[1:]
        if rest and rest[0].word == "ANALYZE":
            raise refusal("EXPLAIN ANALYZE runs the statement it explains")
        if rest and rest[0].text == "(":
            raise refusal("EXPLAIN options are not allowed")
        inner = query[rest[0].start :] if rest else ""
        try:
            inner_statements = duckdb.extract_statements(inner) if inner else []
        except ValueError:
            raise refusal("this kind of statement is not allowed") from None
        if len(inner_statements) != 1:
            raise refusal("EXPLAIN must wrap one query")
        try:
            kind = inner_statements[0].type
        except ValueError:
            raise refusal("this kind of statement is not allowed") from None
        self.statement(inner_statements[0].query, kind)
        return query

    def inspection(self, query: str, words: list[Token]) -> None:
        """DESCRIBE/SUMMARIZE/SHOW name a session table, wrap a query that passes the checks, or list tables."""
        rest = words[1:]
        if words[0].word == "SHOW" and [t.word for t in rest] in (["TABLES"], ["ALL", "TABLES"]):
            return
        if len(rest) == 1 and rest[0].kind == TOKEN.identifier:
            name = rest[0].text.strip('"').replace('""', '"').lower()
            if name in self.tables:
                return
            raise UnknownTable(rest[0].text, self.tables)
        if rest and words[0].word != "SHOW" and rest[0].word in QUERY_STARTS:
            inner = query[rest[0].start :]
            self.tree(inner, "DuckDB could not show how this query reads its data")
            return
        raise refusal(f"{words[0].word} may only name a loaded table or wrap a query")

    def tree(self, query: str, unserialisable: str) -> None:
        rows = self.connection.execute("SELECT json_serialize_sql(?::VARCHAR)", [query]).fetchall()  # none left open
        tree = json.loads(rows[0][0]) if rows and rows[0][0] else {}
        if tree.get("error"):
            raise refusal(unserialisable)
        statements = tree.get("statements") or []
        if len(statements) != 1:
            raise refusal("the text must hold exactly one query")
        node = statements[0].get("node", {})
        for kind in _query_node_types(node):
            if kind not in READ_ONLY_QUERY_NODES:
                action = kind.replace("_QUERY_NODE", "").replace("_NODE", "")
                raise refusal(f"the query hides a {action} inside it")
        for ref, ctes in _table_refs(node, frozenset()):
            self.table_ref(ref, ctes)
        for call in _function_calls(node):
            _check_function(call)
        try:
            check_value_sizes(node, self.cells, self.views, self.tracked_bytes)
        except TooLarge as error:
            raise UnsafeSQL(f"Refused: {error}.") from None

    def table_ref(self, ref: dict[str, Any], ctes: frozenset[str]) -> None:
        if ref["type"] == "BASE_TABLE":
            name = str(ref.get("table_name", ""))
            if ref.get("schema_name") or ref.get("catalog_name"):
                qualified = ".".join(p for p in (ref.get("catalog_name"), ref.get("schema_name"), name) if p)
                raise refusal(f"{qualified} names a schema or database; only loaded tables may be read, by plain name")
            if name.lower() not in self.tables | ctes:
                raise UnknownTable(name, self.tables)
        elif ref["type"] == "TABLE_FUNCTION":
            function = ref.get("function") or {}
            name = str(function.get("function_name", "")).lower()
            if name not in SAFE_TABLE_FUNCTIONS or function.get("schema") or function.get("catalog"):
                raise refusal(f"the table function {name}() is not allowed (only range, generate_series, unnest)")


def _strip_semicolon(text: str) -> str:
    """The statement without its final ``;`` (and any comment after it): it is wrapped in other queries."""
    text = text.strip()
    found = tokens(text)
    if found and found[-1].kind == TOKEN.operator and found[-1].text == ";":
        text = text[: found[-1].start].rstrip()
    return text


def _query_node_types(tree: Any) -> Iterator[str]:
    for node in walk(tree):
        if "modifiers" in node and isinstance(node.get("type"), str):
            yield node["type"]


def _table_refs(tree: Any, ctes: frozenset[str]) -> Iterator[tuple[dict[str, Any], frozenset[str]]]:
    """Every table and table-function reference, with the CTE names in scope where it stands: a CTE named
    like a built-in view hides it only inside its own query, not in the rest of the statement."""
    if isinstance(tree, list):
        for item in tree:
            yield from _table_refs(item, ctes)
        return
    if not isinstance(tree, dict):
        return
    cte_map = tree.get("cte_map")
    if isinstance(cte_map, dict):
        names = {
            e["key"].lower() for e in cte_map.get("map") or [] if isinstance(e, dict) and isinstance(e.get("key"), str)
        }
        ctes = ctes | names
    if tree.get("type") in ("BASE_TABLE", "TABLE_FUNCTION") and ("table_name" in tree or "function" in tree):
        yield tree, ctes
    for value in tree.values():
        yield from _table_refs(value, ctes)


def tables_read(tree: Any) -> list[str]:
    """The plain table names a parsed query (``sandbox.syntax_tree.parse_tree``) reads, its own CTEs aside,
    in order of appearance; schema-qualified names are the guard's to refuse, not listed here."""
    names: list[str] = []
    for ref, ctes in _table_refs(tree, frozenset()):
        name = str(ref.get("table_name", ""))
        qualified = ref.get("schema_name") or ref.get("catalog_name")
        if ref["type"] == "BASE_TABLE" and not qualified and name.lower() not in ctes and name not in names:
            names.append(name)
    return names


def _function_calls(tree: Any) -> Iterator[dict[str, Any]]:
    for node in walk(tree):
        if isinstance(node.get("function_name"), str):
            yield node


def _check_function(call: dict[str, Any]) -> None:
    name = call["function_name"].lower()
    if name in DENIED_FUNCTIONS or name.startswith(DENIED_PREFIXES) or name in _denied_macros():
        raise refusal(f"{name}() reads files, runs other SQL or reveals server settings")


@lru_cache(maxsize=1)
def _denied_macros() -> frozenset[str]:
    """DuckDB's built-in macros whose definitions call a refused function or read a table or table function
    (``pg_get_viewdef`` reads ``duckdb_views()``, ``get_block_size`` ``pragma_database_size()``): the parse of a
    query names only the macro, so the guard looks inside it."""
    macros = catalogue().macros

    def denied(name: str, seen: frozenset[str]) -> bool:
        for _, body in macros.get(name, ()):
            for node in walk(body):
                if node.get("type") in ("BASE_TABLE", "TABLE_FUNCTION"):
                    return True
                called = str(node.get("function_name", "")).lower() if node.get("class") == "FUNCTION" else ""
                if called in DENIED_FUNCTIONS or called.startswith(DENIED_PREFIXES):
                    return True
                if called in macros and called not in seen and denied(called, seen | {called}):
                    return True
        return False

    return frozenset(name for name in macros if denied(name, frozenset({name})))
