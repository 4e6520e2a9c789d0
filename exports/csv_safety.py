"""CSV that a spreadsheet opens as data: no cell from the model or the data becomes a formula.

OWASP's CSV injection advice: a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is prefixed with a single quote, which spreadsheets show as text. Numbers are left alone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def build_csv(frame: pd.DataFrame) -> bytes:
    """``frame`` as UTF-8 CSV with every text cell (and column name) that could start a formula neutralized."""
    safe = frame.copy()
    safe.columns = [neutralize_cell(str(c)) for c in frame.columns]
    for column in safe.columns[[not pd.api.types.is_numeric_dtype(t) for t in safe.dtypes]]:
        safe[column] = safe[column].map(neutralize_cell)
    return safe.to_csv(index=False).encode()


def build_csv_rows(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Rows of plain values as CSV text, neutralized the same way."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralize_cell(h) for h in header])
    writer.writerows([neutralize_cell(v) for v in row] for row in rows)
    return buffer.getvalue()
