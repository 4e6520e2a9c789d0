"""The words of suggested questions: what a table's rows are called, which grain a series gets, and which
values from the data a question may name."""

from __future__ import annotations

from datetime import datetime, timedelta

from suggestions.questions import askable_value, noun_for, other_grain, starter_grain
from suggestions.table_roles import TimeColumn

START = datetime(2024, 1, 1)


def spanning(days: float, is_date: bool = False) -> TimeColumn:
    return TimeColumn("time", is_date, START, START + timedelta(days=days))


def test_tables_are_called_by_their_rows_when_the_name_reads_as_a_plural() -> None:
    assert noun_for("earthquakes") == "earthquakes"
    assert noun_for("weather_stations") == "weather stations"
    assert noun_for("t_2024_report") == "rows of t_2024_report"
    assert noun_for("class") == "rows of class"
    assert noun_for("data") == "rows of data"


def test_a_series_gets_the_grain_its_span_reads_best_at() -> None:
    assert starter_grain(spanning(1)) == "hour"
    assert starter_grain(spanning(1, is_date=True)) == "day"  # dates have no hours
    assert starter_grain(spanning(7)) == "day"
    assert starter_grain(spanning(365)) == "month"
    assert starter_grain(spanning(20 * 365)) == "year"


def test_the_other_grain_gives_between_three_and_a_thousand_periods() -> None:
    assert other_grain("day", spanning(7)) == "hour"  # a week has too few weeks or months to draw
    assert other_grain("day", spanning(7, is_date=True)) is None
    assert other_grain("day", spanning(365)) == "month"
    assert other_grain("month", spanning(365)) == "week"
    assert other_grain("month", spanning(10 * 365)) == "year"
    assert other_grain("hour", spanning(1.5)) is None  # a day and a half: fewer than three days
    assert other_grain("instant", spanning(7)) is None


def test_only_short_one_line_text_without_quotes_is_named_in_a_question() -> None:
    assert askable_value("ml") == "ml"
    assert askable_value("![i](http://x.y)") == "![i](http://x.y)"  # short: named, and escaped on the page
    assert askable_value("x" * 31) is None
    assert askable_value("it's") is None
    assert askable_value("two\nlines") is None
    assert askable_value(" padded") is None
    assert askable_value("") is None
    assert askable_value(4.5) is None


def test_a_time_column_named_like_its_grain_is_not_named_twice() -> None:
    """Real use: "How many rows are there per day of day?" over a table whose time column is called day."""
    import pandas as pd

    from sandbox.database import SessionDatabase
    from suggestions.questions import question_about_table, table_starters

    db = SessionDatabase(load_bundled=False)
    db.add_table("daily", pd.DataFrame({"day": pd.date_range("2024-01-01", periods=90), "sales": range(90)}))
    db.add_table("readings", pd.DataFrame({"taken_at": pd.date_range("2024-01-01", periods=90, freq="h")}))
    daily = [s.question for s in table_starters(db, "daily")]
    assert not [q for q in daily if "of day" in q] and any(q.endswith("per day?") for q in daily)
    assert any("per day of taken_at" in s.question for s in table_starters(db, "readings"))
    question, sql = question_about_table(db, "daily")
    assert question in daily and db.run_query(sql).total_rows > 0
