"""Model-written SQL on a real DuckDB: refused, stopped or answered — and the data always intact."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

import pytest

from sandbox.database import QueryError, SandboxLimits, SessionDatabase

ROOT = Path(__file__).resolve().parents[2]

REFUSED = [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_csv_auto('/etc/hostname')",
    "SELECT * FROM read_text('/etc/hostname')",
    "SELECT * FROM read_blob('/etc/hostname')",
    "SELECT * FROM read_parquet('data/earthquakes.parquet')",
    "SELECT * FROM 'data/earthquakes.parquet'",
    "SELECT * FROM glob('/root/*')",
    "SELECT * FROM read_json('https://example.com/x.json')",
    "SELECT * FROM read_csv('http://127.0.0.1:1/secret.csv')",
    "COPY earthquakes TO '/tmp/stolen.csv'",
    "COPY (SELECT * FROM earthquakes) TO 'out.parquet' (FORMAT parquet)",
    "EXPORT DATABASE '/tmp/export_dir'",
    "ATTACH '/tmp/other.duckdb' AS other",
    "ATTACH ':memory:' AS scratch",
    "DETACH memory",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "RESET lock_configuration",
    "SET memory_limit = '100GB'",
    "PRAGMA enable_profiling",
    "CALL duckdb_secrets()",
    "CREATE TABLE stolen AS SELECT * FROM earthquakes",
    "CREATE VIEW v AS SELECT 1",
    "CREATE MACRO evil(x) AS x",
    "INSERT INTO earthquakes (id) VALUES ('fake')",
    "UPDATE earthquakes SET mag = 10",
    "DELETE FROM earthquakes",
    "DROP TABLE earthquakes",
    "ALTER TABLE earthquakes ADD COLUMN x INTEGER",
    "ALTER TABLE earthquakes RENAME TO quakes",
    "TRUNCATE earthquakes",
    "SELECT 1; DROP TABLE earthquakes",
    "SELECT count(*) FROM earthquakes; DELETE FROM earthquakes;",
    "WITH gone AS (DELETE FROM earthquakes RETURNING *) SELECT count(*) FROM gone",
    "SELECT * FROM (WITH u AS (UPDATE earthquakes SET mag = 0 RETURNING *) SELECT * FROM u)",
    "EXPLAIN ANALYZE DELETE FROM earthquakes",
    "BEGIN TRANSACTION",
    "VACUUM",
    "CHECKPOINT",
    "USE memory",
]


@pytest.fixture
def db() -> SessionDatabase:
    return SessionDatabase(SandboxLimits(time_limit_s=1.0, row_cap=100))


TARGETS = [Path(p) for p in ("/tmp/stolen.csv", "/tmp/export_dir", "/tmp/other.duckdb")]


def snapshot_files() -> set[str]:
    """The project folder's entries, and which of the statements' target paths exist."""
    return {str(p) for p in ROOT.iterdir()} | {f"exists:{p}" for p in TARGETS if p.exists()}


def earthquake_fingerprint(db: SessionDatabase) -> tuple:
    return db.internal_query("SELECT count(*), sum(mag), max(time), count(DISTINCT id) FROM earthquakes")[0]


def test_at_least_25_refusals_are_checked() -> None:
    assert len(REFUSED) >= 25


@pytest.mark.parametrize("sql", REFUSED)
def test_dangerous_statements_are_refused_and_change_nothing(db: SessionDatabase, sql: str) -> None:
    before_files = snapshot_files()
    before = earthquake_fingerprint(db)
    tables = db.table_names()
    with pytest.raises(QueryError) as caught:
        db.run_query(sql)
    assert caught.value.kind in ("refused", "error")
    message = caught.value.message
    assert "Refused" in message or "Error" in message or "is not one of the loaded tables" in message
    assert earthquake_fingerprint(db) == before
    assert db.table_names() == tables
    assert snapshot_files() == before_files
    assert db.internal_query("SELECT current_setting('enable_external_access')")[0][0] is False


def test_refusals_say_why(db: SessionDatabase) -> None:
    with pytest.raises(QueryError, match="COPY reads or writes files"):
        db.run_query("COPY earthquakes TO '/tmp/x.csv'")
    with pytest.raises(QueryError, match="the text holds 2 statements"):
        db.run_query("SELECT 1; SELECT 2")
    with pytest.raises(QueryError, match="hides a DELETE"):
        db.run_query("WITH g AS (DELETE FROM earthquakes RETURNING *) SELECT * FROM g")
    with pytest.raises(QueryError, match=r"table function read_csv\(\) is not allowed"):
        db.run_query("SELECT * FROM read_csv('/etc/passwd')")
    with pytest.raises(QueryError, match="/etc/secret.csv is not one of the loaded tables"):
        db.run_query("SELECT * FROM '/etc/secret.csv'")


def test_a_query_past_the_time_limit_is_stopped(db: SessionDatabase) -> None:
    started = time.monotonic()
    with pytest.raises(QueryError) as caught:
        db.run_query("SELECT sum(a.range * b.range) FROM range(100000000) a, range(1000000) b")
    assert caught.value.kind == "timeout"
    assert "longer than 1 s" in caught.value.message
    assert time.monotonic() - started < 5
    assert db.run_query("SELECT count(*) AS n FROM earthquakes").frame["n"][0] == 1707


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT count(*) FROM earthquakes",
        "WITH m AS (SELECT max(mag) AS top FROM earthquakes) SELECT * FROM m",
        "DESCRIBE earthquakes",
        "SUMMARIZE earthquakes",
        "SHOW TABLES",
        "EXPLAIN SELECT * FROM earthquakes",
        "PIVOT (SELECT \"magType\", type FROM earthquakes) ON type IN ('earthquake', 'explosion') USING count(*)",
        "UNPIVOT (SELECT id, mag, depth FROM earthquakes LIMIT 3) ON mag, depth INTO NAME k VALUE v",
        "FROM earthquakes SELECT mag LIMIT 3",
        "SELECT 'a;b' AS s",
    ],
)
def test_read_only_statement_types_run(db: SessionDatabase, sql: str) -> None:
    result = db.run_query(sql)
    assert result.total_rows >= 1


def test_rows_are_capped_and_the_total_is_reported(db: SessionDatabase) -> None:
    result = db.run_query("SELECT * FROM earthquakes")
    assert len(result.frame) == 100
    assert result.total_rows == 1707
    assert result.left_out == 1607


def test_each_session_has_its_own_tables() -> None:
    import pandas as pd

    first, second = SessionDatabase(), SessionDatabase()
    first.add_table("mine", pd.DataFrame({"a": [1, 2]}))
    assert "mine" in first.table_names()
    assert "mine" not in second.table_names()
    with pytest.raises(QueryError, match="mine"):
        second.run_query("SELECT * FROM mine")


def test_a_table_or_view_named_with_a_double_quote_is_created_read_replaced_and_dropped(db: SessionDatabase) -> None:
    """Names reach DuckDB quoted (``quote_name``), never spliced between quotes: ``we"ird`` is one name."""
    import pandas as pd

    db.add_table('we"ird', pd.DataFrame({"a": [1, 2, 3]}))
    assert 'we"ird' in db.table_names() and db.preview('we"ird')["a"].tolist() == [1, 2, 3]
    assert db.run_query('SELECT sum(a) AS s FROM "we""ird"').frame["s"].tolist() == [6]
    db.add_table('we"ird', pd.DataFrame({"a": [10]}), replace=True)
    assert db.export_table('we"ird').column("a").to_pylist() == [10]
    db.add_view('vi"ew', 'SELECT a * 2 AS b FROM "we""ird"')
    assert db.preview('vi"ew')["b"].tolist() == [20]
    db.drop_table('vi"ew')
    assert db.drop_table('we"ird') == []
    assert not {'we"ird', 'vi"ew'} & set(db.table_names()) and "earthquakes" in db.table_names()


