"""Save as table on real DuckDB: a named view of an answer's SQL that questions, the prompt's description and
the Explore page see; names that clash or hide something are refused, and so is SQL the guard refuses."""

from __future__ import annotations

import os

import pyarrow as pa
import pytest

from analyst.schema import describe_tables
from sandbox.database import QueryError, SandboxLimits, SessionDatabase
from sandbox.saved_views import SaveError, save_as_view, saved_view_names, suggest_table_name

STRONG = "SELECT place, mag, time FROM earthquakes WHERE mag >= 4.5 ORDER BY mag DESC"


def test_a_saved_result_becomes_a_table_questions_can_read(db: SessionDatabase) -> None:
    saved = save_as_view(db, "Strong_Quakes", STRONG + ";")
    assert (saved.name, saved.rows, saved.columns, saved.replaced) == ("strong_quakes", 85, 3, False)
    assert saved.describe().startswith("Saved as table strong_quakes (85 rows, 3 columns): later questions")
    assert db.table_names() == ["earthquakes", "strong_quakes"]
    assert saved_view_names(db) == {"strong_quakes"}
    info = next(t for t in db.tables() if t.name == "strong_quakes")
    assert info.rows == 85 and [c for c, _ in info.columns] == ["place", "mag", "time"]
    result = db.run_query("SELECT count(*) AS n, min(mag) AS low FROM strong_quakes")  # through the guard
    assert result.frame["n"][0] == 85 and result.frame["low"][0] >= 4.5


def test_the_prompts_description_is_rebuilt_when_a_table_is_saved(db: SessionDatabase) -> None:
    before = describe_tables(db)
    assert "strong_quakes" not in before
    save_as_view(db, "strong_quakes", STRONG)
    after = describe_tables(db)
    assert "Table strong_quakes (85 rows):" in after and "mag DOUBLE 4.5..6.4" in after
    assert db.saved_views["strong_quakes"].description in after  # worked out once and kept with the view


def test_the_view_follows_the_data_it_reads(db: SessionDatabase) -> None:
    save_as_view(db, "strong_quakes", STRONG)
    db.add_table("earthquakes", pa.table({"place": ["a", "b"], "mag": [5.0, 1.0], "time": [1, 2]}), replace=True)
    assert db.run_query("SELECT count(*) AS n FROM strong_quakes").frame["n"][0] == 1


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Give the table a name."),
        ("big quakes!", "Use only letters, digits and underscores, starting with a letter"),
        ("2024_quakes", "Use only letters, digits and underscores, starting with a letter"),
        ('x"; DROP TABLE earthquakes; --', "Use only letters, digits and underscores"),
        ("é_quakes", "Use only letters, digits and underscores"),
        ("q" * 61, "The name is 61 characters long; use at most 60."),
        ("earthquakes", "earthquakes is a loaded table: pick another name (saving never replaces loaded data)."),
        ("select", "select is a name DuckDB uses itself: pick another name."),
        ("pg_settings", "pg_settings is a name DuckDB uses itself"),
        ("information_schema", "information_schema is a name DuckDB uses itself"),
        ("main", "main is a name DuckDB uses itself"),
    ],
)
def test_bad_names_are_refused_with_what_to_do(db: SessionDatabase, name: str, message: str) -> None:
    with pytest.raises(SaveError) as refused:
        save_as_view(db, name, STRONG)
    assert str(refused.value).startswith(message)
    assert db.table_names() == ["earthquakes"]


def test_spaces_and_dashes_in_a_name_become_underscores(db: SessionDatabase) -> None:
    assert save_as_view(db, " Daily counts-2018 ", STRONG).name == "daily_counts_2018"
    assert "daily_counts_2018" in db.table_names()


def test_a_clashing_name_needs_replace_and_replace_never_touches_loaded_data(db: SessionDatabase) -> None:
    save_as_view(db, "strong_quakes", STRONG)
    with pytest.raises(SaveError, match="A saved table named strong_quakes exists already: tick 'Replace'"):
        save_as_view(db, "strong_quakes", "SELECT 1 AS x")
    replaced = save_as_view(db, "strong_quakes", "SELECT place FROM earthquakes WHERE mag >= 5", replace=True)
    assert replaced.replaced and replaced.describe().startswith("Replaced table strong_quakes (")
    assert db.run_query("SELECT * FROM strong_quakes").columns == ["place"]
    db.add_table("stations", pa.table({"x": [1]}))
    with pytest.raises(SaveError, match="stations is a loaded table"):
        save_as_view(db, "stations", STRONG, replace=True)
    with pytest.raises(SaveError, match="earthquakes is a loaded table"):
        save_as_view(db, "earthquakes", STRONG, replace=True)
    assert db.run_query("SELECT count(*) AS n FROM earthquakes").frame["n"][0] == 1707


