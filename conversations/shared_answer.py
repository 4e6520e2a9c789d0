"""Showing a shared answer: the link's SQL rerun through the sandbox on this session's data, then charted,
exactly as the pipeline does for the model's SQL, but with no model call and so no insight."""

from __future__ import annotations

import time

from analyst.answer import Answer, ChartPart, ErrorPart, NoticePart, Part, SqlPart, TextPart
from analyst.pipeline import NO_ROWS, load_table_part, metric_part, safe_part
from charts.choice import build_chart
from conversations.share_link import SharedLink
from sandbox.database import QueryError, SessionDatabase
from sandbox.guard import tables_read
from sandbox.syntax_tree import parse_tree

SHARED_NOTE = "Shared answer: the SQL was rerun on this session's data; no model was asked."
MISSING_TABLE = (
    "This shared answer uses table {table}, which is not loaded in this session "
    "(load the file it came from, then open the link again)."
)


def missing_tables(sql: str, db: SessionDatabase) -> list[str]:
    """Tables ``sql`` reads, by DuckDB's parse, that this session does not have (none when it does not parse)."""
    tree = parse_tree(sql, db.internal_query)
    if tree is None:
        return []
    loaded = {t.lower() for t in db.table_names()}
    return [t for t in tables_read(tree) if t.lower() not in loaded]


def result_parts(question: str, sql: str, db: SessionDatabase) -> list[Part]:
    """The note, chart (or single value), table and SQL; or, when the SQL does not run here, why."""
    try:
        result = db.run_query(sql)
    except QueryError as error:
        missing = missing_tables(sql, db) if error.kind == "error" else []
        message = MISSING_TABLE.format(table=missing[0]) if missing else error.message
        return [NoticePart(SHARED_NOTE), SqlPart(sql, 0, message), ErrorPart(message)]
    parts: list[Part] = [NoticePart(SHARED_NOTE)]
    if result.total_rows == 0:
        parts.append(TextPart(NO_ROWS))
    else:
        chart = build_chart(result.frame, None, title=question)
        if chart.spec is not None:
            parts.append(ChartPart(chart.spec, chart.kind, chart.source))
        elif chart.kind == "metric":
            parts.append(metric_part(result.frame))
    return [*parts, load_table_part(result, db), SqlPart(result.sql, 0)]


def load_shared_answer(link: SharedLink, db: SessionDatabase) -> Answer:
    """The answer a shared link shows, marked as shared: its SQL run on this session's data. It never raises for a
    bad or hostile link."""
    started = time.perf_counter()
    parts = (
        [NoticePart(SHARED_NOTE), ErrorPart(link.problem)]
        if link.problem
        else result_parts(link.question, link.sql, db)
    )
    answer = Answer(link.question, [safe_part(p) for p in parts], shared=True)
    answer.total_s = time.perf_counter() - started
    return answer
