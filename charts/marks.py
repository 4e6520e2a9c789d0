"""The chart builders: one Altair (or Vega-Lite) chart per result shape, readable at the page's width and in
an exported PNG: titles in words, labels that are not cut off, a tooltip on every mark, and interaction
where it helps (selection names in ``SELECTIONS``)."""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from typing import Any

import altair as alt
import pandas as pd

from charts.roles import (
    TimeGrain,
    as_times,
    is_numeric,
    is_temporal,
    is_time_part,
    time_grain,
    title_for,
)
from sources.bundled import DATA_DIR

TOP_N_BARS = 20
FEW_PERIODS = 4  # fewer periods than this: bars, one per period
MAX_COLOR_VALUES = 10
MAP_TOOLTIP_COLUMNS = 6
LONG_LABEL = 12  # characters: longer category labels make the bars horizontal
MANY_BARS = 12
LABEL_LIMIT_PX = 320  # a horizontal category label longer than this is cut with an ellipsis
BAR_STEP_PX = 22
OTHER_ORDER = TOP_N_BARS + 1
PICK, SPAN, ZOOM = "pick", "span", "zoom"  # click bars, drag a time range, zoom and pan
SELECTIONS = (PICK, SPAN)  # the ones that filter the table under the chart


# Column names as Vega-Lite fields ------------------------------------------------------------------
def field_name(column: str) -> str:
    """Vega-Lite reads ``.``, brackets and quotes in a field as an access path: escape them (and the escape)."""
    return re.sub(r"([\\.\[\]'\"])", r"\\\1", str(column))


def channel(kind: type, column: str, type_: str, **options: Any) -> Any:
    """An encoding channel for a column of any name: ``field=`` is never read as Altair shorthand
    (``max(mag)``, ``a:b``); the axis or legend title is the column's name in words."""
    options.setdefault("title", title_for(column))
    return kind(field=field_name(column), type=type_, **options)


def number_format(frame: pd.DataFrame, column: str) -> str:
    if is_time_part(frame, column):
        return "d"  # 2018, not 2,018
    series = frame[column].dropna()
    whole = pd.api.types.is_integer_dtype(series) or (len(series) and (series == series.round()).all())
    return ",d" if whole else ",.4~f"


# Vega's tooltip handler in Streamlit's frontend (vega-tooltip) draws a tooltip object's "image" key as
# <img src="…"> (the browser fetches the cell's value) and its "title" key as a heading. A tooltip's keys are the
# titles given here, so none is ever exactly one of these words, whatever the columns are called.
TOOLTIP_MARKUP_KEYS = frozenset({"image", "title"})


def tooltip_title(column: str) -> str:
    """A column's title as a tooltip key: its title in words, never a key vega-tooltip turns into markup."""
    title = title_for(column)
    return title.capitalize() if title in TOOLTIP_MARKUP_KEYS else title


def tooltip(frame: pd.DataFrame, column: str) -> alt.Tooltip:
    title = tooltip_title(column)
    if is_temporal(frame, column):
        return channel(alt.Tooltip, column, "temporal", format=time_grain(frame[column]).tooltip_format, title=title)
    if is_numeric(frame, column):
        return channel(alt.Tooltip, column, "quantitative", format=number_format(frame, column), title=title)
    return channel(alt.Tooltip, column, "nominal", title=title)


def tooltips(frame: pd.DataFrame, columns: list[str | None]) -> list[alt.Tooltip]:
    return [tooltip(frame, c) for c in dict.fromkeys(c for c in columns if c)]


# Time --------------------------------------------------------------------------------------------
def time_axis(grain: TimeGrain, periods: int) -> alt.Axis:
    """Ticks on whole periods: days, weeks, months or years (never "12 PM" between days)."""
    if grain.interval is None:  # hours and exact times: Vega's own ticks fall on whole hours
        return alt.Axis(format=grain.axis_format, labelOverlap=True)
    step = max(1, math.ceil(periods / 12)) if grain.name == "day" else 1
    return alt.Axis(format=grain.axis_format, tickCount={"interval": grain.interval, "step": step}, labelOverlap=True)


