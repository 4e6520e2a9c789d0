"""Reading a questions file someone uploaded (the Endpoints page's Accuracy tab): hostile input until checked.

The format is ``bench/questions.json``'s, as ``evaluation.accuracy.load_questions`` reads it. Only cheap checks
happen here, once per upload, each with a cap: the size in bytes; how deep lists and objects nest, measured on the
bytes before ``json.loads`` (which recurses once per level) sees them; the number of questions and of table sets;
every field's type and length; and the sandbox guard's reading of each reference query (DuckDB parses it, nothing
runs). The reference queries run only when the person starts the score, one at a time
(``evaluation.score_run``): a file of slow queries costs nothing until then.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

import duckdb

from evaluation.accuracy import EvalQuestion
from sandbox.database import clean_duckdb_message
from sandbox.guard import UnsafeSQL, check_read_only
from sources.bundled import EARTHQUAKES_TABLE
from sources.samples import sample_dataset_names

MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 5  # a questions file needs 3: the list, a question, and a question's tags, tables or history
MAX_QUESTIONS = 200
MAX_ID_CHARS = 100
MAX_QUESTION_CHARS = 2_000
MAX_SQL_CHARS = 10_000
MAX_FILE_SQL_CHARS = 100_000  # all reference queries together: the guard reads each at upload (~1 s per 100,000)
MAX_HISTORY = 10
MAX_TAGS = 20
MAX_TABLES = 3  # sample tables one question adds
MAX_TABLE_SETS = 5  # different sets of sample tables in one file: each is a database of its own
EXPECTATIONS = ("rows", "no_sql")
FIELDS = {"id", "question", "reference_sql", "tags", "tables", "history", "expect"}

# For the depth scan: a backslash and the byte it escapes, then a string (no escapes are left in it by then).
# Both patterns match left to right without backtracking, so the scan is linear in the file's size.
_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_STRING = re.compile(rb'"[^"]*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


class QuestionFileError(ValueError):
    """An uploaded questions file that cannot be used; ``str`` says why, in words for the person."""


def nesting_depth(data: bytes) -> int:
    """How deep lists and objects nest in the JSON text ``data``, without recursion and in linear time.

    Brackets inside strings do not count: escapes are taken out first, then strings. In UTF-8 these bytes never
    occur inside a multi-byte character. For text that is not valid JSON the figure is at least the depth
    ``json.loads`` reaches before it finds the error, so it is a safe bound either way."""
    bare = _STRING.sub(b"", _ESCAPE.sub(b"", data))
    return max(accumulate(map(_STEP.__getitem__, bare.translate(None, _NOT_BRACKETS))), default=0)


def _text(item: dict[str, Any], name: str, where: str, limit: int, required: bool = True) -> str:
    value = item.get(name, "")
    if not isinstance(value, str):
        raise QuestionFileError(f"{where}: {name} must be text.")
    if required and not value.strip():
        raise QuestionFileError(f"{where}: {name} is missing.")
    if len(value) > limit:
        raise QuestionFileError(f"{where}: {name} has {len(value):,} characters; at most {limit:,} are allowed.")
    return value


def _texts(item: dict[str, Any], name: str, where: str, count: int, limit: int) -> tuple[str, ...]:
    values = item.get(name, [])
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise QuestionFileError(f"{where}: {name} must be a list of texts.")
    if len(values) > count:
        raise QuestionFileError(f"{where}: {name} has {len(values):,} entries; at most {count} are allowed.")
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


def _decode(data: bytes) -> Any:
    """The file's JSON value, read only once its size and nesting depth are known to be small."""
    if len(data) > MAX_FILE_BYTES:
        raise QuestionFileError(
            f"The file has {len(data):,} bytes; a questions file may have at most {MAX_FILE_BYTES:,} (1 MB)."
        )
    depth = nesting_depth(data)
    if depth > MAX_DEPTH:
        raise QuestionFileError(
            f"The file nests lists and objects {depth:,} levels deep; a questions file may nest them at most "
            f"{MAX_DEPTH} deep (it needs 3)."
        )
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise QuestionFileError("The file is not UTF-8 text.") from None
    except json.JSONDecodeError as error:
        raise QuestionFileError(f"The file is not valid JSON (line {error.lineno}, column {error.colno}).") from None
    except ValueError:  # Python reads at most 4,300 digits of a whole number
        raise QuestionFileError("The file holds a number too long to read (more than 4,300 digits).") from None


def parse_questions_file(data: bytes) -> list[EvalQuestion]:
    """The questions of an uploaded file, or ``QuestionFileError`` saying what is wrong with it and which limit it
    passes. Cheap: nothing runs."""
    items = _decode(data)
    if not isinstance(items, list) or not items:
        raise QuestionFileError("The file must hold a JSON list of questions, like bench/questions.json.")
    if len(items) > MAX_QUESTIONS:
        raise QuestionFileError(
            f"The file has {len(items):,} questions; a questions file may have at most {MAX_QUESTIONS}."
        )
    samples = set(sample_dataset_names())
    questions = [parse_question(item, number, samples) for number, item in enumerate(items, start=1)]
    ids = [q.id for q in questions]
    repeated = next((i for i in ids if ids.count(i) > 1), None)
    if repeated is not None:
        raise QuestionFileError(f"Question id {repeated!r} appears more than once.")
    if len({q.tables for q in questions}) > MAX_TABLE_SETS:
        raise QuestionFileError(f"The questions use more than {MAX_TABLE_SETS} different sets of sample tables.")
    sql_chars = sum(len(q.reference_sql) for q in questions)
    if sql_chars > MAX_FILE_SQL_CHARS:
        raise QuestionFileError(
            f"The reference queries have {sql_chars:,} characters in all; a questions file may have at most "
            f"{MAX_FILE_SQL_CHARS:,}."
        )
    return questions


def check_reference_sql(questions: list[EvalQuestion]) -> None:
    """The sandbox guard's verdict on every reference query, over the tables the score will load: DuckDB parses
    each one and nothing runs. ``QuestionFileError`` for the first one the guard refuses."""
    # A bare in-memory database is enough: the guard only asks it to parse (json_serialize_sql).
    with duckdb.connect(":memory:", config={"enable_external_access": "false"}) as connection:
        for item in questions:
            if item.expect == "no_sql":
                continue
            tables = {EARTHQUAKES_TABLE, *(name.replace("-", "_") for name in item.tables)}
            try:
                check_read_only(item.reference_sql, connection, tables)
            except UnsafeSQL as error:
                reason = str(error)
            except duckdb.Error as error:
                reason = clean_duckdb_message(error)
            except Exception as error:  # a parse tree too deep to read (RecursionError), or the like
                reason = f"the sandbox could not read it ({type(error).__name__})"
            else:
                continue
            raise QuestionFileError(f"Question {item.id!r}: its reference SQL does not run here: {reason}")


def read_questions_file(data: bytes) -> list[EvalQuestion]:
    """An uploaded questions file, checked whole without running anything: format, caps, and the guard's reading
    of every reference query."""
    questions = parse_questions_file(data)
    check_reference_sql(questions)
    return questions
