"""What a correction step is given, and what it gives back.

A step is a function from the situation of one query (the question and the conversation around it, the SQL, and
what running it did: DuckDB's error or the result) to an optional correction: the corrected SQL and the reason,
in words, that the person sees on the attempt. A step never runs the model's SQL itself; the pipeline runs the
corrected SQL through the same sandbox as any query."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from sandbox.database import QueryResult, SessionDatabase


@dataclass(frozen=True)
class Conversation:
    """The question and what came before it that a correction may use."""

    asked: str  # the conversation's questions, this one last (one per line)
    example_values: frozenset[str] = frozenset()  # texts the prompt's worked examples filter on
    earlier_values: frozenset[str] = frozenset()  # texts the conversation's earlier SQL filtered on
    earlier_sql: str = ""  # the SQL of the answer before: its grouping and filters may carry over

    @property
    def question(self) -> str:
        """This question alone."""
        return self.asked.splitlines()[-1] if self.asked else ""


@dataclass(frozen=True)
class Situation:
    sql: str
    conversation: Conversation
    db: SessionDatabase
    error: str = ""  # DuckDB's message, when the SQL failed
    result: QueryResult | None = None  # what the SQL returned, when it ran

    def with_sql(self, sql: str) -> Situation:
        return replace(self, sql=sql)


@dataclass(frozen=True)
class Correction:
    sql: str
    reason: str


Step = Callable[[Situation], "Correction | None"]
