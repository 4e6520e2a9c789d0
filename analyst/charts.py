"""Choosing and building the chart for a result, with Altair.

The model's suggestion is used when it fits the result's columns; otherwise an automatic chart:
time -> line, category + number -> bar, two numbers -> scatter, latitude/longitude -> map,
a single value -> a metric. A chart never loads anything from a URL: specs from the model lose
every ``url``/``href`` and get the result as inline data.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import altair as alt
import pandas as pd

from analyst.parsing import ChartHint
from sources.bundled import DATA_DIR

TOP_N_BARS = 25
MAX_COLOR_VALUES = 10
FORBIDDEN_KEYS = {"url", "href", "$schema", "usermeta", "image", "loader"}
# Date parts (what EXTRACT, year() or hour() return): numbers that name a time, never quantities.
TIME_PARTS = frozenset({"year", "quarter", "month", "week", "day", "hour", "minute"})
TIME_NAMES = TIME_PARTS | {"time", "date", "datetime", "timestamp", "period"}
MARK_ALIASES = {"scatter": "point", "circle": "point", "pie": "arc", "column": "bar", "histogram": "bar"}


@dataclass(frozen=True)
class ChartChoice:
    """The chart to draw: a Vega-Lite spec with inline data, or a metric, or nothing."""

    spec: dict[str, Any] | None
    kind: str  # line, bar, point, area, arc, map, metric, none
    source: str  # "model", "auto" or "none"
    note: str | None = None  # why the model's suggestion was not used


class ChartMismatch(ValueError):
    """A suggested chart that does not fit the result."""


@lru_cache(maxsize=1)
def land_layer() -> dict[str, Any]:
    """A Vega-Lite layer with the world's land outline (Natural Earth 110m, bundled), as inline data."""
    topology = json.loads((DATA_DIR / "world-110m.json").read_text())
    return {
        "data": {"values": topology, "format": {"type": "topojson", "feature": "land"}},
        "mark": {"type": "geoshape", "fill": "#e8edf2", "stroke": "#b8c4d0", "strokeWidth": 0.5},
    }


# Column names as Vega-Lite fields ------------------------------------------------------------------
def field_name(column: str) -> str:
    """Vega-Lite reads ``.``, brackets and quotes in a field as an access path: escape them (and the escape)."""
    return re.sub(r"([\\.\[\]'\"])", r"\\\1", str(column))


def channel(kind: type, column: str, type_: str, **options: Any) -> Any:
    """An encoding channel for a column of any name: ``field=`` is never read as Altair shorthand
    (``max(mag)``, ``a:b``), and the axis/legend title is the column's own name."""
    options.setdefault("title", str(column))
    return kind(field=field_name(column), type=type_, **options)


def tooltips(frame: pd.DataFrame, columns: list[str]) -> list[alt.Tooltip]:
    return [channel(alt.Tooltip, c, _encoding_type(frame, c)) for c in dict.fromkeys(columns)]


# Column roles -----------------------------------------------------------------------------------
def is_numeric(frame: pd.DataFrame, column: str) -> bool:
    return pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(frame[column])


def is_temporal(frame: pd.DataFrame, column: str) -> bool:
    series = frame[column]
    if pd.api.types.is_datetime64_any_dtype(series):
        return True
    named_like_time = column.lower() in TIME_NAMES or column.lower().endswith(("_date", "_time", "_month", "_day"))
    if named_like_time and (pd.api.types.is_string_dtype(series) or series.dtype == object):
        sample = series.dropna().astype(str).head(20)
        return bool(len(sample)) and bool(pd.to_datetime(sample, errors="coerce", format="mixed").notna().all())
    return False


def time_unit(series: pd.Series) -> str | None:
    """Whole days or months get day/month ticks instead of '12 PM' between them."""
    values = pd.to_datetime(series.dropna(), errors="coerce", format="mixed")
    if values.empty or values.isna().any() or (values.dt.normalize() != values).any():
        return None
    return "yearmonth" if (values.dt.day == 1).all() and values.nunique() > 1 else "yearmonthdate"


def _find(frame: pd.DataFrame, name: str | None) -> str | None:
    if not name:
        return None
    lookup = {str(c).lower(): str(c) for c in frame.columns}
    return lookup.get(str(name).strip().strip('"').lower())


def _lat_lon(frame: pd.DataFrame) -> tuple[str, str] | None:
    lat = next((c for c in frame.columns if str(c).lower() in ("latitude", "lat")), None)
    lon = next((c for c in frame.columns if str(c).lower() in ("longitude", "lon", "lng", "long")), None)
    if lat and lon and is_numeric(frame, lat) and is_numeric(frame, lon):
        return str(lat), str(lon)
    return None


def _encoding_type(frame: pd.DataFrame, column: str) -> str:
    if is_temporal(frame, column):
        return "temporal"
    if is_numeric(frame, column):
        return "quantitative"
    return "nominal"


