"""Answers the person rated right, as worked examples for the later questions of the same conversation.

The SQL prompt's generic examples (``analyst.prompt_context``) show a small model the reply's shape with the
table's own columns; an answer the person confirmed shows more: the names, filters and idioms that were right
on this data. The rated answers most relevant to the new question (by the words they share with it) take the
place of generic examples one for one, within a fixed size, so the prompt grows by little. With no rated
answer the prompt is exactly what it was.
"""

from __future__ import annotations

import re
from dataclasses import replace

from analyst.answer import DONE, RIGHT, Answer, ChartPart
from analyst.prompt_context import SchemaContext
from charts.roles import column_roles

Example = tuple[str, str, str]  # (question, SQL, chart line), as SchemaContext.examples holds them

MAX_RATED_EXAMPLES = 2
MAX_SQL_CHARS = 400  # a longer query costs more prompt than it teaches
MAX_QUESTION_CHARS = 200
MAX_RATED_CHARS = 600  # questions and SQL of all rated examples together: caps the tokens they add
PROMPT_MARKS = ("bar", "line", "point", "area")  # the chart line's marks that take x= and y=
COMMON_WORDS = (  # words that say nothing about what a question is about
    "the and for are was were what which who how many much with from that this these those there have has had "
    "does did show list give tell each per all any into than then them they their its our your only about"
)
STOP_WORDS = frozenset(COMMON_WORDS.split())


def question_words(text: str) -> set[str]:
    """The words of a question that say what it is about (3 letters or more, common words left out)."""
    return {w for w in re.findall(r"[a-z0-9_]+", text.lower()) if len(w) >= 3 and w not in STOP_WORDS}


def chart_line(answer: Answer) -> str:
    """A chart line that draws the answer's chart again, in the prompt's short form: its mark with the result's
    key column as x and its first number as y; ``chart: none`` when the answer had no chart; nothing for any
    other chart (a single value, a histogram...: the automatic chart draws those)."""
    table = answer.table
    charts = answer.of_type(ChartPart)
    if table is None:
        return ""
    if not charts:
        return "" if len(table.frame) == 1 else "chart: none"
    kind = charts[-1].kind
    if kind == "map":
        return "chart: map"
    if kind not in PROMPT_MARKS:
        return ""
    roles = column_roles(table.frame)
    keys = roles.values if kind == "point" else [*roles.times, *roles.time_parts, *roles.categories]
    x = next(iter(keys), None)
    y = next((c for c in roles.values if c != x), None)
    if not x or not y or any(re.search(r"\s|=", c) for c in (x, y)):
        return ""
    return f"chart: {kind} x={x} y={y}"


def usable(answer: Answer) -> bool:
    """Rated right, finished with a result, and small enough to show as an example."""
    sql = answer.final_sql or ""
    return (
        answer.rating == RIGHT
        and answer.status == DONE
        and answer.table is not None
        and not answer.error
        and not answer.is_attachment
        and 0 < len(sql) <= MAX_SQL_CHARS
        and "```" not in sql
        and 0 < len(" ".join(answer.question.split())) <= MAX_QUESTION_CHARS
    )


def pick_rated_examples(history: list[Answer], question: str, limit: int = MAX_RATED_EXAMPLES) -> tuple[Example, ...]:
    """At most ``limit`` answers of ``history`` rated right, as examples: those sharing the most words with
    ``question`` (ties: the most recent), each question once, within ``MAX_RATED_CHARS``. Never an answer rated
    wrong or not rated; none that shares no word with the question."""
    asked = question_words(question)
    latest: dict[str, tuple[int, int, Answer]] = {}  # one per question: its latest rated answer
    for index, answer in enumerate(history):
        if not usable(answer):
            continue
        text = " ".join(answer.question.split())
        overlap = len(asked & question_words(text))
        if overlap:
            latest[text.lower()] = (overlap, index, answer)
    picked: list[Example] = []
    room = MAX_RATED_CHARS
    for _, _, answer in sorted(latest.values(), key=lambda item: (item[0], item[1]), reverse=True):
        text, sql = " ".join(answer.question.split()), answer.final_sql or ""
        if len(picked) == limit:
            break
        if len(text) + len(sql) <= room:
            picked.append((text, sql, chart_line(answer)))
            room -= len(text) + len(sql)
    return tuple(picked)


def with_rated_examples(context: SchemaContext, history: list[Answer], question: str) -> SchemaContext:
    """``context`` with the rated examples for ``question`` first, each replacing the generic example that shares
    the fewest words with the question; ``context`` itself when there are none."""
    rated = pick_rated_examples(history, question)
    if not rated:
        return context
    asked = question_words(question)
    generic = list(context.examples)
    keep = max(0, len(generic) - len(rated))
    ranked = sorted(range(len(generic)), key=lambda i: (-len(asked & question_words(generic[i][0])), i))
    kept = [generic[i] for i in sorted(ranked[:keep])]
    return replace(context, examples=(*rated, *kept))
