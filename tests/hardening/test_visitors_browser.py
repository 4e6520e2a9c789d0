"""In headless Chromium, as an attacker would try it: a conversation link never lets its sender read what the
opener does next; two tabs on one link lose nothing; the owner's budget belongs to the browser, so another tab or a
page opened afresh does not renew it; and the owner's endpoint URL never reaches a visitor's page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest

from conversations.store import is_conversation_id
from tests.support.fake_endpoint import FakeEndpoint
from tests.support.scripted_model import ScriptedModel, fenced
from tests.support.streamlit_server import running_app

pytestmark = [pytest.mark.browser, pytest.mark.long]

BY_TYPE = 'SELECT "magType", count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY n DESC'
SALARIES = "name,salary\nAlice Secretperson,123456\nBob Hiddenname,98765\n"
BY_NAME = "SELECT name, salary FROM salaries ORDER BY salary DESC"
WITH_ID = re.compile(r"[?&]c=[A-Za-z0-9_-]{32}(&|$)")
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def conversation_id(url: str) -> str:
    values = parse_qs(urlparse(url).query).get("c", [])
    assert len(values) == 1 and is_conversation_id(values[0]), url
    return values[0]


def ask(page, question: str, result_tab: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_placeholder("Ask a question about the data").fill(question)
    page.get_by_test_id("stChatInputSubmitButton").click()  # waits until it is enabled: an attached file is up
    page.get_by_role("tab", name=result_tab).wait_for()
    page.locator(IDLE).wait_for(state="attached")  # the run that drew the answer has kept it


def new_browser(browser):  # type: ignore[no-untyped-def]
    """A browser of its own (its own cookies), patient as the suite's other browser tests are under load."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(90_000)
    return context


@pytest.fixture(scope="module")
def app_url(_endpoint_server: FakeEndpoint) -> Iterator[str]:
    """One app for this module's tests, on the owner's token, with two model calls (one question) per visitor an
    hour: each test's browsers are new visitors."""
    env = {
        "HUGGINGFACE_API_KEY": "hf_OwnerVisitors00000001",
        "HUGGINGFACE_ENDPOINT_URL": _endpoint_server.url,
        "HUGGINGFACE_MODEL": "tgi",
        "HUGGINGFACE_VISITOR_CALLS_PER_HOUR": "2",
    }
    with running_app(env) as url:
        yield url


def run_edited_sql(page, sql: str, result_tab: str) -> None:  # type: ignore[no-untyped-def]
    """Change the first answer without a model call: its SQL, edited and run."""
    page.get_by_role("tab", name="SQL").first.click()
    page.get_by_label("Edit the SQL").first.fill(sql)
    page.get_by_role("button", name="Run edited SQL").first.click()
    page.get_by_role("tab", name=result_tab).wait_for()
    page.locator(IDLE).wait_for(state="attached")


