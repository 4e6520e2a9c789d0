"""A conversation survives a reload: a new browser session opened with the same ``c`` in its URL gets it back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from streamlit.testing.v1 import AppTest

from analyst.model_text import escape_markdown
from conversations.snapshot import INTERRUPTED
from conversations.store import is_conversation_id, new_conversation_id
from tests.support.apptest import ask, open_app, settle, texts
from tests.support.fake_endpoint import FakeEndpoint
from tests.support.scripted_model import ScriptedModel, fenced
from ui.saved_conversation import OPENED_FROM_LINK, URL_PARAM, conversation_store

TOKEN = "hf_SavedConversation00001"
BY_TYPE = 'SELECT "magType", count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY n DESC'
STATIONS = b"station,region,height_m\nZermatt,Valais,1608\nDavos,Graubunden,1560\nSion,Valais,482\n"


@pytest.fixture
def model(endpoint: FakeEndpoint) -> ScriptedModel:
    scripted = ScriptedModel().on("magnitude type", fenced(BY_TYPE, "bar x=magType y=n"))
    endpoint.responder = scripted
    return scripted


def reload(endpoint: FakeEndpoint, conversation_id: str | None) -> AppTest:
    """A new browser session (a reload) with ``conversation_id`` in its URL."""
    secrets = {"HUGGINGFACE_API_KEY": TOKEN, "HUGGINGFACE_ENDPOINT_URL": endpoint.url, "HUGGINGFACE_MODEL": "tgi"}
    at = open_app(secrets=secrets)
    if conversation_id is not None:
        at.query_params[URL_PARAM] = conversation_id
    return at.run()


def messages(at: AppTest) -> list[str]:
    return [m.markdown[0].value if m.markdown else "" for m in at.chat_message]


def url_id(at: AppTest) -> str:
    conversation_id = at.query_params[URL_PARAM]
    assert is_conversation_id(conversation_id)
    return conversation_id


def test_a_link_opened_in_another_session_shows_the_conversation_and_goes_on_under_a_new_id(
    endpoint: FakeEndpoint, model: ScriptedModel
) -> None:
    """AppTest sessions have no browser cookie, so each is another visitor: the id is the sender's and never
    adopted. (The same browser reloading keeps its id: tests/browser/test_saved_conversation_browser.py.)"""
    first = ask(reload(endpoint, None), "Which magnitude type is most common?")
    sender_id = url_id(first)
    again = reload(endpoint, sender_id)
    assert not again.exception
    assert messages(again) == ["Which magnitude type is most common?", "The result has 7 rows."]
    assert again.dataframe[0].value["n"].tolist()[0] == 1063 and len(again.get("vega_lite_chart")) == 1
    assert escape_markdown(OPENED_FROM_LINK) in texts(again.info)
    opener_id = url_id(again)
    assert opener_id != sender_id

    ask(again, "Which magnitude type again?")  # the copy goes on, kept under the opener's own id
    follow_up = model.seen[-2]["messages"]
    assert follow_up[1]["content"] == "Which magnitude type is most common?"  # the restored answer is context
    assert messages(reload(endpoint, opener_id))[0::2] == [
        "Which magnitude type is most common?",
        "Which magnitude type again?",
    ]
    assert messages(reload(endpoint, sender_id))[0::2] == ["Which magnitude type is most common?"]  # untouched
    assert TOKEN not in str(again._tree)


def test_an_answer_still_running_at_the_reload_comes_back_stopped_with_retry(
    endpoint: FakeEndpoint, model: ScriptedModel
) -> None:
    endpoint.delay = 1.0
    first = reload(endpoint, None)
    first.chat_input[0].set_value("Which magnitude type is most common?").run()  # still running
    conversation_id = url_id(first)
    again = reload(endpoint, conversation_id)
    assert messages(again)[0] == "Which magnitude type is most common?"
    assert f"ℹ️ {INTERRUPTED}" in texts(again.caption) and not again.get("vega_lite_chart")
    endpoint.delay = 0.0
    again.button(key="retry_0").click().run()
    settle(again)
    assert messages(again) == ["Which magnitude type is most common?", "The result has 7 rows."]
    assert len(reload(endpoint, url_id(again)).get("vega_lite_chart")) == 1  # the retried answer is kept


@pytest.mark.parametrize(
    "other",
    [new_conversation_id(), "not-an-id", "../../etc/passwd", "A" * 200, ""],
    ids=["unknown", "word", "path", "long", "empty"],
)
def test_another_or_an_invalid_id_starts_an_empty_conversation_with_its_own_id(
    endpoint: FakeEndpoint, model: ScriptedModel, other: str
) -> None:
    ask(reload(endpoint, None), "Which magnitude type is most common?")
    at = reload(endpoint, other)
    assert not at.exception
    assert messages(at) == [] and at.button(key="example_0")
    fresh = url_id(at)
    assert fresh != other  # never adopted: a link could otherwise plant an id its sender knows
    assert conversation_store().load(fresh) is None  # nothing stored for an empty conversation


def test_new_conversation_empties_the_chat_and_changes_the_id(endpoint: FakeEndpoint, model: ScriptedModel) -> None:
    at = ask(reload(endpoint, None), "Which magnitude type is most common?")
    old = url_id(at)
    next(b for b in at.sidebar.button if b.label == "New conversation").click().run()
    assert messages(at) == [] and at.button(key="example_0")
    new = url_id(at)
    assert new != old
    assert messages(reload(endpoint, old))[0::2] == ["Which magnitude type is most common?"]  # its link still opens
    ask(at, "Which magnitude type is most common?")
    assert len(messages(reload(endpoint, new))) == 2


def test_the_id_stays_in_the_url_across_page_switches(endpoint: FakeEndpoint, model: ScriptedModel) -> None:
    at = ask(reload(endpoint, None), "Which magnitude type is most common?")
    conversation_id = url_id(at)
    at.query_params.clear()  # as a page switch that drops the query string would
    at.switch_page("pages/explore.py").run()
    assert "Explore your data" in texts(at.title) and url_id(at) == conversation_id
    assert len(messages(reload(endpoint, conversation_id))) == 2


@pytest.fixture
def small_cap() -> Iterator[None]:
    store = conversation_store()
    kept = store.limits
    store.limits = replace(kept, max_conversation_bytes=50_000)
    yield
    store.limits = kept


def test_loaded_tables_come_back_when_they_fit_and_the_page_says_which_did_not(
    endpoint: FakeEndpoint, model: ScriptedModel, small_cap: None
) -> None:
    at = reload(endpoint, None).switch_page("pages/explore.py").run()
    at.file_uploader[0].set_value(("stations.csv", STATIONS, "text/csv")).run()
    big = b"n,label\n" + b"".join(b"%d,row number %d\n" % (i, i) for i in range(20_000))
    at.file_uploader[0].set_value(("big.csv", big, "text/csv")).run()
    assert {"**stations** — 3 rows · 3 columns", "**big** — 20,000 rows · 2 columns"} <= {e.label for e in at.expander}

    again = reload(endpoint, url_id(at))
    assert not again.exception
    caption = texts(again.caption)[0]
    assert "stations (3 rows)" in caption and "big" not in caption
    note = "The conversation was restored; uploaded table big was too large to keep — load it again to ask about it."
    assert escape_markdown(note) in texts(again.info)

    again.switch_page("pages/explore.py").run()
    again.file_uploader[0].set_value(("big.csv", big, "text/csv")).run()
    again.switch_page("pages/chat.py").run()
    assert texts(again.info) == [escape_markdown(OPENED_FROM_LINK)]  # loaded again: the table's note has done its job
