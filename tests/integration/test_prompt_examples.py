"""The SQL prompt's worked examples are written with the loaded table's own columns, and each one runs."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from analyst.prompt_context import focus_table, load_examples, load_schema_context
from analyst.prompts import build_sql_messages
from sandbox.database import SessionDatabase
from sources.samples import load_sample_dataset


def database_with(sample: str | None) -> SessionDatabase:
    db = SessionDatabase(load_bundled=sample is None)
    if sample:
        db.add_table(sample.replace("-", "_"), load_sample_dataset(sample))
    return db


def test_the_earthquake_examples_use_its_columns_and_run() -> None:
    db = database_with(None)
    examples = {q: sql for q, sql, _ in load_examples(db, db.tables()[0])}
    assert examples["Average mag where place mentions Alaska, rounded to 2 decimals?"] == (
        "SELECT round(avg(mag), 2) AS avg_mag FROM earthquakes WHERE place ILIKE '%alaska%'"
    )
    assert examples["How many rows per day?"].startswith("SELECT time::DATE AS day, count(*) AS n")
    assert examples["Which 3 magType values have the most rows?"] == (
        'SELECT "magType", count(*) AS n FROM earthquakes GROUP BY ALL ORDER BY n DESC LIMIT 3'
    )


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("cars", ['"Name" ILIKE', "date_trunc('month', \"Year\")", 'SELECT "Origin"']),
        ("seattle-weather", ["WHERE weather = 'sun'", "date_trunc('month', date) AS month", "SELECT weather,"]),
        ("iris", ["WHERE species = 'setosa'", "SELECT species,"]),
    ],
)
def test_an_uploaded_table_gets_examples_from_its_own_columns(sample: str, expected: list[str]) -> None:
    db = database_with(sample)
    examples = load_examples(db, db.tables()[0])
    assert len(examples) == len(expected)
    for (_, sql, _), fragment in zip(examples, expected, strict=True):
        assert fragment in sql
        assert db.run_query(sql).total_rows > 0  # every example is a query that answers on this table
    system = build_sql_messages(load_schema_context(db), [], "anything")[0]["content"]
    assert "earthquakes" not in system and "magType" not in system


def test_a_table_without_useful_columns_gets_no_examples() -> None:
    db = SessionDatabase(load_bundled=False)
    db.add_table("ids", pd.DataFrame({"id": ["a", "b"]}))
    assert load_examples(db, db.tables()[0]) == ()


def test_the_examples_come_from_the_table_the_question_is_about() -> None:
    db = database_with(None)
    db.add_table("seattle_weather", load_sample_dataset("seattle-weather"))
    about_weather = load_schema_context(db, "What was the highest temp_max in seattle_weather during 2015?")
    assert all("seattle_weather" in sql for _, sql, _ in about_weather.examples)
    assert "hour(date)" in about_weather.idioms
    by_column = load_schema_context(db, "Average precipitation on sunny days?")
    assert all("seattle_weather" in sql for _, sql, _ in by_column.examples)
    about_quakes = load_schema_context(db, "How many events had a magnitude of 4 or more?")
    assert all("earthquakes" in sql for _, sql, _ in about_quakes.examples)
    assert "hour(time)" in about_quakes.idioms


def test_the_examples_follow_a_word_of_a_column_and_the_conversation_before() -> None:
    """ "the highest temperature at Hill" is about the readings (``temperature_c``), not the bundled table, and
    "per month instead of per region" about the orders the conversation was about."""
    db = SessionDatabase()
    db.add_table(
        "readings", pa.table({"taken_at": pa.array([0, 3600], pa.timestamp("s")), "temperature_c": [5.5, 7.0]})
    )
    db.add_table("orders", pa.table({"order_date": pa.array([0, 86400], pa.timestamp("s")), "region": ["N", "S"]}))
    tables = db.tables()
    assert focus_table(tables, "What was the highest temperature at Hill on each day?").name == "readings"
    assert focus_table(tables, "And per month instead?", "What is the total per region?").name == "orders"
    assert focus_table(tables, "How many earthquakes per day?", "What is the total per region?").name == "earthquakes"
    assert "taken_at" in load_schema_context(db, "the highest temperature each day?").idioms
