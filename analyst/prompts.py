"""The messages sent to the model. Every token here is paid for on every question: keep it small."""

from __future__ import annotations

import re
from typing import Any

from analyst.answer import Answer, TextPart
from analyst.prompt_context import SchemaContext

Message = dict[str, Any]

SQL_SYSTEM = """Write one DuckDB SELECT query that answers the question from these tables.

{schema}
{examples}
Select only the columns the question asks for, and name computed ones. Use WHERE, GROUP BY, ORDER BY, LIMIT and \
round() only when the question asks for them. Quote mixed-case names. {idioms}
Reply with one ```sql block, then one line after it: chart: bar x=<column> y=<column> (or line, point, area, \
map, none).
If the tables cannot answer the question, say so in one sentence without SQL."""

REPAIR = """DuckDB rejected that query:
{error}
Reply with a corrected query in a ```sql block."""

INSIGHT_SYSTEM = (
    "You explain query results to a data analyst. In 2-4 short sentences, answer the question from the "
    "result. Use only numbers that appear in the result; never invent values. No SQL, no lists."
)


def history_messages(history: list[Answer], turns: int) -> list[Message]:
    """The last ``turns`` questions with the SQL (or text) that answered them, so follow-ups work."""
    messages: list[Message] = []
    for answer in history[-turns:] if turns else []:
        if answer.final_sql:
            reply = f"```sql\n{answer.final_sql}\n```"
        else:
            texts = [p.text for p in answer.parts if isinstance(p, TextPart)]
            if not texts:
                continue
            reply = texts[-1][:300]
        messages += [{"role": "user", "content": answer.question}, {"role": "assistant", "content": reply}]
    return messages


def build_sql_system(context: SchemaContext) -> str:
    examples = "".join(f"\nQ: {question}\n```sql\n{sql}\n```\n" for question, sql in context.examples)
    return SQL_SYSTEM.format(schema=context.schema, examples=examples, idioms=context.idioms)


def build_sql_messages(context: SchemaContext, history: list[Answer], question: str, turns: int = 4) -> list[Message]:
    return [
        {"role": "system", "content": build_sql_system(context)},
        *history_messages(history, turns),
        {"role": "user", "content": question},
    ]


def build_repair_messages(previous: list[Message], reply: str, error: str) -> list[Message]:
    first_lines = "\n".join(error.strip().splitlines()[:6])
    return [
        *previous,
        {"role": "assistant", "content": reply},
        {"role": "user", "content": REPAIR.format(error=first_lines)},
    ]


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
    where = f"\nThe error is in this line: {line}" if line else ""
    return [
        {"role": "system", "content": build_sql_system(context)},
        {
            "role": "user",
            "content": f"{question}\n\nThis query fails and must not be sent again:\n```sql\n{sql}\n```\n"
            f"DuckDB: {first_line}{where}\nWrite a different, correct query. Reply with only a ```sql block.",
        },
    ]


def build_insight_messages(question: str, summary: str, sql: str = "") -> list[Message]:
    """The SQL says what was computed, so a follow-up like "now only in Alaska" is explained right."""
    query = f"\nSQL: {' '.join(sql.split())}" if sql else ""
    return [
        {"role": "system", "content": INSIGHT_SYSTEM},
        {"role": "user", "content": f"Question: {question}{query}\n{summary}"},
    ]
