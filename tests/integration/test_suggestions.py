"""Suggested questions built from the data, on real DuckDB: the bundled week and three differently shaped
uploads, loaded the way the app loads them."""

from __future__ import annotations

import pyarrow as pa

from analyst.answer import Answer, TablePart
from sandbox.database import SessionDatabase
from suggestions.questions import answers, find_follow_ups, follow_up_questions, starter_questions
from suggestions.table_roles import table_roles
from tests.support.upload_files import UPLOADS, upload


def answered(db: SessionDatabase, question: str, sql: str) -> Answer:
    """An answer as the pipeline leaves it: the result of ``sql`` in a table part."""
    result = db.run_query(sql)
    return Answer(question, [TablePart(result.frame, result.total_rows, result.sql)])


def questions(suggestions) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.question for s in suggestions]


def test_the_bundled_week_gets_starters_that_read_well(db: SessionDatabase) -> None:
    assert questions(starter_questions(db)) == [
        "How many earthquakes happened each day?",
        "How many earthquakes are there for each magType?",
        "What is the average mag for each magType?",
        "Show the earthquakes on a map",
        "Which 10 earthquakes have the highest mag?",
        "How is mag distributed?",
    ]


def test_every_starter_passes_the_guard_and_returns_rows(db: SessionDatabase) -> None:
    for name in UPLOADS:
        upload(db, name)
    starters = starter_questions(db, limit=50)
    assert {"sales", "books", "weather_stations", "earthquakes"} <= {
        t for s in starters for t in db.table_names() if f"FROM {t} " in s.sql + " "
    }
    for suggestion in starters:
        result = db.run_query(suggestion.sql)  # raises QueryError if the guard refuses it or DuckDB fails
        assert result.total_rows >= 1, suggestion


def test_an_upload_with_a_date_categories_and_amounts(db: SessionDatabase) -> None:
    upload(db, "sales.csv")
    starters = starter_questions(db, limit=50)
    assert starters[0].question == "How many sales are there per month of order_date?"  # the person's table first
    assert starters[1].question == "How many earthquakes happened each day?"  # then turns between the tables
    own = [q for q in questions(starters) if "earthquake" not in q and "mag" not in q]
    assert own == [
        "How many sales are there per month of order_date?",
        "How many sales are there for each region?",
        "What is the total amount for each region?",
        "Which 10 sales have the highest amount?",
        "How is amount distributed?",
        "How does quantity relate to amount?",
    ]
    assert db.run_query(starters[0].sql).total_rows == 12  # a year of orders, per month


def test_an_upload_with_only_text_columns_gets_only_counting_questions(db: SessionDatabase) -> None:
    upload(db, "books.json")
    own = [q for q in questions(starter_questions(db, limit=50)) if "books" in q or "author" in q]
    assert own == [
        "How many books are there for each genre?",
        "How many books are there for each language?",
        "What are the 10 most common values of author?",
        "How many books are there for each genre and language?",
    ]


def test_an_upload_with_coordinates_and_numbers_gets_a_map(db: SessionDatabase) -> None:
    upload(db, "weather stations.csv")
    starters = [s for s in starter_questions(db, limit=50) if "weather_stations" in s.sql]
    assert questions(starters) == [
        "Show the weather stations on a map",
        "Which 10 weather stations have the highest elevation_m?",
        "How is elevation_m distributed?",
        "How does temperature relate to elevation_m?",
    ]
    assert db.run_query(starters[0].sql).columns == ["lat", "lon", "elevation_m"]


def test_the_starters_take_turns_between_tables_and_stop_at_the_limit(db: SessionDatabase) -> None:
    upload(db, "books.json")
    upload(db, "weather stations.csv")
    starters = starter_questions(db, limit=6)
    assert len(starters) == 6
    tables = [next(t for t in ("books", "weather_stations", "earthquakes") if f"FROM {t}" in s.sql) for s in starters]
    assert tables == ["books", "weather_stations", "earthquakes"] * 2


