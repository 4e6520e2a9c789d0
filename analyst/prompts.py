"""The messages sent to the model. Every token here is paid for on every question: keep it small."""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Any

from analyst.answer import Answer, TextPart
from analyst.duckdb_errors import bad_date_text, missing_column, missing_spatial_function
from analyst.prompt_context import SchemaContext

Message = dict[str, Any]

SQL_SYSTEM = """Write one DuckDB SELECT query answering the question from these tables.

{schema}
{examples}
Rules:
- Only the asked-for columns, each named.
- "Rounded to N decimals": round(value, N).
- ORDER BY and LIMIT only for top N, most, least, first or last.
- Quote mixed-case names. {idioms}
Reply like the examples: a ```sql block, then a chart line (bar, line, point, area, map or none).
If the tables cannot answer the question, say so in one sentence without SQL."""

REPAIR = """DuckDB rejected that query:
{error}
{hint}Reply with a corrected query in a ```sql block."""
FORMAT_REPAIR = "That reply has no SQL. Write the query that answers the question, in a ```sql block."

INSIGHT_SYSTEM = (
    "You explain query results to a data analyst. In 2-4 short sentences, answer the question from the "
    "result. Use only numbers that appear in the result; never invent values. No SQL, no lists."
)


MAX_QUESTION_CHARS = 1_000  # a longer question is cut: every character rides along in later prompts too
MAX_HISTORY_SQL_CHARS = 1_500  # an earlier answer's SQL as context (an edited query may be far longer)
CUT = " …"


def shorten_question(question: str) -> str:
    """``question`` within ``MAX_QUESTION_CHARS`` (cut, marked with "…")."""
    question = question.strip()
    if len(question) <= MAX_QUESTION_CHARS:
        return question
    return question[: MAX_QUESTION_CHARS - len(CUT)].rstrip() + CUT


def history_messages(history: list[Answer], turns: int) -> list[Message]:
    """The last ``turns`` questions with the SQL (or text) that answered them, so follow-ups work. Answers opened
    from a shared link are left out: their question and SQL are the link's, not this person's."""
    messages: list[Message] = []
    asked = [answer for answer in history if not answer.shared]
    for answer in asked[-turns:] if turns else []:
        if answer.final_sql:
            sql = answer.final_sql
            if len(sql) > MAX_HISTORY_SQL_CHARS:
                sql = sql[:MAX_HISTORY_SQL_CHARS] + "\n-- (cut)"
            reply = f"```sql\n{sql}\n```"
        else:
            texts = [p.text for p in answer.parts if isinstance(p, TextPart)]
            if not texts:
                continue
            reply = texts[-1][:300]
        question = shorten_question(answer.question)
        messages += [{"role": "user", "content": question}, {"role": "assistant", "content": reply}]
    return messages


def build_sql_system(context: SchemaContext) -> str:
    examples = "".join(f"\nQ: {q}\n```sql\n{sql}\n```\n{chart}\n" for q, sql, chart in context.examples)
    return SQL_SYSTEM.format(schema=context.schema, examples=examples, idioms=context.idioms)


def build_sql_messages(context: SchemaContext, history: list[Answer], question: str, turns: int = 4) -> list[Message]:
    return [
        {"role": "system", "content": build_sql_system(context)},
        *history_messages(history, turns),
        {"role": "user", "content": with_iso_dates(shorten_question(question))},
    ]


MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
DATES_IN_WORDS = re.compile(
    rf"\b(?:(?P<day>{_DAY})\s+(?:of\s+)?(?P<month>{_MONTH})|(?P<month2>{_MONTH})\s+(?P<day2>{_DAY}),?)"
    r"\s+(?P<year>\d{4})\b",
    re.IGNORECASE,
)


def with_iso_dates(question: str) -> str:
    """ "4 February 2018" followed by "(2018-02-04)": small models read dates in words as 1 April."""

    def add_iso(found: re.Match[str]) -> str:
        month = (found.group("month") or found.group("month2"))[:3].lower()
        day = int(re.sub(r"\D", "", found.group("day") or found.group("day2")))
        if month not in MONTHS or not 1 <= day <= 31:
            return found.group(0)
        return f"{found.group(0)} ({found.group('year')}-{MONTHS.index(month) + 1:02d}-{day:02d})"

    return DATES_IN_WORDS.sub(add_iso, question)


def build_repair_messages(previous: list[Message], reply: str, error: str) -> list[Message]:
    first_lines = "\n".join(error.strip().splitlines()[:6])
    hint = repair_hint(error)
    return [
        *previous,
        {"role": "assistant", "content": reply},
        {"role": "user", "content": REPAIR.format(error=first_lines, hint=f"{hint}\n" if hint else "")},
    ]


def build_format_repair_messages(previous: list[Message], reply: str) -> list[Message]:
    return [*previous, {"role": "assistant", "content": reply}, {"role": "user", "content": FORMAT_REPAIR}]