def test_a_link_shows_the_conversation_but_its_sender_never_sees_what_the_opener_adds(  # type: ignore[no-untyped-def]
    browser, app_url: str, endpoint: FakeEndpoint, tmp_path
) -> None:
    endpoint.responder = (
        ScriptedModel(insight="Noted.").on("magnitude type", fenced(BY_TYPE)).on("salaries", fenced(BY_NAME))
    )
    salaries = tmp_path / "salaries.csv"
    salaries.write_text(SALARIES)
    attacker_context, victim_context = new_browser(browser), new_browser(browser)  # two XSRF cookies
    url = app_url
    try:
        attacker = attacker_context.new_page()
        attacker.goto(url)
        attacker.wait_for_url(WITH_ID)
        ask(attacker, "Which magnitude type is most common?", "Result (7 rows)")
        planted = conversation_id(attacker.url)

        victim = victim_context.new_page()
        victim.goto(f"{url}/?c={planted}")  # the link the attacker sent
        victim.get_by_role("tab", name="Result (7 rows)").wait_for()  # the conversation is shown ...
        victim.get_by_text("This conversation came from a link.", exact=False).wait_for()
        victim.wait_for_url(lambda now: WITH_ID.search(now) is not None and conversation_id(now) != planted)
        own = conversation_id(victim.url)  # ... and goes on under an id the attacker does not know
        # The victim attaches a file to a question, as the chat input allows.
        victim.locator("[data-testid='stChatInput'] input[type='file']").set_input_files(str(salaries))
        ask(victim, "Who earns most? Use the salaries table", "Result (2 rows)")
        assert conversation_id(victim.url) == own

        attacker.goto(f"{url}/?c={planted}")  # the attacker reopens the link they planted
        attacker.get_by_role("tab", name="Result (7 rows)").wait_for()
        attacker.locator(IDLE).wait_for(state="attached")
        seen = attacker.content()
        assert "Who earns most" not in seen and "Secretperson" not in seen and "salaries" not in seen
        assert attacker.locator("[data-testid='stChatMessage']").count() == 2
        assert conversation_id(attacker.url) == planted  # the same browser goes on under its own id

        victim.reload()  # and the victim's reload keeps the victim's conversation, under the victim's id
        victim.get_by_role("tab", name="Result (2 rows)").wait_for()
        assert conversation_id(victim.url) == own
    finally:
        attacker_context.close()
        victim_context.close()


def test_two_tabs_on_one_link_keep_both_answers_and_one_budget_and_never_show_the_endpoint(  # type: ignore[no-untyped-def]
    browser, app_url: str, endpoint: FakeEndpoint
) -> None:
    endpoint.responder = ScriptedModel(insight="Noted.").on("magnitude type", fenced(BY_TYPE))
    context = new_browser(browser)
    try:
        first = context.new_page()
        first.goto(app_url)
        first.wait_for_url(WITH_ID)
        ask(first, "Which magnitude type is most common?", "Result (7 rows)")
        shared = conversation_id(first.url)
        second = context.new_page()
        second.goto(f"{app_url}/?c={shared}")  # the same browser: it goes on under the same id
        second.get_by_role("tab", name="Result (7 rows)").wait_for()
        second.locator(IDLE).wait_for(state="attached")
        assert conversation_id(second.url) == shared
        run_edited_sql(first, "SELECT 'first tab' AS edited_in", "Result (1 row)")
        run_edited_sql(second, "SELECT 'second tab' AS edited_in", "Result (1 row)")
        ids = [conversation_id(first.url), conversation_id(second.url)]
        assert ids[0] == shared and ids[1] != shared  # the tab that saved second went on under a new id
        reopened = context.new_page()
        for conversation, edit in zip(ids, ("first tab", "second tab"), strict=True):
            reopened.goto(f"{app_url}/?c={conversation}")
            reopened.get_by_role("tab", name="Result (1 row)").first.wait_for()
            reopened.get_by_role("tab", name="SQL").first.click()
            reopened.get_by_text(f"SELECT '{edit}' AS edited_in").first.wait_for(state="attached")

        # The owner's budget is the browser's: its one question spent it (two calls), and neither the other tab nor
        # a page opened afresh renews it. (Another browser has a budget of its own: the link test's two browsers
        # each ask within this limit.)
        for tab in (second, reopened):
            box = tab.get_by_placeholder("Ask a question about the data")
            box.fill("Which magnitude type again?")
            box.press("Enter")
            tab.get_by_text("This demo's limit for one visitor is reached", exact=False).first.wait_for()
        assert len(endpoint.chat_requests()) == 2  # one question asked; the edits and the refused ones sent nothing
        host = endpoint.url.split("://")[1]
        reopened.get_by_role("button", name="Test connection").click()  # refused too, and its curl hides the URL
        reopened.get_by_text("Equivalent curl command").wait_for()
        for shown in (first, second, reopened):
            assert host not in shown.content()
            assert shown.get_by_placeholder("The configured endpoint").count() == 1
    finally:
        context.close()
