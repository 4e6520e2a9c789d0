"""The chart gallery: every result shape drawn by the app's chart choice, rendered to PNG with vl-convert,
and the properties that make each chart readable checked in its spec."""

from __future__ import annotations

import json
from typing import Any

import pytest

from charts.choice import CHART_RULES, ChartChoice
from charts.gallery import GALLERY, gallery_charts
from exports.images import build_chart_png
from tests.support.browser import ROOT


@pytest.fixture(scope="module")
def charts() -> dict[str, ChartChoice]:
    return {question: chart for question, _sql, chart in gallery_charts()}


def mark(spec: dict[str, Any]) -> str:
    value = spec.get("mark")
    return value.get("type") if isinstance(value, dict) else str(value)


def x(spec: dict[str, Any]) -> dict[str, Any]:
    return spec["encoding"]["x"]


def y(spec: dict[str, Any]) -> dict[str, Any]:
    return spec["encoding"]["y"]


def line_at(unit: str, axis_format: str, interval: str | None):  # type: ignore[no-untyped-def]
    def check(spec: dict[str, Any]) -> None:
        assert mark(spec) == "line" and x(spec)["type"] == "temporal"
        assert x(spec)["timeUnit"] == unit and x(spec)["axis"]["format"] == axis_format
        assert x(spec)["axis"].get("tickCount", {}).get("interval") == interval  # never "12 PM" between days
        assert any(t.get("format") for t in spec["encoding"]["tooltip"] if t["type"] == "temporal")
        assert [p["name"] for p in spec["params"]] == ["span"]  # drag a time range to filter the table

    return check


def part_bars(spec: dict[str, Any]) -> None:
    assert mark(spec) == "bar" and x(spec)["type"] == "ordinal" and x(spec)["sort"] == "ascending"
    assert x(spec)["axis"]["format"] == "d"  # 2018, never 2,018 or 2,017.5


def vertical_bars_by_value(spec: dict[str, Any]) -> None:
    assert mark(spec) == "bar" and x(spec)["type"] == "nominal" and x(spec)["sort"] == "-y"
    assert x(spec)["axis"]["labelLimit"] >= 180


def horizontal_bars(spec: dict[str, Any]) -> None:
    assert mark(spec) == "bar" and y(spec)["type"] == "nominal" and y(spec)["axis"]["labelLimit"] >= 300
    assert x(spec)["type"] == "quantitative"
    # Every label drawn: a row per bar whatever height the page gives, no label dropped for overlap, no axis title
    # beside long labels (in Chromium 5 of 10 places were labelled, one over the title).
    assert spec["height"] == {"step": 22} and y(spec)["axis"]["labelOverlap"] is False
    assert y(spec)["axis"]["title"] is None


def day_by_hour(spec: dict[str, Any]) -> None:
    """Two time grains: a heatmap (a line over the days zigzagged through the hours)."""
    assert mark(spec) == "rect" and x(spec)["field"] == "hour" and x(spec)["type"] == "ordinal"
    assert y(spec)["timeUnit"] == "yearmonthdate" and spec["encoding"]["color"]["field"] == "n"


def partial_days_named(spec: dict[str, Any]) -> None:
    line_at("yearmonthdate", "%b %d", "day")(spec)
    assert spec["title"]["subtitle"].startswith("Jan 31 and Feb 07 are partial days: the data runs from Jan 31")


def a_total_is_a_measure(spec: dict[str, Any]) -> None:
    """A HUGEINT sum arrives as Python numbers: it was drawn as colour categories ("1656, 1703, …")."""
    vertical_bars_by_value(spec)
    assert y(spec)["field"] == "stations" and y(spec)["type"] == "quantitative" and "color" not in spec["encoding"]


def other_summed(spec: dict[str, Any]) -> None:
    horizontal_bars(spec)
    assert y(spec)["sort"] == {"field": "bar_order", "order": "ascending"}
    assert any("aggregate" in t for t in spec["transform"]) and "summed" in spec["title"]["subtitle"]


def top_only(spec: dict[str, Any]) -> None:
    horizontal_bars(spec)
    assert y(spec)["sort"] == "-x" and not any("aggregate" in t for t in spec["transform"])
    assert spec["title"]["subtitle"].startswith("Top 20 of")


def stacked(spec: dict[str, Any]) -> None:
    assert mark(spec) == "bar" and spec["encoding"]["color"]["field"] == "type"
    assert x(spec)["sort"] == {"field": "n", "op": "sum", "order": "descending"}


def heatmap(spec: dict[str, Any]) -> None:
    assert mark(spec) == "rect" and spec["encoding"]["color"]["type"] == "quantitative"


def scatter(spec: dict[str, Any]) -> None:
    assert mark(spec) == "circle" and x(spec)["type"] == y(spec)["type"] == "quantitative"
    assert spec["params"][0]["bind"] == "scales"  # zoom and pan


