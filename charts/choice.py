"""Choosing the chart for a result: one documented rule table (``CHART_RULES``), shared by the chat and the
Explore page, and the model's suggestion when it fits the result (improved by the same rules).

A chart never loads anything from a URL: every chart is built by the app's own builders from the result (inline
data); of a model's suggestion, even a whole Vega-Lite spec, only the mark and column names are used; the map's
land outline is bundled.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import altair as alt
import pandas as pd

from charts.hint import ChartHint
from charts.marks import (
    MAX_COLOR_VALUES,
    category_bars,
    channel,
    histogram,
    map_chart,
    part_bars,
    partial_periods,
    pie,
    scatter,
    spread_by_category,
    time_by_part,
    time_chart,
    tooltips,
    two_category_chart,
)
from charts.roles import TIME_PARTS, Roles, column_roles, is_numeric, is_temporal, measures_by_lead, with_numbers

logger = logging.getLogger(__name__)

__all__ = ["CHART_RULES", "TIME_PARTS", "ChartChoice", "build_chart"]

# Result shape -> chart. The table in docs/charts.md is this one.
CHART_RULES: tuple[tuple[str, str], ...] = (
    ("no rows or no columns", "no chart"),
    ("one row with a number", "the value, large (a metric)"),
    ("latitude + longitude", "map: points over the land, sized and coloured by the lead measure; zoom and pan"),
    ("a time + a date part + a number (per day and hour)", "heatmap: periods down, the date part across"),
    (
        "a time + a number, 4 or more periods",
        "line at the data's grain (hour, day, week, month, year) with ticks and tooltips at that grain; "
        "a category of up to 10 values as colour; a count's partial first or last period named; drag a time range "
        "to filter the table",
    ),
    ("a time + a number, 1 to 3 periods", "bars, one per period"),
    ("a date part (EXTRACT: hour, month, year …) + a number", "bars in time order, labelled as plain numbers"),
    ("a category + a number, many rows per category", "box plots: how the number spreads in each category"),
    (
        "a category + a number, one row per category",
        "bars sorted by value, horizontal (a row per bar, every label drawn, long ones cut with the whole in the "
        "tooltip) when labels are long or many; the top 20 with the rest summed "
        "as “Other” (counts, totals) or left out (averages); click bars to filter the table",
    ),
    ("two categories + a number", "stacked bars coloured by the second (up to 10 values), else a heatmap"),
    ("two numbers (+ a third, + a category)", "scatter; the third number as size, the category as colour; zoom"),
    ("one number column", "histogram"),
    ("anything else", "no chart: the table says it"),
)
MARK_ALIASES = {"scatter": "point", "circle": "point", "pie": "arc", "column": "bar", "histogram": "bar"}
TITLE_LIMIT = 90
HINT_NOT_USED = "The model's chart suggestion did not fit the result"


@dataclass(frozen=True)
class ChartChoice:
    """The chart to draw: a Vega-Lite spec with inline data, or a metric, or nothing."""

    spec: dict[str, Any] | None
    kind: str  # line, bar, point, area, arc, map, heatmap, histogram, metric, none
    source: str  # "model", "auto" or "none"
    note: str | None = None  # why the model's suggestion was not used


class ChartMismatch(ValueError):
    """A suggested chart that does not fit the result."""


Built = tuple[alt.TopLevelMixin | dict[str, Any] | None, str, str | None]  # chart, kind, subtitle
Span = tuple[Any, Any] | None  # the first and last time of the data a result was computed from


def _find(frame: pd.DataFrame, name: str | None) -> str | None:
    if not name:
        return None
    lookup = {str(c).lower(): str(c) for c in frame.columns}
    return lookup.get(str(name).strip().strip('"').lower())


def _size_column(frame: pd.DataFrame, roles: Roles) -> str | None:
    """What sizes a map's points: the result's lead measure (``measures_by_lead``), never a coordinate."""
    numbers = [c for c in roles.values if c not in (roles.coordinates or ())]
    return next(iter(measures_by_lead(frame, numbers)), None)


def build_automatic(frame: pd.DataFrame, span: Span = None) -> Built:
    """The chart ``CHART_RULES`` give for the result's shape, or ``(None, "metric"/"none", None)``. ``span``: when
    the data the result was computed from begins and ends (a partial first or last period is named)."""
    rows, columns = len(frame), [str(c) for c in frame.columns]
    if rows == 0 or not columns:
        return None, "none", None
    roles = column_roles(frame)
    if rows == 1:
        return None, "metric" if roles.values or roles.time_parts else "none", None
    if roles.coordinates:
        lat, lon = roles.coordinates
        return map_chart(frame, lat, lon, _size_column(frame, roles)), "map", None
    values, categories = roles.values, roles.categories
    color = next((c for c in categories if frame[c].nunique() <= MAX_COLOR_VALUES), None)
    if roles.times and roles.time_parts and values:
        return time_by_part(frame, roles.times[0], roles.time_parts[0], values[0]), "heatmap", None
    if roles.times and values:
        chart, kind = time_chart(frame, roles.times[0], values[0], color)
        return chart, kind, partial_periods(frame, roles.times[0], values[0], span)
    if roles.time_parts and values:
        return part_bars(frame, roles.time_parts[0], values[0], color), "bar", None
    if len(categories) >= 2 and values:
        chart, kind = two_category_chart(frame, categories[0], categories[1], values[0])
        return chart, kind, None
    if categories and values and frame[categories[0]].is_unique:  # one row per category: its value
        chart, subtitle = category_bars(frame, categories[0], values[0])
        return chart, "bar", subtitle
    if categories and len(values) == 1:  # many rows per category: how the values spread in each
        return spread_by_category(frame, categories[0], values[0]), "boxplot", None
    if len(values) >= 2:
        size = values[2] if len(values) > 2 else None
        return scatter(frame, values[0], values[1], size, color), "point", None
    if len(values) == 1 and len(columns) == 1:
        return histogram(frame, values[0]), "histogram", None
    return None, "none", None


def build_from_hint(frame: pd.DataFrame, hint: ChartHint, span: Span = None) -> Built:
    """The model's short suggestion (mark, x, y, colour) when its columns exist and their types fit, drawn
    by the same builders as the automatic chart (grain, sort, titles); else ``ChartMismatch``."""
    mark = MARK_ALIASES.get(hint.mark.lower(), hint.mark.lower())
    if mark == "none":
        return None, "none", None
    roles = column_roles(frame)
    if mark == "map":
        if not roles.coordinates:
            raise ChartMismatch("a map needs latitude and longitude columns")
        lat, lon = roles.coordinates
        return map_chart(frame, lat, lon, _size_column(frame, roles)), "map", None
    x, y, color = _find(frame, hint.x), _find(frame, hint.y), _find(frame, hint.color)
    for wanted, found in ((hint.x, x), (hint.y, y), (hint.color, color)):
        if wanted and not found:
            raise ChartMismatch(f"the result has no column {wanted!r}")
    if not x or not y:
        raise ChartMismatch("the suggestion names no x and y columns")
    if mark not in ("bar", "line", "point", "area", "arc", "tick", "rect"):
        raise ChartMismatch(f"unknown mark {hint.mark!r}")
    if not is_numeric(frame, y) and not (mark == "point" and is_numeric(frame, x)):
        raise ChartMismatch(f"a {mark} chart needs a number for y ({y!r} is not one)")
    if mark == "arc":
        return pie(frame, x, y), "arc", None
    if x in roles.times and mark in ("line", "bar", "area", "point"):
        if roles.time_parts and not color:  # "per day and hour": the line would zigzag through the hours
            return time_by_part(frame, x, roles.time_parts[0], y), "heatmap", None
        chart, kind = time_chart(frame, x, y, color)
        return chart, kind, partial_periods(frame, x, y, span)
    if x in roles.time_parts and mark == "bar":
        return part_bars(frame, x, y, color), "bar", None
    if x in roles.categories and mark == "bar":
        if color and color in roles.categories:
            chart, kind = two_category_chart(frame, x, color, y)
            return chart, kind, None
        chart, subtitle = category_bars(frame, x, y)
        return chart, "bar", subtitle
    if mark == "point" and is_numeric(frame, x):
        return scatter(frame, x, y, None, color), "point", None
    return _plain(frame, mark, x, y, color), mark, None


def _plain(frame: pd.DataFrame, mark: str, x: str, y: str, color: str | None) -> alt.Chart:
    """Any other suggested combination, with titles in words and a tooltip."""
    x_type = "temporal" if is_temporal(frame, x) else "quantitative" if is_numeric(frame, x) else "nominal"
    encodings: dict[str, Any] = {
        "x": channel(alt.X, x, x_type, sort=None if x_type == "nominal" else "ascending"),
        "y": channel(alt.Y, y, "quantitative"),
        "tooltip": tooltips(frame, [x, color, y]),
    }
    if color:
        encodings["color"] = channel(alt.Color, color, "quantitative" if is_numeric(frame, color) else "nominal")
    return getattr(alt.Chart(frame), f"mark_{mark}")().encode(**encodings)


# Model-written Vega-Lite ----------------------------------------------------------------------------
# An allow-list by construction: of a model's Vega-Lite spec only the mark and the columns it puts on x, y and
# colour (theta and colour for a pie) are read, into a ChartHint that the app's own builders draw, with the app's
# titles and tooltips. Nothing else the model wrote reaches the page: no data URL, href/url/image channel,
# tooltip setting (``content: "data"`` shows a column named ``image`` as a picture), usermeta, config, params,
# transform or expression is ever copied.
VEGA_LITE_MARKS = frozenset({"bar", "line", "point", "circle", "area", "arc", "tick", "rect"})


def _channel(encoding: dict[str, Any], name: str) -> dict[str, Any]:
    definition = encoding.get(name)
    return definition if isinstance(definition, dict) else {}


def _column(encoding: dict[str, Any], name: str) -> str | None:
    """The column a channel shows; refused when the channel computes something from it (the SQL does that)."""
    definition = _channel(encoding, name)
    if definition.get("aggregate") or definition.get("bin"):
        raise ChartMismatch("the app draws the result's columns as they are (aggregate and bin in the SQL)")
    field = definition.get("field")
    return field if isinstance(field, str) else None


def hint_from_vega_lite(spec: dict[str, Any]) -> ChartHint:
    """The mark and the x, y and colour columns of a model's Vega-Lite spec (its first layer that has a mark),
    and nothing else of it; ``ChartMismatch`` for a mark the app does not draw."""
    layers = spec.get("layer") if isinstance(spec.get("layer"), list) else []
    view = next((v for v in [spec, *layers] if isinstance(v, dict) and "mark" in v), {})
    mark = view.get("mark")
    mark = mark.get("type") if isinstance(mark, dict) else mark
    if not isinstance(mark, str) or mark.lower() not in VEGA_LITE_MARKS:
        plain_word = isinstance(mark, str) and mark.isalpha() and len(mark) <= 20  # model text: repeated only so
        raise ChartMismatch(f"the app does not draw {repr(mark) + ' marks' if plain_word else 'that mark'}")
    encoding = view.get("encoding") if isinstance(view.get("encoding"), dict) else {}
    if mark.lower() == "arc":
        return ChartHint("arc", _column(encoding, "color"), _column(encoding, "theta"))
    x, y, color = _column(encoding, "x"), _column(encoding, "y"), _column(encoding, "color")
    x_type, y_type = _channel(encoding, "x").get("type"), _channel(encoding, "y").get("type")
    if x_type == "quantitative" and y_type in ("nominal", "ordinal"):
        x, y = y, x  # horizontal bars: the app's builders take the category as x and turn the bars themselves
    return ChartHint(mark.lower(), x, y, color)


# Putting it together --------------------------------------------------------------------------------
def chart_title(question: str | None, subtitle: str | None) -> dict[str, Any] | None:
    """The chart's title: the question (shortened), and what the chart leaves out."""
    text = " ".join((question or "").split())
    if len(text) > TITLE_LIMIT:
        text = text[: TITLE_LIMIT - 1].rstrip() + "…"
    if not text and not subtitle:
        return None
    title: dict[str, Any] = {"text": text or " ", "anchor": "start", "fontSize": 14}
    if subtitle:
        title["subtitle"] = subtitle
    return title


