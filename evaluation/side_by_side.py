"""Asking several endpoint/model configurations the same question, side by side and concurrently."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from analyst.answer import Answer, ErrorPart
from analyst.pipeline import PipelineOptions, answer_question
from evaluation.results import results_equal
from providers.client import ModelClient
from sandbox.database import SessionDatabase


@dataclass(frozen=True)
class Contender:
    """One configuration to compare: a label and its client, or the problem that keeps it from running."""

    label: str
    client: ModelClient | None
    problem: str | None = None


@dataclass
class Outcome:
    label: str
    answer: Answer
    seconds: float
    same_as: list[str] | None = None  # labels of other contenders with an equal result
    ran: bool = True  # False: not configured, so never asked

    @property
    def ok(self) -> bool:
        return self.ran and self.answer.error is None and self.answer.table is not None


def verdict(outcome: Outcome, outcomes: list[Outcome]) -> tuple[str, str]:
    """("same" | "differs" | "alone" | "failed" | "not run", the words to show) for one outcome among all."""
    if not outcome.ran:
        return "not run", f"Not run: {outcome.answer.error or 'not configured'}"
    if not outcome.ok:
        return "failed", outcome.answer.error or "No result"
    if outcome.same_as:
        return "same", f"Same result as {', '.join(outcome.same_as)}"
    others = [o.label for o in outcomes if o is not outcome and o.ok]
    if not others:
        return "alone", "No other result to compare with"
    return "differs", f"Result differs from {', '.join(others)}"


def _run_one(question: str, contender: Contender, db: SessionDatabase, options: PipelineOptions) -> Outcome:
    started = time.perf_counter()
    if contender.client is None:
        answer = Answer(question, [ErrorPart(contender.problem or "Not configured.")])
        return Outcome(contender.label, answer, 0.0, ran=False)
    answer = answer_question(question, [], db, contender.client, options)
    return Outcome(contender.label, answer, time.perf_counter() - started)


def mark_equal_results(outcomes: list[Outcome]) -> None:
    """For each outcome with a result, name the others whose result holds the same rows."""
    for outcome in outcomes:
        if not outcome.ok:
            continue
        outcome.same_as = [
            other.label
            for other in outcomes
            if other is not outcome and other.ok and results_equal(outcome.answer.table.frame, other.answer.table.frame)
        ]


def run_comparison(
    question: str,
    contenders: list[Contender],
    db: SessionDatabase,
    options: PipelineOptions | None = None,
    on_done: Callable[[int, Outcome], None] | None = None,
) -> list[Outcome]:
    """Each contender on its own thread; ``on_done`` hears each as it finishes, so a slow one stalls nothing."""
    options = options or PipelineOptions()
    results: dict[int, Outcome] = {}
    with ThreadPoolExecutor(max_workers=max(1, len(contenders)), thread_name_prefix="compare") as pool:
        futures = {pool.submit(_run_one, question, c, db, options): i for i, c in enumerate(contenders)}
        for future in as_completed(futures):
            index = futures[future]
            results[index] = future.result()
            if on_done:
                on_done(index, results[index])
    outcomes = [results[i] for i in range(len(contenders))]
    mark_equal_results(outcomes)
    return outcomes
