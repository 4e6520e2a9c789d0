"""A chart or a description that fails by a bug is logged for the owner, and the visitor still gets an answer."""

from __future__ import annotations

import logging

import duckdb
import pandas as pd
import pytest

import analyst.sql_description as sql_description
import charts.choice as choice


def run(sql: str, params: list[object]) -> list[tuple[object, ...]]:
    return duckdb.connect().execute(sql, params).fetchall()


def test_a_chart_builder_bug_is_logged_and_the_answer_has_no_chart(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: object) -> object:
        raise RuntimeError("a bug in a builder")

    monkeypatch.setattr(choice, "build_automatic", broken)
    with caplog.at_level(logging.ERROR):
        chosen = choice.build_chart(pd.DataFrame({"a": ["x", "y"], "n": [1, 2]}))
    assert chosen.spec is None and "No chart could be drawn" in (chosen.note or "")
    assert any("No chart could be drawn" in r.message and r.exc_info for r in caplog.records)


def test_a_description_bug_is_logged_but_a_shape_it_does_not_cover_is_not(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: object) -> str:
        raise KeyError("children")

    with caplog.at_level(logging.ERROR):
        assert sql_description.describe_sql("SELECT 1 AS a UNION SELECT 2", run) is None  # not described: quiet
        assert not caplog.records
        monkeypatch.setattr(sql_description._Describer, "describe", broken)
        assert sql_description.describe_sql("SELECT 1 AS a", run) is None
    assert any("could not be described" in r.message and r.exc_info for r in caplog.records)
