"""Share in the real app: the link an answer offers, opened in a fresh browser session, shows the same table
with no model call."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.browser import ARTIFACTS
from tests.support.fake_endpoint import FakeEndpoint
from tests.support.scripted_model import ScriptedModel, fenced

pytestmark = pytest.mark.browser

QUESTION = "Which magnitude type is most common?"
BY_TYPE = 'SELECT "magType", count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY n DESC'


def test_a_share_link_opens_the_answer_in_a_fresh_session(
    browser, page, owner_app: str, endpoint: FakeEndpoint
) -> None:  # type: ignore[no-untyped-def]
    endpoint.responder = ScriptedModel(insight="Most events are ml.").on("magnitude type", fenced(BY_TYPE))
    url = owner_app
    page.goto(url)
    box = page.get_by_placeholder("Ask a question about the data")
    box.fill(QUESTION)
    box.press("Enter")
    page.get_by_role("tab", name="Result (7 rows)").wait_for()
    page.get_by_test_id("stPopoverButton").filter(has_text="Share").click()
    code = page.locator("[data-testid='stCode'] code").filter(has_text="sql=").first
    code.wait_for()
    link = code.inner_text().strip()
    assert link.startswith(f"{url}/?q=")  # the full address of the chat page, from st.context.url
    assert parse_qs(urlsplit(link).query) == {"q": [QUESTION], "sql": [BY_TYPE]}
    asked = len(endpoint.chat_requests())

    context = browser.new_context(viewport={"width": 1400, "height": 1000})  # another visitor
    try:
        visitor = context.new_page()
        visitor.set_default_timeout(90_000)
        visitor.goto(link)
        visitor.get_by_text("Shared answer: the SQL was rerun on this session's data").wait_for()
        visitor.get_by_role("tab", name="Result (7 rows)").wait_for()
        visitor.get_by_text("1063", exact=True).first.wait_for(state="attached")  # the table's top count
        visitor.wait_for_function("() => !window.location.search.includes('sql=')")  # a reload adds nothing
        visitor.screenshot(path=str(ARTIFACTS / "shared-answer.png"), full_page=True)
    finally:
        context.close()
    assert len(endpoint.chat_requests()) == asked
