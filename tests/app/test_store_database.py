"""With ``[connections.store]`` in the secrets, conversations (with their tables) and budgets live in a database,
SQLite or a real PostgreSQL server: they survive a restart (a new store over the same database, as a restarted
server makes), "Delete this conversation" removes one at once, and a database that cannot be used leaves the app
working in memory, saying so without showing or logging any secret."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analyst.model_text import escape_markdown
from conversations.sql_store import metadata
from tests.support.apptest import ask, open_app, texts
from tests.support.fake_endpoint import FakeEndpoint
from tests.support.scripted_model import ScriptedModel, fenced
from ui.saved_conversation import DELETED, NOT_DELETED, STORE_UNAVAILABLE, URL_PARAM
from ui.state import SAVE_TICKET
from ui.store import UNREACHABLE, app_store

pytestmark = pytest.mark.xdist_group("postgres")  # one PostgreSQL server for the store's tests

TOKEN = "hf_StoreDatabase000000001"
BY_TYPE = 'SELECT "magType", count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY n DESC'
BY_STATION = "SELECT station, height_m FROM stations ORDER BY height_m DESC"
STATIONS = b"station,region,height_m\nZermatt,Valais,1608\nDavos,Graubunden,1560\nSion,Valais,482\n"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    import sqlalchemy as sa

    url = request.getfixturevalue("_postgres_server")
    engine = sa.create_engine(url)
    metadata.drop_all(engine)  # the app makes its own schema on first use
    engine.dispose()
    yield url


@pytest.fixture
def model(endpoint: FakeEndpoint) -> ScriptedModel:
    scripted = ScriptedModel().on("magnitude type", fenced(BY_TYPE)).on("stations", fenced(BY_STATION))
    endpoint.responder = scripted
    return scripted


def open_with_store(endpoint: FakeEndpoint, url: str, conversation_id: str | None = None, **more: str) -> AppTest:
    """A new browser session of an app whose secrets name the store's database."""
    at = open_app(
        secrets={
            "HUGGINGFACE_API_KEY": TOKEN,
            "HUGGINGFACE_ENDPOINT_URL": endpoint.url,
            "HUGGINGFACE_MODEL": "tgi",
            **more,
        }
    )
    at.secrets["connections"] = {"store": {"url": url}}
    if conversation_id is not None:
        at.query_params[URL_PARAM] = conversation_id
    return at.run()


def saved(at: AppTest) -> str:
    """Wait until the saver thread has written this session's conversation; its id."""
    ticket = at.session_state[SAVE_TICKET]
    deadline = time.monotonic() + 20
    while ticket.busy:
        assert time.monotonic() < deadline, "the save did not finish"
        time.sleep(0.02)
    assert not ticket.failed
    return ticket.conversation_id


def restart() -> None:
    """What a restarted server has: nothing in memory, the same database."""
    app_store.clear()


def messages(at: AppTest) -> list[str]:
    return [m.markdown[0].value if m.markdown else "" for m in at.chat_message]


def test_a_conversation_with_its_uploaded_table_and_the_budget_survive_a_restart(
    endpoint: FakeEndpoint, model: ScriptedModel, store_url: str
) -> None:
    daily = {"HUGGINGFACE_CALLS_PER_DAY": "3"}  # a question is two calls
    at = open_with_store(endpoint, store_url, **daily)
    assert app_store().saver is not None and "database" in app_store().where
    at.switch_page("pages/explore.py").run()
    at.file_uploader[0].set_value(("stations.csv", STATIONS, "text/csv")).run()
    at.switch_page("pages/chat.py").run()
    ask(at, "Which stations are highest?")
    conversation_id = saved(at)
    assert at.query_params[URL_PARAM] == conversation_id

    restart()
    again = open_with_store(endpoint, store_url, conversation_id, **daily)
    assert not again.exception
    assert messages(again)[0] == "Which stations are highest?"
    assert again.dataframe[0].value["station"].tolist() == ["Zermatt", "Davos", "Sion"]
    assert "stations (3 rows)" in texts(again.caption)[0]  # the uploaded table came back with it
    sent = len(endpoint.chat_requests())
    ask(again, "Which magnitude type is most common?")  # the day's third call is its last, the insight is refused
    assert len(endpoint.chat_requests()) == sent + 1  # a forgotten budget would have let both calls through
    assert any("used its budget for the day (3 model calls" in c for c in texts(again.caption))


def test_delete_removes_the_conversation_at_once_and_its_link_no_longer_opens(
    endpoint: FakeEndpoint, model: ScriptedModel, store_url: str
) -> None:
    at = ask(open_with_store(endpoint, store_url), "Which magnitude type is most common?")
    conversation_id = saved(at)
    assert app_store().conversations.load(conversation_id) is not None
    next(b for b in at.sidebar.button if b.label == "Delete this conversation").click().run()
    assert app_store().conversations.load(conversation_id) is None  # at once, not after a save
    assert messages(at) == [] and at.query_params[URL_PARAM] != conversation_id
    assert escape_markdown(DELETED) in [t.value for t in at.toast]
    restart()
    assert messages(open_with_store(endpoint, store_url, conversation_id)) == []


def test_a_database_that_cannot_be_used_leaves_the_app_in_memory_and_no_secret_anywhere(
    endpoint: FakeEndpoint, model: ScriptedModel, caplog: pytest.LogCaptureFixture
) -> None:
    password = "Sup3rSecretStorePassword"
    url = f"postgresql+psycopg://chat:{password}@127.0.0.1:9/chat?connect_timeout=2"  # port 9: nobody listens
    with caplog.at_level(logging.INFO):
        at = ask(open_with_store(endpoint, url), "Which magnitude type is most common?")
    assert not at.exception and messages(at)[1] == "The result has 7 rows."
    assert escape_markdown(UNREACHABLE) in texts(at.sidebar.warning)
    assert app_store().where == "this server's memory"
    assert "could not be used (OperationalError" in caplog.text
    assert password not in caplog.text and password not in str(at._tree)


def test_a_store_that_stops_answering_loses_no_page_and_never_spends_the_token_unaccounted(
    endpoint: FakeEndpoint, model: ScriptedModel, tmp_path: Path
) -> None:
    import sqlalchemy as sa

    url = f"sqlite:///{tmp_path / 'store.db'}"
    at = ask(open_with_store(endpoint, url), "Which magnitude type is most common?")
    conversation_id = saved(at)
    engine = sa.create_engine(url)
    metadata.drop_all(engine)  # the database no longer holds the store: every query of it fails
    engine.dispose()

    again = open_with_store(endpoint, url, conversation_id)  # a link opened meanwhile
    assert not again.exception and messages(again) == []
    assert escape_markdown(STORE_UNAVAILABLE) in texts(again.info)
    sent = len(endpoint.chat_requests())
    ask(again, "Which magnitude type is most common?")
    assert not again.exception and len(endpoint.chat_requests()) == sent  # no budget check, no call
    assert any("could not check its budget just now" in e for e in texts(again.error))
    next(b for b in at.sidebar.button if b.label == "Delete this conversation").click().run()
    assert not at.exception and escape_markdown(NOT_DELETED) in [t.value for t in at.toast]
    assert messages(at)[0] == "Which magnitude type is most common?"  # nothing changed: they can try again
