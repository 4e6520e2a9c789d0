"""Reading SQL (and an optional chart suggestion) out of what real models send.

Accepted, whatever the requested format: fenced blocks (```sql, ```SQL, ```duckdb, unlabeled),
a JSON object with the SQL in a field (inside or outside a fence), a bare SELECT/WITH statement
in prose, a tool call's JSON arguments, and ``<think>`` sections, which are dropped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import duckdb

FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
THINK = re.compile(r"<think>.*?(?:</think>|\Z)", re.DOTALL | re.IGNORECASE)
CHART_LINE = re.compile(r"^\s*[*_`]*chart[*_`]*\s*:\s*(.+)$", re.IGNORECASE | re.MULTILINE)
SQL_START = re.compile(r"(?im)(?:^|(?<=[:\s]))(SELECT|WITH|FROM|DESCRIBE|SUMMARIZE|SHOW|PIVOT|UNPIVOT|EXPLAIN)\b")
SQL_KEYWORDS = ("SELECT", "WITH", "FROM", "DESCRIBE", "SUMMARIZE", "SHOW", "PIVOT", "UNPIVOT", "EXPLAIN", "VALUES", "(")
SQL_FIELDS = ("sql", "query", "sql_query", "SQL", "statement", "duckdb")
NON_SQL_LABELS = {"python", "py", "json", "text", "markdown", "md", "bash", "sh", "csv", "vega", "vega-lite"}
MARKS = {"bar", "line", "point", "scatter", "area", "map", "none", "tick", "rect", "circle", "arc", "pie"}


@dataclass(frozen=True)
class ChartHint:
    """A chart suggestion in the short form the prompt asks for."""

    mark: str
    x: str | None = None
    y: str | None = None
    color: str | None = None


@dataclass(frozen=True)
class ParsedReply:
    sql: str | None
    chart: ChartHint | dict[str, Any] | None
    text: str  # the reply's prose, without code and think sections


def strip_think(text: str) -> str:
    return THINK.sub("", text)


SQL_LABELS = {"sql", "duckdb", "postgresql", "postgres", "sqlite", "mysql", "psql"}
LEADING_COMMENTS = re.compile(r"^\s*(?:--[^\n]*\n|/\*.*?\*/\s*)*", re.DOTALL)


def looks_like_sql(text: str) -> bool:
    return LEADING_COMMENTS.sub("", text).lstrip().upper().startswith(SQL_KEYWORDS)


def last_statement(sql: str) -> str | None:
    """The last complete statement of ``sql`` (DuckDB splits it, so quoted semicolons are safe)."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error:
        cleaned = sql.strip().rstrip(";").strip()
        return cleaned or None
    if not statements:
        return None
    return statements[-1].query.strip().rstrip(";").strip() or None


def parse_chart_line(line: str) -> ChartHint | None:
    words = line.replace(",", " ").split()
    if not words:
        return None
    mark = words[0].lower().strip("*`_.")
    if mark not in MARKS:
        return None
    fields: dict[str, str] = {}
    for word in words[1:]:
        if "=" in word:
            key, _, value = word.partition("=")
            fields[key.lower().strip()] = value.strip().strip("`'\"*")
    return ChartHint(mark, fields.get("x"), fields.get("y"), fields.get("color"))


def _chart_from_json(value: Any) -> ChartHint | dict[str, Any] | None:
    if isinstance(value, str):
        return parse_chart_line(value)
    if not isinstance(value, dict):
        return None
    if "encoding" in value or "$schema" in value or "layer" in value:
        return value  # a Vega-Lite spec; charts.py validates and cleans it
    mark = value.get("mark") or value.get("type")
    if isinstance(mark, str):
        return ChartHint(mark.lower(), value.get("x"), value.get("y"), value.get("color"))
    return None


def _json_objects(text: str) -> list[dict[str, Any]]:
    """Every top-level JSON object in ``text``, in order."""
    decoder = json.JSONDecoder()
    found = []
    index = text.find("{")
    while index != -1:
        try:
            value, end = decoder.raw_decode(text, index)
        except ValueError:
            index = text.find("{", index + 1)
            continue
        if isinstance(value, dict):
            found.append(value)
        index = text.find("{", end)
    return found


def _from_json(obj: dict[str, Any]) -> tuple[str | None, ChartHint | dict[str, Any] | None]:
    if isinstance(obj.get("arguments"), (str, dict)):  # a tool call
        inner = obj["arguments"]
        inner = json.loads(inner) if isinstance(inner, str) and inner.strip().startswith("{") else inner
        if isinstance(inner, dict):
            return _from_json(inner)
    sql = next((obj[k] for k in SQL_FIELDS if isinstance(obj.get(k), str) and obj[k].strip()), None)
    chart = _chart_from_json(obj.get("chart") or obj.get("visualization") or obj.get("vega_lite"))
    return (last_statement(sql) if sql else None), chart


def _bare_sql(text: str) -> str | None:
    """A statement written straight into prose: from its first keyword to a blank line or the end."""
    match = SQL_START.search(text)
    if not match:
        return None
    candidate = text[match.start() :].split("\n\n", 1)[0]
    try:
        statements = duckdb.extract_statements(candidate)
    except duckdb.Error:
        statements = []
    if statements:
        return statements[0].query.strip().rstrip(";").strip() or None
    first = candidate.split(";", 1)[0].strip()
    return first if len(first.split()) >= 2 else None


def parse_reply(reply: str) -> ParsedReply:
    """SQL, chart suggestion and prose from a model's reply; ``sql`` is None when there is none."""
    text = strip_think(reply or "")
    sql: str | None = None
    chart: ChartHint | dict[str, Any] | None = None
    json_named_sql = False

    blocks = FENCE.findall(text)
    for label, body in blocks:
        label = label.lower()
        body = body.strip()
        if label == "json" or body.startswith("{"):
            for obj in _json_objects(body):
                found_sql, found_chart = _from_json(obj)
                if found_sql:
                    sql, json_named_sql = found_sql, True
                chart = found_chart or chart
        elif label in ("vega", "vega-lite", "vegalite"):
            chart = next((c for c in (_chart_from_json(o) for o in _json_objects(body)) if c), chart)
        elif (label in SQL_LABELS or (label not in NON_SQL_LABELS and looks_like_sql(body))) and not json_named_sql:
            sql = last_statement(body) or sql

    prose = FENCE.sub("\n", text)
    if sql is None:
        for obj in _json_objects(prose):
            found_sql, found_chart = _from_json(obj)
            if found_sql:
                sql = found_sql
                explanation = obj.get("explanation") or obj.get("answer") or ""
                prose = explanation if isinstance(explanation, str) else ""
            chart = found_chart or chart
    if sql is None and not blocks:
        sql = _bare_sql(prose)
    chart_line = CHART_LINE.search(prose)
    if chart_line and chart is None:
        chart = parse_chart_line(chart_line.group(1))
    prose = CHART_LINE.sub("", prose)
    if sql and not blocks:
        prose = prose.replace(sql, "")
    return ParsedReply(sql=sql, chart=chart, text=" ".join(prose.split()) if prose.strip() else "")
