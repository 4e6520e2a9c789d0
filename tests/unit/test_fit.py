"""Fitting a query to its question, on DuckDB's own parse: what small models drift on, and what must stay."""

from __future__ import annotations

import pandas as pd
import pytest

from analyst.corrections.fit import fit_to_question
from analyst.corrections.question_words import asked_decimals, asks_for_ranking
from analyst.corrections.situation import Conversation
from sandbox.database import SessionDatabase


@pytest.fixture(scope="module")
def db() -> SessionDatabase:
    return SessionDatabase()


FITTED = [
    (  # rounding asked for, not done
        "What is the average magnitude, rounded to 2 decimal places?",
        "SELECT avg(mag) AS avg_mag FROM earthquakes",
        "SELECT round(avg(mag), 2) AS avg_mag FROM earthquakes",
    ),
    (  # a LIMIT the question did not ask for, and rounding in words
        "Average magnitude per network, to two decimal places",
        "SELECT net, avg(mag) AS avg_mag FROM earthquakes GROUP BY net ORDER BY avg_mag DESC LIMIT 10",
        "SELECT net, round(avg(mag), 2) AS avg_mag FROM earthquakes GROUP BY net ORDER BY avg_mag DESC",
    ),
    (  # "the most events" ordered by the hour
        "Which hour of the day saw the most events?",
        "SELECT hour(time) AS h, count(*) AS n FROM earthquakes GROUP BY ALL ORDER BY h DESC LIMIT 1",
        'SELECT "hour"("time") AS h, count_star() AS n FROM earthquakes GROUP BY ALL ORDER BY n DESC LIMIT 1',
    ),
    (  # "the fewest" ordered by the key, ascending wanted
        "Which magnitude type has the fewest events?",
        'SELECT "magType", count(*) AS n FROM earthquakes GROUP BY "magType" ORDER BY "magType" LIMIT 1',
        "SELECT magType, count_star() AS n FROM earthquakes GROUP BY magType ORDER BY n ASC LIMIT 1",
    ),
    (  # one average split by a column it does not show
        "What is the average depth of all events?",
        "SELECT avg(depth) AS d FROM earthquakes GROUP BY time",
        "SELECT avg(depth) AS d FROM earthquakes",
    ),
    (  # "per type" asked, the type left out of the result
        "How many events per type?",
        "SELECT count(*) AS n FROM earthquakes GROUP BY type",
        'SELECT "type", count_star() AS n FROM earthquakes GROUP BY "type"',
    ),
    (  # GROUP BY on a list of rows (DuckDB would refuse it)
        "List the place and magnitude of events with an alert.",
        "SELECT place, mag FROM earthquakes WHERE alert IS NOT NULL GROUP BY place ORDER BY mag DESC",
        "SELECT place, mag FROM earthquakes WHERE (alert IS NOT NULL) ORDER BY mag DESC",
    ),
    (  # a percentage: arithmetic over aggregates is rounded as a whole
        "What percentage of events are reviewed, rounded to 1 decimal place?",
        "SELECT 100.0 * count(*) FILTER (WHERE status = 'reviewed') / count(*) AS pct FROM earthquakes",
        "SELECT round(((100.0 * count_star() FILTER (WHERE (status = 'reviewed'))) / count_star()), 1) AS pct "
        "FROM earthquakes",
    ),
]


@pytest.mark.parametrize(("question", "sql", "expected"), FITTED, ids=[f[0][:40] for f in FITTED])
def test_a_query_that_drifted_from_its_question_is_fitted_and_says_how(db, question, sql, expected) -> None:
    fit = fit_to_question(sql, Conversation(question), db)
    assert fit is not None
    assert " ".join(fit.sql.split()) == expected
    assert fit.reason.startswith("Fitted to the question by the app: ")
    db.run_query(fit.sql)  # the fitted query runs through the guard


KEPT = [
    (
        "Top 5 places by number of events",
        "SELECT place, count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY 2 DESC LIMIT 5",
    ),
    ("What are the ten deepest events?", "SELECT place, depth FROM earthquakes ORDER BY depth DESC LIMIT 10"),
    ("Show a few example rows", "SELECT * FROM earthquakes LIMIT 5"),
    ("How many events are there?", "SELECT count(*) FROM earthquakes"),
    ("Average magnitude, rounded to 2 decimals", "SELECT round(avg(mag), 2) FROM earthquakes"),
    (
        "Which network has the most events?",
        "SELECT net, count(*) AS n FROM earthquakes GROUP BY net ORDER BY n DESC LIMIT 1",
    ),
    ("Distinct magnitude types", 'SELECT "magType" FROM earthquakes GROUP BY "magType"'),
    ("Magnitudes with their running count", "SELECT mag, count(*) OVER (ORDER BY mag) AS c FROM earthquakes"),
    ("Events per type", "SELECT type FROM earthquakes UNION SELECT net FROM earthquakes LIMIT 3"),
    ("Average magnitude, rounded to 2 decimals", "DELETE FROM earthquakes"),
    ("Average magnitude, rounded to 2 decimals", "not sql at all"),
]


