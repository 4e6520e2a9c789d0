"""Shared fixtures: the loopback model endpoint, and a clean environment for configuration."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from providers.retry import RetryPolicy
from tests.support.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, IN_CI, STILL_PAGE_SCRIPT
from tests.support.fake_endpoint import FakeEndpoint

CONFIG_NAMES = (
    "HUGGINGFACE_API_KEY",
    "HF_TOKEN",
    "HUGGINGFACE_ENDPOINT_TYPE",
    "HUGGINGFACE_ENDPOINT_URL",
    "HUGGINGFACE_MODEL",
    "DEBUG",
)

# Fast but real waits: tests measure gaps between retries at the server.
FAST_RETRIES = RetryPolicy(max_retries=3, base_wait_s=0.05, max_wait_s=0.5, jitter_s=0.01)


@pytest.fixture(scope="session")
def _endpoint_server() -> Iterator[FakeEndpoint]:
    server = FakeEndpoint()
    yield server
    server.stop()


@pytest.fixture
def endpoint(_endpoint_server: FakeEndpoint) -> Iterator[FakeEndpoint]:
    """The loopback OpenAI-compatible server, reset for each test."""
    _endpoint_server.reset()
    yield _endpoint_server
    _endpoint_server.reset()


@pytest.fixture
def second_endpoint() -> Iterator[FakeEndpoint]:
    server = FakeEndpoint()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def clean_config_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's own HuggingFace configuration."""
    for name in CONFIG_NAMES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def fresh_app_store() -> None:
    """Each test's app sessions start with an empty store (kept conversations, the owner's usage records), as a
    fresh server process would: AppTest runs every session of a test worker in this one process."""
    from ui.store import app_store

    app_store.clear()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--skip-load", action="store_true", help="skip the long many-sessions load test (never in CI)")


# Browser tests: headless Chromium (Debian's `chromium`) driven by Playwright. In CI (CI=true) a
# browser that cannot start is a failure; locally they are skipped when Chromium is not installed.
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Longest first: xdist hands out tests in this order, so the browser tests start at once and the quick
    # ones fill the end of the run on both workers instead of one worker finishing a browser test alone.
    items.sort(key=lambda item: "browser" not in item.keywords)
    if config.getoption("--skip-load") and not IN_CI:
        for item in items:
            if "load" in item.keywords:
                item.add_marker(pytest.mark.skipif(True, reason="--skip-load"))
    if IN_CI or Path(CHROMIUM).exists():
        return
    reason = f"Chromium not found at {CHROMIUM} (install Debian's chromium; in CI this fails instead)"
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.skipif(True, reason=reason))


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(STILL_PAGE_SCRIPT)
    page = context.new_page()
    page.set_default_timeout(90_000)  # the load test shares the two cores: answers can take a while
    yield page
    context.close()
