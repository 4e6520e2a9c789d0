"""A corpus of hostile statements a model could send: each is refused or stopped, and nothing changes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sandbox.database import QueryError, SandboxLimits, SessionDatabase

ROOT = Path(__file__).resolve().parents[2]
TIME_LIMIT_S = 1.0
LONG_QUERY = "SELECT " + " + ".join(["1"] * 20_000)
DEEP_QUERY = "SELECT " + "(" * 3_000 + "1" + ")" * 3_000

HOSTILE = [
    # files and the network
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_csv_auto('/etc/hostname')",
    "SELECT * FROM read_text('/etc/hostname')",
    "SELECT * FROM read_blob('/etc/hostname')",
    "SELECT * FROM read_json_auto('/root/.bash_history')",
    "SELECT * FROM read_parquet('/tmp/*.parquet')",
    "SELECT * FROM '/etc/secret.csv'",
    "SELECT * FROM 'https://attacker.example/data.parquet'",
    "SELECT * FROM read_csv('http://127.0.0.1:1/x.csv')",
    "SELECT * FROM glob('/**')",
    "SELECT * FROM sniff_csv('/etc/passwd')",
    "SELECT * FROM parquet_metadata('data/earthquakes.parquet')",
    "PIVOT (SELECT * FROM read_csv('/etc/passwd')) ON column0 USING count(*)",
    "WITH f AS (SELECT * FROM read_text('/etc/hostname')) SELECT * FROM f",
    "SELECT (SELECT content FROM read_text('/etc/hostname'))",
    # writing files and databases
    "COPY earthquakes TO '/tmp/stolen.csv'",
    "COPY (SELECT 1) TO '/tmp/x.parquet' (FORMAT parquet)",
    "EXPORT DATABASE '/tmp/dump'",
    "ATTACH '/tmp/evil.duckdb' AS evil",
    "ATTACH 'md:' AS cloud",
    "DETACH memory",
    "USE memory",
    # extensions and settings
    "INSTALL httpfs",
    "LOAD httpfs",
    "INSTALL shellfs FROM community",
    "SET enable_external_access = true",
    "SET GLOBAL lock_configuration = false",
    "RESET ALL",
    "SET memory_limit = '64GB'",
    "SET max_execution_time = 0",
    "SET VARIABLE x = 1",
    "PRAGMA database_list",
    "PRAGMA enable_profiling = 'json'",
    "CALL pragma_version()",
    "SELECT * FROM duckdb_settings()",
    "SELECT * FROM duckdb_databases()",
    "SELECT * FROM duckdb_extensions()",
    "SELECT * FROM duckdb_secrets()",
    "SELECT current_setting('home_directory')",
    "SELECT current_setting('allowed_paths')",
    "SELECT getenv('HUGGINGFACE_API_KEY')",
    "SELECT getvariable('x')",
    "SELECT * FROM pragma_database_list()",
    "SELECT * FROM query('SELECT * FROM duckdb_settings()')",
    "SELECT * FROM query_table('earthquakes')",
    # writes, plain and hidden
    "CREATE TABLE stolen AS SELECT * FROM earthquakes",
    "CREATE OR REPLACE TABLE earthquakes AS SELECT 1 AS x",
    "CREATE MACRO evil(x) AS x",
    "CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')",
    "INSERT INTO earthquakes (id) VALUES ('fake')",
    "UPDATE earthquakes SET mag = 99",
    "DELETE FROM earthquakes",
    "DROP TABLE earthquakes",
    "ALTER TABLE earthquakes DROP COLUMN mag",
    "TRUNCATE earthquakes",
    "WITH gone AS (DELETE FROM earthquakes RETURNING *) SELECT count(*) FROM gone",
    "WITH u AS (UPDATE earthquakes SET mag = 0 RETURNING *) SELECT * FROM u",
    "SELECT * FROM (WITH i AS (INSERT INTO earthquakes (id) VALUES ('x') RETURNING *) SELECT * FROM i)",
    "EXPLAIN ANALYZE DELETE FROM earthquakes",
    "EXPLAIN ANALYZE CREATE TABLE t AS SELECT 1",
    "BEGIN TRANSACTION",
    "ROLLBACK",
    "CHECKPOINT",
    "VACUUM earthquakes",
    "PREPARE p AS DELETE FROM earthquakes",
    # two statements, however disguised
    "SELECT 1; DROP TABLE earthquakes",
    "SELECT 1 /* harmless */; DELETE FROM earthquakes",
    "SELECT 1 -- comment\n; DROP TABLE earthquakes",
    "SELECT 'a;b' AS s; DROP TABLE earthquakes;",
    "/*+ USE_INDEX */ DELETE FROM earthquakes",
    "SELECT /*+ parallel(8) */ 1; ATTACH '/tmp/h.db' AS h",
    # resource exhaustion
    "SELECT count(*) FROM range(100000000000) a, range(100000000000) b WHERE a.range + b.range = -1",
    "SELECT sum(a.range * b.range) FROM range(1000000) a, range(1000000) b",
    "SELECT count(*) FROM earthquakes a, earthquakes b, earthquakes c, earthquakes d",
    "SELECT repeat('x', 2000000000)",
    "SELECT max(length(repeat('x', 100000000) || range::VARCHAR)) FROM range(1000)",
    "SELECT repeat(place, 1000000000) FROM earthquakes",
    "SELECT lpad('x', 1000000000, 'y')",
    "SELECT list(range) FROM range(1000000000)",
    "SELECT string_agg(range::VARCHAR, ',') FROM range(300000000)",
    LONG_QUERY * 3,
    DEEP_QUERY,
]


def fingerprint(db: SessionDatabase) -> tuple:
    return (db.table_names(), db.internal_query("SELECT count(*), sum(mag), count(DISTINCT id) FROM earthquakes")[0])


def files() -> set[str]:
    targets = ["/tmp/stolen.csv", "/tmp/x.parquet", "/tmp/dump", "/tmp/evil.duckdb", "/tmp/h.db"]
    return {str(p) for p in ROOT.iterdir()} | {t for t in targets if Path(t).exists()}


def test_every_hostile_statement_is_refused_or_stopped(capsys: pytest.CaptureFixture[str]) -> None:
    assert len(HOSTILE) >= 60
    db = SessionDatabase(SandboxLimits(time_limit_s=TIME_LIMIT_S))
    before, before_files = fingerprint(db), files()
    refused_or_stopped, escaped = 0, []
    for sql in HOSTILE:
        started = time.monotonic()
        try:
            db.run_query(sql)
        except QueryError as error:
            assert error.message.strip(), sql
            assert "Traceback" not in error.message
            refused_or_stopped += 1
        else:
            escaped.append(sql)
        elapsed = time.monotonic() - started
        assert elapsed < TIME_LIMIT_S + 3, f"{sql[:60]} took {elapsed:.1f} s"
        assert fingerprint(db) == before, sql[:80]
    assert files() == before_files
    assert db.internal_query("SELECT current_setting('enable_external_access')")[0][0] is False
    with capsys.disabled():
        print(f"\n{len(HOSTILE)} hostile statements, {refused_or_stopped} refused or stopped, {len(escaped)} escaped")
    assert escaped == []
    assert db.run_query("SELECT count(*) AS n FROM earthquakes").frame["n"][0] == 1707