def test_a_saved_table_cannot_read_itself(db: SessionDatabase) -> None:
    save_as_view(db, "strong_quakes", STRONG)
    with pytest.raises(SaveError, match="this SQL reads strong_quakes itself"):
        save_as_view(db, "strong_quakes", "SELECT * FROM strong_quakes WHERE mag > 5", replace=True)


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT * FROM read_csv('/etc/passwd')", "Not saved: Refused: the table function read_csv() is not allowed"),
        ("SELECT * FROM 'data/earthquakes.parquet'", "Not saved: Table data/earthquakes.parquet is not one of"),
        ("SELECT getenv('HOME') AS home", "Not saved: Refused: getenv() reads files"),
        ("COPY earthquakes TO '/tmp/saved-view-stolen.csv'", "Not saved: Refused: COPY reads or writes files"),
        ("CREATE VIEW evil AS SELECT 1", "Not saved: Refused: CREATE writes to the database"),
        ("ATTACH '/tmp/saved-view.duckdb' AS other", "Not saved: Refused: ATTACH opens other databases"),
        ("SELECT 1; DROP TABLE earthquakes", "Not saved: Refused: the text holds 2 statements"),
        ("SELECT * FROM duckdb_settings()", "Not saved: Refused: the table function duckdb_settings()"),
        ("DESCRIBE earthquakes", "Not saved: Only a query (SELECT, WITH, FROM, VALUES) can be saved"),
        ("EXPLAIN SELECT 1", "Not saved: Only a query (SELECT, WITH, FROM, VALUES) can be saved"),
        ("SELECT * FROM stations", "Not saved: Table stations is not one of the loaded tables"),
    ],
)
def test_sql_the_guard_refuses_is_never_saved(db: SessionDatabase, sql: str, message: str) -> None:
    with pytest.raises(SaveError) as refused:
        save_as_view(db, "stolen", sql)
    assert str(refused.value).startswith(message)
    assert db.table_names() == ["earthquakes"]
    assert not os.path.exists("/tmp/saved-view-stolen.csv")


def test_the_database_itself_refuses_a_view_of_sql_the_guard_refuses(db: SessionDatabase) -> None:
    """Settings are readable despite the lockdown: only the guard keeps them out of a view."""
    with pytest.raises(QueryError, match=r"Refused: the table function duckdb_settings\(\) is not allowed"):
        db.add_view("leak", "SELECT name, value FROM duckdb_settings()")
    with pytest.raises(QueryError, match=r"Refused: current_setting\(\) reads files"):
        db.add_view("leak", "SELECT current_setting('memory_limit') AS m")
    with pytest.raises(QueryError, match="Only a query"):
        db.add_view("leak", "SUMMARIZE earthquakes")
    assert db.table_names() == ["earthquakes"]


def test_a_view_that_runs_too_long_is_not_kept() -> None:
    from sandbox.database import SandboxLimits

    db = SessionDatabase(SandboxLimits(time_limit_s=0.5))
    slow = "SELECT count(*) AS n FROM range(100000000) a, range(100000) b WHERE a.range * b.range = 7"
    with pytest.raises(SaveError, match="Not saved: The query ran longer than 0.5 s"):
        save_as_view(db, "slow", slow)
    assert db.table_names() == ["earthquakes"]


def test_saved_tables_built_on_a_removed_table_go_with_it(db: SessionDatabase) -> None:
    db.add_table("stations", pa.table({"region": ["Valais", "Valais", "Graubunden"]}))
    save_as_view(db, "by_region", "SELECT region, count(*) AS n FROM stations GROUP BY 1")
    save_as_view(db, "busiest", "SELECT * FROM by_region ORDER BY n DESC LIMIT 1")
    save_as_view(db, "strong_quakes", STRONG)
    assert sorted(db.drop_table("stations")) == ["busiest", "by_region"]
    assert db.table_names() == ["earthquakes", "strong_quakes"]
    assert [t.name for t in db.tables()] == ["earthquakes", "strong_quakes"]  # nothing broken left to list


def test_replacing_a_table_keeps_the_views_that_still_work_and_drops_the_rest(db: SessionDatabase) -> None:
    db.add_table("stations", pa.table({"region": ["Valais"], "height": [1608]}))
    save_as_view(db, "regions", "SELECT region FROM stations")
    save_as_view(db, "heights", "SELECT height FROM stations")
    db.add_table("stations", pa.table({"region": ["Ticino"]}), replace=True)
    assert db.table_names() == ["earthquakes", "regions", "stations"]
    assert db.run_query("SELECT * FROM regions").frame["region"].tolist() == ["Ticino"]


def test_a_suggested_name_comes_from_the_question_and_is_free(db: SessionDatabase) -> None:
    assert suggest_table_name(db, "Which magnitude types are most common?") == "magnitude_types_most_common"
    save_as_view(db, "magnitude_types_most_common", STRONG)
    assert suggest_table_name(db, "Which magnitude types are most common?") == "magnitude_types_most_common_2"
    assert suggest_table_name(db, "What is the?") == "saved_result"
    assert suggest_table_name(db, "2024 by month") == "t_2024_month"
    assert suggest_table_name(db, "select") == "select_2"
    long = suggest_table_name(db, "Show the strongest earthquakes in Alaska and California by month and depth")
    assert len(long) <= 40 and long.startswith("strongest_earthquakes_alaska")


def test_a_saved_table_too_slow_to_count_again_keeps_its_figures_and_nothing_waits_longer_than_the_limit() -> None:
    db = SessionDatabase(SandboxLimits(time_limit_s=0.5))
    db.add_table("t", pa.table({"a": [1, 2, 3]}))
    slow = "SELECT x.range AS x FROM range(1000000000) x, t WHERE x.range * t.a < 5 OR x.range = -t.a"
    db.add_view("slow", slow, rows=10)  # as "Save as table" keeps it: counted when it was saved (10 rows)
    assert [(i.name, i.rows) for i in db.tables()][-2:] == [("slow", 10), ("t", 3)]
    db.add_table("t", pa.table({"a": [1, 2, 3, 4]}), replace=True)  # its table changed: counted again, if in time
    assert [(i.name, i.rows) for i in db.tables()][-2:] == [("slow", 10), ("t", 4)]  # not in time: as before
    assert "Table slow" in describe_tables(db) and "x BIGINT" in describe_tables(db)
    db.add_view("never", "SELECT x.range AS x FROM range(1000000000) x WHERE x.range = -1", rows=0)
    with pytest.raises(QueryError, match="longer than 0.5 s"):
        db.preview("never")  # the app's own reads of a saved view are time-limited too