def time_chart(frame: pd.DataFrame, x: str, y: str, color: str | None) -> tuple[alt.Chart, str]:
    """A line at the data's time grain; bars when there are only a few periods. Drag a range to select it."""
    grain = time_grain(frame[x])
    periods = int(frame[x].nunique())
    tips = tooltips(frame, [x, color, y])
    y_channel = channel(alt.Y, y, "quantitative", axis=alt.Axis(format=number_format(frame, y)))
    if periods < FEW_PERIODS:
        x_channel = channel(alt.X, x, "ordinal", timeUnit=grain.time_unit, axis=alt.Axis(format=grain.axis_format))
        chart = alt.Chart(frame).mark_bar().encode(x=x_channel, y=y_channel, tooltip=tips)
        kind = "bar"
    else:
        options: dict[str, Any] = {"axis": time_axis(grain, periods)}
        if grain.time_unit:
            options["timeUnit"] = grain.time_unit
        chart = (
            alt.Chart(frame)
            .mark_line(point=periods <= 60)
            .encode(x=channel(alt.X, x, "temporal", **options), y=y_channel, tooltip=tips)
            .add_params(alt.selection_interval(name=SPAN, encodings=["x"]))
        )
        kind = "line"
    if color:
        chart = chart.encode(color=channel(alt.Color, color, "nominal"))
    return chart, kind


def partial_periods(frame: pd.DataFrame, x: str, y: str, span: tuple[Any, Any] | None) -> str | None:
    """ "Jan 31 and Feb 07 are partial days: the data runs from Jan 31 14:03 to Feb 07 09:12": a count or total
    per period whose first or last period the data covers only in part (it reads as a drop), or None."""
    grain = time_grain(frame[x])
    step = {"day": pd.DateOffset(days=1), "week": pd.DateOffset(weeks=1), "month": pd.DateOffset(months=1),
            "year": pd.DateOffset(years=1)}.get(grain.name)  # fmt: skip
    times = as_times(frame[x])
    if step is None or span is None or times.empty or not is_additive(frame, y):
        return None
    start, end = pd.Timestamp(span[0]), pd.Timestamp(span[1])
    first, last = times.min(), times.max()
    partial = [p for p, cut in ((first, start > first), (last, end < last + step - pd.Timedelta(seconds=1))) if cut]
    if not partial:
        return None
    named = " and ".join(dict.fromkeys(p.strftime(grain.axis_format) for p in partial))
    kind = f"{grain.name}s" if len(set(partial)) > 1 else grain.name
    verb = "are partial" if len(set(partial)) > 1 else "is a partial"
    return f"{named} {verb} {kind}: the data runs from {start:%b %d %H:%M} to {end:%b %d %H:%M}"


def time_by_part(frame: pd.DataFrame, time: str, part: str, value: str) -> alt.Chart:
    """Two time grains (a day and an hour of it): a heatmap, periods down and the date part across, the value as
    colour; a line over the days would zigzag through the hours."""
    grain = time_grain(frame[time])
    rows = channel(
        alt.Y, time, "ordinal", timeUnit=grain.time_unit, axis=alt.Axis(format=grain.axis_format, labelOverlap=False)
    )
    return (
        alt.Chart(frame)
        .mark_rect()
        .encode(
            x=channel(alt.X, part, "ordinal", sort="ascending", axis=alt.Axis(format="d", labelAngle=0)),
            y=rows,
            color=channel(alt.Color, value, "quantitative", scale=alt.Scale(scheme="blues")),
            tooltip=tooltips(frame, [time, part, value]),
        )
        .properties(height=alt.Step(BAR_STEP_PX))
    )


def part_bars(frame: pd.DataFrame, x: str, y: str, color: str | None = None) -> alt.Chart:
    """Date parts (hour of day, month number, year) in time order, labelled as plain numbers."""
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=channel(alt.X, x, "ordinal", sort="ascending", axis=alt.Axis(format="d", labelAngle=0)),
            y=channel(alt.Y, y, "quantitative", axis=alt.Axis(format=number_format(frame, y))),
            tooltip=tooltips(frame, [x, color, y]),
        )
        .add_params(alt.selection_point(name=PICK, fields=[field_name(x)]))
    )
    return chart.encode(color=channel(alt.Color, color, "nominal")) if color else chart


