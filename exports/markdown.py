"""The conversation as a Markdown report: questions, insights, charts, result previews and the SQL.

The report is read in any Markdown viewer, so it follows the page's rule (analyst.model_text): each part's text is
its ``markdown``, and every other name, question or message in it is escaped; only the app's own headings, emphasis,
tables, fences and chart images are markup."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import pandas as pd

from analyst.answer import (
    Answer,
    ChartPart,
    ErrorPart,
    MetricPart,
    NoticePart,
    SqlPart,
    TablePart,
    TextPart,
    conversation_totals,
)
from analyst.model_text import escape_inline_markdown, escape_markdown
from sandbox.database import TableInfo

PREVIEW_ROWS = 10
ImageLink = Callable[[int, ChartPart], str | None]  # (question number, chart) -> image address, None if not drawn


def one_line(text: str) -> str:
    """Text collapsed to one line (the script's comments; Markdown text is escaped by ``escape_markdown``)."""
    return " ".join(str(text).split())


def format_value(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, float):
        return f"{value:.10g}"  # enough for coordinates; no scientific notation below 10 digits
    if isinstance(value, pd.Timestamp):
        return value.isoformat(sep=" ")
    return str(value)


def _cell(value: Any) -> str:
    """A table cell (or column name) from the data: escaped, so Markdown viewers show it as text."""
    return escape_inline_markdown(format_value(value))


def build_markdown_table(frame: pd.DataFrame, rows: int = PREVIEW_ROWS) -> str:
    header = "| " + " | ".join(_cell(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.head(rows).itertuples(index=False)]
    return "\n".join([header, rule, *body])


def _fenced(text: str, language: str = "") -> str:
    fence = "```"
    while fence in text:  # a fence longer than any run of backticks inside keeps the block closed
        fence += "`"
    return f"{fence}{language}\n{text.strip()}\n{fence}"


def _meta(answer: Answer) -> str | None:
    return f"*{escape_markdown(answer.describe_cost())}*" if answer.calls else None  # the endpoint names its model


def _rows_note(part: TablePart) -> str:
    shown = min(len(part.frame), PREVIEW_ROWS)
    if part.total_rows == 0:
        return "*No rows.*"
    if shown == part.total_rows:
        return f"*{part.total_rows:,} row{'' if part.total_rows == 1 else 's'}.*"
    return f"*First {shown:,} of {part.total_rows:,} rows.*"


def build_answer_section(number: int, answer: Answer, image_link: ImageLink) -> str:
    """One question and everything its answer showed, in the page's order."""
    lines = [f"## {number}. {escape_markdown(answer.question)}"]
    meta = _meta(answer)
    if meta:
        lines.append(meta)
    for part in answer.parts:
        if isinstance(part, TextPart):
            lines.append(part.markdown)
            if part.interrupted:
                lines.append(f"> {escape_markdown(part.interrupted)}")
        elif isinstance(part, NoticePart):
            lines.append(f"> ℹ️ {part.markdown}")
        elif isinstance(part, ChartPart):
            link = image_link(number, part)
            alt_text = f"Chart for question {number} ({part.kind})"
            lines.append(f"![{alt_text}]({link})" if link else f"*{alt_text}: it could not be drawn as an image.*")
        elif isinstance(part, MetricPart):
            lines.append(f"**{_cell(part.label)}: {_cell(part.value)}**")
        elif isinstance(part, TablePart):
            if part.computed:
                lines.append(f"*Computed: {escape_markdown(part.computed)}*")
            lines += [build_markdown_table(part.frame), _rows_note(part)]
        elif isinstance(part, ErrorPart):
            lines.append(f"> **Error:** {part.markdown}")
    sql = answer.final_sql
    if sql:
        lines.append(_fenced(sql, "sql"))
    for attempt in answer.of_type(SqlPart):
        if attempt.note:
            lines.append(f"*{escape_markdown(attempt.note)}*")
        if attempt.error and attempt.sql != sql:
            label = "Your edit" if attempt.attempt < 0 else f"Attempt {attempt.attempt + 1}"
            lines += [f"*{label} failed:* {escape_markdown(attempt.error)}", _fenced(attempt.sql, "sql")]
    return "\n\n".join(lines)


def build_markdown(
    history: Sequence[Answer],
    tables: Sequence[TableInfo],
    exported_at: datetime,
    image_link: ImageLink,
    *,
    footer: str = "",
) -> str:
    """The whole conversation, with a header that says when, on which tables and at what cost."""
    totals = conversation_totals(list(history))
    table_list = ", ".join(f"`{t.name}` ({t.rows:,} row{'' if t.rows == 1 else 's'})" for t in tables)
    header = [
        "# Chat with your data",
        f"Exported {exported_at:%Y-%m-%d %H:%M} UTC · {totals.describe()}",
        f"Models: {escape_markdown(', '.join(totals.models)) or 'none'} · Tables: {table_list or 'none'}",
    ]
    sections: list[str] = []
    number = 0
    for answer in history:
        if answer.is_attachment:
            texts = [p.text for p in answer.of_type(TextPart)] + [p.message for p in answer.of_type(ErrorPart)]
            sections.append(f"*{escape_markdown(answer.question)}: {escape_markdown(' '.join(texts))}*")
            continue
        number += 1
        sections.append(build_answer_section(number, answer, image_link))
    body = "\n\n".join([*header, *sections, footer] if footer else [*header, *sections])
    return body.rstrip() + "\n"
