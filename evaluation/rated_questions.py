"""A session's answers rated right, as a questions file for ``python -m bench.eval --questions`` and the
Endpoints page's Accuracy tab: a demo's good answers become the owner's own benchmark for the next endpoint.

Each answer rated right becomes one question whose reference query is the answer's final SQL, with the
questions asked before it in the conversation (what the model saw) as its ``history``. The format has no way
to say "the model got this wrong", so answers rated wrong are left out. So is an answer that reads a table
the evaluation cannot load (an uploaded file, a saved view): only ``earthquakes`` and the bundled samples are
there.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

from analyst.answer import DONE, RIGHT, Answer
from sandbox.database import SessionDatabase
from sources.bundled import EARTHQUAKES_TABLE
from sources.samples import load_sample_dataset, sample_dataset_names

TAGS = ["rated"]


@dataclass
class RatedQuestions:
    """The questions-file items, and how many answers rated right could not become one (and why)."""

    items: list[dict[str, Any]] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # one reason per answer left out

    def to_json(self) -> str:
        return json.dumps(self.items, indent=2, ensure_ascii=False) + "\n"


def is_rated_right(answer: Answer) -> bool:
    return answer.rating == RIGHT and answer.status == DONE and not answer.is_attachment and bool(answer.final_sql)


def tables_read(sql: str) -> set[str] | None:
    """The tables ``sql`` reads, lower case, by DuckDB's parse; None when DuckDB cannot parse it."""
    try:
        return {name.split(".")[-1].lower() for name in duckdb.get_table_names(sql)}
    except duckdb.Error:
        return None


def find_sample_tables(db: SessionDatabase) -> dict[str, str]:
    """The session's tables that are bundled samples as the evaluation loads them (same name, columns and rows):
    table name (lower case) -> sample name."""
    infos = {info.name: info for info in db.tables()}
    found: dict[str, str] = {}
    for sample in sample_dataset_names():
        info = infos.get(sample.replace("-", "_"))
        if info is None:
            continue
        data = load_sample_dataset(sample)
        if data.num_rows == info.rows and list(data.column_names) == [c for c, _ in info.columns]:
            found[info.name.lower()] = sample
    return found


def _named(answer: Answer) -> str:
    text = " ".join(answer.question.split())
    return repr(text if len(text) <= 60 else text[:59] + "…")


def build_rated_questions(answers: Sequence[Answer], sample_tables: Mapping[str, str] | None = None) -> RatedQuestions:
    """One item per answer rated right, in conversation order, numbered ``rated-01``, ``rated-02``...;
    ``sample_tables`` (from :func:`find_sample_tables`) says which loaded tables the evaluation can load too."""
    # Heavy (the whole pipeline), and the chat page imports this module: imported when first used.
    from analyst.pipeline import PipelineOptions
    from evaluation.question_files import MAX_QUESTION_CHARS, MAX_QUESTIONS, MAX_SQL_CHARS, MAX_TABLES

    turns = PipelineOptions().history_turns  # the earlier questions the model saw with each question
    samples = dict(sample_tables or {})
    rated = RatedQuestions()
    answers = list(answers)
    for index, answer in enumerate(answers):
        if not is_rated_right(answer):
            continue
        sql = answer.final_sql or ""
        tables = tables_read(sql)
        if len(rated.items) == MAX_QUESTIONS:
            rated.left_out.append(f"{_named(answer)}: a questions file holds at most {MAX_QUESTIONS}")
            continue
        if len(answer.question) > MAX_QUESTION_CHARS or len(sql) > MAX_SQL_CHARS:
            rated.left_out.append(f"{_named(answer)}: too long for a questions file")
            continue
        if tables is None:
            rated.left_out.append(f"{_named(answer)}: its SQL could not be read")
            continue
        missing = sorted(t for t in tables if t != EARTHQUAKES_TABLE and t not in samples)
        if missing:
            rated.left_out.append(f"{_named(answer)} reads {', '.join(missing)}, which the evaluation cannot load")
            continue
        needed = sorted({samples[t] for t in tables if t in samples})
        if len(needed) > MAX_TABLES:
            rated.left_out.append(f"{_named(answer)}: reads more than {MAX_TABLES} sample tables")
            continue
        item: dict[str, Any] = {
            "id": f"rated-{len(rated.items) + 1:02d}",
            "question": answer.question,
            "reference_sql": sql,
            "tags": list(TAGS),
        }
        if needed:
            item["tables"] = needed
        before = [a for a in answers[:index] if a.status == DONE][-turns:] if turns else []
        history = [a.question for a in before if not a.is_attachment and len(a.question) <= MAX_QUESTION_CHARS]
        if history:
            item["history"] = history
        rated.items.append(item)
    return rated


def to_questions_file(answers: Sequence[Answer], sample_tables: Mapping[str, str] | None = None) -> str:
    """The answers rated right as a questions file (JSON) that ``evaluation.accuracy.load_questions`` reads."""
    return build_rated_questions(answers, sample_tables).to_json()
