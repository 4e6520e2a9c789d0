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


OWNER_APP_TOKEN = "hf_SharedOwnerApp000000001"


@pytest.fixture(scope="session")
def owner_app(_endpoint_server: FakeEndpoint) -> Iterator[str]:
    """The app's URL on a server of this test worker, run as an owner's demo (the owner's token, the loopback
    endpoint, model ``tgi``), for browser tests that need nothing else of their own: starting a server costs about
    three CPU-seconds. Each test's browser context is a new visitor with a budget of its own."""
    from tests.support.streamlit_server import running_app

    env = {
        "HUGGINGFACE_API_KEY": OWNER_APP_TOKEN,
        "HUGGINGFACE_ENDPOINT_URL": _endpoint_server.url,
        "HUGGINGFACE_MODEL": "tgi",
    }
    with running_app(env) as url:
        yield url


@pytest.fixture(scope="session")
def _postgres_server() -> Iterator[str]:
    from tests.support.postgres import running_postgres

    with running_postgres() as url:
        yield url


@pytest.fixture
def store_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[object]:
    """An engine on an empty store database of the kind the test is parametrized with (tests/support/stores.py),
    its schema made; None for the in-memory store. A PostgreSQL server starts once per test worker, when a test
    first needs it."""
    from conversations.sql_store import prepare_schema
    from tests.support.stores import empty_engine

    if request.param == "memory":
        yield None
        return
    with empty_engine(request.param, tmp_path, lambda: request.getfixturevalue("_postgres_server")) as engine:
        prepare_schema(engine)
        yield engine


@pytest.fixture
def make(store_engine: object) -> object:
    """A factory of empty conversation stores: ``make(limits=None, clock=None)``."""
    from conversations.memory_store import MemoryConversations
    from conversations.sql_store import SqlConversations

    def keeper(limits=None, clock=None):  # type: ignore[no-untyped-def]
        timing = {"clock": clock} if clock else {}
        if store_engine is None:
            return MemoryConversations(limits, **timing)
        return SqlConversations(store_engine, limits, **timing)  # type: ignore[arg-type]

    return keeper


@pytest.fixture
def make_ledger(store_engine: object) -> object:
    """A factory of empty usage ledgers: ``make_ledger(clock=None)``."""
    from conversations.sql_store import SqlUsageLedger
    from conversations.usage import UsageLedger

    def ledger(clock=None):  # type: ignore[no-untyped-def]
        timing = {"clock": clock} if clock else {}
        return UsageLedger(**timing) if store_engine is None else SqlUsageLedger(store_engine, **timing)  # type: ignore[arg-type]

    return ledger


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


@pytest.fixture(scope="session", autouse=True)
def component_manifests_scanned_once() -> Iterator[None]:
    """Each AppTest scans every installed package's metadata for Streamlit components (about 0.1 s); the installed
    packages do not change during a run, so one scan serves the worker's AppTests."""
    from streamlit.components.v2 import manifest_scanner

    scan = manifest_scanner.scan_component_manifests
    found: list = []

    def scanned_once(*args, **kwargs):  # type: ignore[no-untyped-def]
        if not found:
            found.append(scan(*args, **kwargs))
        return list(found[0])

    manifest_scanner.scan_component_manifests = scanned_once
    yield
    manifest_scanner.scan_component_manifests = scan


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
    # xdist hands out tests in this order. The heavy group (the twenty-tab load test, the deploy test) starts at
    # once on one of the three workers, and the longest browser tests on the others, so that none is left running
    # alone at the end; then the tests without a browser, then the other browser tests. Three workers on two cores:
    # the suite waits on browsers, servers and endpoints' delays for about 40% of its time.
    items.sort(
        key=lambda item: (
            item.get_closest_marker("xdist_group") is None,
            "long" not in item.keywords,
            "browser" in item.keywords,
        )
    )
    if config.getoption("--skip-load") and not IN_CI:
        for item in items:
            if "load" in item.keywords:
                item.add_marker(pytest.mark.skipif(True, reason="--skip-load"))
    if not IN_CI:  # locally, tests of a PostgreSQL store wait for Debian's postgresql; in CI they fail without it
        from tests.support.postgres import postgres_bin

        no_server = postgres_bin() is None
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(
                    pytest.mark.skipif(no_server, reason="PostgreSQL not installed (apt-get install postgresql)")
                )
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


@pytest.fixture(scope="session")
def _pages_context(browser):  # type: ignore[no-untyped-def]
    """One browser context for the ``page`` of every test of a worker: its memory cache keeps Streamlit's
    front end compiled between tests (a fresh context loads and compiles it again, about 0.6 s a test)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(STILL_PAGE_SCRIPT)
    yield context
    context.close()


@pytest.fixture
def page(_pages_context):  # type: ignore[no-untyped-def]
    """A new page of a new visitor: the shared context's cookies are cleared first (a visitor is the browser's
    cookie, ``conversations/visitors.py``), so no budget, conversation or sign-in carries over."""
    ARTIFACTS.mkdir(exist_ok=True)
    _pages_context.clear_cookies()
    page = _pages_context.new_page()
    page.set_default_timeout(90_000)  # the load test shares the two cores: answers can take a while
    yield page
    page.close()
    _pages_context.clear_cookies()