def test_a_database_error_is_duckdbs_message(db: SessionDatabase) -> None:
    with pytest.raises(QueryError) as caught:
        db.run_query("SELECT magnitude FROM earthquakes")
    assert caught.value.message.startswith("Binder Error")
    assert '"mag"' in caught.value.message


def test_no_file_lands_in_the_working_directory() -> None:
    cwd_before = set(os.listdir(ROOT))
    db = SessionDatabase()
    for sql in ("COPY earthquakes TO 'leak.csv'", "EXPORT DATABASE 'leakdir'"):
        with pytest.raises(QueryError):
            db.run_query(sql)
    assert set(os.listdir(ROOT)) == cwd_before


def test_known_table_names_counts_and_descriptions_are_read_while_a_query_runs() -> None:
    """A page rerun read the session's tables under the lock a running query holds: it waited up to the time limit."""
    from analyst.schema import describe_tables

    db = SessionDatabase()
    before = (db.table_names(), db.tables(), describe_tables(db))  # known once per version of the tables
    slow = threading.Thread(target=_run_quietly, args=(db,), daemon=True)
    slow.start()
    deadline = time.monotonic() + 10
    while not db.running:
        assert time.monotonic() < deadline and slow.is_alive(), "the slow query did not start"
        time.sleep(0.01)
    assert (db.table_names(), db.tables(), describe_tables(db)) == before
    assert db.running  # read while the query still ran: nothing waited for it
    while slow.is_alive() and db.running:  # an interrupt just before DuckDB starts executing is lost: again
        db.interrupt()
        slow.join(0.05)
    slow.join(10)


def _run_quietly(db: SessionDatabase) -> None:
    with contextlib.suppress(QueryError):
        db.run_query("SELECT sum(a.range * b.range) AS s FROM range(200000) a, range(200000) b")