def test_the_lead_measure_is_chosen_from_the_data_not_from_its_name(db: SessionDatabase) -> None:
    """Orders: ``amount`` (quantity times unit price) is what the other numbers move with, so it leads though it
    comes last; an id is never a measure. Nothing moving together: the first continuous number leads, not a count."""
    rows = range(400)
    quantity = [1 + i * 7 % 12 for i in rows]
    unit_price = [round(2 + i * 13 % 97 / 3, 2) for i in rows]
    orders = {
        "order_id": list(rows),
        "quantity": quantity,
        "unit_price": unit_price,
        "discount": [round(i * 29 % 31 / 100, 2) for i in rows],
        "amount": [q * p for q, p in zip(quantity, unit_price, strict=True)],
    }
    db.add_table("orders", pa.table(orders))
    assert table_roles(db, "orders").measures == ("amount", "quantity", "unit_price", "discount")
    starters = questions(s for s in starter_questions(db, limit=50) if "orders" in s.sql)
    assert "How is amount distributed?" in starters
    visits = {
        "visits": [i % 4 for i in rows],
        "minutes": [i * 17 % 89 / 4 for i in rows],
        "pages": [i % 7 for i in rows],
    }
    db.add_table("visits", pa.table(visits))
    assert table_roles(db, "visits").measures == ("minutes", "visits", "pages")


def test_a_question_that_would_not_run_or_finds_nothing_is_never_offered(db: SessionDatabase) -> None:
    assert not answers(db, "DROP TABLE earthquakes")  # refused by the guard
    assert not answers(db, "SELECT nope FROM earthquakes")  # fails in DuckDB
    assert not answers(db, "SELECT count(*) AS n FROM earthquakes WHERE mag > 100")  # one row of zero
    assert not answers(db, "SELECT * FROM earthquakes WHERE mag > 100")  # no rows
    assert not answers(db, "SELECT 1 AS one", min_rows=2)
    assert answers(db, "SELECT count(*) AS n FROM earthquakes")
    # A table of nothing but empty columns has nothing to ask about.
    db.add_table("blanks", pa.table({"when": pa.array([None] * 5, pa.timestamp("us")), "kind": [None] * 5}))
    assert not any("blanks" in s.sql for s in starter_questions(db, limit=50))


# Follow-ups ---------------------------------------------------------------------------------------------
def test_a_count_per_category_is_followed_by_its_top_value_over_time_on_a_map_and_against_the_rest(
    db: SessionDatabase,
) -> None:
    answer = answered(db, "Which magnitude types are most common?", BY_TYPE)
    follow_ups = find_follow_ups(db, answer)
    assert questions(follow_ups) == [
        "Now only magType 'ml', per day",
        "Put magType 'ml' on a map",
        "Compare magType 'ml' with the rest",
    ]
    per_day, on_a_map, against = (db.run_query(f.sql).frame for f in follow_ups)
    assert per_day["n"].sum() == 1063 and len(per_day) == 8  # every ml event, one row per day
    assert list(on_a_map.columns[:2]) == ["latitude", "longitude"] and len(on_a_map) == 1063
    assert dict(zip(against["magType"], against["n"], strict=True)) == {"ml": 1063, "all others": 644}


def test_a_series_per_day_is_followed_by_another_grain_and_a_split(db: SessionDatabase) -> None:
    answer = answered(db, "How many each day?", BY_DAY)
    follow_ups = find_follow_ups(db, answer)
    assert questions(follow_ups) == ["Now per hour instead of per day", "Now split by magType"]
    hourly = db.run_query(follow_ups[0].sql)
    assert hourly.columns == ["hour", "n"] and hourly.frame["n"].sum() == 1707 and hourly.total_rows > 100
    assert db.run_query(follow_ups[1].sql).columns == ["day", "magType", "n"]


def test_follow_ups_keep_the_answers_filter_alias_and_what_it_computed(db: SessionDatabase) -> None:
    sql = 'SELECT e."magType", avg(e.mag) AS avg_mag FROM earthquakes e WHERE e.mag >= 4 GROUP BY ALL ORDER BY 2 DESC'
    follow_ups = find_follow_ups(db, answered(db, "Average magnitude of strong ones by type?", sql))
    against = db.run_query(next(f.sql for f in follow_ups if f.question.startswith("Compare")))
    assert against.columns == ["magType", "avg_mag"]
    assert against.frame["avg_mag"].min() >= 4  # the answer's filter is kept
    on_a_map = db.run_query(next(f.sql for f in follow_ups if f.question.startswith("Put")))
    assert on_a_map.frame["mag"].min() >= 4


