"""In headless Chromium, two replicas of the app (two ``streamlit run`` processes on their own ports) sharing one
real PostgreSQL store, as behind a load balancer: the conversation made on one opens on the other for the same
browser (the same visitor in both), under the same id; a budget spent on one is spent on the other; a restarted
replica still opens the link; "Delete this conversation" on one closes the link on the other at once."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import sqlalchemy as sa

from analyst.answer import DONE, TablePart
from conversations.snapshot import restore_answers
from conversations.sql_store import SqlConversations, metadata
from conversations.store import is_conversation_id
from tests.support.browser import ARTIFACTS
from tests.support.fake_endpoint import FakeEndpoint
from tests.support.scripted_model import ScriptedModel, fenced
from tests.support.streamlit_server import running_app

pytestmark = [pytest.mark.browser, pytest.mark.long, pytest.mark.postgres]

BY_DAY = "SELECT time::DATE AS day, count(*) AS earthquakes FROM earthquakes GROUP BY 1 ORDER BY 1"
INSIGHT = "The busiest day was 4 February with 301 earthquakes."
QUESTION = "How many earthquakes happened each day?"
TOKEN = "hf_BrowserReplicas0000001"
WITH_ID = re.compile(r"[?&]c=[A-Za-z0-9_-]{32}(&|$)")
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def conversation_id(url: str) -> str:
    values = parse_qs(urlparse(url).query).get("c", [])
    assert len(values) == 1 and is_conversation_id(values[0]), url
    return values[0]


@pytest.fixture
def store_engine_url(_postgres_server: str) -> Iterator[str]:
    engine = sa.create_engine(_postgres_server)
    metadata.drop_all(engine)  # the replicas make the schema themselves
    engine.dispose()
    yield _postgres_server


def wait_until_kept(engine: sa.Engine, conversation_id: str, answers: int) -> None:
    """Until the store holds ``answers`` finished answers under the id (saves happen off the page's run)."""
    keeper, deadline = SqlConversations(engine), time.monotonic() + 60
    while True:
        kept = keeper.load(conversation_id)
        done = [a for a in restore_answers(kept.conversation) if a.status == DONE] if kept else []
        if len(done) >= answers and (answers == 0 or done[0].of_type(TablePart)):
            return
        assert time.monotonic() < deadline, "the conversation was not saved"
        time.sleep(0.1)


def ask(page, question: str) -> None:  # type: ignore[no-untyped-def]
    box = page.get_by_placeholder("Ask a question about the data")
    box.fill(question)
    box.press("Enter")


def test_two_replicas_share_conversations_and_budgets_and_a_restart_forgets_nothing(  # type: ignore[no-untyped-def]
    page, endpoint: FakeEndpoint, store_engine_url: str, tmp_path: Path
) -> None:
    endpoint.responder = ScriptedModel(insight=INSIGHT).on("each day", fenced(BY_DAY, "line x=day y=earthquakes"))
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text(
        f"""
HUGGINGFACE_API_KEY = "{TOKEN}"
HUGGINGFACE_ENDPOINT_URL = "{endpoint.url}"
HUGGINGFACE_MODEL = "tgi"
HUGGINGFACE_VISITOR_CALLS_PER_HOUR = 2

[connections.store]
url = "{store_engine_url}"
""",
        encoding="utf-8",
    )
    env = {"STREAMLIT_SECRETS_FILES": str(secrets_file)}
    engine = sa.create_engine(store_engine_url)
    logs = []
    with running_app(env) as replica_b:
        with running_app(env) as replica_a:
            page.goto(replica_a)
            page.wait_for_url(WITH_ID)  # the first run gives the conversation its id
            first_id = conversation_id(page.url)
            ask(page, QUESTION)
            page.get_by_role("tab", name="Result (8 rows)").wait_for()
            page.get_by_text(INSIGHT).wait_for()
            page.locator(IDLE).wait_for(state="attached")
            wait_until_kept(engine, first_id, 1)
            logs.append(urlparse(replica_a).port)

        page.goto(f"{replica_b}/?c={first_id}")  # the other replica: the same browser, the same visitor
        page.get_by_role("tab", name="Result (8 rows)").wait_for()
        page.get_by_text(INSIGHT).wait_for()
        page.locator(".vega-embed").first.wait_for()
        page.locator(IDLE).wait_for(state="attached")
        assert conversation_id(page.url) == first_id  # the visitor's own conversation: it goes on under its id
        assert "This conversation came from a link" not in page.content()

        sent = len(endpoint.chat_requests())
        ask(page, "And per hour of the day?")  # the two calls of this hour were spent on the other replica
        page.get_by_text("This demo's limit for one visitor is reached (2 model calls an hour").wait_for()
        assert len(endpoint.chat_requests()) == sent
        page.locator(IDLE).wait_for(state="attached")
        wait_until_kept(engine, first_id, 2)
        logs.append(urlparse(replica_b).port)

        with running_app(env) as restarted:  # replica A after a restart: nothing in its memory
            page.goto(f"{restarted}/?c={first_id}")
            page.get_by_text(INSIGHT).wait_for()
            page.get_by_text("And per hour of the day?").wait_for()
            assert conversation_id(page.url) == first_id
            page.get_by_role("button", name="Delete this conversation").click()
            page.get_by_text("Conversation deleted: its link no longer opens it.").wait_for()
            page.wait_for_url(lambda now: WITH_ID.search(now) is not None and conversation_id(now) != first_id)
            page.get_by_text("Try one of these:").wait_for()
            page.locator(IDLE).wait_for(state="attached")
            assert page.locator("[data-testid='stChatMessage']").count() == 0
            assert TOKEN not in page.content()
            logs.append(urlparse(restarted).port)

        page.goto(f"{replica_b}/?c={first_id}")  # deleted on one replica: gone on the other at once
        page.get_by_text("Try one of these:").wait_for()
        page.locator(IDLE).wait_for(state="attached")
        assert page.locator("[data-testid='stChatMessage']").count() == 0
        assert conversation_id(page.url) != first_id
    engine.dispose()
    for port in logs:
        server_log = (ARTIFACTS / f"streamlit-{port}.log").read_text()
        assert first_id not in server_log and TOKEN not in server_log  # ids and the token are never logged
