"""Answers rated right become the SQL prompt's examples: the most relevant first, at most two, never a wrong one,
within a fixed size; with none rated the prompt is exactly what it was."""

from __future__ import annotations

import pandas as pd

from analyst.answer import ATTACHMENT_MARK, RIGHT, WRONG, Answer, ChartPart, ErrorPart, SqlPart, TablePart
from analyst.prompt_context import SchemaContext
from analyst.prompts import build_sql_messages, build_sql_system
from analyst.rated_examples import (
    MAX_SQL_CHARS,
    chart_line,
    pick_rated_examples,
    question_words,
    with_rated_examples,
)
from bench.tokens import count_text

GENERIC = (
    ("Average mag where place mentions Alaska, rounded to 2 decimals?", "SELECT 1", "chart: none"),
    ("How many rows per day?", "SELECT 2", "chart: line x=day y=n"),
    ("Which 3 magType values have the most rows?", "SELECT 3", "chart: bar x=magType y=n"),
)
CONTEXT = SchemaContext("earthquakes(time TIMESTAMP, mag DOUBLE, place VARCHAR)", GENERIC, "Per month: ...")


def answered(question: str, sql: str, rating: str | None = RIGHT, frame: pd.DataFrame | None = None) -> Answer:
    frame = pd.DataFrame({"place": ["a", "b"], "n": [2, 1]}) if frame is None else frame
    answer = Answer(question, [TablePart(frame, len(frame), sql), SqlPart(sql, 0)])
    answer.rating = rating
    return answer


def test_the_most_relevant_rated_answers_are_picked_at_most_two() -> None:
    history = [
        answered("How many earthquakes in Alaska?", "SELECT count(*) FROM earthquakes WHERE place ILIKE '%alaska%'"),
        answered("Strongest earthquake in Alaska by magnitude?", "SELECT max(mag) FROM earthquakes"),
        answered("Average depth per day?", "SELECT time::DATE AS day, avg(depth) FROM earthquakes GROUP BY ALL"),
        answered("Count of events per network?", "SELECT net, count(*) FROM earthquakes GROUP BY ALL"),
    ]
    picked = pick_rated_examples(history, "What is the strongest magnitude in Alaska?")
    assert [q for q, _, _ in picked] == [
        "Strongest earthquake in Alaska by magnitude?",
        "How many earthquakes in Alaska?",
    ]
    assert len(pick_rated_examples(history, "earthquakes alaska magnitude day network")) == 2


def test_ties_go_to_the_most_recent_answer() -> None:
    history = [
        answered("Events in Alaska?", "SELECT 'older' AS x"),
        answered("Events in Hawaii?", "SELECT 'newer' AS x"),
    ]
    picked = pick_rated_examples(history, "Events in California?", limit=1)
    assert picked[0][1] == "SELECT 'newer' AS x"


def test_answers_rated_wrong_or_not_rated_are_never_examples() -> None:
    history = [
        answered("Events in Alaska?", "SELECT 'wrong'", WRONG),
        answered("Events in Alaska today?", "SELECT 'unrated'", None),
        answered("Events near Alaska?", "SELECT 'right'", RIGHT),
    ]
    assert [sql for _, sql, _ in pick_rated_examples(history, "Events in Alaska?")] == ["SELECT 'right'"]
    for answer in history[2:]:
        answer.rating = WRONG
    assert pick_rated_examples(history, "Events in Alaska?") == ()


def test_long_sql_failed_answers_attachments_and_unrelated_questions_are_left_out() -> None:
    long_sql = "SELECT " + ", ".join(f"mag AS m{i}" for i in range(80)) + " FROM earthquakes"
    assert len(long_sql) > MAX_SQL_CHARS
    failed = answered("Alaska events failing", "SELECT 1")
    failed.parts.append(ErrorPart("boom"))
    history = [
        answered("Alaska events, every magnitude", long_sql),
        failed,
        answered(f"{ATTACHMENT_MARK}alaska.csv", "SELECT 1"),
        answered("Depth per network?", "SELECT net, avg(depth) FROM earthquakes GROUP BY ALL"),
    ]
    assert pick_rated_examples(history, "Alaska events by magnitude") == ()


