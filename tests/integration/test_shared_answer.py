"""Opening a shared link on real DuckDB: its SQL reruns through the same guard as the model's, hostile links
are refused with the guard's own message, and a table the session lacks is named."""

from __future__ import annotations

import pyarrow as pa
import pytest

from analyst.answer import ChartPart, ErrorPart, MetricPart, NoticePart, SqlPart, TablePart, TextPart
from conversations.share_link import SharedLink
from conversations.shared_answer import SHARED_NOTE, load_shared_answer, missing_tables
from sandbox.database import SessionDatabase

BY_TYPE = 'SELECT "magType", count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY n DESC'


def test_a_shared_answer_is_rerun_and_charted_without_a_model(db: SessionDatabase) -> None:
    answer = load_shared_answer(SharedLink("Which magnitude type is most common?", BY_TYPE), db)
    assert answer.shared and answer.calls == [] and answer.error is None
    assert [type(p) for p in answer.parts] == [NoticePart, ChartPart, TablePart, SqlPart]
    assert answer.parts[0].text == SHARED_NOTE
    assert SHARED_NOTE == "Shared answer: the SQL was rerun on this session's data; no model was asked."
    assert answer.table is not None and answer.table.total_rows == 7
    assert answer.table.frame["n"].tolist()[0] == 1063
    assert answer.final_sql == BY_TYPE
    assert answer.table.computed  # the "Computed: ..." line, from DuckDB's parse


def test_it_uses_this_sessions_data(db: SessionDatabase) -> None:
    db.add_table("earthquakes", pa.table({"magType": ["ml", "ml", "md"]}), replace=True)
    answer = load_shared_answer(SharedLink("types", BY_TYPE), db)
    assert answer.table is not None and answer.table.frame["n"].tolist() == [2, 1]


def test_a_single_value_and_an_empty_result_read_as_they_do_in_the_chat(db: SessionDatabase) -> None:
    one = load_shared_answer(SharedLink("how many", "SELECT count(*) AS n FROM earthquakes"), db)
    assert isinstance(one.parts[1], MetricPart) and one.parts[1].value == 1707
    none = load_shared_answer(SharedLink("none", "SELECT * FROM earthquakes WHERE mag > 20"), db)
    assert isinstance(none.parts[1], TextPart) and none.parts[1].text.startswith("The query returned no rows.")


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("COPY earthquakes TO '/tmp/shared-link-stolen.csv'", "Refused: COPY reads or writes files"),
        ("COPY (SELECT 1) TO '/tmp/shared-link.parquet' (FORMAT parquet)", "Refused: COPY reads or writes files"),
        ("SELECT * FROM read_csv('/etc/passwd')", "Refused: the table function read_csv() is not allowed"),
        ("SELECT content FROM read_text('/etc/hostname')", "Refused: the table function read_text() is not allowed"),
        ("ATTACH '/tmp/shared-link.duckdb' AS other", "Refused: ATTACH opens other databases"),
        ("INSTALL httpfs", "Refused: INSTALL/LOAD adds extensions"),
        ("SELECT 1; DROP TABLE earthquakes", "Refused: the text holds 2 statements"),
        ("SELECT * FROM information_schema.tables", "Refused: information_schema.tables names a schema"),
        ("SELECT current_setting('memory_limit')", "Refused: current_setting() reads files"),
    ],
)
def test_a_hostile_link_is_refused_by_the_guard_and_changes_nothing(db: SessionDatabase, sql: str, reason: str) -> None:
    answer = load_shared_answer(SharedLink("innocent question", sql), db)
    assert answer.error is not None and answer.error.startswith(reason)
    assert answer.table is None and answer.shared
    assert [type(p) for p in answer.parts] == [NoticePart, SqlPart, ErrorPart]
    assert db.table_names() == ["earthquakes"]
    assert db.run_query("SELECT count(*) AS n FROM earthquakes").frame["n"][0] == 1707


def test_a_table_the_session_does_not_have_is_named(db: SessionDatabase) -> None:
    sql = "SELECT s.region, count(*) AS n FROM stations s JOIN earthquakes e ON e.place LIKE s.region GROUP BY 1"
    answer = load_shared_answer(SharedLink("stations", sql), db)
    assert answer.error == (
        "This shared answer uses table stations, which is not loaded in this session "
        "(load the file it came from, then open the link again)."
    )
    db.add_table("stations", pa.table({"region": ["%Alaska%"]}))
    again = load_shared_answer(SharedLink("stations", sql), db)
    assert again.error is None and again.table is not None and again.table.frame["n"][0] > 0


def test_missing_tables_are_read_from_the_parse_not_the_text(db: SessionDatabase) -> None:
    assert missing_tables("WITH stations AS (SELECT 1 AS x) SELECT * FROM stations", db) == []
    assert missing_tables("SELECT 'FROM stations' AS label FROM earthquakes", db) == []
    assert missing_tables('SELECT * FROM "Stations", earthquakes, towns', db) == ["Stations", "towns"]
    assert missing_tables("COPY earthquakes TO 'x.csv'", db) == []  # not a query: the guard's to refuse


def test_a_link_that_was_too_long_shows_its_problem_and_runs_nothing(db: SessionDatabase) -> None:
    answer = load_shared_answer(SharedLink("long", "", "This shared link's SQL is longer than 4,000 characters"), db)
    assert answer.error == "This shared link's SQL is longer than 4,000 characters" and answer.table is None


def test_text_from_a_link_cannot_load_anything(db: SessionDatabase) -> None:
    sql = 'SELECT * FROM "![x](https://attacker.example/leak.png)"'
    answer = load_shared_answer(SharedLink("q", sql), db)
    assert answer.error is not None and "![" not in answer.error
    assert all("![" not in (p.error or "") for p in answer.of_type(SqlPart))
