"""The Explore page's profile: mean, quartiles and a small histogram per numeric column."""

from __future__ import annotations

import pandas as pd

from analyst.profile import HISTOGRAM_BINS, profile_table
from sandbox.database import SessionDatabase


def test_numbers_get_mean_quartiles_and_a_histogram_and_text_gets_neither() -> None:
    db = SessionDatabase(load_bundled=False)
    db.add_table("t", pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 100.0], "label": ["a", "b", "c", "d", "e"]}))
    profile = profile_table(db, "t").set_index("column")
    assert profile.loc["x", "mean"] == "22" and profile.loc["x", "median"] == "3"
    assert profile.loc["x", "histogram"] == [4] + [0] * (HISTOGRAM_BINS - 2) + [1]
    assert profile.loc["label", "mean"] == "" and profile.loc["label", "histogram"] is None
    assert list(profile.columns[:5]) == ["type", "histogram", "min", "max", "mean"]


def test_a_column_of_one_value_or_only_nulls_still_profiles() -> None:
    db = SessionDatabase(load_bundled=False)
    db.add_table("t", pd.DataFrame({"same": [5, 5, 5], "empty": [None, None, None]}, dtype="float"))
    profile = profile_table(db, "t").set_index("column")
    assert profile.loc["same", "histogram"] == [3] + [0] * (HISTOGRAM_BINS - 1)
    assert profile.loc["empty", "histogram"] == [0] * HISTOGRAM_BINS
