"""The sidebar selector in AppTest, against the loopback endpoint."""

from __future__ import annotations

import pytest

from tests.support.apptest import configure_dedicated, open_app, texts
from tests.support.fake_endpoint import FakeEndpoint
from ui.state import RESOLVED

OWNER_TOKEN = "hf_OwnerToken00000000001"
VISITOR_TOKEN = "hf_VisitorToken000000002"


def test_the_app_opens_without_any_key_and_says_what_is_missing() -> None:
    at = open_app().run()
    assert not at.exception
    assert "HuggingFace API key required" in texts(at.sidebar.warning)
    assert at.sidebar.button[0].disabled


@pytest.mark.parametrize(
    ("kind", "has_url"), [("dedicated", True), ("serverless", False), ("inference-providers", False)]
)
def test_each_endpoint_type_shows_its_fields(kind: str, has_url: bool) -> None:
    at = open_app().run()
    at.sidebar.selectbox(key="sb_endpoint_type").set_value(kind).run()
    labels = [t.label for t in at.sidebar.text_input]
    assert ("Endpoint URL" in labels) is has_url
    assert "API key" in labels
    models = at.sidebar.selectbox(key="sb_model").options
    assert models[0].startswith("auto") is (kind == "dedicated")
    assert models[-1].startswith("custom")


def test_dedicated_needs_a_url_then_a_valid_one() -> None:
    at = open_app().run()
    at.sidebar.selectbox(key="sb_endpoint_type").set_value("dedicated").run()
    at.sidebar.text_input(key="sb_key").input(VISITOR_TOKEN).run()
    assert texts(at.sidebar.warning) == ["HuggingFace endpoint URL required"]
    at.sidebar.text_input(key="sb_url").input("not a url").run()
    assert "Endpoint URL must look like" in texts(at.sidebar.warning)[0]


def test_the_api_key_field_is_a_password_field_and_never_prefilled() -> None:
    at = open_app(secrets={"HUGGINGFACE_API_KEY": OWNER_TOKEN}).run()
    key_input = at.sidebar.text_input(key="sb_key")
    assert key_input.proto.type == key_input.proto.PASSWORD
    assert key_input.value == ""
    assert "Using the app's configured token." in texts(at.sidebar.caption)


def test_test_connection_runs_the_health_check(endpoint: FakeEndpoint) -> None:
    endpoint.models = ["my-served-model"]
    at = configure_dedicated(open_app().run(), endpoint.url, VISITOR_TOKEN)
    at.sidebar.button[0].click().run()
    assert not at.exception
    success = texts(at.sidebar.success)
    assert success and success[0].startswith("HTTP 200 in") and "my-served-model" in success[0]
    assert "Bearer hf_***" in at.sidebar.code[0].value
    assert endpoint.chat_requests()[-1].headers["authorization"] == f"Bearer {VISITOR_TOKEN}"


def test_test_connection_shows_a_clear_error(endpoint: FakeEndpoint) -> None:
    endpoint.fail_always(404)
    at = configure_dedicated(open_app().run(), endpoint.url, VISITOR_TOKEN)
    at.sidebar.selectbox(key="sb_model").set_value("meta-llama/Llama-3.1-8B-Instruct").run()
    at.sidebar.button[0].click().run()
    errors = texts(at.sidebar.error)
    assert errors and errors[0].startswith("Endpoint not found (or the model id is not served there)")


def test_the_owner_token_is_used_for_the_owner_endpoint(endpoint: FakeEndpoint) -> None:
    secrets = {"HUGGINGFACE_API_KEY": OWNER_TOKEN, "HUGGINGFACE_ENDPOINT_URL": endpoint.url}
    at = open_app(secrets=secrets).run()
    assert at.sidebar.selectbox(key="sb_endpoint_type").value == "dedicated"
    url_field = at.sidebar.text_input(key="sb_url")
    assert url_field.value == "" and url_field.placeholder == "The configured endpoint"  # the URL is not shown
    at.sidebar.button[0].click().run()
    assert endpoint.chat_requests()[-1].headers["authorization"] == f"Bearer {OWNER_TOKEN}"
    page = str(at._tree)
    assert OWNER_TOKEN not in page
    assert endpoint.url not in page and endpoint.url.split("://")[1] not in page  # not in the curl command either
    curl = " ".join(code.value for code in at.sidebar.code)
    assert "the configured endpoint/v1/chat/completions" in curl and endpoint.url not in curl