@pytest.mark.parametrize(("question", "sql"), KEPT, ids=[k[0][:40] for k in KEPT])
def test_a_query_that_does_what_was_asked_is_left_as_the_model_wrote_it(db, question, sql) -> None:
    assert fit_to_question(sql, Conversation(question), db) is None


def test_the_question_words_that_decide() -> None:
    assert asked_decimals("rounded to 3 decimal places") == 3
    assert asked_decimals("with one decimal") == 1
    assert asked_decimals("rounded to the nearest whole number") == 0
    assert asked_decimals("How many events?") is None
    assert asks_for_ranking("the strongest event") and asks_for_ranking("Which network has the most?")
    assert not asks_for_ranking("List the events in the west of the interest area")


@pytest.mark.parametrize(
    ("question", "sql", "expected"),
    [
        (
            "What is the average magnitude, rounded to 2 decimal places?",
            "SELECT round(avg(mag), 2) AS a FROM earthquakes WHERE place ILIKE '%alaska%'",
            "SELECT round(avg(mag), 2) AS a FROM earthquakes",
        ),
        (
            "Average magnitude of events above 4?",
            "SELECT avg(mag) AS a FROM earthquakes WHERE place ILIKE '%alaska%' AND mag > 4",
            "SELECT avg(mag) AS a FROM earthquakes WHERE (mag > 4)",
        ),
    ],
)
def test_a_filter_copied_from_the_prompts_example_is_removed(db, question, sql, expected) -> None:
    fit = fit_to_question(sql, Conversation(question, frozenset({"alaska"})), db)
    assert fit is not None and " ".join(fit.sql.split()) == expected
    assert "removed the filter on 'alaska': it comes from the prompt's example" in fit.reason


def test_a_filter_the_question_names_stays_though_an_example_uses_it_too(db) -> None:
    sql = "SELECT avg(mag) AS a FROM earthquakes WHERE place ILIKE '%alaska%'"
    assert fit_to_question(sql, Conversation("Average magnitude in Alaska?", frozenset({"alaska"})), db) is None
    assert fit_to_question(sql, Conversation("Average magnitude?", frozenset({"hawaii"})), db) is None


@pytest.fixture(scope="module")
def sales() -> SessionDatabase:
    """A table of a shape the app was not tuned on: orders with a region, a fractional price, whole units."""
    db = SessionDatabase(load_bundled=False)
    frame = pd.DataFrame(
        {
            "region": ["North", "South", "East", "West"] * 5,
            "product": [f"P{i % 7}" for i in range(20)],
            "price": [9.99 + i * 1.37 for i in range(20)],
            "units": [i % 6 + 1 for i in range(20)],
            "order_date": pd.date_range("2024-01-01", periods=20, freq="7D"),
        }
    )
    db.add_table("sales", frame)
    return db


@pytest.mark.parametrize(
    ("question", "sql", "expected"),
    [
        (  # a year is not a number of rows, and "per region" asks for every region
            "Total revenue per region in 2024",
            "SELECT region, sum(price * units) AS revenue FROM sales GROUP BY region ORDER BY revenue DESC LIMIT 3",
            "SELECT region, sum((price * units)) AS revenue FROM sales GROUP BY region ORDER BY revenue DESC",
        ),
        (  # "five" in words; a sum over a column with decimals has decimals, by the table's own types
            "Total price per product rounded to five decimals",
            "SELECT product, sum(price) AS total FROM sales GROUP BY product",
            "SELECT product, round(sum(price), 5) AS total FROM sales GROUP BY product",
        ),
    ],
)
def test_new_phrasings_on_a_new_table_are_fitted(sales, question, sql, expected) -> None:
    fit = fit_to_question(sql, Conversation(question), sales)
    assert fit is not None and " ".join(fit.sql.split()) == expected
    sales.run_query(fit.sql)


@pytest.mark.parametrize(
    ("question", "sql"),
    [  # rankings and unclear asks keep the model's LIMIT; a sum of whole numbers has no decimals to round
        (
            "Which are the worst-hit regions?",
            "SELECT region, sum(units) AS u FROM sales GROUP BY 1 ORDER BY 2 DESC LIMIT 2",
        ),
        ("The best products", "SELECT product, sum(units) AS u FROM sales GROUP BY 1 ORDER BY 2 DESC LIMIT 3"),
        ("The priciest orders", "SELECT product, price FROM sales ORDER BY price DESC LIMIT 5"),
        ("Orders in the North", "SELECT * FROM sales WHERE region = 'North' LIMIT 10"),
        ("Units sold per region, rounded to 2 decimals", "SELECT region, sum(units) AS u FROM sales GROUP BY 1"),
    ],
)
def test_new_phrasings_that_need_nothing_are_left_alone(sales, question, sql) -> None:
    assert fit_to_question(sql, Conversation(question), sales) is None
