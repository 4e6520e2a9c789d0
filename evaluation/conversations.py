"""Execution accuracy over conversations (``bench/conversations.json``): each turn is asked after the turns
before it, answered by the same model, as a person asks a follow-up, and scored against its own reference query.

A turn is right when its table holds the reference's rows, each reference column among its columns (a map's
place beside its coordinates is not wrong), or those of one of its ``also_right`` queries (another labelling of the
same answer: a quarter as its number or its first day). A conversation may load files of its own (``files``, read as an
upload is), sample datasets (``tables``) and saved tables (``saved``: name → SQL, kept as "Save as table" keeps
an answer) beside the bundled earthquakes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from analyst.answer import Answer
from analyst.pipeline import Events, PipelineOptions, answer_question
from evaluation.accuracy import (
    INSIGHT_OPTIONS,
    EvalQuestion,
    EvalReport,
    QuestionScore,
    ReferenceQueryFailed,
    answer_problem,
    scored,
)
from evaluation.results import results_contain
from providers.client import ModelClient
from sandbox.database import QueryError, SessionDatabase
from sources.samples import load_sample_dataset
from sources.uploads import read_upload

BENCH = Path(__file__).resolve().parents[1] / "bench"
CONVERSATIONS_FILE = BENCH / "conversations.json"
HELD_OUT_FILE = BENCH / "conversations_heldout.json"
DATA = BENCH / "data"


@dataclass(frozen=True)
class Conversation:
    id: str
    turns: tuple[EvalQuestion, ...]
    files: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    saved: tuple[tuple[str, str], ...] = ()  # (name, SQL) of tables saved before it, as "Save as table" does


def load_conversations(path: Path = CONVERSATIONS_FILE) -> list[Conversation]:
    items = json.loads(path.read_text(encoding="utf-8"))
    return [
        Conversation(
            item["id"],
            tuple(
                EvalQuestion(
                    f"{item['id']}.{number}",
                    turn["question"],
                    turn["reference_sql"],
                    tuple(turn.get("tags", ())),
                    also_right=tuple(turn.get("also_right", ())),
                )
                for number, turn in enumerate(item["turns"], start=1)
            ),
            tuple(item.get("files", ())),
            tuple(item.get("tables", ())),
            tuple(item.get("saved", {}).items()),
        )
        for item in items
    ]


def conversation_database(conversation: Conversation) -> SessionDatabase:
    """The bundled earthquakes, the conversation's files read as uploads, its sample tables and its saved ones."""
    db = SessionDatabase()
    for name in conversation.files:
        loaded = read_upload(name, (DATA / name).read_bytes(), db.table_names())
        db.add_table(loaded.table_name, loaded.table)
    for name in conversation.tables:
        db.add_table(name.replace("-", "_"), load_sample_dataset(name))
    for name, sql in conversation.saved:
        db.add_view(name, sql)
    return db


def score_conversation(
    conversation: Conversation, client: ModelClient, options: PipelineOptions, events: Events | None = None
) -> list[QuestionScore]:
    """Each turn's score; every reference runs before any model call."""
    db = conversation_database(conversation)
    try:
        expected = []
        for turn in conversation.turns:
            try:
                expected.append([db.run_query(sql) for sql in (turn.reference_sql, *turn.also_right)])
            except QueryError as error:
                raise ReferenceQueryFailed(turn, error) from None
        history: list[Answer] = []
        scores = []
        for turn, references in zip(conversation.turns, expected, strict=True):
            answer = answer_question(turn.question, list(history), db, client, options, events)
            history.append(answer)
            problems = [answer_problem(turn, answer, reference, results_contain) for reference in references]
            scores.append(scored(turn, answer, "" if "" in problems else problems[0]))
        return scores
    finally:
        db.close()


def run_conversations(
    client: ModelClient,
    conversations: list[Conversation],
    on_progress: Callable[[int, int, QuestionScore], None] | None = None,
    options: PipelineOptions = INSIGHT_OPTIONS,
) -> EvalReport:
    """Every conversation, one after the other; one score per turn."""
    report = EvalReport(model=client.settings.model)
    total = sum(len(c.turns) for c in conversations)
    for conversation in conversations:
        for score in score_conversation(conversation, client, options):
            report.scores.append(score)
            report.model = score.model or report.model
            if on_progress:
                on_progress(len(report.scores), total, score)
    return report
