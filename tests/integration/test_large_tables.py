"""The earthquakes table backed by an owner's Parquet file (EARTHQUAKES_PARQUET), and capped big results."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analyst.schema import describe_tables
from sandbox.database import QueryError, SandboxLimits, SessionDatabase, bundled_earthquakes


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("owner")
    week = bundled_earthquakes()
    pq.write_table(pa.concat_tables([week] * 30), folder / "quakes.parquet")  # 51,210 rows
    pq.write_table(pa.table({"secret": ["do not read"]}), folder / "secret.parquet")
    return folder / "quakes.parquet"


def test_the_env_variable_names_the_file(big_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EARTHQUAKES_PARQUET", str(big_file))
    db = SessionDatabase()
    assert db.tables()[0].rows == 51_210
    assert db.external_source == big_file.resolve()


def test_only_that_one_file_is_readable(big_file: Path) -> None:
    db = SessionDatabase(earthquakes=big_file)
    assert db.run_query("SELECT count(*) AS n FROM earthquakes").frame["n"][0] == 51_210
    for sql in (
        f"SELECT * FROM read_parquet('{big_file.parent / 'secret.parquet'}')",
        "SELECT * FROM read_csv('/etc/passwd')",
        f"SELECT * FROM glob('{big_file.parent}/*')",
    ):
        with pytest.raises(QueryError, match="Refused"):
            db.run_query(sql)


def test_big_results_are_capped_and_sorted_correctly(big_file: Path) -> None:
    db = SessionDatabase(SandboxLimits(row_cap=1000), earthquakes=big_file)
    result = db.run_query("SELECT id, mag FROM earthquakes ORDER BY mag DESC, id")
    assert (len(result.frame), result.total_rows) == (1000, 51_210)
    assert result.frame["mag"].iloc[0] == 6.4
    assert result.frame["mag"].is_monotonic_decreasing
    described = db.run_query("DESCRIBE earthquakes")
    assert described.total_rows == 30


def test_the_description_is_shared_by_sessions_of_the_same_file(big_file: Path) -> None:
    first = describe_tables(SessionDatabase(earthquakes=big_file))
    assert "Table earthquakes (51,210 rows)" in first
    assert describe_tables(SessionDatabase(earthquakes=big_file)) == first


def test_replacing_the_view_with_loaded_data_works(big_file: Path) -> None:
    db = SessionDatabase(earthquakes=big_file)
    db.add_table("earthquakes", bundled_earthquakes(), replace=True)
    assert db.external_source is None
    assert db.tables()[0].rows == 1707
    assert "Table earthquakes (1,707 rows)" in describe_tables(db)