def finish_spec(chart: alt.TopLevelMixin | dict[str, Any], title: dict[str, Any] | None, *, validate: bool) -> dict:
    spec = chart if isinstance(chart, dict) else chart.properties(width="container").to_dict(validate=validate)
    if title and "title" not in spec:
        spec = {**spec, "title": title}
    return spec


def build_chart(
    frame: pd.DataFrame, hint: ChartHint | dict[str, Any] | None = None, title: str | None = None, span: Span = None
) -> ChartChoice:
    """The model's chart when it fits, else the one ``CHART_RULES`` give; says why a suggestion was not used.
    ``title`` is the question the result answers; ``span`` when its data begins and ends."""
    frame = with_numbers(frame)
    unused = None  # why the model's chart was not used
    if hint is not None and len(frame):
        try:
            if isinstance(hint, dict):
                hint = hint_from_vega_lite(hint)
            chart, kind, subtitle = build_from_hint(frame, hint, span)
            if chart is None:
                return ChartChoice(None, "none", "model")
            return ChartChoice(finish_spec(chart, chart_title(title, subtitle), validate=True), kind, "model")
        except Exception as error:  # ChartMismatch, or Altair/jsonschema rejecting the spec
            unused = f"{HINT_NOT_USED} ({str(error).splitlines()[0][:200] if str(error) else type(error).__name__})"
    try:
        chart, kind, subtitle = build_automatic(frame, span)
        spec = None if chart is None else finish_spec(chart, chart_title(title, subtitle), validate=False)
    except Exception as error:  # a result's shape must never break an answer: no chart, and why
        logger.exception("No chart could be drawn for a result")  # a bug to see and fix: the log has it
        return ChartChoice(None, "none", "none", f"No chart could be drawn for this result ({type(error).__name__}).")
    if spec is None:  # a one-row value or a table: there is no other chart to speak of
        return ChartChoice(None, kind, "none", f"{unused}." if unused else None)
    return ChartChoice(spec, kind, "auto", f"{unused}; showing an automatic chart." if unused else None)