def test_the_same_question_rated_twice_is_shown_once_with_its_latest_sql() -> None:
    history = [answered("Events in Alaska?", "SELECT 'first'"), answered("events in  alaska?", "SELECT 'second'")]
    assert [sql for _, sql, _ in pick_rated_examples(history, "Events in Alaska?")] == ["SELECT 'second'"]


def test_with_no_rated_answer_the_prompt_is_unchanged_byte_for_byte() -> None:
    history = [answered("Events in Alaska?", "SELECT 1", None), answered("Events in Alaska?", "SELECT 2", WRONG)]
    assert with_rated_examples(CONTEXT, history, "Events in Alaska?") is CONTEXT
    assert with_rated_examples(CONTEXT, [], "Events in Alaska?") is CONTEXT
    before = build_sql_messages(CONTEXT, history, "Events in Alaska?")
    after = build_sql_messages(with_rated_examples(CONTEXT, history, "Events in Alaska?"), history, "Events in Alaska?")
    assert after == before


def test_rated_examples_come_first_and_replace_the_least_relevant_generic_ones() -> None:
    history = [
        answered("Which places have the most rows?", "SELECT place, count(*) AS n FROM earthquakes GROUP BY ALL")
    ]
    context = with_rated_examples(CONTEXT, history, "Which places have the most rows?")
    assert [q for q, _, _ in context.examples] == [
        "Which places have the most rows?",
        "How many rows per day?",  # shares "rows"
        "Which 3 magType values have the most rows?",  # shares "most", "rows"
    ]
    system = build_sql_system(context)
    assert (
        "\nQ: Which places have the most rows?\n```sql\nSELECT place, count(*) AS n FROM earthquakes GROUP BY ALL\n```\n"
        "chart: none\n" in system
    )
    assert "Alaska" not in system


def test_the_tokens_rated_examples_add_are_capped() -> None:
    question = "Which places and magnitudes"
    baseline = count_text(build_sql_system(CONTEXT))
    for question_chars, sql_chars in ((190, 400), (150, 200), (100, 250)):
        text = (question + " and magnitudes" * 20)[: question_chars - 3]
        sql = "SELECT place, " + ", ".join(f"round(avg(mag),{i})AS m{i}" for i in range(30))
        history = [answered(f"{text} {n}?", sql[:sql_chars]) for n in range(5)]
        context = with_rated_examples(CONTEXT, history, question)
        assert len(context.examples) == 3
        added = count_text(build_sql_system(context)) - baseline
        assert 0 < added <= 200, (question_chars, sql_chars, added)  # 600 characters at most, replacing generic ones


def test_the_chart_line_draws_the_same_chart_again() -> None:
    frame = pd.DataFrame({"day": pd.to_datetime(["2018-02-01", "2018-02-02"]), "n": [3, 4]})
    line = answered("per day", "SELECT 1", frame=frame)
    line.parts.insert(0, ChartPart({}, "line", "auto"))
    assert chart_line(line) == "chart: line x=day y=n"
    bars = answered("per place", "SELECT 1")
    bars.parts.insert(0, ChartPart({}, "bar", "model"))
    assert chart_line(bars) == "chart: bar x=place y=n"
    mapped = answered("map", "SELECT 1")
    mapped.parts.insert(0, ChartPart({}, "map", "auto"))
    assert chart_line(mapped) == "chart: map"
    assert chart_line(answered("no chart", "SELECT 1")) == "chart: none"
    one_value = answered("one value", "SELECT 1", frame=pd.DataFrame({"n": [1]}))
    assert chart_line(one_value) == ""  # the automatic chart shows a single value


def test_question_words_leave_out_common_words() -> None:
    assert question_words("How many earthquakes were there in Alaska?") == {"earthquakes", "alaska"}
