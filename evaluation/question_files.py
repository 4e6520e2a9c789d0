"""Reading a questions file someone uploaded (the Endpoints page's Accuracy tab): hostile input until checked.

The format is ``bench/questions.json``'s, as ``evaluation.accuracy.load_questions`` reads it. Here every field
is checked for its type and size, the number of questions and of table sets is capped, and every reference
query is run once through the session sandbox's guarded, read-only path (``SessionDatabase.run_query``) before
any model is asked: a file whose SQL would write, read files or fail is refused as a whole, with the reason.
"""

from __future__ import annotations

import json
from typing import Any

from evaluation.accuracy import EvalQuestion, database_for
from sandbox.database import QueryError, SessionDatabase
from sources.samples import sample_dataset_names

MAX_FILE_BYTES = 1_000_000
MAX_QUESTIONS = 200
MAX_ID_CHARS = 100
MAX_QUESTION_CHARS = 2_000
MAX_SQL_CHARS = 10_000
MAX_HISTORY = 10
MAX_TAGS = 20
MAX_TABLES = 3  # sample tables one question adds
MAX_TABLE_SETS = 5  # different sets of sample tables in one file: each is a database of its own
EXPECTATIONS = ("rows", "no_sql")
FIELDS = {"id", "question", "reference_sql", "tags", "tables", "history", "expect"}


class QuestionFileError(ValueError):
    """An uploaded questions file that cannot be used; ``str`` says why, in words for the person."""


def _text(item: dict[str, Any], name: str, where: str, limit: int, required: bool = True) -> str:
    value = item.get(name, "")
    if not isinstance(value, str):
        raise QuestionFileError(f"{where}: {name} must be text.")
    if required and not value.strip():
        raise QuestionFileError(f"{where}: {name} is missing.")
    if len(value) > limit:
        raise QuestionFileError(f"{where}: {name} is longer than {limit:,} characters.")
    return value


def _texts(item: dict[str, Any], name: str, where: str, count: int, limit: int) -> tuple[str, ...]:
    values = item.get(name, [])
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise QuestionFileError(f"{where}: {name} must be a list of texts.")
    if len(values) > count:
        raise QuestionFileError(f"{where}: {name} has more than {count} entries.")
    if any(len(v) > limit for v in values):
        raise QuestionFileError(f"{where}: an entry of {name} is longer than {limit:,} characters.")
    return tuple(values)


def parse_question(item: Any, number: int, samples: set[str]) -> EvalQuestion:
    """One item of the file, checked: ``number`` (from 1) names it in messages until its id is known."""
    where = f"Question {number}"
    if not isinstance(item, dict):
        raise QuestionFileError(f"{where} is not an object with id, question and reference_sql.")
    unknown = sorted(str(k) for k in item if k not in FIELDS)
    if unknown:
        raise QuestionFileError(f"{where}: unknown field {unknown[0][:40]!r}.")
    identifier = _text(item, "id", where, MAX_ID_CHARS)
    where = f"Question {identifier!r}"
    expect = item.get("expect", "rows")
    if expect not in EXPECTATIONS:
        raise QuestionFileError(f"{where}: expect must be one of {', '.join(EXPECTATIONS)}.")
    tables = _texts(item, "tables", where, MAX_TABLES, 100)
    unknown_tables = [t for t in tables if t not in samples]
    if unknown_tables:
        raise QuestionFileError(f"{where}: no bundled sample named {unknown_tables[0][:40]!r}.")
    return EvalQuestion(
        identifier,
        _text(item, "question", where, MAX_QUESTION_CHARS),
        _text(item, "reference_sql", where, MAX_SQL_CHARS, required=expect == "rows"),
        _texts(item, "tags", where, MAX_TAGS, 100),
        tables,
        _texts(item, "history", where, MAX_HISTORY, MAX_QUESTION_CHARS),
        expect,
    )


def parse_questions_file(data: bytes) -> list[EvalQuestion]:
    """The questions of an uploaded file, or ``QuestionFileError`` saying what is wrong with it."""
    if len(data) > MAX_FILE_BYTES:
        raise QuestionFileError(f"The file is larger than {MAX_FILE_BYTES // 1_000_000} MB.")
    try:
        items = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise QuestionFileError("The file is not UTF-8 text.") from None
    except json.JSONDecodeError as error:
        raise QuestionFileError(f"The file is not valid JSON (line {error.lineno}, column {error.colno}).") from None
    if not isinstance(items, list) or not items:
        raise QuestionFileError("The file must hold a JSON list of questions, like bench/questions.json.")
    if len(items) > MAX_QUESTIONS:
        raise QuestionFileError(f"The file has {len(items):,} questions; at most {MAX_QUESTIONS} are scored.")
    samples = set(sample_dataset_names())
    questions = [parse_question(item, number, samples) for number, item in enumerate(items, start=1)]
    ids = [q.id for q in questions]
    repeated = next((i for i in ids if ids.count(i) > 1), None)
    if repeated is not None:
        raise QuestionFileError(f"Question id {repeated!r} appears more than once.")
    if len({q.tables for q in questions}) > MAX_TABLE_SETS:
        raise QuestionFileError(f"The questions use more than {MAX_TABLE_SETS} different sets of sample tables.")
    return questions


def check_reference_queries(questions: list[EvalQuestion]) -> None:
    """Run every reference query once, through the sandbox's guarded read-only path, on the data the evaluation
    will use; ``QuestionFileError`` for the first one that is refused or fails."""
    databases: dict[tuple[str, ...], SessionDatabase] = {}
    try:
        for item in questions:
            if item.expect == "no_sql":
                continue
            try:
                database_for(item, databases).run_query(item.reference_sql)
            except QueryError as error:
                raise QuestionFileError(f"Question {item.id!r}: its reference SQL does not run here: {error}") from None
    finally:
        for db in databases.values():
            db.close()


def read_questions_file(data: bytes) -> list[EvalQuestion]:
    """An uploaded questions file, checked whole (format, sizes, and every reference query in the sandbox)."""
    questions = parse_questions_file(data)
    check_reference_queries(questions)
    return questions
