"""Execution accuracy on the reference questions in ``bench/questions.json``.

A question counts as right when the answer's result holds the same rows as the reference
query's result (order, column names and float noise aside).
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from analyst.answer import Answer, NoticePart, TextPart
from analyst.pipeline import Events, PipelineOptions, answer_question
from evaluation.results import results_equal
from exports.csv_safety import build_csv_rows
from providers.client import ModelClient
from sandbox.database import QueryError, QueryResult, SandboxLimits, SessionDatabase
from sources.samples import load_sample_dataset

QUESTIONS_FILE = Path(__file__).resolve().parents[1] / "bench" / "questions.json"
EVAL_OPTIONS = PipelineOptions(write_insight=False)  # the score is about SQL: no insight calls
INSIGHT_OPTIONS = PipelineOptions()  # ``--insights``: each answer's insight too, checked against its table


@dataclass(frozen=True)
class EvalQuestion:
    """A question and its reference query; optionally sample tables to add first (``tables``), earlier
    questions asked in the same conversation (``history``), or no SQL expected at all (``expect="no_sql"``)."""

    id: str
    question: str
    reference_sql: str
    tags: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    history: tuple[str, ...] = ()
    expect: str = "rows"
    also_right: tuple[str, ...] = ()  # other labellings of the same answer (a quarter as its number or its start)


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
    insight: str = ""  # the insight shown (with ``--insights``)
    left_out: str = ""  # what the insight check left out of the model's insight, and why


@dataclass
class EvalReport:
    model: str
    scores: list[QuestionScore] = field(default_factory=list)
    logged_failures: int = 0  # errors the app logged meanwhile (a broken chart or description): bugs to see

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
            "insights": sum(1 for s in self.scores if s.insight or s.left_out),
            "insights_with_unsupported_claims": sum(1 for s in self.scores if s.left_out),
            "logged_failures": self.logged_failures,
        }

    @property
    def right(self) -> int:
        return sum(s.correct for s in self.scores)

    def rows_wrong_first(self) -> list[dict[str, object]]:
        """One row per question for a table, the wrong answers first."""
        return [
            {
                "id": s.id,
                "right": s.correct,
                "problem": s.problem,
                "question": s.question,
                "sql": s.sql,
                "seconds": round(s.latency_s, 2),
            }  # fmt: skip
            for s in sorted(self.scores, key=lambda s: s.correct)
        ]

    def to_json(self) -> str:
        return json.dumps({**self.summary(), "per_question": [asdict(s) for s in self.scores]}, indent=2)

    def to_csv(self) -> str:
        fields = list(QuestionScore.__dataclass_fields__)
        return build_csv_rows(fields, ([asdict(s)[f] for f in fields] for s in self.scores))


def load_questions(path: Path = QUESTIONS_FILE) -> list[EvalQuestion]:
    items = json.loads(path.read_text(encoding="utf-8"))
    return [
        EvalQuestion(
            i["id"],
            i["question"],
            i.get("reference_sql", ""),
            tuple(i.get("tags", ())),
            tuple(i.get("tables", ())),
            tuple(i.get("history", ())),
            i.get("expect", "rows"),
        )
        for i in items
    ]


class ReferenceQueryFailed(RuntimeError):
    """A reference query that did not run (refused, failed or too slow): its question cannot be scored."""

    def __init__(self, item: EvalQuestion, error: QueryError) -> None:
        super().__init__(f"Question {item.id!r}: its reference SQL does not run here: {error}")
        self.question_id = item.id


def answer_problem(
    item: EvalQuestion, answer: Answer, expected: QueryResult | None, same: Callable[..., bool] = results_equal
) -> str:
    """What is wrong with the answer ("" when it is right); ``expected`` is the reference query's result, and
    ``same`` compares the two tables."""
    if item.expect == "no_sql" or expected is None:
        return (
            "" if answer.table is None and not answer.error else "answered with SQL a question the data cannot answer"
        )
    if answer.error:
        return answer.error
    if answer.table is None:
        said = " ".join(p.text for p in answer.of_type(TextPart))[:120]
        return f"no SQL in the reply: {said!r}"
    if answer.table.total_rows > len(answer.table.frame):
        return "result too large to compare"
    if not same(answer.table.frame, expected.frame):
        rows = len(expected.frame)
        if answer.table.total_rows == rows:
            return f"wrong result ({'1 row' if rows == 1 else f'{rows} rows'} as expected, but other values)"
        return f"wrong result ({answer.table.total_rows} rows, expected {rows})"
    return ""


def score_question(
    item: EvalQuestion,
    db: SessionDatabase,
    client: ModelClient,
    events: Events | None = None,
    options: PipelineOptions = EVAL_OPTIONS,
) -> QuestionScore:
    """Ask the model ``item`` (after its history) and compare with the reference. The reference query runs first,
    so a question whose reference does not run costs no model call (``ReferenceQueryFailed``)."""
    expected = None
    if item.expect != "no_sql":
        try:
            expected = db.run_query(item.reference_sql)
        except QueryError as error:
            raise ReferenceQueryFailed(item, error) from None
    history: list[Answer] = []
    for earlier in item.history:  # the conversation so far, answered by the same model
        history.append(answer_question(earlier, list(history), db, client, options, events))
    answer = answer_question(item.question, history, db, client, options, events)
    return scored(item, answer, answer_problem(item, answer, expected))


def scored(item: EvalQuestion, answer: Answer, problem: str) -> QuestionScore:
    """The score of one answer: right or what went wrong, and what it cost."""
    return QuestionScore(
        id=item.id,
        question=item.question,
        correct=problem == "",
        problem=problem,
        sql=answer.final_sql or "",
        latency_s=answer.model_seconds,
        prompt_tokens=answer.prompt_tokens,
        completion_tokens=answer.completion_tokens,
        retries=answer.retries,
        repairs=sum(1 for c in answer.calls if c.purpose == "repair"),
        model=answer.model or "",
        insight=" ".join(p.text for p in answer.of_type(TextPart) if p.by_model),
        left_out=" ".join(p.text for p in answer.of_type(NoticePart) if p.kind == NoticePart.LEFT_OUT),
    )


def database_for(
    item: EvalQuestion, databases: dict[tuple[str, ...], SessionDatabase], limits: SandboxLimits | None = None
) -> SessionDatabase:
    """One fresh database per set of sample tables: the bundled earthquakes, plus the tables a question names."""
    if item.tables not in databases:
        db = SessionDatabase(limits)
        for name in item.tables:
            db.add_table(name.replace("-", "_"), load_sample_dataset(name))
        databases[item.tables] = db
    return databases[item.tables]


def _never() -> bool:
    return False


def run_evaluation(
    client: ModelClient,
    questions: list[EvalQuestion] | None = None,
    on_progress: Callable[[int, int, QuestionScore], None] | None = None,
    *,
    should_stop: Callable[[], bool] = _never,
    databases: dict[tuple[str, ...], SessionDatabase] | None = None,
    limits: SandboxLimits | None = None,
    options: PipelineOptions = EVAL_OPTIONS,
) -> EvalReport:
    """Ask every question, one after the other, on a fresh copy of the bundled data; report accuracy, latency and
    tokens. ``ReferenceQueryFailed`` ends the run at the first reference query that does not run.

    ``should_stop`` is asked before every question and model call: once it says yes, no further request is sent and
    the report holds the questions finished before. ``databases`` lets the caller reach the databases the run makes
    (to interrupt a query, and to close them); without it the run closes its own. ``limits`` are theirs."""
    questions = load_questions() if questions is None else questions
    owned = databases is None
    databases = {} if databases is None else databases
    events = Events(should_stop=should_stop)
    report = EvalReport(model=client.settings.model)
    try:
        for number, item in enumerate(questions, start=1):
            if should_stop():
                break
            try:
                score = score_question(item, database_for(item, databases, limits), client, events, options)
            except ReferenceQueryFailed:
                raise
            except Exception as error:  # an app bug on one answer is reported with it, and the run goes on
                score = QuestionScore(
                    item.id, item.question, False, f"app error: {type(error).__name__}: {error}", "", 0.0, 0, 0, 0, 0
                )
            if should_stop():
                break  # the question being answered when the run was stopped is not scored
            report.scores.append(score)
            report.model = score.model or report.model
            if on_progress:
                on_progress(number, len(questions), score)
    finally:
        if owned:
            for db in databases.values():
                db.close()
    return report
