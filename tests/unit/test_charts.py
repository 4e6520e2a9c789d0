"""Chart choice and validation on real query results."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd
import pytest
import vl_convert

from charts.choice import build_chart
from charts.hint import ChartHint
from sandbox.database import SessionDatabase
from ui.chart_selection import select_rows, selection_names


@pytest.fixture(scope="module")
def db() -> SessionDatabase:
    return SessionDatabase()


def frame(db: SessionDatabase, sql: str) -> pd.DataFrame:
    return db.run_query(sql).frame


def without_data(spec: object) -> object:
    """The spec with its inline rows emptied: validation checks the structure, not each of a map's coordinates
    (jsonschema takes 9 s over the land's 270 KB)."""
    if isinstance(spec, dict):
        return {
            key: [] if key == "values" else {name: [] for name in value} if key == "datasets" else without_data(value)
            for key, value in spec.items()
        }
    return [without_data(item) for item in spec] if isinstance(spec, list) else spec


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("SELECT date_trunc('day', time) AS day, count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY 1", "line"),
        ("SELECT strftime(time, '%Y-%m-%d') AS day, count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY 1", "line"),
        ('SELECT "magType", count(*) AS n FROM earthquakes GROUP BY 1', "bar"),
        ("SELECT extract(hour FROM time) AS hour, count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY 1", "bar"),
        ("SELECT mag, depth FROM earthquakes", "point"),
        ("SELECT latitude, longitude, mag, place FROM earthquakes WHERE mag > 4", "map"),
        ("SELECT avg(mag) AS avg_mag FROM earthquakes", "metric"),
        ("SELECT place FROM earthquakes LIMIT 5", "none"),
        ("SELECT * FROM earthquakes WHERE mag > 100", "none"),
    ],
)
def test_the_automatic_chart_fits_the_result(db: SessionDatabase, sql: str, kind: str) -> None:
    choice = build_chart(frame(db, sql))
    assert choice.kind == kind
    if choice.spec is not None:
        alt.Chart.from_dict(without_data(choice.spec), validate=True)  # a valid Vega-Lite spec
        assert "url" not in json.dumps(choice.spec)


def test_many_bars_show_the_top_20_and_sum_the_rest(db: SessionDatabase) -> None:
    result = frame(db, "SELECT place, count(*) AS n FROM earthquakes GROUP BY 1")
    choice = build_chart(result)
    dataset = next(iter(choice.spec["datasets"].values()))
    assert len(dataset) == len(result) > 20  # the whole result: an export can rebuild the chart from it
    assert choice.spec["encoding"]["y"]["sort"] == {"field": "bar_order", "order": "ascending"}  # horizontal
    assert choice.spec["title"]["subtitle"] == f"Top 20 of {len(result):,}; the rest summed as “Other”"
    drawn = vl_convert.vegalite_to_svg({**choice.spec, "width": 600})
    assert drawn.count('aria-roledescription="bar"') == 21
    assert f"Other ({len(result) - 20:,} more)" in drawn


def test_a_fitting_suggestion_is_used(db: SessionDatabase) -> None:
    result = frame(db, 'SELECT "magType", count(*) AS n FROM earthquakes GROUP BY 1')
    choice = build_chart(result, ChartHint("line", "magtype", "N"))
    assert (choice.kind, choice.source, choice.note) == ("line", "model", None)
    assert choice.spec["encoding"]["x"]["field"] == "magType"


def test_a_suggestion_naming_missing_columns_falls_back_with_a_note(db: SessionDatabase) -> None:
    result = frame(db, 'SELECT "magType", count(*) AS n FROM earthquakes GROUP BY 1')
    choice = build_chart(result, ChartHint("bar", "month", "n"))
    assert choice.source == "auto" and choice.kind == "bar"
    assert "no column 'month'" in (choice.note or "")


def test_the_model_can_ask_for_no_chart(db: SessionDatabase) -> None:
    result = frame(db, 'SELECT "magType", count(*) AS n FROM earthquakes GROUP BY 1')
    assert build_chart(result, ChartHint("none")).spec is None


def test_a_model_vega_lite_spec_never_loads_urls(db: SessionDatabase) -> None:
    result = frame(db, 'SELECT "magType", count(*) AS n FROM earthquakes GROUP BY 1')
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"url": "https://attacker.example/steal.csv"},
        "mark": "bar",
        "encoding": {
            "x": {"field": "magType", "type": "nominal"},
            "y": {"field": "n", "type": "quantitative"},
            "href": {"field": "magType"},
        },
        "usermeta": {"embedOptions": {"loader": {"baseURL": "https://attacker.example/"}}},
    }
    choice = build_chart(result, spec, title="Which types are common?")
    text = json.dumps(choice.spec)
    assert (choice.source, choice.kind) == ("model", "bar")  # drawn by the app's own bar builder ...
    assert choice.spec == build_chart(result, ChartHint("bar", "magType", "n"), title="Which types are common?").spec
    assert "attacker.example" not in text and "href" not in text  # ... so nothing else of the spec is kept
    assert "vega-lite/v5.json" not in text  # the model's $schema is dropped (Altair adds its own)


def test_an_image_mark_is_refused(db: SessionDatabase) -> None:
    result = frame(db, 'SELECT "magType", count(*) AS n FROM earthquakes GROUP BY 1')
    spec = {"mark": "image", "encoding": {"url": {"field": "magType"}}}
    choice = build_chart(result, spec)
    assert choice.source == "auto"
    assert "does not draw 'image' marks" in (choice.note or "")


