"""What the app itself costs per question: calls, prompt tokens and milliseconds besides the model's own time."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from analyst.answer import Answer
from analyst.pipeline import answer_question
from bench.scenario import QUESTIONS, REPAIR_QUESTION, BenchQuestion, model_reply
from bench.tokens import count_messages
from providers.client import EndpointState, ModelClient
from providers.endpoint_types import EndpointType
from providers.settings import ProviderSettings
from sandbox.database import SessionDatabase
from tests.support.fake_endpoint import FakeEndpoint


@dataclass(frozen=True)
class QuestionRun:
    question: str
    calls: int
    prompt_tokens: int
    overhead_ms: float
    first_request_ms: float
    repaired: bool
    error: str | None


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Harness:
    """The real pipeline and SDK against a zero-latency loopback model that answers correctly."""

    def __init__(self) -> None:
        self.server = FakeEndpoint()
        self.server.responder = model_reply
        self.server.models = ["bench-model"]

    def client(self) -> ModelClient:
        settings = ProviderSettings(
            EndpointType.DEDICATED, "bench-model", api_key="hf_bench_local_only", endpoint_url=self.server.url
        )
        return ModelClient(settings, state=EndpointState())

    def ask(
        self, item: BenchQuestion, history: list[Answer], db: SessionDatabase, client: ModelClient
    ) -> tuple[Answer, QuestionRun]:
        seen = len(self.server.requests)
        started = time.monotonic()
        answer = answer_question(item.question, history, db, client)
        wall = time.monotonic() - started
        first = self.server.requests[seen].at - started if len(self.server.requests) > seen else float("nan")
        run = QuestionRun(
            question=item.question,
            calls=len(answer.calls),
            prompt_tokens=sum(count_messages(call.messages) for call in answer.calls),
            overhead_ms=(wall - answer.model_seconds) * 1000,
            first_request_ms=first * 1000,
            repaired=any(call.purpose == "repair" for call in answer.calls),
            error=answer.error,
        )
        return answer, run

    def conversation(self, db: SessionDatabase, questions: tuple[BenchQuestion, ...] = QUESTIONS) -> list[QuestionRun]:
        client = self.client()
        history: list[Answer] = []
        runs = []
        for item in questions:
            answer, run = self.ask(item, history, db, client)
            history.append(answer)
            runs.append(run)
        return runs

    def stop(self) -> None:
        self.server.stop()


def summarize(runs: list[QuestionRun]) -> dict[str, float]:
    plain = [r for r in runs if not r.repaired]
    overheads = [r.overhead_ms for r in runs]
    return {
        "calls_per_question": statistics.median(r.calls for r in plain),
        "overhead_ms_p50": round(statistics.median(overheads), 1),
        "overhead_ms_p95": round(percentile(overheads, 0.95), 1),
        "first_token_overhead_ms": round(statistics.median(r.first_request_ms for r in runs), 1),
    }


def bundled_figures(harness: Harness) -> tuple[dict[str, float], list[QuestionRun]]:
    """Overhead and calls on the bundled week; prompt tokens of a first question and of an 11th."""
    harness.conversation(SessionDatabase(), QUESTIONS[:2])  # warm imports and caches once
    runs = [run for _ in range(3) for run in harness.conversation(SessionDatabase())]
    figures = summarize(runs)
    client = harness.client()
    first_turns = [
        harness.ask(item, [], SessionDatabase(), client)[1] for item in QUESTIONS if item is not REPAIR_QUESTION
    ]
    figures["prompt_tokens_per_question"] = statistics.median(r.prompt_tokens for r in first_turns)
    long_conversation = [*QUESTIONS[:10], QUESTIONS[1]]  # the 11th question of one conversation
    eleventh = harness.conversation(SessionDatabase(), tuple(long_conversation))[-1]
    figures["prompt_tokens_after_10_turns"] = eleventh.prompt_tokens
    figures["repair_calls"] = next(r.calls for r in runs if r.repaired)
    figures["errors"] = sum(1 for r in runs if r.error)
    return figures, runs


def scaled_overhead(harness: Harness, parquet: Path) -> dict[str, float]:
    """Median overhead on a big Parquet-backed earthquakes table; the first question (describing it) apart."""
    db = SessionDatabase(earthquakes=parquet)
    runs = harness.conversation(db)
    rest = harness.conversation(db)
    return {
        "first_question_ms": round(runs[0].overhead_ms, 1),
        "overhead_ms_p50": round(statistics.median(r.overhead_ms for r in runs + rest), 1),
        "overhead_ms_p95": round(percentile([r.overhead_ms for r in runs + rest], 0.95), 1),
        "errors": sum(1 for r in runs + rest if r.error),
    }