# Categories --------------------------------------------------------------------------------------
def is_additive(frame: pd.DataFrame, column: str) -> bool:
    """Counts and totals may be summed into "Other"; averages, maxima and ratios may not."""
    name = str(column).lower()
    if re.search(r"(^|_)(avg|average|mean|median|min|max|pct|percent|ratio|rate|share)(_|$|\()", name):
        return False
    values = frame[column].dropna()
    return bool(len(values)) and (values >= 0).all() and (values == values.round()).all()


def category_axis(horizontal: bool) -> alt.Axis:
    """Every category label drawn (none dropped for overlap: horizontal bars get a row each), a long one cut with an
    ellipsis (the tooltip has it whole); a horizontal axis has no title beside the labels (it overlapped them)."""
    if horizontal:
        return alt.Axis(labelLimit=LABEL_LIMIT_PX, labelOverlap=False, title=None)
    return alt.Axis(labelLimit=180, labelAngle=-35, labelOverlap=False)


def longest_label(frame: pd.DataFrame, column: str) -> int:
    return int(frame[column].astype(str).str.len().max() or 0)


def category_bars(frame: pd.DataFrame, x: str, y: str) -> tuple[alt.Chart, str | None]:
    """Bars sorted by value, horizontal when labels are long or many; the top ``TOP_N_BARS`` with the rest
    summed into one "Other" bar (counts, totals) or left out (averages). Click bars to select them.
    Returns the chart and a subtitle when some categories are not drawn one by one."""
    rows = len(frame)
    horizontal = longest_label(frame, x) > LONG_LABEL or min(rows, TOP_N_BARS + 1) > MANY_BARS
    label, subtitle = x, None
    chart = alt.Chart(frame)
    if rows > TOP_N_BARS:
        ranked = chart.transform_window(
            bar_rank="row_number()", sort=[alt.SortField(field_name(y), order="descending")]
        )
        if is_additive(frame, y):
            other = f"Other ({rows - TOP_N_BARS:,} more)"
            chart = ranked.transform_calculate(
                bar_label=f"datum.bar_rank <= {TOP_N_BARS} ? datum[{json.dumps(str(x))}] : {json.dumps(other)}",
                bar_order=f"min(datum.bar_rank, {OTHER_ORDER})",
            ).transform_aggregate(**{"bar_value": f"sum({field_name(y)})"}, groupby=["bar_label", "bar_order"])
            subtitle = f"Top {TOP_N_BARS} of {rows:,}; the rest summed as “Other”"
            label, value, order = "bar_label", "bar_value", "bar_order"
        else:
            chart = ranked.transform_filter(alt.datum.bar_rank <= TOP_N_BARS)
            subtitle = f"Top {TOP_N_BARS} of {rows:,} by {title_for(y).lower()}"
            value, order = y, None
    else:
        value, order = y, None
    category_title, value_title = title_for(x), title_for(y)
    sort: Any = alt.EncodingSortField(field=order, order="ascending") if order else ("-x" if horizontal else "-y")
    category = (alt.Y if horizontal else alt.X)(
        field=field_name(label), type="nominal", sort=sort, title=category_title, axis=category_axis(horizontal)
    )
    measure = (alt.X if horizontal else alt.Y)(
        field=field_name(value), type="quantitative", title=value_title, axis=alt.Axis(format=number_format(frame, y))
    )
    tips = [
        alt.Tooltip(field=field_name(label), type="nominal", title=tooltip_title(x)),
        alt.Tooltip(
            field=field_name(value), type="quantitative", title=tooltip_title(y), format=number_format(frame, y)
        ),
    ]
    chart = chart.mark_bar().encode(
        **{"y" if horizontal else "x": category, "x" if horizontal else "y": measure, "tooltip": tips}
    )
    chart = chart.add_params(alt.selection_point(name=PICK, fields=[field_name(label)]))
    if horizontal:
        chart = chart.properties(height=alt.Step(BAR_STEP_PX))
    return chart, subtitle