# Builders -------------------------------------------------------------------------------------
def top_bars(chart: alt.Chart, y: str, rows: int) -> alt.Chart:
    """At most ``TOP_N_BARS`` bars, the largest by ``y``. In the spec, not in pandas: the chart's data stays
    the whole result, so exports can rebuild it."""
    if rows <= TOP_N_BARS:
        return chart
    ranked = chart.transform_window(bar_rank="row_number()", sort=[alt.SortField(field_name(y), order="descending")])
    return ranked.transform_filter(alt.datum.bar_rank <= TOP_N_BARS)


def _chart_spec(chart: alt.TopLevelMixin | dict[str, Any], *, validate: bool) -> dict[str, Any]:
    if isinstance(chart, dict):
        return chart
    return chart.properties(width="container").to_dict(validate=validate)


def build_map(frame: pd.DataFrame, lat: str, lon: str, size: str | None = None) -> dict[str, Any]:
    """Points sized and coloured by magnitude over the world's land (the land layer is added as a dict:
    pushing 120 kB of topology through Altair costs half a second)."""
    size = size or _find(frame, "mag")
    shown = [c for c in (_find(frame, "place"), _find(frame, "time"), size, _find(frame, "depth")) if c]
    points = (
        alt.Chart(frame)
        .mark_circle(opacity=0.6, stroke="#444", strokeWidth=0.3)
        .encode(
            longitude=channel(alt.Longitude, lon, "quantitative"),
            latitude=channel(alt.Latitude, lat, "quantitative"),
            tooltip=tooltips(frame, shown or [lat, lon]),
        )
    )
    if size and is_numeric(frame, size):
        points = points.encode(
            size=channel(alt.Size, size, "quantitative", scale=alt.Scale(range=[8, 300], zero=False)),
            color=channel(alt.Color, size, "quantitative", scale=alt.Scale(scheme="orangered", zero=False)),
        )
    spec = points.properties(width="container", height=420).to_dict(validate=False)
    point_layer = {key: spec.pop(key) for key in ("mark", "encoding")}
    spec["layer"] = [land_layer(), point_layer]
    spec["projection"] = {"type": "equalEarth"}
    return spec


def build_from_hint(frame: pd.DataFrame, hint: ChartHint) -> tuple[alt.TopLevelMixin | dict[str, Any] | None, str]:
    """An Altair chart for the model's short suggestion, or ``ChartMismatch``."""
    mark = MARK_ALIASES.get(hint.mark.lower(), hint.mark.lower())
    if mark == "none":
        return None, "none"
    if mark == "map":
        lat_lon = _lat_lon(frame)
        if not lat_lon:
            raise ChartMismatch("a map needs latitude and longitude columns")
        return build_map(frame, *lat_lon), "map"
    x, y, color = _find(frame, hint.x), _find(frame, hint.y), _find(frame, hint.color)
    for wanted, found in ((hint.x, x), (hint.y, y), (hint.color, color)):
        if wanted and not found:
            raise ChartMismatch(f"the result has no column {wanted!r}")
    if not x or not y:
        raise ChartMismatch("the suggestion names no x and y columns")
    if mark not in ("bar", "line", "point", "area", "arc", "tick", "rect"):
        raise ChartMismatch(f"unknown mark {hint.mark!r}")
    if mark in ("bar", "line", "area", "arc") and not is_numeric(frame, y) and not is_numeric(frame, x):
        raise ChartMismatch(f"a {mark} chart needs a numeric column")
    if mark == "arc":
        chart = (
            alt.Chart(frame)
            .mark_arc()
            .encode(theta=channel(alt.Theta, y, "quantitative"), color=channel(alt.Color, x, "nominal"))
        )
        return chart, "arc"
    x_type = _encoding_type(frame, x)
    unit = time_unit(frame[x]) if x_type == "temporal" else None
    # Bars of categories keep the query's order (its ORDER BY ranks them); Vega-Lite would sort them by name.
    categories = mark == "bar" and x_type == "nominal" and is_numeric(frame, y)
    encodings: dict[str, Any] = {
        "x": channel(alt.X, x, x_type, timeUnit=unit)
        if unit
        else channel(alt.X, x, x_type, sort=None if categories else "ascending"),
        "y": channel(alt.Y, y, _encoding_type(frame, y)),
        "tooltip": tooltips(frame, [c for c in (x, y, color) if c]),
    }
    if color:
        encodings["color"] = channel(alt.Color, color, _encoding_type(frame, color))
    base = top_bars(alt.Chart(frame), y, len(frame)) if categories else alt.Chart(frame)
    return getattr(base, f"mark_{mark}")().encode(**encodings), mark


