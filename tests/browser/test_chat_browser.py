"""Ask a question in the real app in headless Chromium and see the SQL, the table and the chart."""

from __future__ import annotations

import os
import zipfile

import pytest

from tests.support.browser import ARTIFACTS, ROOT
from tests.support.fake_endpoint import FakeEndpoint
from tests.support.scripted_model import ScriptedModel, fenced
from tests.support.streamlit_server import running_app

pytestmark = pytest.mark.browser

README_CLIP = {"x": 0, "y": 0, "width": 1400, "height": 1300}
BY_DAY = "SELECT time::DATE AS day, count(*) AS earthquakes FROM earthquakes GROUP BY 1 ORDER BY 1"
INSIGHT = (
    "Between 31 January and 7 February 2018 the catalog recorded 1,707 events. "
    "The busiest day was 4 February with 301 earthquakes; 7 February has only 14 because the week ends early that day."
)


def test_asking_a_question_shows_sql_table_and_chart_and_exports_it(page, endpoint: FakeEndpoint, tmp_path) -> None:  # type: ignore[no-untyped-def]
    endpoint.responder = ScriptedModel(insight=INSIGHT).on("each day", fenced(BY_DAY, "line x=day y=earthquakes"))
    env = {
        "HUGGINGFACE_API_KEY": "hf_BrowserChat000000001",
        "HUGGINGFACE_ENDPOINT_URL": endpoint.url,
        "HUGGINGFACE_MODEL": "meta-llama/Llama-3.1-8B-Instruct",
    }
    with running_app(env) as url:
        page.set_viewport_size({"width": 1400, "height": 1900})
        page.goto(url)
        box = page.get_by_placeholder("Ask a question about the data")
        box.fill("How many earthquakes happened each day?")
        box.press("Enter")
        page.get_by_role("tab", name="Result (8 rows)").wait_for()
        page.get_by_text("the catalog recorded 1,707 events").first.wait_for()
        page.locator(".vega-embed").first.wait_for()
        page.locator("[data-testid='stDataFrame']").first.wait_for(state="attached")
        page.get_by_role("tab", name="Result (8 rows)").wait_for()
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS / "chat-answer.png"), full_page=True)
        if os.environ.get("UPDATE_SCREENSHOTS"):  # the README's picture is this screenshot
            page.screenshot(path=str(ROOT / "docs" / "chat-answer.png"), clip=README_CLIP)
        # One place for each action: the chart's own toolbar downloads the PNG, the app's button the safe CSV.
        page.locator("[data-testid='stVegaLiteChart']").first.hover()
        page.get_by_role("button", name="Download as PNG").wait_for()
        assert page.get_by_role("button", name="PNG", exact=True).count() == 0
        page.locator("[data-testid='stDataFrame']").first.hover()
        page.get_by_role("button", name="Search").first.wait_for()
        assert page.get_by_role("button", name="Download as CSV").first.is_hidden()
        page.get_by_role("button", name="Download CSV").wait_for()
        assert page.get_by_text("What the model saw").first.is_hidden()  # under the SQL tab, beside the SQL
        page.get_by_role("tab", name="SQL").click()
        page.get_by_text("GROUP BY 1 ORDER BY 1").first.wait_for()
        page.get_by_text("What the model saw").wait_for()
        assert "hf_BrowserChat000000001" not in page.content()

        page.get_by_text("This session: 1 question · 2 model calls").wait_for()
        page.get_by_role("button", name="Export conversation").click()
        with page.expect_download() as download:
            page.get_by_role("button", name="Report, Python script and data (.zip)").click()
        archive = tmp_path / "conversation.zip"
        download.value.save_as(archive)
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(tmp_path / "export")
    report = (tmp_path / "export" / "conversation.md").read_text()
    assert "## 1. How many earthquakes happened each day?" in report and INSIGHT in report
    # What reproduce.py does with the zip is tests/integration/test_export.py's: here, that the browser got it.
    assert "GROUP BY 1 ORDER BY 1" in (tmp_path / "export" / "reproduce.py").read_text()


def test_parts_appear_as_they_exist_and_a_question_typed_meanwhile_waits_its_turn(  # type: ignore[no-untyped-def]
    page, owner_app: str, endpoint: FakeEndpoint
) -> None:
    """A slow endpoint: the wait is named and timed, the chart shows while the insight still streams, a second
    question sent mid-answer is answered after it with the first as context, and Stop keeps what was finished."""
    model = ScriptedModel(insight=INSIGHT).on("each day", fenced(BY_DAY, "line x=day y=earthquakes"))
    model.on("strongest", fenced("SELECT max(mag) AS strongest FROM earthquakes"))
    endpoint.responder = model
    endpoint.delay, endpoint.token_delay = 1.0, 0.15
    page.goto(owner_app)
    box = page.get_by_placeholder("Ask a question about the data")
    box.fill("How many earthquakes happened each day?")
    box.press("Enter")
    page.get_by_text("⏳ Writing SQL · ").first.wait_for()
    assert page.get_by_text("Try one of these:").count() == 0  # the starters left at once
    box.fill("And the strongest one?")  # typed and sent while the first answer runs
    box.press("Enter")
    page.get_by_text("⏳ Waiting: answered after the question above.").wait_for()
    page.locator(".vega-embed").first.wait_for()  # the chart is there ...
    assert page.get_by_text("early that day.").count() == 0  # ... before the insight has finished streaming
    page.get_by_text("⏳ Writing the insight · ").first.wait_for()
    page.get_by_text("early that day.").first.wait_for()
    page.get_by_role("tab", name="Result (1 row)").wait_for()  # then the second question's answer
    assert page.locator("[data-testid='stChatMessage']").count() == 4  # two questions, two answers: none lost
    follow_up = next(b for b in model.seen if b["messages"][-1]["content"] == "And the strongest one?")
    assert follow_up["messages"][1]["content"] == "How many earthquakes happened each day?"


def test_long_category_labels_get_a_row_each_and_two_time_grains_a_heatmap(  # type: ignore[no-untyped-def]
    page, owner_app: str, endpoint: FakeEndpoint
) -> None:
    """Real use in Chromium: 10 places as horizontal bars showed 5 labels in a chart too short for them; counts per
    day and hour were a line zigzagging over the days."""
    model = ScriptedModel(insight="Done.")
    model.on("strongest", fenced("SELECT place, max(mag) AS mag FROM earthquakes GROUP BY 1 ORDER BY 2 DESC LIMIT 10"))
    model.on("and hour", fenced("SELECT time::DATE AS day, hour(time) AS hour, count(*) AS n FROM earthquakes "
                                "GROUP BY ALL ORDER BY 1, 2"))  # fmt: skip
    endpoint.responder = model
    page.goto(owner_app)
    box = page.get_by_placeholder("Ask a question about the data")
    box.fill("Which 10 places had the strongest earthquakes?")
    box.press("Enter")
    page.get_by_role("tab", name="Result (10 rows)").wait_for()
    box.fill("How many earthquakes per day and hour?")
    box.press("Enter")
    page.get_by_role("tab", name="Result (169 rows)").wait_for()
    charts = page.locator("[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg.marks")
    charts.nth(1).wait_for()
    heights = [charts.nth(i).bounding_box()["height"] for i in range(2)]
    assert heights[0] >= 10 * 22 and heights[1] >= 8 * 22  # a row per place, a row per day
    page.screenshot(path=str(ARTIFACTS / "chat-labels-heatmap.png"), full_page=True)
