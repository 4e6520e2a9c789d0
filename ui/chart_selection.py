"""The rows a chart selection picks: bars clicked (``pick``) or a time range dragged (``span``), as Streamlit
reports them for ``st.vega_lite_chart(on_select="rerun")``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from charts.marks import PICK, SELECTIONS, SPAN


def selection_names(spec: Mapping[str, Any] | None) -> list[str]:
    """The selections a chart offers that filter its table (zoom and pan do not)."""
    params = (spec or {}).get("params") or []
    return [p["name"] for p in params if isinstance(p, dict) and p.get("name") in SELECTIONS]


def _column(frame: pd.DataFrame, field: str) -> str | None:
    name = str(field).replace("\\", "")  # Vega-Lite field escapes (see chart_marks.field_name)
    return name if name in {str(c) for c in frame.columns} else None


def _picked(frame: pd.DataFrame, points: Any) -> pd.Series | None:
    """Rows equal to any clicked point on every field it names that is a column of the result."""
    if not isinstance(points, list) or not points:
        return None
    keep = pd.Series(False, index=frame.index)
    usable = False
    for point in points:
        if not isinstance(point, Mapping):
            continue
        fields = {_column(frame, k): v for k, v in point.items() if _column(frame, k)}
        if not fields:
            continue
        usable = True
        match = pd.Series(True, index=frame.index)
        for column, value in fields.items():
            match &= frame[column].astype(str) == str(value)
        keep |= match
    return keep if usable else None


def _spanned(frame: pd.DataFrame, ranges: Any) -> pd.Series | None:
    """Rows inside a dragged range; a time axis reports milliseconds since 1970."""
    if not isinstance(ranges, Mapping):
        return None
    keep = None
    for field, bounds in ranges.items():
        column = _column(frame, field)
        if column is None or not isinstance(bounds, list | tuple) or len(bounds) != 2:
            continue
        values = frame[column]
        low, high = sorted(bounds)
        if not pd.api.types.is_numeric_dtype(values):
            values = pd.to_datetime(values, errors="coerce", format="mixed")
            low, high = pd.to_datetime(low, unit="ms"), pd.to_datetime(high, unit="ms")
        inside = (values >= low) & (values <= high)
        keep = inside if keep is None else keep & inside
    return keep


def select_rows(frame: pd.DataFrame, selection: Mapping[str, Any] | None) -> pd.DataFrame | None:
    """The result's rows the chart selection picks, or None when nothing usable is selected."""
    if not selection:
        return None
    masks = [m for m in (_picked(frame, selection.get(PICK)), _spanned(frame, selection.get(SPAN))) if m is not None]
    if not masks:
        return None
    keep = masks[0]
    for mask in masks[1:]:
        keep &= mask
    return frame[keep.to_numpy()]
