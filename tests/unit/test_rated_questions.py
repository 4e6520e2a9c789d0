"""The answers rated right as a questions file: the format ``load_questions`` and the Accuracy tab read."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from analyst.answer import ATTACHMENT_MARK, RIGHT, WRONG, Answer, ErrorPart, SqlPart, TablePart, TextPart
from evaluation.accuracy import EvalQuestion, load_questions
from evaluation.question_files import parse_questions_file
from evaluation.rated_questions import build_rated_questions, to_questions_file

FRAME = pd.DataFrame({"n": [1, 2]})


def answered(question: str, sql: str, rating: str | None = None) -> Answer:
    answer = Answer(question, [TablePart(FRAME, 2, sql), SqlPart(sql, 0)])
    answer.rating = rating
    return answer


def conversation() -> list[Answer]:
    return [
        answered(
            "How many events per magnitude type?", 'SELECT "magType", count(*) FROM earthquakes GROUP BY 1', RIGHT
        ),
        answered("Now only reviewed ones", "SELECT count(*) FROM earthquakes WHERE status = 'reviewed'", WRONG),
        Answer(f"{ATTACHMENT_MARK}stations.csv", [TextPart("Loaded stations (2 rows).")]),
        answered("And the strongest?", "SELECT max(mag) AS m FROM earthquakes", RIGHT),
        answered("Deepest event?", "SELECT max(depth) FROM earthquakes"),  # not rated
        Answer("Broken one", [SqlPart("SELECT nope", 0, "no column"), ErrorPart("no column")]),
        answered("Stations by height", "SELECT * FROM stations ORDER BY height", RIGHT),  # an upload
    ]


def test_each_answer_rated_right_becomes_a_question_with_its_sql() -> None:
    rated = build_rated_questions(conversation())
    assert [item["id"] for item in rated.items] == ["rated-01", "rated-02"]
    first, second = rated.items
    assert first == {
        "id": "rated-01",
        "question": "How many events per magnitude type?",
        "reference_sql": 'SELECT "magType", count(*) FROM earthquakes GROUP BY 1',
        "tags": ["rated"],
    }
    assert second["question"] == "And the strongest?" and second["reference_sql"].startswith("SELECT max(mag)")
    # the questions the model saw before it (the attached file is no question), so a follow-up is asked in context
    assert second["history"] == ["How many events per magnitude type?", "Now only reviewed ones"]
    assert rated.left_out == ["'Stations by height' reads stations, which the evaluation cannot load"]


def test_the_history_is_the_last_four_questions() -> None:
    answers = [answered(f"Question {n}?", f"SELECT {n} AS n FROM earthquakes", RIGHT) for n in range(7)]
    items = build_rated_questions(answers).items
    assert "history" not in items[0]
    assert items[6]["history"] == ["Question 2?", "Question 3?", "Question 4?", "Question 5?"]


def test_the_file_reads_back_through_load_questions_and_the_upload_check(tmp_path: Path) -> None:
    text = to_questions_file(conversation())
    path = tmp_path / "rated.json"
    path.write_text(text, encoding="utf-8")
    loaded = load_questions(path)
    assert loaded == [
        EvalQuestion("rated-01", "How many events per magnitude type?", conversation()[0].final_sql or "", ("rated",)),
        EvalQuestion(
            "rated-02",
            "And the strongest?",
            "SELECT max(mag) AS m FROM earthquakes",
            ("rated",),
            (),
            ("How many events per magnitude type?", "Now only reviewed ones"),
        ),
    ]
    assert parse_questions_file(text.encode()) == loaded


def test_answers_on_sample_tables_name_them() -> None:
    answer = answered("Cars per origin", 'SELECT "Origin", count(*) FROM cars GROUP BY 1', RIGHT)
    items = build_rated_questions([answer], {"cars": "cars"}).items
    assert items[0]["tables"] == ["cars"]
    assert build_rated_questions([answer]).items == []


def test_nothing_rated_right_gives_an_empty_list() -> None:
    answers = [answered("Deepest event?", "SELECT max(depth) FROM earthquakes", WRONG)]
    assert json.loads(to_questions_file(answers)) == []
