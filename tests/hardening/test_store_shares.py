"""One visitor cannot push out another: links that make large answers, opened again and again, evict the
opener's own kept conversations (or, from many throwaway visitors, the biggest holders first), never the
small conversation of someone else. Through the real app (AppTest: each session is a visitor without a cookie,
like a script that throws its cookies away)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from streamlit.testing.v1 import AppTest

from tests.support.apptest import ask, open_app
from tests.support.fake_endpoint import FakeEndpoint
from tests.support.scripted_model import ScriptedModel, fenced
from ui.saved_conversation import URL_PARAM, conversation_store

BY_TYPE = 'SELECT "magType", count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY n DESC'
HEAVY = "SELECT lpad('', 1400, 'x') AS s FROM range(400)"  # the probe's link, at this test's scale


@pytest.fixture
def small_store() -> Iterator[None]:
    """Caps at a tenth of a megabyte or so, so that a few links fill the store."""
    store = conversation_store()
    kept = store.limits
    store.limits = replace(kept, max_total_bytes=2_500_000, max_visitor_bytes=1_500_000)
    yield
    store.limits = kept


def owner_app(endpoint: FakeEndpoint) -> AppTest:
    secrets = {"HUGGINGFACE_API_KEY": "hf_StoreShares00000001", "HUGGINGFACE_ENDPOINT_URL": endpoint.url}
    return open_app(secrets=secrets | {"HUGGINGFACE_MODEL": "tgi"})


def test_links_opened_again_and_again_never_evict_someone_else_s_conversation(
    endpoint: FakeEndpoint, small_store: None
) -> None:
    endpoint.responder = ScriptedModel().on("magnitude type", fenced(BY_TYPE))
    victim = ask(owner_app(endpoint).run(), "Which magnitude type is most common?")
    victim_id = victim.query_params[URL_PARAM]
    store = conversation_store()
    assert store.load(victim_id) is not None

    flooders = []
    for number in range(6):  # each a new visitor keeping a ~0.6 MB answer: twice what the store holds in all
        at = owner_app(endpoint)
        at.query_params["q"], at.query_params["sql"] = f"flood {number}", HEAVY
        flooders.append(at.run())
        assert not at.exception
    assert store.holding()[1] <= store.limits.max_total_bytes
    assert store.load(victim_id) is not None  # the small conversation of someone else stays
    kept = [store.load(at.query_params[URL_PARAM]) is not None for at in flooders]
    assert kept[-1] and not all(kept)  # the flood pushed out its own

    again = owner_app(endpoint)
    again.query_params[URL_PARAM] = victim_id
    assert "Which magnitude type is most common?" in [m.markdown[0].value for m in again.run().chat_message]
