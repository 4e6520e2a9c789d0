import datetime

import pandas as pd

from evaluation.results import results_contain, results_equal


def test_order_and_column_names_do_not_matter() -> None:
    left = pd.DataFrame({"type": ["a", "b"], "n": [1, 2]})
    right = pd.DataFrame({"count": [2, 1], "kind": ["b", "a"]})
    assert results_equal(left, right)


def test_floats_compare_tolerantly_and_ints_equal_whole_floats() -> None:
    assert results_equal(pd.DataFrame({"x": [1.23456789]}), pd.DataFrame({"y": [1.2345679]}))
    assert results_equal(pd.DataFrame({"x": [3]}), pd.DataFrame({"x": [3.0]}))
    assert not results_equal(pd.DataFrame({"x": [1.23]}), pd.DataFrame({"x": [1.24]}))


def test_different_rows_or_shapes_differ() -> None:
    base = pd.DataFrame({"a": ["x", "y"], "n": [1, 2]})
    assert not results_equal(base, pd.DataFrame({"a": ["x", "y"], "n": [2, 1]}))  # pairs differ
    assert not results_equal(base, base.head(1))
    assert not results_equal(base, base.assign(extra=1))


def test_duplicates_count() -> None:
    assert not results_equal(pd.DataFrame({"a": [1, 1, 2]}), pd.DataFrame({"a": [1, 2, 2]}))


def test_nulls_timestamps_and_dates() -> None:
    left = pd.DataFrame({"d": pd.to_datetime(["2018-02-01", "2018-02-02"]), "v": [None, 1.0]})
    right = pd.DataFrame({"v": [1, None], "d": [pd.Timestamp("2018-02-02").date(), pd.Timestamp("2018-02-01").date()]})
    assert results_equal(left, right)


def test_a_conversation_turn_may_add_columns_or_round_but_not_change_values() -> None:
    expected = pd.DataFrame({"type": ["ml", "md"], "avg": [1.53371, 2.0049]})
    assert results_contain(pd.DataFrame({"place": ["x", "y"], "type": ["md", "ml"], "avg": [2.0, 1.53]}), expected)
    assert not results_contain(pd.DataFrame({"type": ["md", "ml"], "avg": [2.01, 1.53]}), expected)  # not rounding
    assert not results_contain(pd.DataFrame({"type": ["md", "ml"], "avg": [1.53, 2.0]}), expected)  # swapped
    assert not results_contain(pd.DataFrame({"type": ["ml"], "avg": [1.53]}), expected)


def test_a_time_with_a_zone_is_the_same_instant_in_utc() -> None:
    zoned = pd.DataFrame({"day": pd.to_datetime(["2023-03-01 00:00"]).tz_localize("UTC"), "n": [3]})
    plain = pd.DataFrame({"day": [datetime.date(2023, 3, 1)], "n": [3]})
    assert results_equal(zoned, plain)


def test_a_configuration_that_did_not_run_is_not_run_and_the_other_has_nothing_to_differ_from() -> None:
    from analyst.answer import Answer, ErrorPart, TablePart
    from evaluation.side_by_side import Outcome, mark_equal_results, verdict

    table = TablePart(pd.DataFrame({"n": [1]}), 1, "SELECT 1 AS n")
    ran = Outcome("A", Answer("q", [table]), 1.0)
    idle = Outcome("B", Answer("q", [ErrorPart("Enter an API key")]), 0.0, ran=False)
    outcomes = [ran, idle]
    mark_equal_results(outcomes)
    assert verdict(idle, outcomes) == ("not run", "Not run: Enter an API key")
    assert verdict(ran, outcomes) == ("alone", "No other result to compare with")
    other = Outcome("C", Answer("q", [TablePart(pd.DataFrame({"n": [2]}), 1, "SELECT 2 AS n")]), 1.0)
    outcomes = [ran, idle, other]
    mark_equal_results(outcomes)
    assert verdict(ran, outcomes) == ("differs", "Result differs from C")