def build_automatic(frame: pd.DataFrame) -> tuple[alt.TopLevelMixin | dict[str, Any] | None, str]:
    """The chart that fits the result's shape, or ``(None, "metric"/"none")``."""
    rows, columns = len(frame), [str(c) for c in frame.columns]
    if rows == 0 or not columns:
        return None, "none"
    numeric = [c for c in columns if is_numeric(frame, c)]
    if rows == 1:
        return None, "metric" if numeric else "none"
    lat_lon = _lat_lon(frame)
    if lat_lon:
        return build_map(frame, *lat_lon), "map"
    temporal = [c for c in columns if is_temporal(frame, c)]
    values = [c for c in numeric if c not in temporal and c.lower() not in TIME_PARTS]
    categories = [c for c in columns if c not in numeric and c not in temporal]
    color = next((c for c in categories if frame[c].nunique() <= MAX_COLOR_VALUES), None)
    if temporal and values:
        x, y = temporal[0], values[0]
        chart = (
            alt.Chart(frame)
            .mark_line(point=rows <= 60)
            .encode(
                x=channel(alt.X, x, "temporal"), y=channel(alt.Y, y, "quantitative"), tooltip=tooltips(frame, [x, y])
            )
        )
        return (chart.encode(color=channel(alt.Color, color, "nominal")) if color else chart), "line"
    ordinal = [c for c in numeric if c.lower() in TIME_PARTS]
    if (categories or ordinal) and values:
        x, y = (categories or ordinal)[0], values[0]
        sort = "ascending" if x in ordinal else "-y"
        chart = alt.Chart(frame) if x in ordinal else top_bars(alt.Chart(frame), y, rows)
        chart = chart.mark_bar().encode(
            x=channel(alt.X, x, "ordinal" if x in ordinal else "nominal", sort=sort),
            y=channel(alt.Y, y, "quantitative"),
            tooltip=tooltips(frame, [x, y]),
        )
        return chart, "bar"
    if len(values) >= 2:
        x, y = values[0], values[1]
        chart = (
            alt.Chart(frame)
            .mark_point()
            .encode(
                x=channel(alt.X, x, "quantitative"),
                y=channel(alt.Y, y, "quantitative"),
                tooltip=tooltips(frame, [x, y]),
            )
        )
        return chart, "point"
    return None, "none"


# Model-written Vega-Lite ----------------------------------------------------------------------------
def strip_urls(spec: Any) -> Any:
    """A copy of ``spec`` without anything that could load from the network."""
    if isinstance(spec, dict):
        if spec.get("mark") == "image" or (isinstance(spec.get("mark"), dict) and spec["mark"].get("type") == "image"):
            raise ChartMismatch("image marks load pictures from URLs")
        return {k: strip_urls(v) for k, v in spec.items() if k not in FORBIDDEN_KEYS}
    if isinstance(spec, list):
        return [strip_urls(v) for v in spec]
    return spec


def _fields(spec: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "field" and isinstance(value, str):
                found.add(value)
            else:
                found |= _fields(value)
    elif isinstance(spec, list):
        for value in spec:
            found |= _fields(value)
    return found


def build_from_vega_lite(frame: pd.DataFrame, spec: dict[str, Any]) -> dict[str, Any]:
    cleaned = strip_urls(spec)
    cleaned.pop("data", None)
    cleaned.pop("datasets", None)
    missing = _fields(cleaned) - {str(c) for c in frame.columns}
    if missing:
        raise ChartMismatch(f"the spec uses columns the result lacks: {', '.join(sorted(missing))}")
    chart = alt.Chart.from_dict({**cleaned, "data": {"values": []}}, validate=True)
    return _chart_spec(chart.properties(data=frame), validate=True)


def build_chart(frame: pd.DataFrame, hint: ChartHint | dict[str, Any] | None = None) -> ChartChoice:
    """The model's chart when it fits, else the automatic one; explains a rejected suggestion."""
    note = None
    if hint is not None and len(frame):
        try:
            if isinstance(hint, dict):
                return ChartChoice(build_from_vega_lite(frame, hint), "vega-lite", "model")
            chart, kind = build_from_hint(frame, hint)
            if chart is None:
                return ChartChoice(None, "none", "model")
            return ChartChoice(_chart_spec(chart, validate=True), kind, "model")
        except Exception as error:  # ChartMismatch, or Altair/jsonschema rejecting the spec
            reason = str(error).split("\n")[0][:200]
            note = f"The model's chart suggestion did not fit the result ({reason}); showing an automatic chart."
    try:
        chart, kind = build_automatic(frame)
        spec = None if chart is None else _chart_spec(chart, validate=False)
    except Exception as error:  # a result's shape must never break an answer: no chart, and why
        return ChartChoice(None, "none", "none", f"No chart could be drawn for this result ({type(error).__name__}).")
    if spec is None:
        return ChartChoice(None, kind, "none", note)
    return ChartChoice(spec, kind, "auto", note)