def test_an_invalid_vega_lite_spec_falls_back(db: SessionDatabase) -> None:
    result = frame(db, 'SELECT "magType", count(*) AS n FROM earthquakes GROUP BY 1')
    choice = build_chart(result, {"mark": "bar", "encoding": {"x": {"field": "magType", "type": "wobbly"}}})
    assert choice.source == "auto" and choice.note


def test_a_map_has_the_land_inline_zooms_and_loads_no_urls(db: SessionDatabase) -> None:
    choice = build_chart(frame(db, "SELECT latitude, longitude, mag FROM earthquakes"), ChartHint("map"))
    assert choice.kind == "map"
    land = choice.spec["layer"][0]
    assert land["mark"]["type"] == "line" and len(land["data"]["values"]) > 4000  # filled rings of lon/lat
    assert choice.spec["params"] == [{"name": "zoom", "select": "interval", "bind": "scales", "views": ["land"]}]
    assert '"url"' not in json.dumps(choice.spec)


def test_a_map_suggestion_without_coordinates_falls_back(db: SessionDatabase) -> None:
    result = frame(db, 'SELECT "magType", count(*) AS n FROM earthquakes GROUP BY 1')
    choice = build_chart(result, ChartHint("map"))
    assert "latitude and longitude" in (choice.note or "")


def test_suggested_bars_are_improved_by_the_same_rules(db: SessionDatabase) -> None:
    by_name = frame(db, 'SELECT "magType", count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY 1')
    choice = build_chart(by_name, ChartHint("bar", "magType", "n"), title="Which magnitude types are most common?")
    assert choice.source == "model" and choice.spec["encoding"]["x"]["sort"] == "-y"  # by value, not by name
    assert choice.spec["title"]["text"] == "Which magnitude types are most common?"
    assert (
        choice.spec["encoding"]["x"]["title"] == "Magnitude type" and choice.spec["encoding"]["y"]["title"] == "Count"
    )
    places = frame(db, "SELECT place, count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY n DESC")
    capped = build_chart(places, ChartHint("bar", "place", "n"))
    drawn = vl_convert.vegalite_to_svg({**capped.spec, "width": 600})
    assert drawn.count('aria-roledescription="bar"') == 21


def test_map_sizes_start_at_the_smallest_magnitude_and_the_view_fits_the_data(db: SessionDatabase) -> None:
    strong = frame(db, "SELECT latitude, longitude, mag FROM earthquakes WHERE mag >= 4.5")
    points = build_chart(strong).spec["layer"][1]["encoding"]
    assert points["size"]["scale"]["zero"] is False and points["color"]["scale"]["zero"] is False
    california = frame(db, "SELECT latitude, longitude, mag FROM earthquakes WHERE place LIKE '%CA'")
    x_domain = build_chart(california).spec["layer"][1]["encoding"]["x"]["scale"]["domain"]
    assert -130 < x_domain[0] < x_domain[1] < -110  # framed on California, not the whole world


def test_a_map_is_sized_by_its_lead_measure_whatever_the_columns_are_called() -> None:
    """Of a shop's orders, the amount (quantity times price) is what the other numbers move with: it sizes the points,
    though it comes last and a count-like quantity comes first; the tooltip names every other column."""
    quantity = [1 + i % 5 for i in range(60)]
    price = [round(3 + (i * 37 % 50) / 7, 2) for i in range(60)]
    orders = pd.DataFrame(
        {
            "lat": [50 + i / 100 for i in range(60)],
            "lon": [8 + i / 50 for i in range(60)],
            "shop": [f"S{i % 4}" for i in range(60)],
            "quantity": quantity,
            "price": price,
            "amount": [q * p for q, p in zip(quantity, price, strict=True)],
        }
    )
    points = build_chart(orders).spec["layer"][1]["encoding"]
    assert points["size"]["field"] == points["color"]["field"] == "amount"
    assert [t["field"] for t in points["tooltip"]] == ["shop", "quantity", "price", "amount"]


def test_clicked_bars_and_a_dragged_time_range_select_the_table_rows(db: SessionDatabase) -> None:
    by_type = frame(db, 'SELECT "magType", count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY n DESC')
    bars = build_chart(by_type)
    assert selection_names(bars.spec) == ["pick"]
    picked = select_rows(by_type, {"pick": [{"magType": "ml"}, {"magType": "md"}]})
    assert sorted(picked["magType"]) == ["md", "ml"]
    assert select_rows(by_type, {"pick": [{"bar_label": "Other (3 more)"}]}) is None  # no column: all rows stay
    assert select_rows(by_type, {}) is None and select_rows(by_type, {"pick": []}) is None
    per_day = frame(db, "SELECT time::DATE AS day, count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY 1")
    assert selection_names(build_chart(per_day).spec) == ["span"]
    start, end = pd.Timestamp("2018-02-02").value // 10**6, pd.Timestamp("2018-02-04").value // 10**6
    spanned = select_rows(per_day, {"span": {"day": [end, start]}})
    assert [str(d) for d in spanned["day"]] == ["2018-02-02", "2018-02-03", "2018-02-04"]
    scatter = build_chart(frame(db, "SELECT mag, depth FROM earthquakes"))
    assert selection_names(scatter.spec) == []  # zoom and pan only
    dotted = pd.DataFrame({"a.b": ["x", "y"], "n": [1, 2]})
    assert select_rows(dotted, {"pick": [{"a\\.b": "y"}]})["n"].tolist() == [2]  # escaped field names