def histogram(spec: dict[str, Any]) -> None:
    assert mark(spec) == "bar" and x(spec)["bin"] == {"maxbins": 30} and y(spec)["title"] == "Count"


def world_map(spec: dict[str, Any]) -> None:
    land, points = spec["layer"]
    assert land["mark"]["type"] == "line" and mark(points) == "circle"
    assert points["encoding"]["size"]["field"] == "mag" and spec["params"][0]["bind"] == "scales"
    assert points["encoding"]["x"]["title"] == "Longitude"


EXPECTED = {
    "How many earthquakes happened each day?": ("line", partial_days_named),
    "How many each hour?": ("line", line_at("yearmonthdatehours", "%b %d %H:00", None)),
    "How many each month?": ("bar", lambda s: x(s)["timeUnit"] == "yearmonth" and x(s)["type"] == "ordinal"),
    "Events per week (example data)": ("line", line_at("yearmonthdate", "%b %d", "week")),
    "Events per year (example data)": ("line", line_at("year", "%Y", "year")),
    "At which hour of the day?": ("bar", part_bars),
    "Which years? (numbers, example data)": ("bar", part_bars),
    "On which weekday?": ("bar", part_bars),
    "Which magnitude types are most common?": ("bar", vertical_bars_by_value),
    "The 10 strongest places": ("bar", horizontal_bars),
    "Earthquakes per place": ("bar", other_summed),
    "Average magnitude per place": ("bar", top_only),
    "Events per network and type": ("bar", stacked),
    "Events per magnitude type and network": ("heatmap", heatmap),
    "Events per day and type": ("line", lambda s: s["encoding"]["color"]["field"] == "type"),
    "Magnitude against depth": ("point", scatter),
    "Magnitude, depth and RMS": ("point", lambda s: scatter(s) or s["encoding"]["size"]["field"] == "rms"),
    "Magnitude against depth by type": ("point", lambda s: scatter(s) or s["encoding"]["color"]["field"] == "type"),
    "How are magnitudes distributed?": ("histogram", histogram),
    "How deep are they?": ("histogram", histogram),
    "Map of magnitude 4 or more": ("map", world_map),
    "Map of California": ("map", world_map),
    "Share of each type": ("bar", vertical_bars_by_value),
    "How strong is each magnitude type?": ("boxplot", lambda s: mark(s) == "boxplot"),
    "How many each day and hour?": ("heatmap", day_by_hour),
    "Stations per magnitude type (a HUGEINT total)": ("bar", a_total_is_a_measure),
}


def test_the_gallery_covers_at_least_20_shapes_and_every_rule() -> None:
    assert len(GALLERY) >= 20 and set(EXPECTED) == {question for question, _ in GALLERY}
    assert len(CHART_RULES) >= 10


@pytest.mark.parametrize("question", list(EXPECTED))
def test_each_shape_gets_its_readable_chart_and_renders_to_png(charts: dict[str, ChartChoice], question: str) -> None:
    chart = charts[question]
    kind, check = EXPECTED[question]
    assert chart.kind == kind and chart.source == "auto" and chart.note is None
    spec = chart.spec
    assert spec is not None
    result = check(spec)
    assert result is None or result is True
    assert spec["title"]["text"] == question  # the title is the question
    text = json.dumps(spec, default=str)
    assert '"url"' not in text and '"title": "n"' not in text  # axis titles in words, no raw "n"
    encodings = spec["layer"][1]["encoding"] if "layer" in spec else spec["encoding"]
    if kind != "boxplot":
        assert encodings.get("tooltip"), "every mark has a tooltip"
    png = build_chart_png(spec, scale=1)
    assert png.startswith(b"\x89PNG") and len(png) > 5_000


def test_the_readme_shows_the_rule_table_and_the_gallery() -> None:
    readme = (ROOT / "docs" / "charts.md").read_text()
    for shape, chart in CHART_RULES:
        assert f"| {shape} | {chart} |" in readme
    assert "![The chart gallery" in readme and (ROOT / "docs" / "charts.png").exists()


def test_a_partial_period_is_judged_by_the_time_column_the_query_used() -> None:
    """A fresh-eyed review: the note said the data ran "to Feb 07 01:45", the last ``updated``; the last ``time``
    (what a count per day of ``time`` counts) is 01:26."""
    from analyst.data_time import span_of
    from charts.choice import build_chart
    from sandbox.database import SessionDatabase

    db = SessionDatabase()
    sql = "SELECT time::DATE AS day, count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY 1"
    chart = build_chart(db.run_query(sql).frame, title="Per day", span=span_of(sql, db))
    assert chart.spec["title"]["subtitle"].endswith("to Feb 07 01:26")
