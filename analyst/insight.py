"""What the insight call sees of a result (a summary, at most a few rows), and a check of its numbers."""

from __future__ import annotations

import re

import pandas as pd

from sandbox.database import QueryResult

NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?")


def plain_number(value: float) -> str:
    """Four significant digits, never an exponent: small models copy "3.585e+04" into the insight as it is."""
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    if abs(value) >= 1000:
        return f"{value:.0f}"
    return f"{float(f'{value:.4g}'):f}".rstrip("0").rstrip(".") or "0"


def _format(value: object) -> str:
    if isinstance(value, float):
        return plain_number(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat(sep=" ", timespec="minutes")
    return str(value)


def column_summary(frame: pd.DataFrame, share_values: bool = True) -> str:
    lines = []
    for column in frame.columns:
        series = frame[column].dropna()
        if series.empty:
            lines.append(f"{column}: all null")
        elif pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            stats = f"min {_format(series.min())}, max {_format(series.max())}, mean {_format(float(series.mean()))}"
            lines.append(f"{column}: {stats}")
        elif pd.api.types.is_datetime64_any_dtype(series):
            lines.append(f"{column}: {_format(series.min())} to {_format(series.max())}")
        elif not share_values:
            lines.append(f"{column}: {series.nunique()} distinct values")
        else:
            top = series.astype(str).value_counts().head(3)
            common = ", ".join(f"{k} ({v})" for k, v in top.items())
            lines.append(f"{column}: {series.nunique()} distinct; most common {common}")
    return "\n".join(lines)


def build_result_summary(result: QueryResult, *, share_rows: bool, max_rows: int) -> str:
    """A compact text of the result: its size, column statistics when rows are many, some rows if allowed."""
    frame = result.frame
    if result.total_rows == 1 and share_rows:
        # "Result: 1 rows" next to a count of 1,707 reads to a small model as "there is 1 earthquake".
        values = "\n".join(f"{column} = {_format(value)}" for column, value in frame.iloc[0].items())
        return f"Result: a single row.\n{values}"
    header = f"Result: {result.total_rows:,} rows, columns {', '.join(map(str, frame.columns))}."
    parts = [header]
    if not share_rows or len(frame) > max_rows:
        parts.append("Column statistics:\n" + column_summary(frame, share_values=share_rows))
    if share_rows:
        shown = frame.head(max_rows)
        rows_note = f"First {len(shown)} rows" if len(frame) > max_rows else "Rows"
        parts.append(f"{rows_note} (CSV):\n" + shown.to_csv(index=False, float_format=plain_number).strip())
    else:
        parts.append("(The person chose not to share result rows.)")
    return "\n".join(parts)


def _numbers(text: str) -> set[float]:
    found = set()
    for match in NUMBER.findall(text):
        try:
            found.add(float(match.replace(",", "")))
        except ValueError:
            continue
    return found


def known_numbers(summary: str, result: QueryResult) -> set[float]:
    """Numbers the model saw or can fairly state: values, column totals and means, dates' parts."""
    known = {float(result.total_rows), float(len(result.frame.columns))}
    for token in re.split(r"[\s,;:()=]+", summary):
        known |= _numbers(token)
    frame = result.frame
    for column in frame.columns:
        series = frame[column].dropna()
        if pd.api.types.is_bool_dtype(series) or series.empty:
            continue
        if pd.api.types.is_numeric_dtype(series):
            known |= {float(v) for v in series.head(5000)}
            known |= {float(series.sum()), float(series.mean())}
        elif pd.api.types.is_datetime64_any_dtype(series):
            known |= {float(v) for v in (*series.dt.year, *series.dt.day, *series.dt.hour)}
    return known


def unsupported_numbers(insight: str, summary: str, result: QueryResult) -> list[str]:
    """Numbers in the insight that appear nowhere in what the model was shown (within rounding)."""
    known = known_numbers(summary, result)
    suspicious = []
    for match in NUMBER.findall(insight):
        value = float(match.replace(",", ""))
        if abs(value) < 10 and float(value).is_integer():
            continue  # small counts ("two", "3 sentences") are not worth a warning
        tolerance = max(abs(value) * 0.01, 0.051)
        if not any(abs(value - k) <= tolerance for k in known):
            suspicious.append(match)
    return suspicious