def spread_by_category(frame: pd.DataFrame, category: str, value: str) -> alt.Chart:
    """Raw rows of a number per category: a box plot per category."""
    horizontal = longest_label(frame, category) > LONG_LABEL or frame[category].nunique() > MANY_BARS
    group = channel(alt.Y if horizontal else alt.X, category, "nominal", axis=category_axis(horizontal))
    measure = channel(alt.X if horizontal else alt.Y, value, "quantitative", scale=alt.Scale(zero=False))
    chart = (
        alt.Chart(frame)
        .mark_boxplot(extent="min-max")
        .encode(**{"y" if horizontal else "x": group, "x" if horizontal else "y": measure})
    )
    return chart.properties(height=alt.Step(BAR_STEP_PX)) if horizontal else chart


def two_category_chart(frame: pd.DataFrame, a: str, b: str, y: str) -> tuple[alt.Chart, str]:
    """Stacked bars coloured by the second category when it has few values, else a heatmap."""
    tips = tooltips(frame, [a, b, y])
    if frame[b].nunique() <= MAX_COLOR_VALUES:
        horizontal = longest_label(frame, a) > LONG_LABEL or frame[a].nunique() > MANY_BARS
        category = channel(
            alt.Y if horizontal else alt.X,
            a,
            "nominal",
            sort=alt.EncodingSortField(field=field_name(y), op="sum", order="descending"),
            axis=category_axis(horizontal),
        )
        measure = channel(alt.X if horizontal else alt.Y, y, "quantitative")
        chart = (
            alt.Chart(frame)
            .mark_bar()
            .encode(
                **{"y" if horizontal else "x": category, "x" if horizontal else "y": measure},
                color=channel(alt.Color, b, "nominal"),
                tooltip=tips,
            )
            .add_params(alt.selection_point(name=PICK, fields=[field_name(a), field_name(b)]))
        )
        if horizontal:
            chart = chart.properties(height=alt.Step(BAR_STEP_PX))
        return chart, "bar"
    chart = (
        alt.Chart(frame)
        .mark_rect()
        .encode(
            x=channel(alt.X, b, "nominal", axis=alt.Axis(labelLimit=160, labelAngle=-35)),
            y=channel(alt.Y, a, "nominal", axis=category_axis(True)),
            color=channel(alt.Color, y, "quantitative", scale=alt.Scale(scheme="blues")),
            tooltip=tips,
        )
        .add_params(alt.selection_point(name=PICK, fields=[field_name(a), field_name(b)]))
        .properties(height=alt.Step(BAR_STEP_PX))
    )
    return chart, "heatmap"


# Numbers -----------------------------------------------------------------------------------------
def scatter(frame: pd.DataFrame, x: str, y: str, size: str | None, color: str | None) -> alt.Chart:
    """Two numbers; a third as size, a category as colour. Zoom with the wheel, pan by dragging."""
    chart = (
        alt.Chart(frame)
        .mark_circle(opacity=0.6)
        .encode(
            x=channel(alt.X, x, "quantitative", scale=alt.Scale(zero=False)),
            y=channel(alt.Y, y, "quantitative", scale=alt.Scale(zero=False)),
            tooltip=tooltips(frame, [color, x, y, size]),
        )
        .add_params(alt.selection_interval(name=ZOOM, bind="scales"))
    )
    if size:
        chart = chart.encode(size=channel(alt.Size, size, "quantitative", scale=alt.Scale(zero=False)))
    if color:
        chart = chart.encode(color=channel(alt.Color, color, "nominal"))
    return chart


def histogram(frame: pd.DataFrame, x: str) -> alt.Chart:
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=channel(alt.X, x, "quantitative", bin=alt.Bin(maxbins=30)),
            y=alt.Y("count()", title="Count"),
            tooltip=[
                channel(alt.Tooltip, x, "quantitative", bin=alt.Bin(maxbins=30), title=tooltip_title(x)),
                alt.Tooltip("count()", title="Count"),
            ],
        )
    )


