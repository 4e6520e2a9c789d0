"""A shared answer's link: the question and SQL survive the round trip through a URL; anything too long
is refused with a clear message."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from conversations.share_link import (
    MAX_QUESTION_CHARS,
    MAX_SQL_CHARS,
    UNTITLED,
    SharedLink,
    ShareLinkError,
    build_share_query,
    read_share_params,
)

SQL = """SELECT "magType", count(*) AS n FROM earthquakes WHERE place LIKE '%Alaska%' AND mag >= 2.5 GROUP BY 1;"""


def params_of(query: str) -> dict[str, str]:
    """What Streamlit's ``st.query_params.to_dict()`` gives for a query string: the last value of each name."""
    return {name: values[-1] for name, values in parse_qs(query, keep_blank_values=True).items()}


def test_question_and_sql_survive_the_round_trip_exactly() -> None:
    query = build_share_query("Which types & how many? 100% + more #1", SQL)
    assert set(params_of(query)) == {"q", "sql"}
    assert read_share_params(params_of(query)) == SharedLink("Which types & how many? 100% + more #1", SQL.strip())


def test_the_query_string_escapes_everything_that_would_end_a_parameter() -> None:
    query = build_share_query("a&sql=DROP TABLE x", 'SELECT 1 AS "a&b=c#d"')
    assert "#" not in query and query.count("&") == 1
    assert read_share_params(params_of(query)) == SharedLink("a&sql=DROP TABLE x", 'SELECT 1 AS "a&b=c#d"')


def test_a_long_question_is_shortened_when_shared_and_refused_when_opened() -> None:
    shared = read_share_params(params_of(build_share_query("why " * 300, SQL)))
    assert shared is not None and shared.problem is None
    assert len(shared.question) == MAX_QUESTION_CHARS and shared.question.endswith("…")
    opened = read_share_params({"q": "x" * (MAX_QUESTION_CHARS + 1), "sql": SQL})
    assert opened is not None and opened.sql == "" and len(opened.question) == MAX_QUESTION_CHARS
    assert opened.problem == "This shared link's question is longer than 500 characters: it was not opened."


def test_sql_over_the_limit_cannot_be_shared_nor_opened() -> None:
    long_sql = "SELECT 1" + " " * MAX_SQL_CHARS + "AS x"
    with pytest.raises(ShareLinkError, match=r"too long to share as a link \(4,012 characters; at most 4,000\)"):
        build_share_query("q", long_sql)
    opened = read_share_params({"q": "Big", "sql": long_sql})
    assert opened == SharedLink(
        "Big", "", "This shared link's SQL is longer than 4,000 characters (4,012): it was not run."
    )
    at_limit = "SELECT 1" + " " * (MAX_SQL_CHARS - 12) + "AS x"
    assert read_share_params(params_of(build_share_query("q", at_limit))).problem is None


def test_no_sql_parameter_means_no_shared_answer_and_empty_sql_says_so() -> None:
    assert read_share_params({}) is None
    assert read_share_params({"q": "only a question", "debug": "huggingface-provider"}) is None
    assert read_share_params({"sql": "  "}) == SharedLink(UNTITLED, "", "This shared link has no SQL to run.")
    with pytest.raises(ShareLinkError, match="no SQL"):
        build_share_query("q", " ")


def test_a_question_is_one_line_and_a_repeated_parameter_counts_once() -> None:
    link = read_share_params({"q": ["first", "line one\n\n## line two"], "sql": ["SELECT 1", "SELECT 2"]})
    assert link == SharedLink("line one ## line two", "SELECT 2")
