"""What was computed, in words, from DuckDB's parse of the SQL: the grain, filters, order and limit show."""

from __future__ import annotations

import pytest

from analyst.sql_description import describe_sql
from sandbox.database import SessionDatabase


@pytest.fixture(scope="module")
def db() -> SessionDatabase:
    return SessionDatabase()


DESCRIBED = [
    (
        "SELECT count(*) AS n FROM earthquakes WHERE type = 'earthquake'",
        "earthquakes where type = 'earthquake' · count (n)",
    ),
    (
        "SELECT round(avg(mag), 2) AS avg_mag FROM earthquakes",
        "earthquakes · average mag (rounded to 2 places) (avg_mag)",
    ),
    (
        "SELECT date_trunc('month', time) AS month, count(*) AS n FROM earthquakes WHERE mag >= 4 GROUP BY 1 ORDER BY n DESC LIMIT 5",
        "earthquakes where mag ≥ 4 · count (n) per month of time · sorted by n, highest first · top 5",
    ),
    (
        "SELECT time::DATE AS day, count(*) AS n FROM earthquakes GROUP BY day ORDER BY day",
        "earthquakes · count (n) per day of time · sorted by day, lowest first",
    ),
    ("SELECT CAST(time AS DATE), count(*) FROM earthquakes GROUP BY 1", "earthquakes · count per day of time"),
    (
        "SELECT strftime(time, '%Y-%m') AS month, count(*) FROM earthquakes GROUP BY 1",
        "earthquakes · count per month of time",
    ),
    (
        "SELECT strftime(time, '%Y-%m-%d %H') AS h, count(*) FROM earthquakes GROUP BY 1",
        "earthquakes · count per hour of time",
    ),
    (
        "SELECT extract(hour FROM time) AS hour, count(*) FROM earthquakes GROUP BY 1 ORDER BY 1",
        "earthquakes · count per hour of the day of time · sorted by hour, lowest first",
    ),
    ("SELECT month(time), count(*) FROM earthquakes GROUP BY 1", "earthquakes · count per month of the year of time"),
    (
        "SELECT dayname(time) AS weekday, count(*) FROM earthquakes GROUP BY ALL",
        "earthquakes · count per day of the week of time",
    ),
    ('SELECT "magType", max(mag) FROM earthquakes GROUP BY "magType"', "earthquakes · maximum mag per magType"),
    (
        "SELECT place, mag FROM earthquakes WHERE place ILIKE '%alaska%' ORDER BY mag DESC LIMIT 10",
        "earthquakes where place contains 'alaska' (any case) · rows with place, mag · sorted by mag, highest first · top 10",
    ),
    (
        "SELECT place FROM earthquakes WHERE place LIKE 'Alaska%' LIMIT 3",
        "earthquakes where place starts with 'Alaska' · rows with place · first 3",
    ),
    ("SELECT DISTINCT net FROM earthquakes", "earthquakes · distinct net"),
    (
        "SELECT net, count(*) FROM earthquakes GROUP BY net HAVING count(*) > 10",
        "earthquakes · count per net · only groups where count > 10",
    ),
    (
        "SELECT * FROM earthquakes WHERE mag BETWEEN 4 AND 5 AND type IN ('earthquake', 'explosion')",
        "earthquakes where mag between 4 and 5 and type is one of 'earthquake', 'explosion' · rows with all columns",
    ),
    (
        "SELECT count(DISTINCT net) FROM earthquakes WHERE alert IS NOT NULL",
        "earthquakes where alert is present · distinct count of net",
    ),
    (
        "SELECT net, type, count(*) AS n FROM earthquakes WHERE mag < 2 OR depth > 100 GROUP BY net, type",
        "earthquakes where (mag < 2 or depth > 100) · count (n) per net and type",
    ),
    ("SELECT avg(depth) * 1000 AS depth_m FROM earthquakes", "earthquakes · average depth * 1000 (depth_m)"),
    ("SELECT min(time), max(time) FROM earthquakes", "earthquakes · minimum time, maximum time"),
    (
        "SELECT place, mag FROM earthquakes ORDER BY mag ASC, place LIMIT 2",
        "earthquakes · rows with place, mag · sorted by mag, lowest first; then place, lowest first · first 2",
    ),
    ("SELECT year(time) AS y, avg(mag) FROM earthquakes GROUP BY y", "earthquakes · average mag per year of time"),
    (
        "SELECT date_trunc('day', time) AS d, sum(mag) FROM earthquakes WHERE NOT (type = 'earthquake') GROUP BY d",
        "earthquakes where not (type = 'earthquake') · total mag per day of time",
    ),
]


@pytest.mark.parametrize(("sql", "expected"), DESCRIBED)
def test_each_shape_is_described_in_words(db: SessionDatabase, sql: str, expected: str) -> None:
    assert describe_sql(sql, db.internal_query) == expected


def test_at_least_20_shapes_are_described() -> None:
    assert len(DESCRIBED) >= 20


def test_each_day_answered_per_month_is_visible_at_once(db: SessionDatabase) -> None:
    wrong_grain = "SELECT date_trunc('month', time) AS day, count(*) FROM earthquakes GROUP BY 1"
    assert "per month of time" in describe_sql(wrong_grain, db.internal_query)


@pytest.mark.parametrize(
    "sql",
    [
        "WITH d AS (SELECT 1) SELECT * FROM d",
        "SELECT 1 UNION SELECT 2",
        "SELECT place, row_number() OVER (ORDER BY mag) FROM earthquakes",
        "SUMMARIZE earthquakes",
        "SELECT * FROM (SELECT 1)",
        "PIVOT earthquakes ON net USING count(*)",
        "not sql at all",
        "SELECT 1; SELECT 2",
    ],
)
def test_shapes_it_cannot_describe_fall_back_to_the_sql(db: SessionDatabase, sql: str) -> None:
    assert describe_sql(sql, db.internal_query) is None
