"""In headless Chromium: a reload keeps the conversation (its id is in the URL), page switches keep the id,
and "New conversation" starts an empty chat under a new id."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from conversations.store import is_conversation_id
from tests.support.browser import ARTIFACTS
from tests.support.fake_endpoint import FakeEndpoint
from tests.support.scripted_model import ScriptedModel, fenced
from tests.support.streamlit_server import running_app

pytestmark = pytest.mark.browser

BY_DAY = "SELECT time::DATE AS day, count(*) AS earthquakes FROM earthquakes GROUP BY 1 ORDER BY 1"
INSIGHT = "The busiest day was 4 February with 301 earthquakes."
QUESTION = "How many earthquakes happened each day?"
WITH_ID = re.compile(r"[?&]c=[A-Za-z0-9_-]{32}(&|$)")


def conversation_id(url: str) -> str:
    values = parse_qs(urlparse(url).query).get("c", [])
    assert len(values) == 1 and is_conversation_id(values[0]), url
    return values[0]


def test_a_reload_keeps_the_conversation_and_new_conversation_starts_afresh(page, endpoint: FakeEndpoint) -> None:  # type: ignore[no-untyped-def]
    endpoint.responder = ScriptedModel(insight=INSIGHT).on("each day", fenced(BY_DAY, "line x=day y=earthquakes"))
    env = {"HUGGINGFACE_API_KEY": "hf_BrowserSaved000000001", "HUGGINGFACE_ENDPOINT_URL": endpoint.url}
    with running_app(env) as url:
        page.goto(url)
        page.wait_for_url(WITH_ID)  # the first run gives the conversation its id
        first_id = conversation_id(page.url)
        box = page.get_by_placeholder("Ask a question about the data")
        box.fill(QUESTION)
        box.press("Enter")
        page.get_by_role("tab", name="Result (8 rows)").wait_for()
        page.get_by_text(INSIGHT).wait_for()
        assert conversation_id(page.url) == first_id
        # The run that drew the answer keeps it when it ends; a reload before that brings the answer back stopped.
        page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(state="attached")

        page.reload()
        page.get_by_role("tab", name="Result (8 rows)").wait_for()  # the answer is back ...
        page.get_by_text(INSIGHT).wait_for()
        page.locator(".vega-embed").first.wait_for()
        assert page.locator("[data-testid='stChatMessage']").count() == 2  # ... with its question, once
        assert page.locator("[data-testid='stChatMessage']").first.inner_text().strip().endswith(QUESTION)
        assert conversation_id(page.url) == first_id

        page.get_by_role("link", name="Explore").click()  # switching pages keeps the id in the URL
        page.get_by_text("Explore your data").wait_for()
        page.wait_for_url(re.compile(rf"/explore\?(.*&)?c={first_id}(&|$)"))
        page.get_by_role("link", name="Chat").click()
        page.get_by_text(INSIGHT).wait_for()
        page.wait_for_url(re.compile(rf"[?&]c={first_id}(&|$)"))

        page.get_by_role("button", name="New conversation").click()
        page.get_by_text("Try one of these:").wait_for()
        page.wait_for_url(lambda now: WITH_ID.search(now) is not None and conversation_id(now) != first_id)
        assert page.locator("[data-testid='stChatMessage']").count() == 0
        second_id = conversation_id(page.url)

        page.reload()
        page.get_by_text("Try one of these:").wait_for()
        assert page.locator("[data-testid='stChatMessage']").count() == 0
        # Nothing was kept for the empty conversation, and an id with nothing behind it is never adopted
        # (a link could otherwise plant an id someone else knows): the reload gets an id of its own.
        page.wait_for_url(lambda now: WITH_ID.search(now) is not None and conversation_id(now) != second_id)
        assert "hf_BrowserSaved000000001" not in page.content()
    server_log = (ARTIFACTS / f"streamlit-{urlparse(url).port}.log").read_text()
    assert first_id not in server_log and second_id not in server_log  # ids are never logged
