"""Execution accuracy on the reference questions in ``bench/questions.json``.

A question counts as right when the answer's result holds the same rows as the reference
query's result (order, column names and float noise aside).
"""

from __future__ import annotations

import csv
import io
import json
import statistics
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from analyst.compare import results_equal
from analyst.pipeline import PipelineOptions, answer_question
from analyst.sandbox import QueryError, SessionDatabase
from providers.client import ModelClient

QUESTIONS_FILE = Path(__file__).resolve().parents[1] / "bench" / "questions.json"
EVAL_OPTIONS = PipelineOptions(write_insight=False)  # the score is about SQL: no insight calls


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    reference_sql: str
    tags: tuple[str, ...] = ()


@dataclass
class QuestionScore:
    id: str
    question: str
    correct: bool
    problem: str  # "" when right; otherwise what went wrong
    sql: str
    latency_s: float
    prompt_tokens: int
    completion_tokens: int
    retries: int
    repairs: int
    model: str = ""  # the model that answered, as the endpoint named it


@dataclass
class EvalReport:
    model: str
    scores: list[QuestionScore] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return sum(s.correct for s in self.scores) / len(self.scores) if self.scores else 0.0

    @property
    def latency_p50_s(self) -> float:
        return statistics.median(s.latency_s for s in self.scores) if self.scores else 0.0

    @property
    def latency_p90_s(self) -> float:
        values = sorted(s.latency_s for s in self.scores)
        return values[min(len(values) - 1, round(0.9 * (len(values) - 1)))] if values else 0.0

    @property
    def total_tokens(self) -> int:
        return sum(s.prompt_tokens + s.completion_tokens for s in self.scores)

    def summary(self) -> dict[str, object]:
        return {
            "model": self.model,
            "questions": len(self.scores),
            "correct": sum(s.correct for s in self.scores),
            "execution_accuracy": round(self.accuracy, 4),
            "latency_p50_s": round(self.latency_p50_s, 3),
            "latency_p90_s": round(self.latency_p90_s, 3),
            "total_tokens": self.total_tokens,
        }

    def to_json(self) -> str:
        return json.dumps({**self.summary(), "per_question": [asdict(s) for s in self.scores]}, indent=2)

    def to_csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(QuestionScore.__dataclass_fields__))
        writer.writeheader()
        writer.writerows(asdict(s) for s in self.scores)
        return buffer.getvalue()


def load_questions(path: Path = QUESTIONS_FILE) -> list[EvalQuestion]:
    items = json.loads(path.read_text(encoding="utf-8"))
    return [EvalQuestion(i["id"], i["question"], i["reference_sql"], tuple(i.get("tags", ()))) for i in items]


def score_question(item: EvalQuestion, db: SessionDatabase, client: ModelClient) -> QuestionScore:
    answer = answer_question(item.question, [], db, client, EVAL_OPTIONS)
    expected = db.run_query(item.reference_sql).frame
    repairs = sum(1 for c in answer.calls if c.purpose == "repair")
    if answer.error:
        problem = answer.error
    elif answer.table is None:
        problem = "no SQL in the reply"
    elif (
        answer.table.left_out
        if hasattr(answer.table, "left_out")
        else answer.table.total_rows > len(answer.table.frame)
    ):
        problem = "result too large to compare"
    elif not results_equal(answer.table.frame, expected):
        problem = f"wrong result ({answer.table.total_rows} rows, expected {len(expected)})"
    else:
        problem = ""
    return QuestionScore(
        item.id, item.question, problem == "", problem, answer.final_sql or "", answer.model_seconds,
        answer.prompt_tokens, answer.completion_tokens, answer.retries, repairs, answer.model or "",
    )  # fmt: skip


def run_evaluation(
    client: ModelClient,
    questions: list[EvalQuestion] | None = None,
    on_progress: Callable[[int, int, QuestionScore], None] | None = None,
) -> EvalReport:
    """Ask every question on a fresh copy of the bundled data; report accuracy, latency and tokens."""
    questions = load_questions() if questions is None else questions
    db = SessionDatabase()
    report = EvalReport(model=client.settings.model)
    for number, item in enumerate(questions, start=1):
        try:
            score = score_question(item, db, client)
        except QueryError as error:  # a broken reference query is our bug: say so, do not hide it
            raise RuntimeError(f"Reference SQL of {item.id} failed: {error}") from None
        report.scores.append(score)
        report.model = score.model or report.model
        if on_progress:
            on_progress(number, len(questions), score)
    return report
