"""Each of the app's corrections alone, as a step from a situation to an optional correction with its reason, and
the order the pipeline runs them in (``analyst.corrections.steps``). On the real DuckDB and the bundled data."""

from __future__ import annotations

import pytest

from analyst.corrections.clock import correct_clock
from analyst.corrections.column import correct_column
from analyst.corrections.fit import correct_to_question
from analyst.corrections.situation import Conversation, Situation
from analyst.corrections.spatial import correct_spatial
from analyst.corrections.steps import (
    BEFORE_RUNNING,
    ON_ERROR,
    ON_NOTHING_FOUND,
    correct_before_running,
    first_correction,
)
from analyst.corrections.value import correct_column_by_value, correct_value
from analyst.corrections.year import correct_year
from sandbox.database import QueryError, SessionDatabase


@pytest.fixture(scope="module")
def db() -> SessionDatabase:
    return SessionDatabase()


def situation(db: SessionDatabase, sql: str, question: str = "Show the data", run: bool = True) -> Situation:
    """``sql`` as the pipeline would hand it to a step: with DuckDB's error when it fails, its result when not."""
    if not run:
        return Situation(sql, Conversation(question), db)
    try:
        return Situation(sql, Conversation(question), db, result=db.run_query(sql))
    except QueryError as error:
        return Situation(sql, Conversation(question), db, error=error.message)


def test_the_clock_step_sets_now_to_the_data_s_end(db) -> None:
    found = correct_clock(situation(db, "SELECT count(*) FROM earthquakes WHERE time > now() - INTERVAL 3 DAY"))
    assert found is not None and "now()" not in found.sql.lower() and "data's end" in found.reason
    assert db.run_query(found.sql).frame.iloc[0, 0] > 0
    assert correct_clock(situation(db, "SELECT count(*) FROM earthquakes")) is None


def test_the_fit_step_fits_the_query_to_the_question(db) -> None:
    sql = "SELECT net, avg(mag) AS a FROM earthquakes GROUP BY net LIMIT 3"
    found = correct_to_question(situation(db, sql, "Average magnitude per network, to two decimal places"))
    assert found is not None and "round(avg(mag), 2)" in found.sql and "LIMIT" not in found.sql
    assert "removed LIMIT 3" in found.reason and "rounded a to 2 decimal places" in found.reason
    assert correct_to_question(situation(db, sql, "Which 3 networks have the strongest events?")) is None


def test_the_column_step_uses_the_one_column_duckdb_names(db) -> None:
    found = correct_column(situation(db, "SELECT avg(depth_km) FROM earthquakes"))
    assert found is not None and "avg(depth)" in found.sql and "depth_km does not exist" in found.reason
    assert correct_column(situation(db, "SELECT avg(depth) FROM earthquakes")) is None


def test_the_column_by_value_step_finds_the_column_that_holds_the_texts(db) -> None:
    found = correct_column_by_value(situation(db, "SELECT count(*) FROM earthquakes WHERE kind = 'quarry blast'"))
    assert found is not None and " type =" in found.sql.replace('"', " ") and "values of type" in found.reason


def test_the_year_step_compares_a_year_with_the_year_of_a_date(db) -> None:
    found = correct_year(situation(db, "SELECT count(*) FROM earthquakes WHERE time = '2018'"))
    assert found is not None and 'year"("time") = 2018' in found.sql and "is a year, not a date" in found.reason
    assert db.run_query(found.sql).frame.iloc[0, 0] > 0


def test_the_spatial_step_selects_the_coordinates_a_spatial_function_was_given(db) -> None:
    sql = "SELECT place, ST_Point(longitude, latitude) AS geom FROM earthquakes"
    found = correct_spatial(situation(db, sql))
    assert found is not None and "st_point" not in found.sql.lower() and "latitude" in found.sql


def test_the_value_step_corrects_a_text_compared_with_the_wrong_column(db) -> None:
    found = correct_value(situation(db, "SELECT count(*) AS n FROM earthquakes WHERE \"magType\" = 'quarry blast'"))
    assert found is not None and " type =" in found.sql.replace('"', " ") and "is a value of type" in found.reason
    assert correct_value(situation(db, "SELECT count(*) AS n FROM earthquakes WHERE type = 'quarry blast'")) is None


def test_the_steps_run_in_the_documented_order() -> None:
    assert [s.__name__ for s in BEFORE_RUNNING] == ["correct_clock", "correct_to_question"]
    assert [s.__name__ for s in ON_ERROR] == ["correct_column", "correct_column_by_value", "correct_year",
                                              "correct_spatial"]  # fmt: skip
    assert [s.__name__ for s in ON_NOTHING_FOUND] == ["correct_value"]


def test_before_running_each_step_edits_what_the_one_before_returned(db) -> None:
    sql = "SELECT avg(mag) AS a FROM earthquakes WHERE time > now() - INTERVAL 3 DAY"
    found = correct_before_running(situation(db, sql, "Average magnitude in the last 3 days, rounded to 1 decimal"))
    assert found is not None and "now()" not in found.sql.lower() and "round(avg(mag), 1)" in found.sql
    assert found.reason.index("data's end") < found.reason.index("rounded a")


def test_on_an_error_the_first_step_that_knows_the_fix_answers(db) -> None:
    found = first_correction(situation(db, "SELECT avg(depth_km) FROM earthquakes WHERE time = '2018'"), ON_ERROR)
    assert found is not None and "avg(depth)" in found.sql and "'2018'" in found.sql  # the column first, then the year
    assert first_correction(situation(db, "SELECT 1 FROM nowhere"), ON_ERROR) is None