DATE_PARTS = {"year", "quarter", "month", "week", "day", "hour", "minute", "dayofweek", "weekday"}
CLOSE_NAME = 0.5  # DuckDB lists its closest columns even when none is close ("region" → dmin, detail)
TIME_WORDS = {"time", "date", "timestamp", "datetime", "ts", "created_at", "event_time"}
TIME_NAME = re.compile(r"(time|date|_at$|_on$|day|when|stamp)", re.IGNORECASE)
NOT_GROUPED = re.compile(r'column "([^"]+)" must appear in the GROUP BY clause')
NEAR_TOKEN = re.compile(r'syntax error at or near "([^"]+)"')
# Other dialects' words DuckDB's parser stops at, and what DuckDB spells them as.
DIALECT_HINTS = {
    "regexp": "DuckDB has no REGEXP operator: write regexp_matches(column, 'pattern').",
    "rlike": "DuckDB has no RLIKE operator: write regexp_matches(column, 'pattern').",
    "top": "DuckDB has no SELECT TOP: put LIMIT n at the end of the query.",
}


def repair_hint(error: str) -> str:
    """DuckDB's message turned into the instruction a small model follows: what to use instead."""
    missing = missing_column(error)
    if missing:
        wrong, candidates = missing.name, list(missing.candidates[:3])
        if wrong.lower() in DATE_PARTS:
            return (
                f"There is no column {wrong}: it is a part of a date. Use {wrong}(date_column) or "
                f"date_trunc('{wrong}', date_column) on the table's date or time column."
            )
        if wrong.lower() in TIME_WORDS:  # the bundled table's "time" written on a table whose clock is "taken_at"
            times = [c for c in candidates if TIME_NAME.search(c)]
            if times:
                return f"There is no column {wrong}. This table's date or time column is {' or '.join(times)}."
        close = [c for c in candidates if SequenceMatcher(None, wrong.lower(), c.lower()).ratio() >= CLOSE_NAME]
        if close:
            return f"There is no column {wrong}. Use one of these columns instead: {', '.join(close)}."
        return f"There is no column {wrong}, nor one with a similar name: use only the columns listed for the table."
    value = bad_date_text(error)
    if value is not None:
        if re.fullmatch(r"\d{4}", value):
            return f"A date or time cannot equal '{value}': to keep one year, write year(column) = {value}."
        return f"'{value}' is not a date: write dates as 'YYYY-MM-DD' (times as 'YYYY-MM-DD HH:MM:SS')."
    if missing_spatial_function(error):  # the real 1.5B model's maps: ST_SetSRID(ST_MakePoint(lon, lat), 4326)
        return (
            "There are no spatial (ST_) functions here. For a map, select the latitude and longitude columns as "
            "they are, with the other columns asked for: the app draws the map."
        )
    near = NEAR_TOKEN.search(error)
    if near and near.group(1).lower() in DIALECT_HINTS:
        return DIALECT_HINTS[near.group(1).lower()]
    grouped = NOT_GROUPED.search(error)
    if grouped:
        return (
            f"{grouped.group(1)} is neither grouped nor aggregated. To list rows, remove GROUP BY; "
            f"to summarise, add {grouped.group(1)} to GROUP BY or aggregate it."
        )
    return ""


def failing_line(sql: str, error: str) -> str | None:
    """The line of ``sql`` that DuckDB's error points at ("LINE 3: ..."), when it says."""
    lines = sql.splitlines()
    match = re.search(r"LINE (\d+):", error)
    if match and 0 < int(match.group(1)) <= len(lines):
        return lines[int(match.group(1)) - 1].strip()
    named = re.search(r'"([^"]+)"', error)  # binder errors name the column or table they could not find
    if named:
        return next((line.strip() for line in lines if named.group(1).lower() in line.lower()), None)
    return None


def build_fresh_repair_messages(context: SchemaContext, question: str, sql: str, error: str) -> list[Message]:
    """After a repair that sent the failing query back unchanged: a new, short conversation that shows the
    query once, the exact line DuckDB stopped at, and asks for a different query. Small models copy what
    a long conversation repeats; this one has nothing to copy but the mistake, named as such."""
    first_line = " ".join(error.strip().splitlines()[:2]) or "error"
    line = failing_line(sql, error)
    hint = repair_hint(error)
    where = (f"\nThe error is in this line: {line}" if line else "") + (f"\n{hint}" if hint else "")
    return [
        {"role": "system", "content": build_sql_system(context)},
        {
            "role": "user",
            "content": f"{shorten_question(question)}\n\n"
            f"This query fails and must not be sent again:\n```sql\n{sql}\n```\n"
            f"DuckDB: {first_line}{where}\nWrite a different, correct query. Reply with only a ```sql block.",
        },
    ]


def build_insight_messages(question: str, summary: str, sql: str = "") -> list[Message]:
    """The SQL says what was computed, so a follow-up like "now only in Alaska" is explained right."""
    query = f"\nSQL: {' '.join(sql.split())}" if sql else ""
    return [
        {"role": "system", "content": INSIGHT_SYSTEM},
        {"role": "user", "content": f"Question: {shorten_question(question)}{query}\n{summary}"},
    ]
