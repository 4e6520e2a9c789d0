"""A test model for the loopback endpoint: answers SQL requests by matching the question, and
insight requests with a sentence built from numbers it was shown. Real models differ; this one is
predictable, which is what the tests need."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

INSIGHT_MARK = "You explain query results"


def fenced(sql: str, chart: str = "") -> str:
    return f"```sql\n{sql}\n```" + (f"\nchart: {chart}" if chart else "")


@dataclass
class ScriptedModel:
    """``rules``: (substring of the last user message, reply) pairs, first match wins."""

    rules: list[tuple[str, str | Callable[[dict[str, Any]], str]]] = field(default_factory=list)
    default: str = "I can only answer questions about the loaded tables."
    insight: str | None = None
    seen: list[dict[str, Any]] = field(default_factory=list)

    def on(self, fragment: str, reply: str | Callable[[dict[str, Any]], str]) -> ScriptedModel:
        self.rules.append((fragment.lower(), reply))
        return self

    def __call__(self, body: dict[str, Any]) -> str:
        self.seen.append(body)
        messages = body.get("messages", [])
        if messages and str(messages[0].get("content", "")).startswith(INSIGHT_MARK):
            if self.insight is not None:
                return self.insight
            shown = str(messages[-1]["content"])
            rows = re.search(r"Result: ([\d,]+) rows", shown)
            return f"The result has {rows.group(1) if rows else 'some'} rows."
        last = str(messages[-1].get("content", "")).lower() if messages else ""
        for fragment, reply in self.rules:
            if fragment in last:
                return reply(body) if callable(reply) else reply
        return self.default


# Reply habits seen with real small models (Qwen2.5-Coder 1.5B and 0.5B on llama.cpp), replayed by the tests.
def chart_inside_fence(sql: str, chart: str) -> str:
    """The 1.5B model's favourite: the requested chart line inside the SQL fence, after the `;`."""
    return f"```sql\n{sql};\nchart: {chart}\n```"


def chart_on_statement_line(sql: str, chart: str) -> str:
    """Statement, `;` and chart line on one line, inside the fence."""
    return f"```sql\n{sql}; chart: {chart}\n```"


def chart_without_semicolon(sql: str, chart: str) -> str:
    """The chart line right after the statement, no `;`, still inside the fence."""
    return f"```sql\n{sql}\nchart: {chart}\n```"


def chart_template_copied(sql: str, chart: str) -> str:
    """The prompt's chart line copied with its list of marks, on the statement's own line."""
    fields = chart.split(None, 1)[1] if " " in chart else ""
    return f"```sql\n{sql} chart: bar|line|point|area|map|none {fields}\n```"


SMALL_MODEL_HABITS = (chart_inside_fence, chart_on_statement_line, chart_without_semicolon)
