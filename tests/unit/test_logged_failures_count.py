"""The benchmarks count the failures the app logs: a broken chart shows in the figures, not only in a log."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

import charts.choice as choice
from evaluation.logged_failures import logged_failures


def test_a_broken_chart_is_counted_and_other_loggers_are_not(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object) -> object:
        raise RuntimeError("a bug in a builder")

    monkeypatch.setattr(choice, "build_automatic", broken)
    with logged_failures() as failures:
        choice.build_chart(pd.DataFrame({"a": ["x", "y"], "n": [1, 2]}))
        logging.getLogger("somebody.else").error("not the app's")
    assert failures == ["No chart could be drawn for a result"]