def test_a_single_number_is_broken_down_per_period_and_per_category(db: SessionDatabase) -> None:
    answer = answered(db, "How many strong ones?", "SELECT count(*) AS n FROM earthquakes WHERE mag >= 4")
    follow_ups = find_follow_ups(db, answer)
    assert questions(follow_ups) == ["Now per day", "Now by magType"]
    assert db.run_query(follow_ups[1].sql).frame["n"].sum() == 128  # still only the strong ones


def test_rows_of_a_table_with_coordinates_can_be_put_on_a_map(db: SessionDatabase) -> None:
    sql = "SELECT place, mag FROM earthquakes ORDER BY mag DESC LIMIT 10"
    follow_ups = find_follow_ups(db, answered(db, "What are the 10 strongest earthquakes?", sql))
    assert follow_ups[0].question == "Show these on a map"
    shown = db.run_query(follow_ups[0].sql)
    assert shown.columns == ["latitude", "longitude", "place", "mag"] and shown.total_rows == 10
    assert len(follow_ups) == 2  # a starter about the same table fills in


def test_a_shape_it_cannot_read_gets_starters_instead_never_the_same_question(db: SessionDatabase) -> None:
    sql = "WITH strong AS (SELECT * FROM earthquakes WHERE mag > 4) SELECT count(*) AS n FROM strong"
    answer = answered(db, "How many earthquakes happened each day?", sql)
    assert questions(find_follow_ups(db, answer)) == [
        "How many earthquakes are there for each magType?",
        "What is the average mag for each magType?",
    ]


def test_values_from_the_data_are_only_offered_short_and_quoted(db: SessionDatabase) -> None:
    long_value = "x" * 40
    db.add_table(
        "notes",
        pa.table({"kind": [long_value] * 5 + ["it's"] * 3 + ["b"] * 2, "size": [1.0, 2.0, 3.0, 4.0, 5.0] * 2}),
    )
    answer = answered(db, "Count per kind", "SELECT kind, count(*) AS n FROM notes GROUP BY 1 ORDER BY n DESC")
    assert not any(long_value in q or "it's" in q for q in questions(find_follow_ups(db, answer)))
    db.add_table("tags", pa.table({"tag": ["**x**"] * 4 + ["y"] * 2}))
    answer = answered(db, "Count per tag", "SELECT tag, count(*) AS n FROM tags GROUP BY 1 ORDER BY n DESC")
    assert "Compare tag '**x**' with the rest" in questions(
        find_follow_ups(db, answer)
    )  # quoted (and escaped on the page)


def test_follow_ups_are_built_once_per_answer_until_the_tables_change(db: SessionDatabase) -> None:
    answer = answered(db, "Which magnitude types are most common?", BY_TYPE)
    first = follow_up_questions(db, answer)
    assert follow_up_questions(db, answer) is first
    upload(db, "books.json")
    assert follow_up_questions(db, answer) is not first


def test_an_answer_without_a_result_has_no_follow_ups(db: SessionDatabase) -> None:
    assert follow_up_questions(db, Answer("What is the capital of France?")) == []
    empty = answered(db, "None", "SELECT * FROM earthquakes WHERE mag > 100")
    assert find_follow_ups(db, empty) == []


BY_TYPE = 'SELECT "magType", count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY n DESC'
BY_DAY = "SELECT time::DATE AS day, count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY 1"


def test_a_saved_result_gets_no_starters_of_its_own(db: SessionDatabase) -> None:
    """A saved table is already a summary: "how many daily counts per day" would count its rows."""
    from sandbox.saved_views import save_as_view

    save_as_view(db, "daily_counts", "SELECT time::DATE AS day, count(*) AS n FROM earthquakes GROUP BY ALL")
    questions = [s.question for s in starter_questions(db)]
    assert questions and not any("daily" in q for q in questions)
