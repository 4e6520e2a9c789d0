"""Routes around a text-based guard, tried against the parse-based one: each is refused for its own reason,
the owner's Parquet file cannot be written by any statement, and errors reach the person as messages."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from sandbox.database import QueryError, SandboxLimits, SessionDatabase
from sources.bundled import EARTHQUAKES_PARQUET

# (statement, what the refusal must say)
BYPASSES = [
    # EXPLAIN is judged by what it wraps; EXPLAIN ANALYZE runs it, so it is refused whole
    ("EXPLAIN ANALYZE COPY (SELECT 1) TO '/tmp/owned.parquet'", "EXPLAIN ANALYZE runs"),
    ("EXPLAIN /* SELECT */ ANALYZE COPY (SELECT 1) TO '/tmp/owned.parquet'", "EXPLAIN ANALYZE runs"),
    ("/* SELECT 1 */ EXPLAIN ANALYZE CREATE TABLE t AS SELECT 1", "EXPLAIN ANALYZE runs"),
    ("EXPLAIN\n-- just a select\nANALYZE\nCREATE TABLE t AS SELECT 1", "EXPLAIN ANALYZE runs"),
    ("EXPLAIN COPY (SELECT 1) TO '/tmp/x.csv'", "COPY reads or writes files"),
    ("EXPLAIN /* x */ CREATE TABLE t AS SELECT 1", "CREATE writes"),
    ("EXPLAIN SELECT * FROM read_csv('/etc/passwd')", "read_csv() is not allowed"),
    ("EXPLAIN (FORMAT json) SELECT 1", "EXPLAIN options"),
    ("EXPLAIN SELECT * FROM pg_settings", "pg_settings is not one of the loaded tables"),
    # built-in views and catalogs, in every position
    ("SELECT * FROM pg_settings", "pg_settings is not one of the loaded tables"),
    ("SELECT name, setting FROM pg_catalog.pg_settings", "pg_catalog.pg_settings names a schema or database"),
    ("SELECT * FROM information_schema.tables", "information_schema.tables names a schema or database"),
    ("SELECT * FROM duckdb_settings", "duckdb_settings is not one of the loaded tables"),
    ("SELECT * FROM earthquakes WHERE id IN (SELECT name FROM pg_settings)", "pg_settings is not"),
    ("SELECT (SELECT value FROM duckdb_settings() LIMIT 1)", "duckdb_settings() is not allowed"),
    ("SELECT * FROM earthquakes e JOIN pg_namespace n ON true", "pg_namespace is not"),
    ("WITH s AS (FROM duckdb_settings()) SELECT * FROM s", "duckdb_settings() is not allowed"),
    (
        "SELECT * FROM (WITH pg_settings AS (SELECT 1 AS x) SELECT * FROM pg_settings), pg_settings",
        "pg_settings is not one of the loaded tables",
    ),
    ("SELECT * FROM system.main.earthquakes", "system.main.earthquakes names a schema or database"),
    ("SELECT * FROM memory.main.earthquakes", "memory.main.earthquakes names a schema or database"),
    ("SELECT * FROM owner_data.earthquakes", "owner_data.earthquakes names a schema or database"),
    ("SELECT * FROM temp.main.duckdb_settings", "names a schema or database"),
    # PIVOT and UNPIVOT get no path around the checks
    (
        "PIVOT (SELECT name, value FROM duckdb_settings()) ON name IN ('home_directory') USING first(value)",
        "duckdb_settings() is not allowed",
    ),
    ("PIVOT pg_settings ON name IN ('home_directory') USING first(setting)", "pg_settings is not"),
    ("PIVOT (FROM query('SELECT 1 AS a')) ON a IN (1) USING count(*)", "query() is not allowed"),
    ("UNPIVOT (SELECT * FROM read_csv('/etc/passwd')) ON COLUMNS(*) INTO NAME k VALUE v", "read_csv() is not allowed"),
    ("PIVOT earthquakes ON net USING count(*)", "must list its values"),
    ("PIVOT (SELECT range AS v FROM range(90000)) ON v USING count(*)", "must list its values"),
    (
        "PIVOT earthquakes ON net IN ('ak') USING sum(length(current_setting('home_directory')))",
        "current_setting() reads files",
    ),
    # table functions: an allow-list
    ("SELECT * FROM query_table('earthquakes')", "query_table() is not allowed"),
    ("SELECT * FROM which_secret('s3://x', 's3')", "which_secret() is not allowed"),
    ("SELECT * FROM json_execute_serialized_sql('{}')", "is not allowed"),
    ("SELECT * FROM test_all_types()", "test_all_types() is not allowed"),
    ("SELECT * FROM duckdb_logs()", "duckdb_logs() is not allowed"),
    ("SELECT * FROM pragma_show('earthquakes')", "pragma_show() is not allowed"),
    ("SELECT * FROM read_csv(['/etc/hostname'])", "read_csv() is not allowed"),
    ("SELECT * FROM main.range(3)", "range() is not allowed"),
    # scalar functions that reveal the server
    ("SELECT current_setting('temp_directory')", "current_setting() reads files"),
    ("SELECT getenv('HOME')", "getenv() reads files"),
    ("SELECT duckdb_secrets_count()", "reads files"),
    ("SELECT current_query()", "current_query() reads files"),
    # inspections name loaded tables or wrap checked queries
    ("DESCRIBE pg_settings", "pg_settings is not one of the loaded tables"),
    ("SUMMARIZE duckdb_settings", "duckdb_settings is not one of the loaded tables"),
    ("SHOW pg_settings", "pg_settings is not one of the loaded tables"),
    ("DESCRIBE SELECT * FROM read_csv('/etc/passwd')", "read_csv() is not allowed"),
    ("SUMMARIZE SELECT * FROM pg_settings", "pg_settings is not"),
    ("SHOW DATABASES", "SHOW may only"),
    ("SHOW ALL TABLES; SELECT 1", "2 statements"),
    # statement types the Python API does not even name, and other odd ones
    ("UPDATE EXTENSIONS", "not allowed"),
    ("UPDATE EXTENSIONS (httpfs)", "not allowed"),
    ("FORCE INSTALL httpfs", "INSTALL/LOAD"),
    ("DETACH owner_data", "DETACH"),
    ("USE owner_data", "SET/RESET/USE"),
    ("COPY FROM DATABASE memory TO owner_data", "Refused"),
]


@pytest.fixture(scope="module")
def db() -> SessionDatabase:
    return SessionDatabase(SandboxLimits(time_limit_s=2.0))


@pytest.mark.parametrize(("sql", "reason"), BYPASSES, ids=[s[:60] for s, _ in BYPASSES])
def test_a_route_around_the_guard_is_refused_for_its_reason(db: SessionDatabase, sql: str, reason: str) -> None:
    with pytest.raises(QueryError) as refused:
        db.run_query(sql)
    unknown_table = "is not one of the loaded tables" in refused.value.message
    assert refused.value.kind == ("error" if unknown_table else "refused"), refused.value.message
    assert reason in refused.value.message


@pytest.mark.parametrize(
    "sql",
    [
        "-- a note first\nSELECT * FROM range(6000)",
        "SELECT * FROM range(6000) -- note",
        "/* lead */ SELECT * FROM range(6000) /* trail */",
        "SELECT * FROM range(6000);\n-- done",
        "\n\n  SELECT * FROM range(6000)  ;  ",
    ],
)
def test_comments_and_whitespace_change_neither_the_row_cap_nor_the_count(db: SessionDatabase, sql: str) -> None:
    result = db.run_query(sql)
    assert (len(result.frame), result.total_rows) == (5_000, 6_000)


@pytest.mark.parametrize(
    "sql",
    [
        "EXPLAIN SELECT count(*) FROM earthquakes",
        "DESCRIBE earthquakes",
        "DESCRIBE SELECT mag FROM earthquakes",
        "SUMMARIZE SELECT mag, depth FROM earthquakes",
        "SHOW TABLES",
        "SHOW ALL TABLES",
        "PIVOT earthquakes ON net IN ('ak', 'ci') USING count(*)",
        "UNPIVOT (SELECT id, mag, depth FROM earthquakes) ON mag, depth INTO NAME k VALUE v",
        "WITH e AS (SELECT * FROM earthquakes) SELECT count(*) FROM e",
        "SELECT * FROM generate_series(1, 3)",
        "SELECT * FROM unnest([1, 2])",
        'SELECT * FROM "earthquakes" LIMIT 1',
        "SELECT * FROM EarthQuakes LIMIT 1",
    ],
)
def test_read_only_queries_still_run(db: SessionDatabase, sql: str) -> None:
    assert db.run_query(sql).total_rows > 0


def test_a_pivot_with_many_values_is_stopped_by_the_one_time_limit(db: SessionDatabase) -> None:
    values = ", ".join(str(v) for v in range(9_000))
    sql = f"PIVOT (SELECT range % 9000 AS v, range AS w FROM range(2000000)) ON v IN ({values}) USING sum(w)"
    started = time.monotonic()
    with pytest.raises(QueryError) as stopped:
        db.run_query(sql)
    assert stopped.value.kind in ("timeout", "refused")
    assert time.monotonic() - started < 2.0 + 3


def test_a_timeout_is_the_sandbox_s_message(db: SessionDatabase) -> None:
    with pytest.raises(QueryError) as stopped:
        db.run_query("SELECT sum(a.range * b.range) FROM range(1000000) a, range(1000000) b")
    assert stopped.value.kind == "timeout"
    assert stopped.value.message.startswith("The query ran longer than 2 s and was stopped.")


# The owner's Parquet file, served to every session: no statement may write it ------------------------
WRITE_ROUTES = [
    "COPY (SELECT 1 AS id) TO '{path}' (FORMAT parquet)",
    "COPY earthquakes TO '{path}' (FORMAT parquet)",
    "EXPLAIN ANALYZE COPY (SELECT 1 AS id) TO '{path}' (FORMAT parquet)",
    "EXPLAIN /* SELECT */ ANALYZE COPY (SELECT 1 AS id) TO '{path}' (FORMAT parquet)",
    "COPY (SELECT 1 AS id) TO '{dir}' (FORMAT parquet, PARTITION_BY (id), OVERWRITE_OR_IGNORE)",
    "EXPORT DATABASE '{dir}'",
    "ATTACH '{path}' AS p",
    "ATTACH '{dir}/new.duckdb' AS n",
    "CREATE TABLE owner_data.hack AS SELECT 1",
    "INSERT INTO owner_data.earthquakes SELECT * FROM owner_data.earthquakes",
    "DELETE FROM owner_data.earthquakes",
    "DROP TABLE owner_data.earthquakes",
    "CREATE OR REPLACE VIEW earthquakes AS SELECT 1 AS id",
    "DETACH owner_data",
    "CHECKPOINT owner_data",
    "SET allowed_paths = ['{dir}']",
    "SET enable_external_access = true",
    "COPY owner_data.earthquakes TO '{path}'",
    "WITH x AS (DELETE FROM owner_data.earthquakes RETURNING *) SELECT * FROM x",
    "SELECT * FROM read_parquet('{path}')",
]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_no_statement_can_write_the_owner_s_parquet_file(tmp_path: Path) -> None:
    owner = tmp_path / "owner.parquet"
    owner.write_bytes(EARTHQUAKES_PARQUET.read_bytes())
    before = sha256(owner)
    session = SessionDatabase(earthquakes=owner)
    assert session.external_source == owner
    for route in WRITE_ROUTES:
        sql = route.format(path=owner, dir=tmp_path)
        with pytest.raises(QueryError):
            session.run_query(sql)
    assert sha256(owner) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["owner.parquet"]
    fresh = SessionDatabase(earthquakes=owner)
    assert fresh.run_query("SELECT count(*) AS n FROM earthquakes").frame["n"][0] == pq.read_metadata(owner).num_rows
    assert session.run_query("SELECT count(*) AS n FROM earthquakes").frame["n"][0] == 1707


def test_the_owner_s_copy_is_read_only_even_for_the_app_s_own_connection(tmp_path: Path) -> None:
    owner = tmp_path / "owner.parquet"
    owner.write_bytes(EARTHQUAKES_PARQUET.read_bytes())
    session = SessionDatabase(earthquakes=owner)
    with pytest.raises(duckdb.Error):
        session.internal_query("INSERT INTO owner_data.earthquakes SELECT * FROM owner_data.earthquakes LIMIT 1")
    with pytest.raises(duckdb.Error):
        session.internal_query(f"COPY (SELECT 1) TO '{owner}'")
    assert "earthquakes" in session.table_names() and "owner_data" not in session.table_names()
