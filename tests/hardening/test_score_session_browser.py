"""A running accuracy score stops when its browser tab closes (issue 25, item 7), on the real server: there the
session check asks Streamlit's runtime, which AppTest does not have. The probe's score went on for 15 minutes
after the tab had closed."""

from __future__ import annotations

import time

import pytest

from tests.support.fake_endpoint import FakeEndpoint
from tests.support.scripted_model import ScriptedModel, fenced
from ui.question_upload import RECONNECT_GRACE_S

pytestmark = pytest.mark.browser

QUESTIONS = 34  # bench/questions.json
REPLY_S = 0.4  # the endpoint's time per reply: a score left alone sends requests for 14 s or more
QUIET_S = 1.5  # no request for this long: the score is no longer running (it sends one per reply while it runs)


def requests_once_quiet(endpoint: FakeEndpoint, deadline: float) -> int:
    """The number of model requests once none has arrived for ``QUIET_S`` (or at ``deadline``)."""
    count, since = len(endpoint.chat_requests()), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = len(endpoint.chat_requests())
        if now != count:
            count, since = now, time.monotonic()
        elif time.monotonic() - since >= QUIET_S:
            break
    return count


def test_closing_the_tab_stops_the_running_score(browser, owner_app: str, endpoint: FakeEndpoint) -> None:  # type: ignore[no-untyped-def]
    endpoint.responder = ScriptedModel(default=fenced("SELECT count(*) FROM earthquakes"))
    endpoint.delay = REPLY_S
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{owner_app}/endpoints")
    page.get_by_role("tab", name="Accuracy score").click()
    page.get_by_role("button", name="Run accuracy score").click()
    page.get_by_role("button", name="Stop scoring").wait_for()
    deadline = time.monotonic() + 30
    while len(endpoint.chat_requests()) < 2:
        assert time.monotonic() < deadline, "the score sent no requests"
        time.sleep(0.05)
    context.close()  # the tab closes, and its websocket with it
    closed_with = len(endpoint.chat_requests())
    sent = requests_once_quiet(endpoint, time.monotonic() + RECONNECT_GRACE_S + 20)
    # Left alone it would have asked all 34; stopped, it asked at most those of the grace a reconnect gets.
    assert sent < QUESTIONS
    assert sent <= closed_with + (RECONNECT_GRACE_S + 1) / REPLY_S + 1
