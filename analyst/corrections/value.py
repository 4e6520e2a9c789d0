"""When a query finds nothing because a text value was compared with the wrong column or in the wrong case.

Small models write ``"magType" = 'quarry blast'`` (the value belongs to ``type``) or ``type = 'Quarry Blast'``
(stored as ``quarry blast``). The query runs and answers "no rows", which reads like a fact about the data.
When a result is empty, the app looks at DuckDB's parse of the SQL for ``column = 'text'`` comparisons on a
loaded table, asks the data where that text really occurs, and, when it occurs in exactly one place, reruns
the query with that column or that spelling. The person sees the correction on the attempt.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from analyst.corrections.column import renamed
from analyst.corrections.situation import Correction, Situation
from analyst.duckdb_errors import missing_column
from analyst.schema import quote_identifier, quote_literal
from sandbox.database import SessionDatabase
from sandbox.syntax_tree import parse_tree, serialized_statement, walk

TEXT_TYPES = ("VARCHAR",)


@dataclass(frozen=True)
class _Comparison:
    column: str
    value: str
    column_span: tuple[int, int]  # byte offsets in the SQL, from DuckDB's parse
    value_span: tuple[int, int]


def _span(node: dict[str, Any]) -> tuple[int, int] | None:
    start, length = node.get("query_location"), node.get("query_location_length")
    if isinstance(start, int) and isinstance(length, int) and length > 0 and start < 2**62:
        return start, start + length
    return None


def _comparisons(where: Any) -> Iterator[_Comparison]:
    for node in walk(where):
        if node.get("class") != "COMPARISON" or node.get("type") != "COMPARE_EQUAL":
            continue
        sides = [node.get("left") or {}, node.get("right") or {}]
        columns = [s for s in sides if s.get("class") == "COLUMN_REF" and len(s.get("column_names", [])) == 1]
        texts = [s for s in sides if s.get("class") == "CONSTANT" and (s.get("literal") or {}).get("kind") == "STRING"]
        if len(columns) == 1 and len(texts) == 1:
            column_span, value_span = _span(columns[0]), _span(texts[0])
            if column_span and value_span:
                yield _Comparison(columns[0]["column_names"][0], texts[0]["literal"]["text"], column_span, value_span)


@dataclass(frozen=True)
class _Like:
    column: str
    pattern: str
    operator_span: tuple[int, int]  # "LIKE '%x%'", as DuckDB locates the operator and its pattern


def _likes(where: Any) -> Iterator[_Like]:
    for node in walk(where):
        if node.get("class") != "FUNCTION" or node.get("function_name") != "~~":
            continue
        args = [a.get("expression", a) for a in node.get("arguments") or []]
        if len(args) != 2 or args[0].get("class") != "COLUMN_REF" or len(args[0].get("column_names", [])) != 1:
            continue
        literal = args[1].get("literal") or {}
        span = _span(node)
        if args[1].get("class") == "CONSTANT" and literal.get("kind") == "STRING" and span:
            yield _Like(args[0]["column_names"][0], literal["text"], span)


def _single_table(node: dict[str, Any]) -> str | None:
    table = node.get("from_table") or {}
    return str(table["table_name"]) if table.get("type") == "BASE_TABLE" and not table.get("schema_name") else None


def _replace(sql: str, edits: list[tuple[tuple[int, int], str]]) -> str:
    data = sql.encode()
    for (start, end), text in sorted(edits, reverse=True):
        data = data[:start] + text.encode() + data[end:]
    return data.decode()


def suggest_value_fix(sql: str, db: SessionDatabase) -> Correction | None:
    """The SQL with one ``column = 'text'`` comparison corrected to where the text really is, or None."""
    node = parse_tree(sql, db.internal_query)
    table = _single_table(node) if node is not None and node.get("type") == "SELECT_NODE" else None
    info = next((t for t in db.tables() if table and t.name.lower() == table.lower()), None)
    if info is None:
        return None
    texts = [c for c, kind in info.columns if kind in TEXT_TYPES]
    by_name = {c.lower(): c for c in texts}
    for like in _likes(node.get("where_clause")):
        column = by_name.get(like.column.lower())
        if column is not None:
            col, tbl = quote_identifier(column), quote_identifier(info.name)
            exact, any_case = db.internal_query(
                f"SELECT bool_or({col} LIKE $1), bool_or({col} ILIKE $1) FROM {tbl}", [like.pattern]
            )[0]
            if not exact and any_case:
                note = (
                    f"No {column} matches {quote_literal(like.pattern)} in this case; the app matched it in any case."
                )
                return Correction(_replace(sql, [(like.operator_span, f"ILIKE {quote_literal(like.pattern)}")]), note)
    for comparison in _comparisons(node.get("where_clause")):
        column = by_name.get(comparison.column.lower())
        if column is None:
            continue
        found = _correction(db, info.name, texts, column, comparison)
        if found is not None:
            edit, note = found
            return Correction(_replace(sql, [edit]), note)
    return None


def _correction(
    db: SessionDatabase, table: str, texts: list[str], column: str, comparison: _Comparison
) -> tuple[tuple[tuple[int, int], str], str] | None:
    """(the edit to make, why) when the value is stored in another spelling, or in exactly one other column."""
    tbl, value = quote_identifier(table), comparison.value
    exact = ", ".join(f"bool_or({quote_identifier(c)} = $1)" for c in texts)
    found = dict(zip(texts, db.internal_query(f"SELECT {exact} FROM {tbl}", [value])[0], strict=True))
    if found[column]:
        return None  # the value is there: the empty result is a fact about the data
    col = quote_identifier(column)
    spelled = db.internal_query(f"SELECT DISTINCT {col} FROM {tbl} WHERE lower({col}) = lower($1) LIMIT 2", [value])
    if len(spelled) == 1:
        right = str(spelled[0][0])
        note = f"No {column} is {quote_literal(value)}; the app used the stored spelling {quote_literal(right)}."
        return (comparison.value_span, quote_literal(right)), note
    elsewhere = [c for c in texts if found[c]]
    if len(elsewhere) == 1:
        note = f"{quote_literal(value)} is a value of {elsewhere[0]}, not of {column}: the app compared {elsewhere[0]}."
        return (comparison.column_span, quote_identifier(elsewhere[0])), note
    return None


def suggest_column_by_value(sql: str, error: str, db: SessionDatabase) -> Correction | None:
    """A made-up column compared with texts (``order_type = 'online'``) renamed to the one column of the
    query's table that holds every one of those texts, when DuckDB says the made-up one does not exist."""
    missing = missing_column(error)
    wrong = missing.name if missing else None
    tree = serialized_statement(sql, db.internal_query) if wrong else None
    if tree is None or wrong is None:
        return None
    tables = {
        str(n["table_name"]).lower() for n in walk(tree) if n.get("type") == "BASE_TABLE" and not n.get("schema_name")
    }
    infos = [t for t in db.tables() if t.name.lower() in tables]
    values = {c.value for c in _comparisons(tree) if c.column.lower() == wrong.lower()}
    if len(infos) != 1 or not values:
        return None
    texts = [c for c, kind in infos[0].columns if kind in TEXT_TYPES]
    if not texts:
        return None
    tbl = quote_identifier(infos[0].name)
    holding = ", ".join(f"bool_or({quote_identifier(c)} = $1)" for c in texts)
    every = [
        {
            c
            for c, found in zip(texts, db.internal_query(f"SELECT {holding} FROM {tbl}", [value])[0], strict=True)
            if found
        }
        for value in sorted(values)
    ]
    columns = set.intersection(*every)
    if len(columns) != 1:
        return None
    right = columns.pop()
    fixed = renamed(sql, wrong, right)
    if fixed is None:
        return None
    shown = ", ".join(quote_literal(v) for v in sorted(values))
    return Correction(fixed, f"Column {wrong} does not exist; {shown} are values of {right}: the app used {right}.")


def correct_column_by_value(situation: Situation) -> Correction | None:
    """The step: a made-up column compared with texts that one real column holds."""
    return suggest_column_by_value(situation.sql, situation.error, situation.db)


def correct_value(situation: Situation) -> Correction | None:
    """The step: a query that found nothing because a text was compared with the wrong column or spelling."""
    if situation.result is None or not situation.result.found_nothing:
        return None
    return suggest_value_fix(situation.sql, situation.db)
