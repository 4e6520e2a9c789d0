"""The record of one answer: typed parts in display order, and what each model call cost."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from analyst.model_text import escape_markdown, prose_markdown

if TYPE_CHECKING:
    import pandas as pd


# Each part holds its text as written; its ``markdown`` is how any page or report shows that text (analyst.model_text).
@dataclass
class TextPart:
    """Prose in the answer: the model's own words (``by_model``: bold and italic show, nothing else becomes markup),
    or a sentence the app wrote, maybe with a table or file name in it (shown as the text it is)."""

    text: str
    interrupted: str | None = None
    by_model: bool = False

    @property
    def markdown(self) -> str:
        return prose_markdown(self.text) if self.by_model else escape_markdown(self.text)


@dataclass
class SqlPart:
    sql: str
    attempt: int  # 0 for the first try, then 1..max repairs; -1 for SQL the person edited
    error: str | None = None
    note: str | None = None  # how the app changed the previous attempt, when it did (not the model)


@dataclass
class TablePart:
    frame: pd.DataFrame
    total_rows: int
    sql: str
    computed: str | None = None  # what the SQL did, in words (analyst.sql_description); None: show the SQL


@dataclass
class ChartPart:
    spec: dict[str, Any]
    kind: str
    source: str


@dataclass
class MetricPart:
    label: str  # the result column the value is in
    value: Any
    about: str = ""  # the row's key, when it has one ("day 2018-02-04"): shown beside the label


@dataclass
class NoticePart:
    PLAIN: ClassVar[str] = ""
    CHART_FALLBACK: ClassVar[str] = "chart_fallback"  # why the model's chart was not drawn: the page shows it on demand
    LEFT_OUT: ClassVar[str] = "left_out"  # the insight's sentences the table does not support, and why
    STOPPED: ClassVar[str] = "stopped"  # the person stopped the answer

    text: str
    kind: str = PLAIN  # how the page shows the notice; the text is the same whatever the kind

    @property
    def markdown(self) -> str:
        return escape_markdown(self.text)


@dataclass
class ErrorPart:
    message: str  # DuckDB's or the endpoint's words may be in it: shown inert
    endpoint: bool = False  # the endpoint failed (not the query): the page links to the Endpoints page

    @property
    def markdown(self) -> str:
        return escape_markdown(self.message)


QUEUED, RUNNING, DONE = "queued", "running", "done"  # an answer's status while a session's AnswerQueue works

RIGHT, WRONG = "right", "wrong"  # how the person rated an answer

ATTACHMENT_MARK = "📎 "  # starts the "question" of a record that only reports attached files

Part = TextPart | SqlPart | TablePart | ChartPart | MetricPart | NoticePart | ErrorPart


@dataclass
class CallRecord:
    """One model request: why, which model answered, how long, how many tokens, what it was sent."""

    purpose: str  # "sql", "repair" or "insight"
    model: str
    latency_s: float
    prompt_tokens: int | None
    completion_tokens: int | None
    retries: int
    messages: list[dict[str, Any]]


@dataclass
class Answer:
    question: str
    parts: list[Part] = field(default_factory=list)
    calls: list[CallRecord] = field(default_factory=list)
    asked_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    total_s: float = 0.0
    status: str = DONE
    stopped: bool = False  # the person stopped it: its parts are what was finished by then
    shared: bool = False  # opened from a shared link: its SQL was rerun here, no model was asked
    id: str = field(default_factory=lambda: uuid.uuid4().hex)  # stable across reruns and inserts: widget keys
    rating: str | None = None  # RIGHT or WRONG once the person rated it (ui/rating.py)

    @property
    def is_attachment(self) -> bool:
        return self.question.startswith(ATTACHMENT_MARK)

    def of_type(self, kind: type) -> list[Any]:
        return [p for p in self.parts if isinstance(p, kind)]

    @property
    def final_sql(self) -> str | None:
        tables = self.of_type(TablePart)
        if tables:
            return tables[-1].sql
        attempts = self.of_type(SqlPart)
        return attempts[-1].sql if attempts else None

    @property
    def table(self) -> TablePart | None:
        tables = self.of_type(TablePart)
        return tables[-1] if tables else None

    @property
    def error(self) -> str | None:
        errors = self.of_type(ErrorPart)
        return errors[-1].message if errors else None

    @property
    def model(self) -> str | None:
        return self.calls[-1].model if self.calls else None

    @property
    def prompt_tokens(self) -> int:
        return sum(c.prompt_tokens or 0 for c in self.calls)

    @property
    def completion_tokens(self) -> int:
        return sum(c.completion_tokens or 0 for c in self.calls)

    @property
    def model_seconds(self) -> float:
        return sum(c.latency_s for c in self.calls)

    @property
    def retries(self) -> int:
        return sum(c.retries for c in self.calls)

    @property
    def tokens_reported(self) -> bool:
        return all(c.prompt_tokens is not None and c.completion_tokens is not None for c in self.calls)

    def describe_cost(self) -> str:
        """One quiet line: which model, how the answer ended and after how long, how many calls and tokens (a call
        whose tokens the endpoint did not report is said to be so, the others still count)."""
        calls = f"{len(self.calls)} model call{'' if len(self.calls) == 1 else 's'}"
        unreported = sum(c.prompt_tokens is None or c.completion_tokens is None for c in self.calls)
        if unreported == len(self.calls):
            tokens = "tokens not reported by the endpoint"
        else:
            tokens = f"{self.prompt_tokens:,} in + {self.completion_tokens:,} out tokens"
            if unreported:
                whose = "1 call's" if unreported == 1 else f"{unreported} calls'"
                tokens += f" ({whose} tokens not reported)"
        retries = f" · {self.retries} {'retry' if self.retries == 1 else 'retries'}" if self.retries else ""
        ended = "stopped after" if self.stopped else "failed after" if self.error else "answered in"
        return f"{self.model} · {ended} {self.total_s:.1f} s · {calls} · {tokens}{retries}"


@dataclass(frozen=True)
class ConversationTotals:
    """What a whole conversation cost: questions, model calls, tokens and time spent waiting for models."""

    questions: int
    calls: int
    prompt_tokens: int
    completion_tokens: int
    model_seconds: float
    models: tuple[str, ...]

    def describe(self) -> str:
        def count(n: int, word: str) -> str:
            return f"{n:,} {word}{'' if n == 1 else 's'}"

        tokens = f"{self.prompt_tokens + self.completion_tokens:,} tokens"
        detail = f"{self.prompt_tokens:,} in + {self.completion_tokens:,} out"
        return (
            f"{count(self.questions, 'question')} · {count(self.calls, 'model call')} · {tokens} ({detail}) · "
            f"{self.model_seconds:.1f} s waiting for the model"
        )


def conversation_totals(history: list[Answer]) -> ConversationTotals:
    questions = [a for a in history if not a.is_attachment]
    calls = [c for a in questions for c in a.calls]
    return ConversationTotals(
        questions=len(questions),
        calls=len(calls),
        prompt_tokens=sum(c.prompt_tokens or 0 for c in calls),
        completion_tokens=sum(c.completion_tokens or 0 for c in calls),
        model_seconds=sum(c.latency_s for c in calls),
        models=tuple(dict.fromkeys(c.model for c in calls if c.model)),
    )
