"""Whether two query results hold the same answer: the same rows, whatever their order and column names."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, date, datetime
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
        if value.tzinfo is not None:  # a TIMESTAMPTZ: the same instant as the UTC time without a zone
            value = value.astimezone(UTC).replace(tzinfo=None)
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


def _decimals(values: list[Any]) -> int | None:
    """The decimals an answer rounded its floats to (``round(avg(x), 2)``), or None when it did not round."""
    floats = [v for v in values if isinstance(v, float)]
    if not floats:
        return None
    places = max(len(repr(v).split(".")[1]) if "." in repr(v) and "e" not in repr(v) else 9 for v in floats)
    return places if places <= 4 else None


def _same_column(answer: list[Any], expected: list[Any]) -> bool:
    """The same values, or the same once the reference is rounded as the answer rounded its own."""
    if sorted(answer, key=_sort_key) == sorted(expected, key=_sort_key):
        return True
    places = _decimals(answer)
    if places is None:
        return False
    rounded = [normalize_value(round(v, places)) if isinstance(v, int | float) else v for v in expected]
    return sorted(answer, key=_sort_key) == sorted(rounded, key=_sort_key)


def results_contain(answer: pd.DataFrame, expected: pd.DataFrame) -> bool:
    """``answer`` holds ``expected``: the same rows, with every expected column among its columns (extra columns,
    such as the place beside a map's coordinates, do not make an answer wrong). A column the answer rounded
    (``round(avg(mag), 2)`` for "the average magnitude") is compared with the reference rounded the same way."""
    if len(answer) != len(expected) or answer.shape[1] < expected.shape[1]:
        return False
    answer_columns, expected_columns = _columns(answer), _columns(expected)
    pairs: list[tuple[int, int]] = []
    for e, column in enumerate(expected_columns):
        used = {a for a, _ in pairs}
        match = next((a for a, c in enumerate(answer_columns) if a not in used and _same_column(c, column)), None)
        if match is None:
            return False
        pairs.append((match, e))
    rows = Counter(zip(*(answer_columns[a] for a, _ in pairs), strict=True))
    places = [_decimals(answer_columns[a]) for a, _ in pairs]
    reference = [
        [
            normalize_value(round(v, p)) if p is not None and isinstance(v, int | float) else v
            for v in expected_columns[e]
        ]
        for (_a, e), p in zip(pairs, places, strict=True)
    ]
    return rows == Counter(zip(*reference, strict=True))
