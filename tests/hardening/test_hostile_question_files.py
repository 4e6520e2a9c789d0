"""Hostile questions files uploaded to the Accuracy tab: malformed, oversized, or with reference SQL that would
write, read files or reach settings. Each is refused as a whole with a clear message, and no reference query
ever runs outside the sandbox's read-only path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluation.question_files import (
    MAX_FILE_BYTES,
    MAX_QUESTIONS,
    QuestionFileError,
    parse_questions_file,
    read_questions_file,
)


def encoded(items: object) -> bytes:
    return json.dumps(items).encode()


def question(**fields: object) -> dict[str, object]:
    return {"id": "q1", "question": "How many?", "reference_sql": "SELECT count(*) FROM earthquakes", **fields}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"[{", "The file is not valid JSON (line 1, column 3)."),
        (b"\xff\xfe[]", "The file is not UTF-8 text."),
        (encoded({"id": "q1"}), "The file must hold a JSON list of questions, like bench/questions.json."),
        (encoded([]), "The file must hold a JSON list of questions, like bench/questions.json."),
        (encoded(["SELECT 1"]), "Question 1 is not an object with id, question and reference_sql."),
        (encoded([{"question": "How many?"}]), "Question 1: id is missing."),
        (encoded([question(reference_sql=None)]), "Question 'q1': reference_sql must be text."),
        (encoded([question(reference_sql="")]), "Question 'q1': reference_sql is missing."),
        (encoded([question(question=["a"])]), "Question 'q1': question must be text."),
        (encoded([question(tables=["/etc/passwd"])]), "Question 'q1': no bundled sample named '/etc/passwd'."),
        (encoded([question(history="earlier")]), "Question 'q1': history must be a list of texts."),
        (encoded([question(expect="anything")]), "Question 'q1': expect must be one of rows, no_sql."),
        (encoded([question(sql="x")]), "Question 1: unknown field 'sql'."),
        (encoded([question(), question()]), "Question id 'q1' appears more than once."),
        (encoded([question(question="x" * 2_001)]), "Question 'q1': question is longer than 2,000 characters."),
        (
            encoded([question(id=f"q{n}") for n in range(MAX_QUESTIONS + 1)]),
            f"The file has {MAX_QUESTIONS + 1:,} questions; at most {MAX_QUESTIONS} are scored.",
        ),
        (b" " * (MAX_FILE_BYTES + 1), "The file is larger than 1 MB."),
    ],
)
def test_a_malformed_file_is_refused_with_the_reason(data: bytes, message: str) -> None:
    with pytest.raises(QuestionFileError) as refused:
        parse_questions_file(data)
    assert str(refused.value) == message


def test_a_question_the_data_cannot_answer_needs_no_reference_sql() -> None:
    parsed = parse_questions_file(encoded([question(reference_sql="", expect="no_sql")]))
    assert parsed[0].expect == "no_sql" and parsed[0].reference_sql == ""


@pytest.mark.parametrize(
    "sql",
    [
        "COPY (SELECT 1 AS x) TO '{target}'",
        "COPY earthquakes TO '{target}' (FORMAT csv)",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/hostname')",
        "SELECT * FROM duckdb_settings()",
        "SELECT current_setting('home_directory')",
        "INSERT INTO earthquakes (id) VALUES ('x')",
        "DROP TABLE earthquakes",
        "ATTACH '{target}' AS other",
        "SELECT 1; COPY (SELECT 1) TO '{target}'",
        "EXPLAIN ANALYZE COPY (SELECT 1) TO '{target}'",
        "SELECT * FROM information_schema.tables",
        "SELECT nope FROM earthquakes",
    ],
)
def test_reference_sql_that_writes_reads_files_or_fails_is_refused(sql: str, tmp_path: Path) -> None:
    target = tmp_path / "written.csv"
    data = encoded([question(id="fine"), question(id="hostile", reference_sql=sql.format(target=target))])
    parse_questions_file(data)  # the format is fine: the sandbox decides on the SQL
    with pytest.raises(QuestionFileError) as refused:
        read_questions_file(data)
    assert str(refused.value).startswith("Question 'hostile': its reference SQL does not run here: ")
    assert not target.exists()


def test_a_sound_file_with_sample_tables_and_history_is_accepted() -> None:
    items = [
        question(),
        question(
            id="m1",
            question="Days of each weather type?",
            reference_sql="SELECT weather, count(*) AS n FROM seattle_weather GROUP BY weather",
            tables=["seattle-weather"],
            history=["How many days are there?"],
            tags=["rated"],
        ),
    ]
    questions = read_questions_file(encoded(items))
    assert [(q.id, q.tables, q.history) for q in questions] == [
        ("q1", (), ()),
        ("m1", ("seattle-weather",), ("How many days are there?",)),
    ]


def test_the_bundled_question_sets_pass_the_upload_check() -> None:
    bench = Path(__file__).resolve().parents[2] / "bench"
    for name in ("questions.json", "questions_more.json"):
        assert read_questions_file((bench / name).read_bytes())