def test_the_owner_token_never_goes_to_a_url_the_visitor_typed(
    endpoint: FakeEndpoint, second_endpoint: FakeEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUGGINGFACE_API_KEY", OWNER_TOKEN)
    monkeypatch.setenv("HUGGINGFACE_ENDPOINT_URL", endpoint.url)
    at = open_app().run()
    at.sidebar.text_input(key="sb_url").input(second_endpoint.url).run()
    warning = texts(at.sidebar.warning)[0]
    assert warning.startswith("HuggingFace API key required.")
    assert "only sent to its configured endpoint" in warning
    assert at.sidebar.button[0].disabled
    at.sidebar.text_input(key="sb_key").input(VISITOR_TOKEN).run()
    at.sidebar.button[0].click().run()
    carried = [r.headers.get("authorization") for r in second_endpoint.requests]
    assert carried and all(value == f"Bearer {VISITOR_TOKEN}" for value in carried)


def test_custom_headers_are_validated_and_sent(endpoint: FakeEndpoint) -> None:
    at = configure_dedicated(open_app().run(), endpoint.url, VISITOR_TOKEN)
    at.sidebar.text_area(key="sb_headers").input("Bad Name: x").run()
    assert texts(at.sidebar.warning)[0].startswith("Custom headers: Header name")
    at.sidebar.text_area(key="sb_headers").input("X-Custom-Header: custom-value").run()
    at.sidebar.button[0].click().run()
    assert endpoint.chat_requests()[-1].headers["x-custom-header"] == "custom-value"


def test_debug_query_param_turns_on_the_request_log(endpoint: FakeEndpoint) -> None:
    at = open_app()
    at.query_params["debug"] = "huggingface-provider"
    at.run()
    assert at.sidebar.toggle(key="sb_debug").value is True
    configure_dedicated(at, endpoint.url, VISITOR_TOKEN)
    at.sidebar.button[0].click().run()
    assert "Last requests" in texts(at.sidebar.caption)
    table = at.sidebar.dataframe[0].value
    assert list(table["status"]) == ["200", "200"]  # GET /models for "auto", then the chat request
    assert VISITOR_TOKEN not in str(at._tree)


def test_debug_env_turns_on_debug_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEBUG", "huggingface-provider")
    at = open_app().run()
    assert at.sidebar.toggle(key="sb_debug").value is True


def test_a_cold_start_in_test_connection_is_retried(endpoint: FakeEndpoint) -> None:
    endpoint.fail_next(1, 503, body={"error": "Model is currently loading", "estimated_time": 0.01})
    at = configure_dedicated(open_app().run(), endpoint.url, VISITOR_TOKEN)
    at.sidebar.selectbox(key="sb_model").set_value("meta-llama/Llama-3.1-8B-Instruct").run()
    at.sidebar.button[0].click().run()
    assert texts(at.sidebar.success)[0].startswith("HTTP 200")
    assert len(endpoint.chat_requests()) == 2


def test_inference_providers_let_the_router_pick_unless_the_person_steers_it() -> None:
    at = open_app().run()
    at.sidebar.selectbox(key="sb_endpoint_type").set_value("inference-providers").run()
    at.sidebar.text_input(key="sb_key").input(VISITOR_TOKEN).run()
    routing = at.sidebar.selectbox(key="sb_routing")
    assert routing.options[:3] == ["auto (the router picks)", "fastest provider", "cheapest provider"]
    assert not at.session_state[RESOLVED].settings.model.count(":")  # the router picks by default
    routing.set_value("cheapest").run()
    assert at.session_state[RESOLVED].settings.model.endswith(":cheapest")
