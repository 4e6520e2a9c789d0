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

from charts.hint import ChartHint

FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
THINK = re.compile(r"<think>.*?(?:</think>|\Z)", re.DOTALL | re.IGNORECASE)
CHART_LINE = re.compile(r"^\s*[*_`]*chart[*_`]*\s*:[*_`]*\s*(.+)$", re.IGNORECASE | re.MULTILINE)
SQL_KEYWORDS = ("SELECT", "WITH", "FROM", "DESCRIBE", "SUMMARIZE", "SHOW", "PIVOT", "UNPIVOT", "EXPLAIN", "VALUES", "(")
SQL_FIELDS = ("sql", "query", "sql_query", "SQL", "statement", "duckdb")
NON_SQL_LABELS = {"python", "py", "json", "text", "markdown", "md", "bash", "sh", "csv", "vega", "vega-lite"}
MARKS = {"bar", "line", "point", "scatter", "area", "map", "none", "tick", "rect", "circle", "arc", "pie"}
TRAILING_MARK = re.compile(r"\s+(" + "|".join(sorted(MARKS - {"none"})) + r")\s*;?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedReply:
    sql: str | None
    chart: ChartHint | dict[str, Any] | None
    text: str  # the reply's prose, without code and think sections


def strip_think(text: str) -> str:
    return THINK.sub("", text)


SQL_LABELS = {"sql", "duckdb", "postgresql", "postgres", "sqlite", "mysql", "psql"}
LEADING_COMMENTS = re.compile(r"^\s*(?:--[^\n]*\n|/\*.*?\*/\s*)*", re.DOTALL)
# Where a chart hint may start inside SQL text: "chart:" followed by a known mark, up to the end of its line.
CHART_HINT = re.compile(r"(?<![\w\"])[*_`]*chart[*_`]*\s*:[*_`]*\s*([^\n]*)", re.IGNORECASE)
# Keywords that can start a statement written straight into prose; writes included, so that
# "DELETE FROM t" is read (and refused) as a DELETE, never carved into "FROM t".
STATEMENT_START = re.compile(
    r"(?i)(?<![\w\"'.])(SELECT|WITH|FROM|DESCRIBE|SUMMARIZE|SHOW|PIVOT|UNPIVOT|EXPLAIN|DELETE|UPDATE|INSERT|"
    r"CREATE|DROP|ALTER|COPY|ATTACH|DETACH|INSTALL|LOAD|PRAGMA|SET|CALL|EXPORT|IMPORT|TRUNCATE|MERGE|VACUUM)\b"
)
READ_ONLY_STARTS = ("SELECT", "WITH")


def is_bare_value(text: str) -> bool:
    """A reply that is only a number ("0.93%", "1707"): the model guessed the answer instead of querying."""
    stripped = text.strip()
    return 0 < len(stripped) <= 30 and len(stripped.split()) <= 3 and any(c.isdigit() for c in stripped)


def looks_like_sql(text: str) -> bool:
    return LEADING_COMMENTS.sub("", text).lstrip().upper().startswith(SQL_KEYWORDS)


def _literal_spans(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, is_comment) of every string constant and comment, from DuckDB's own tokenizer."""
    try:
        tokens = duckdb.tokenize(text)
    except (duckdb.Error, RuntimeError):
        return []
    spans = []
    for index, (start, kind) in enumerate(tokens):
        if kind in (duckdb.token_type.string_const, duckdb.token_type.comment):
            end = tokens[index + 1][0] if index + 1 < len(tokens) else len(text)
            spans.append((start, end, kind == duckdb.token_type.comment))
    return spans


def _semicolons(text: str) -> list[int]:
    """Positions of the semicolons that end statements (not those inside strings, names or comments)."""
    try:
        tokens = duckdb.tokenize(text)
    except (duckdb.Error, RuntimeError):
        return []
    return [start for start, kind in tokens if kind == duckdb.token_type.operator and text.startswith(";", start)]


def take_chart_hint(sql: str) -> tuple[str, ChartHint | None]:
    """``sql`` without the chart hints a model wrote into it (own line, or after the statement on its line),
    and the first hint. A hint inside a string literal is data and stays; one in a comment is read.

    "chart:" followed by something that is no known mark (a copied template such as "bar|line x=a") is cut
    only when the text does not parse with it: DuckDB's ``alias: expression`` syntax looks the same."""
    spans = _literal_spans(sql)
    hint: ChartHint | None = None
    cuts: list[tuple[int, int]] = []
    unknown: list[tuple[int, int]] = []
    for match in CHART_HINT.finditer(sql):
        container = next((span for span in spans if span[0] <= match.start() < span[1]), None)
        if container is not None and not container[2]:
            continue  # inside a string constant
        parsed = parse_chart_line(match.group(1))
        hint = hint or parsed
        if container is None:
            (cuts if parsed else unknown).append((match.start(), match.end()))
    if unknown and _parse_statements(sql) is None:
        cuts = sorted(cuts + unknown)
    for start, end in reversed(cuts):
        sql = sql[:start] + sql[end:]
    return _take_trailing_mark(sql, hint)


def _take_trailing_mark(sql: str, hint: ChartHint | None) -> tuple[str, ChartHint | None]:
    """A chart kind written as a last word after the statement ("... LIMIT 10 MAP"): cut, and read as the
    hint, only when the text does not parse with it and does without it."""
    match = TRAILING_MARK.search(sql)
    if match is None or _parse_statements(sql) is not None or _parse_statements(sql[: match.start()]) is None:
        return sql, hint
    return sql[: match.start()], hint or ChartHint(match.group(1).lower())


def _parse_statements(sql: str) -> list[Any] | None:
    try:
        return duckdb.extract_statements(sql)
    except duckdb.Error:
        return None


def pick_statement(sql: str) -> str | None:
    """The one statement to run out of ``sql``, where DuckDB's parser says it ends.

    Text after the last statement that DuckDB can parse (prose, a stray line after ``;``) is dropped. Of
    several statements the last is the answer, unless one of them is not a query: then that one is
    returned whole, for the sandbox to refuse. Unparseable SQL is returned as it is, so DuckDB's syntax
    error reaches the repair step instead of a silently shortened query."""
    sql = sql.strip()
    if not sql:
        return None
    statements = _parse_statements(sql)
    if statements is None:
        for end in reversed(_semicolons(sql)):
            statements = _parse_statements(sql[: end + 1])
            if statements:
                break
    if not statements:
        semicolons = _semicolons(sql)
        return (sql[: semicolons[0]] if semicolons else sql).strip() or None
    chosen = next((s for s in statements if s.type is not duckdb.StatementType.SELECT), statements[-1])
    return chosen.query.strip().rstrip(";").strip() or None


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
    if not sql:
        return None, chart
    sql, hint = take_chart_hint(sql)
    return pick_statement(sql), chart or hint


def _bare_sql(text: str) -> tuple[str | None, ChartHint | None]:
    """A statement written straight into prose: the first keyword from which DuckDB parses a statement,
    up to a blank line; or, when none parses, the first SELECT/WITH (for DuckDB to explain its error)."""
    fallback: str | None = None
    for match in STATEMENT_START.finditer(text):
        candidate, hint = take_chart_hint(text[match.start() :].split("\n\n", 1)[0])
        if _parse_statements(candidate.strip()) or any(
            _parse_statements(candidate[: e + 1]) for e in _semicolons(candidate)
        ):
            return pick_statement(candidate), hint
        if fallback is None and match.group(1).upper() in READ_ONLY_STARTS and len(candidate.split()) >= 2:
            fallback = pick_statement(candidate)
    return fallback, None


def parse_reply(reply: str) -> ParsedReply:
    """SQL, chart suggestion and prose from a model's reply; ``sql`` is None when there is none."""
    text = strip_think(reply or "")
    sql: str | None = None
    chart: ChartHint | dict[str, Any] | None = None
    fence_chart: ChartHint | None = None
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
            body, hint = take_chart_hint(body)
            sql = pick_statement(body) or sql
            fence_chart = hint or fence_chart

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
        sql, fence_chart = _bare_sql(prose)
    chart_line = CHART_LINE.search(prose)
    if chart_line and chart is None:
        chart = parse_chart_line(chart_line.group(1))
    chart = chart or fence_chart
    prose = CHART_LINE.sub("", prose)
    if sql and not blocks:
        prose = prose.replace(sql, "")
    return ParsedReply(sql=sql, chart=chart, text=" ".join(prose.split()) if prose.strip() else "")
