"""The owner's token goes only to the owner's endpoint, and never into the page, the logs or messages."""

from __future__ import annotations

import logging

import pytest

from providers.client import EndpointState, ModelClient
from providers.endpoint_types import EndpointType
from providers.errors import ProviderError
from providers.settings import ProviderSettings
from tests.support.apptest import open_app
from tests.support.browser import ARTIFACTS
from tests.support.fake_endpoint import FakeEndpoint
from tests.support.scripted_model import ScriptedModel, fenced
from tests.support.streamlit_server import running_app_process

OWNER = "hf_OwnerSecretToken000000001"


def test_other_endpoints_never_receive_the_owner_token(
    endpoint: FakeEndpoint, second_endpoint: FakeEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUGGINGFACE_API_KEY", OWNER)
    monkeypatch.setenv("HUGGINGFACE_ENDPOINT_URL", endpoint.url)
    second_endpoint.responder = ScriptedModel(default=fenced("SELECT 1 AS x"))
    at = open_app().run()
    # A visitor points the sidebar at their own server: without their own key nothing is sent there.
    at.sidebar.text_input(key="sb_url").input(second_endpoint.url).run()
    assert at.sidebar.button[0].disabled  # "Test connection" waits for the visitor's own key
    at.chat_input[0].set_value("How many?").run()
    assert at.error[0].value.startswith("HuggingFace API key required.")
    assert second_endpoint.requests == []
    # The Endpoints page's comparison follows the same rule.
    at.switch_page("pages/endpoints.py").run()
    at.selectbox(key="cmp_type_1").set_value("dedicated").run()
    at.text_input(key="cmp_url_1").input(second_endpoint.url).run()
    compare = next(b for b in at.button if b.label == "Compare")
    assert compare.disabled  # no configuration may use the owner's token here, so nothing can run
    assert second_endpoint.requests == []
    assert OWNER not in str(at._tree)


def test_logs_and_errors_never_hold_the_token(endpoint: FakeEndpoint, caplog: pytest.LogCaptureFixture) -> None:
    endpoint.fail_next(1, 503, body={"error": "Model is currently loading", "estimated_time": 0.01})
    endpoint.fail_next(1, 401, body={"error": f"Bad token {OWNER} for this endpoint"})
    client = ModelClient(
        ProviderSettings(EndpointType.DEDICATED, "tgi", api_key=OWNER, endpoint_url=endpoint.url),
        state=EndpointState(),
        debug=True,
    )
    client.policy = client.policy.__class__(base_wait_s=0.01)
    with caplog.at_level(logging.DEBUG), pytest.raises(ProviderError) as caught:
        client.complete([{"role": "user", "content": "hi"}])
    assert OWNER not in str(caught.value) and OWNER not in repr(caught.value)
    assert caplog.records and all(OWNER not in r.getMessage() for r in caplog.records)
    assert OWNER not in repr(client.settings)
    assert all(OWNER not in str(row) for row in client.state.request_log.rows())


@pytest.mark.browser
def test_the_token_is_not_in_the_page_or_the_server_log(page, endpoint: FakeEndpoint) -> None:  # type: ignore[no-untyped-def]
    endpoint.responder = ScriptedModel(default=fenced("SELECT count(*) AS n FROM earthquakes"))
    endpoint.fail_next(1, 401, body={"error": f"token {OWNER} rejected"})
    env = {
        "HUGGINGFACE_API_KEY": OWNER,
        "HUGGINGFACE_ENDPOINT_URL": endpoint.url,
        "HUGGINGFACE_MODEL": "tgi",
        "DEBUG": "huggingface-provider",
    }
    with running_app_process(env) as (url, process):
        page.goto(f"{url}/?debug=huggingface-provider")
        box = page.get_by_placeholder("Ask a question about the data, or attach a file")
        box.fill("How many earthquakes?")
        box.press("Enter")
        page.get_by_text("Invalid API key").first.wait_for()
        box.fill("How many earthquakes?")
        box.press("Enter")
        page.get_by_role("tab", name="Result (1 row)").wait_for()
        page.get_by_role("button", name="Test connection").click()
        page.get_by_text("HTTP 200 in").wait_for()
        html = page.content()
        log_file = next(ARTIFACTS.glob(f"streamlit-{url.rsplit(':', 1)[1]}.log"))
    assert OWNER not in html
    log = log_file.read_text()
    assert "huggingface-provider" in log and "status=401" in log  # the debug log did run
    assert OWNER not in log
