"""Whether two query results hold the same answer: the same rows, whatever their order and column names."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date, datetime
from typing import Any

import pandas as pd

FLOAT_DIGITS = 6  # significant digits that must agree


def normalize_value(value: Any) -> Any:
    """A comparable form: floats to 6 significant digits, whole floats as ints, timestamps as ISO text."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()  # numpy scalars
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day).isoformat(sep=" ")
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        number = float(value)
        if number.is_integer():
            return int(number)
        return float(f"{number:.{FLOAT_DIGITS}g}")
    if hasattr(value, "as_tuple"):  # Decimal
        return normalize_value(float(value))
    return str(value)


def _columns(frame: pd.DataFrame) -> list[list[Any]]:
    return [[normalize_value(v) for v in frame.iloc[:, i].tolist()] for i in range(frame.shape[1])]


def _sort_key(value: Any) -> tuple[int, str]:
    return (0, "") if value is None else (1, repr(value))


def results_equal(left: pd.DataFrame, right: pd.DataFrame) -> bool:
    """Same multiset of rows after matching each column of ``left`` to a column of ``right`` with the same values."""
    if left.shape != right.shape:
        return False
    left_columns, right_columns = _columns(left), _columns(right)
    order: list[int] = []
    unused = list(range(len(right_columns)))
    for column in left_columns:
        signature = sorted(column, key=_sort_key)
        match = next((j for j in unused if sorted(right_columns[j], key=_sort_key) == signature), None)
        if match is None:
            return False
        order.append(match)
        unused.remove(match)
    left_rows = Counter(zip(*left_columns, strict=True)) if left_columns else Counter()
    right_rows = Counter(zip(*(right_columns[j] for j in order), strict=True)) if order else Counter()
    return left_rows == right_rows


def results_contain(answer: pd.DataFrame, expected: pd.DataFrame) -> bool:
    """``answer`` holds ``expected``: the same rows, with every expected column among its columns (extra columns,
    such as the place beside a map's coordinates, do not make an answer wrong)."""
    if len(answer) != len(expected) or answer.shape[1] < expected.shape[1]:
        return False
    answer_columns, expected_columns = _columns(answer), _columns(expected)
    chosen: list[int] = []
    for column in expected_columns:
        signature = sorted(column, key=_sort_key)
        match = next(
            (j for j, c in enumerate(answer_columns) if j not in chosen and sorted(c, key=_sort_key) == signature), None
        )
        if match is None:
            return False
        chosen.append(match)
    return results_equal(answer.iloc[:, chosen], expected)
