"""The real app in headless Chromium: open it and run "Test connection" against the loopback endpoint."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import OWNER_APP_TOKEN
from tests.support.browser import ARTIFACTS
from tests.support.fake_endpoint import FakeEndpoint
from tests.support.streamlit_server import running_app

pytestmark = pytest.mark.browser


def test_test_connection_in_the_browser(page, owner_app: str, endpoint: FakeEndpoint) -> None:  # type: ignore[no-untyped-def]
    page.goto(owner_app)
    page.get_by_text("Using the app's configured token.").wait_for()
    page.get_by_role("button", name="Test connection").click()
    page.get_by_text("HTTP 200 in").wait_for()
    assert "from tgi" in page.get_by_text("HTTP 200 in").inner_text()  # the configured model answered
    page.screenshot(path=str(ARTIFACTS / "sidebar-test-connection.png"), full_page=True)
    assert OWNER_APP_TOKEN not in page.content()
    assert endpoint.chat_requests()[-1].headers["authorization"] == f"Bearer {OWNER_APP_TOKEN}"


@pytest.fixture(scope="module")
def keyless_app() -> Iterator[str]:
    """The app with no token configured anywhere, as a visitor of a fresh deployment sees it."""
    with running_app() as url:
        yield url


def test_the_app_opens_without_any_key_and_takes_one_typed_and_left_with_tab(page, keyless_app: str) -> None:  # type: ignore[no-untyped-def]
    """Real use: a key typed and left with Tab was not taken (Tab landed on the field's own "Show password")."""
    page.goto(keyless_app)
    page.get_by_text("HuggingFace API key required").first.wait_for()
    assert page.get_by_role("button", name="Test connection").is_disabled()
    box = page.locator("input[aria-label='API key']")
    box.click()
    box.press_sequentially("hf_TypedThenTab000000001")
    page.keyboard.press("Tab")
    page.get_by_role("button", name="Test connection").and_(page.locator(":enabled")).wait_for()
    assert page.get_by_text("HuggingFace API key required").count() == 0


def test_a_direct_url_as_a_fresh_server_s_first_request_runs_app_py(page) -> None:  # type: ignore[no-untyped-def]
    """With a pages/ folder, Streamlit 1.67 runs a fresh process's first script run as a v1 multipage app;
    run_inside_app() makes the page run app.py, so a shared link to /explore keeps the sidebar."""
    with running_app() as url:
        page.goto(f"{url}/explore")  # the first request this server process ever gets
        page.get_by_text("Explore your data").first.wait_for()
        page.get_by_role("button", name="Test connection").wait_for()  # app.py ran: its sidebar is there
        page.goto(f"{url}/endpoints")
        page.get_by_text("Health and wake-up").first.wait_for()
        page.get_by_role("button", name="Test connection").wait_for()


def test_the_app_follows_the_browser_s_light_or_dark_preference(browser, keyless_app: str) -> None:  # type: ignore[no-untyped-def]
    backgrounds = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        page = context.new_page()
        page.set_default_timeout(90_000)
        page.goto(keyless_app)
        page.get_by_text("Chat with your data").first.wait_for()
        backgrounds[scheme] = page.evaluate(
            "getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor"
        )
        context.close()
    assert backgrounds == {"light": "rgb(255, 255, 255)", "dark": "rgb(15, 23, 32)"}  # .streamlit/config.toml