def pie(frame: pd.DataFrame, label: str, value: str) -> alt.Chart:
    return (
        alt.Chart(frame)
        .mark_arc()
        .encode(
            theta=channel(alt.Theta, value, "quantitative"),
            color=channel(alt.Color, label, "nominal"),
            tooltip=tooltips(frame, [label, value]),
        )
    )


# Maps --------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def land_outline() -> tuple[dict[str, Any], ...]:
    """The world's land (Natural Earth 110m, bundled) as polygon rings of lon/lat points, so that the map can
    share the points' x/y scales and zoom and pan with them."""
    topology = json.loads((DATA_DIR / "world-110m.json").read_text())
    scale, translate = topology["transform"]["scale"], topology["transform"]["translate"]

    def decode(arc: list[list[int]]) -> list[tuple[float, float]]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * scale[0] + translate[0], y * scale[1] + translate[1]))
        return points

    arcs = [decode(arc) for arc in topology["arcs"]]
    rows: list[dict[str, Any]] = []
    for ring_number, ring in enumerate(ring for polygon in topology["objects"]["land"]["arcs"] for ring in polygon):
        points: list[tuple[float, float]] = []
        for index in ring:
            piece = arcs[index] if index >= 0 else arcs[~index][::-1]
            points.extend(piece if not points else piece[1:])
        rows.extend(
            {"ring": ring_number, "k": k, "lon": round(lon, 1), "lat": round(lat, 1)}
            for k, (lon, lat) in enumerate(points)
        )
    return tuple(rows)


def map_extent(values: pd.Series, low: float, high: float) -> list[float]:
    """The data's range with a margin (at least 10 degrees wide), within the world."""
    lo, hi = float(values.min()), float(values.max())
    margin = max((hi - lo) * 0.1, (10 - (hi - lo)) / 2, 1.0)
    return [max(low, lo - margin), min(high, hi + margin)]


def map_chart(frame: pd.DataFrame, lat: str, lon: str, size: str | None) -> dict[str, Any]:
    """Points over the land, sized and coloured by ``size``, framed on the data; zoom and pan. A point's tooltip
    shows the result's first other columns (always ``size``), or its coordinates when it has no other."""
    others = [str(c) for c in frame.columns if str(c) not in (lat, lon)]
    shown = others[:MAP_TOOLTIP_COLUMNS]
    if size in others and size not in shown:
        shown[-1] = size
    x_scale = alt.Scale(domain=map_extent(frame[lon], -180, 180))
    y_scale = alt.Scale(domain=map_extent(frame[lat], -90, 90))
    points = (
        alt.Chart(frame)
        .mark_circle(opacity=0.6, stroke="#444", strokeWidth=0.3, clip=True)
        .encode(
            x=channel(alt.X, lon, "quantitative", scale=x_scale, title="Longitude"),
            y=channel(alt.Y, lat, "quantitative", scale=y_scale, title="Latitude"),
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
    land = {
        "data": {"values": list(land_outline())},
        "mark": {"type": "line", "fill": "#e8edf2", "stroke": "#b8c4d0", "strokeWidth": 0.5, "clip": True},
        "encoding": {
            "x": {"field": "lon", "type": "quantitative", "scale": x_scale.to_dict(), "title": "Longitude"},
            "y": {"field": "lat", "type": "quantitative", "scale": y_scale.to_dict(), "title": "Latitude"},
            "detail": {"field": "ring", "type": "nominal"},
            "order": {"field": "k", "type": "quantitative"},
            "tooltip": None,
        },
        "name": "land",
    }
    spec["layer"] = [land, point_layer]
    # Zoom and pan bound to the land layer's scales (shared with the points): declared at the top with its
    # view named, the form Altair keeps when an export script rebuilds the chart.
    spec["params"] = [{"name": ZOOM, "select": "interval", "bind": "scales", "views": ["land"]}]
    return spec
