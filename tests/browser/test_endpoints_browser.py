"""Run a side-by-side comparison in the real app in headless Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.support.browser import ARTIFACTS
from tests.support.fake_endpoint import FakeEndpoint
from tests.support.scripted_model import ScriptedModel, fenced

pytestmark = pytest.mark.browser

BY_TYPE = 'SELECT "magType", count(*) AS n FROM earthquakes GROUP BY 1'


def choose(page, selectbox, option: str) -> None:  # type: ignore[no-untyped-def]
    """Pick ``option`` from ``selectbox``; the list is opened again if it closed before the pick (it did once
    under full-suite load, with the page no longer running; it stays open through redraws when idle)."""
    for _attempt in range(3):
        selectbox.click()
        try:
            page.get_by_role("option", name=option).click(timeout=10_000)
            return
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
    raise AssertionError(f"the list never offered {option}")


def test_compare_two_endpoints_in_the_browser(
    page, owner_app: str, endpoint: FakeEndpoint, second_endpoint: FakeEndpoint
) -> None:  # type: ignore[no-untyped-def]
    endpoint.responder = ScriptedModel(default=fenced(BY_TYPE))
    second_endpoint.responder = ScriptedModel(default=fenced("SELECT type, count(*) AS n FROM earthquakes GROUP BY 1"))
    second_endpoint.delay = 0.5
    url = owner_app
    page.set_viewport_size({"width": 1400, "height": 1600})
    page.goto(f"{url}/endpoints")
    page.get_by_role("tab", name="Compare").click()
    # The page's first run ends before its widgets are used (a dropdown opened mid-run has closed under load).
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(state="attached")
    main = page.get_by_test_id("stMain")
    choose(page, main.locator("[data-testid='stSelectbox']").nth(2), "Dedicated Inference Endpoint")  # B's type
    url_boxes = main.locator("input[aria-label='Endpoint URL']")
    url_boxes.nth(1).fill(second_endpoint.url)
    url_boxes.nth(1).press("Enter")
    key_boxes = main.locator("input[aria-label='API key (optional)']")
    key_boxes.nth(1).fill("hf_BrowserCompareB00001")
    key_boxes.nth(1).press("Enter")
    page.get_by_role("button", name="Compare", exact=True).click()
    page.get_by_text("Result differs from A").wait_for()
    page.get_by_text("Result differs from B").wait_for()
    page.get_by_text("GROUP BY 1").first.wait_for(state="attached")
    page.screenshot(path=str(ARTIFACTS / "endpoints-compare.png"), full_page=True)
    assert second_endpoint.chat_requests()[0].headers["authorization"] == "Bearer hf_BrowserCompareB00001"
