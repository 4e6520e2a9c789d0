"""The provider layer against the loopback endpoint: real OpenAI SDK, real HTTP."""

from __future__ import annotations

import email.utils
import logging
import time
from datetime import UTC, datetime, timedelta

import pytest

from providers.catalog import model_choices
from providers.client import EndpointState, ModelClient
from providers.endpoint_types import EndpointType
from providers.errors import ProviderError
from providers.health import run_health_check
from providers.huggingface import HuggingFaceProvider
from providers.retry import RetryNotice, RetryPolicy
from providers.selection import Selection, resolve_selection
from providers.settings import ProviderSettings, read_configuration
from tests.conftest import FAST_RETRIES
from tests.support.fake_endpoint import FakeEndpoint

TOKEN = "hf_TestToken0123456789"
ASK = [{"role": "user", "content": "hello"}]


def dedicated(endpoint: FakeEndpoint, model: str = "tgi", **kwargs: object) -> ProviderSettings:
    return ProviderSettings(EndpointType.DEDICATED, model, api_key=TOKEN, endpoint_url=endpoint.url, **kwargs)


def client_for(endpoint: FakeEndpoint, policy: RetryPolicy = FAST_RETRIES, **kwargs: object) -> ModelClient:
    return ModelClient(dedicated(endpoint, **kwargs), policy=policy)


def test_a_plain_completion_reports_text_model_and_usage(endpoint: FakeEndpoint) -> None:
    endpoint.responder = lambda body: "SELECT 1"
    completion = client_for(endpoint).complete(ASK)
    assert completion.text == "SELECT 1"
    assert completion.model == "tgi"
    assert completion.prompt_tokens == 1 and completion.completion_tokens == 2
    request = endpoint.chat_requests()[0]
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"


def test_503_is_retried_three_times_with_exponential_backoff_then_explained(endpoint: FakeEndpoint) -> None:
    endpoint.fail_always(503, body={"error": "Model is currently loading"})
    notices: list[RetryNotice] = []
    waits: list[float] = []  # the default policy's decisions, not slept
    with pytest.raises(ProviderError) as caught:
        client_for(endpoint, policy=RetryPolicy(sleep=waits.append)).complete(ASK, on_retry=notices.append)
    assert len(endpoint.chat_requests()) == 4
    assert str(caught.value).startswith("Model loading or overloaded (HTTP 503)")
    assert "currently loading" in str(caught.value)
    assert [n.attempt for n in notices] == [1, 2, 3]
    assert str(notices[0]).startswith("Model is loading (cold start) or overloaded — retry 1 of 3 in")
    assert all(base <= wait <= base + 1 for base, wait in zip([2, 4, 8], waits, strict=True))


def test_the_owner_sets_how_many_retries_and_the_client_follows(endpoint: FakeEndpoint) -> None:
    configured = read_configuration({"HUGGINGFACE_MAX_RETRIES": "1", "HUGGINGFACE_API_KEY": TOKEN}, {})
    assert configured.max_retries == 1
    assert read_configuration({"HUGGINGFACE_MAX_RETRIES": "99"}, {}).max_retries == 10  # at most 10
    assert read_configuration({"HUGGINGFACE_MAX_RETRIES": "many"}, {}).max_retries == 3  # the default
    resolved = resolve_selection(
        Selection(EndpointType.DEDICATED, endpoint.url, "hf_TypedKey00000000001", "tgi"), configured
    )
    assert resolved.settings is not None and resolved.settings.max_retries == 1
    endpoint.fail_always(503, body={"error": "Model is currently loading"})
    client = ModelClient(resolved.settings)
    client.policy = RetryPolicy(max_retries=client.policy.max_retries, sleep=lambda _s: None)
    with pytest.raises(ProviderError):
        client.complete(ASK)
    assert len(endpoint.chat_requests()) == 2


def test_a_cold_start_recovers_after_retries_and_counts_them(endpoint: FakeEndpoint) -> None:
    endpoint.fail_next(2, 503, body={"error": "Model is currently loading", "estimated_time": 0.01})
    completion = client_for(endpoint).complete(ASK)
    assert completion.text == "OK"
    assert completion.retries == 2
    assert len(endpoint.chat_requests()) == 3


def test_waits_double_without_hints_with_jitter(endpoint: FakeEndpoint) -> None:
    waits: list[float] = []
    policy = RetryPolicy(base_wait_s=0.1, max_wait_s=5, jitter_s=0.05, sleep=waits.append)
    for _ in range(2):
        endpoint.fail_next(3, 503, body={"error": "overloaded"})
        client_for(endpoint, policy=policy).complete(ASK)
    assert all(base <= wait <= base + 0.05 for base, wait in zip([0.1, 0.2, 0.4] * 2, waits, strict=True))
    assert waits[:3] != waits[3:]  # jittered: two sessions retrying together do not hit the endpoint together


def test_estimated_time_from_the_loading_body_is_honoured_within_the_cap(endpoint: FakeEndpoint) -> None:
    endpoint.fail_next(1, 503, body={"error": "loading", "estimated_time": 0.4})
    endpoint.fail_next(1, 503, body={"error": "loading", "estimated_time": 500.0})
    waits: list[float] = []  # what the policy decided to wait, not the wall clock (that is bench/'s job)
    policy = RetryPolicy(base_wait_s=5, max_wait_s=0.6, jitter_s=0.1, sleep=waits.append)
    client_for(endpoint, policy=policy).complete(ASK)
    assert 0.4 <= waits[0] <= 0.5 and waits[1] == 0.6
    assert len(endpoint.chat_requests()) == 3


def test_retry_after_is_honoured_for_429(endpoint: FakeEndpoint) -> None:
    endpoint.fail_next(1, 429, headers={"Retry-After": "1"})
    endpoint.fail_next(1, 429)
    waits: list[float] = []
    policy = RetryPolicy(base_wait_s=0.05, max_wait_s=5, jitter_s=0, sleep=waits.append)
    completion = client_for(endpoint, policy=policy).complete(ASK)
    assert waits == [1.0, 0.1]  # the header's second, then the doubled base wait
    assert completion.retries == 2


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [
        ("7", (7.0, 7.0)),
        ("in 7 s", (0.4, 0.4)),  # garbage: exponential backoff instead
        ("soon", (0.4, 0.4)),
        ("Wed, 99 Foo 2026 25:61:00 GMT", (0.4, 0.4)),  # a malformed date
        ("-3", (0.4, 0.4)),
        ("inf", (0.4, 0.4)),
    ],
)
def test_retry_after_in_any_form_gives_a_wait(endpoint: FakeEndpoint, retry_after: str, expected: tuple) -> None:
    endpoint.fail_next(1, 503, body={"error": "overloaded"}, headers={"Retry-After": retry_after})
    waits: list[float] = []
    policy = RetryPolicy(base_wait_s=0.4, max_wait_s=30, jitter_s=0, sleep=waits.append)
    assert client_for(endpoint, policy=policy).complete(ASK).text == "OK"
    assert expected[0] <= waits[0] <= expected[1]


def test_retry_after_as_an_http_date(endpoint: FakeEndpoint) -> None:
    moment = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    endpoint.fail_next(1, 503, body={"error": "overloaded"}, headers={"Retry-After": moment})
    waits: list[float] = []
    policy = RetryPolicy(max_wait_s=60, jitter_s=0.5, sleep=waits.append)
    client_for(endpoint, policy=policy).complete(ASK)
    assert 15 <= waits[0] <= 20.5  # the date has whole seconds and a busy machine takes a moment; backoff alone is 2 s


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (400, "Model not supported"),
        (401, "Invalid API key"),
        (402, "Payment required"),
        (403, "Insufficient permissions"),
        (404, "Endpoint not found"),
        (410, "This HuggingFace API has been retired"),
        (422, "The endpoint rejected the request"),
        (500, "Internal server error"),
    ],
)
def test_client_errors_are_never_retried_and_read_clearly(endpoint: FakeEndpoint, status: int, message: str) -> None:
    endpoint.fail_always(status)
    with pytest.raises(ProviderError) as caught:
        client_for(endpoint).complete(ASK)
    assert len(endpoint.chat_requests()) == 1
    assert str(caught.value).startswith(message)
    assert caught.value.status == status


def test_both_error_body_shapes_give_the_endpoint_detail(endpoint: FakeEndpoint) -> None:
    endpoint.fail_next(1, 401, body={"error": "Invalid credentials in Authorization header"})
    endpoint.fail_next(1, 401, body={"error": {"message": "Invalid username or password.", "type": "auth"}})
    client = client_for(endpoint)
    messages = []
    for _ in range(2):
        with pytest.raises(ProviderError) as caught:
            client.complete(ASK)
        messages.append(str(caught.value))
    assert "Invalid credentials in Authorization header" in messages[0]
    assert "Invalid username or password." in messages[1]


def test_a_token_echoed_by_the_endpoint_is_redacted(endpoint: FakeEndpoint) -> None:
    endpoint.fail_always(403, body={"error": f"token {TOKEN} lacks permission; also hf_OtherToken999999"})
    with pytest.raises(ProviderError) as caught:
        client_for(endpoint).complete(ASK)
    assert TOKEN not in str(caught.value)
    assert "hf_OtherToken999999" not in str(caught.value)
    assert "hf_***" in str(caught.value)


def test_an_html_error_page_from_a_proxy_reads_clearly(endpoint: FakeEndpoint) -> None:
    endpoint.fail_always(
        502, body=b"<html><body><h1>502 Bad Gateway</h1></body></html>", headers={"Content-Type": "text/html"}
    )
    with pytest.raises(ProviderError) as caught:
        client_for(endpoint, policy=RetryPolicy(base_wait_s=0.01, max_wait_s=0.01)).complete(ASK)
    assert "HTML error page" in str(caught.value)


def test_connection_refused_is_retried_then_explained_quickly() -> None:
    settings = ProviderSettings(EndpointType.DEDICATED, "tgi", api_key=TOKEN, endpoint_url="http://127.0.0.1:9")
    started = time.monotonic()
    notices: list[RetryNotice] = []
    with pytest.raises(ProviderError, match="Connection refused"):
        ModelClient(settings, policy=FAST_RETRIES).complete(ASK, on_retry=notices.append)
    assert len(notices) == 3
    assert time.monotonic() - started < 5


def test_streaming_sends_pieces_and_usage(endpoint: FakeEndpoint) -> None:
    endpoint.responder = lambda body: "The average magnitude was 1.6 across 1,707 events."
    pieces: list[str] = []
    completion = client_for(endpoint).complete(ASK, on_text=pieces.append)
    assert len(pieces) > 1
    assert "".join(pieces) == completion.text
    assert completion.completion_tokens == 8  # the server counts words
    assert completion.first_token_s is not None
    assert completion.interrupted is None
    assert endpoint.chat_requests()[0].body["stream"] is True


def test_a_stream_that_breaks_midway_keeps_what_arrived(endpoint: FakeEndpoint) -> None:
    endpoint.responder = lambda body: "x" * 100
    endpoint.break_stream_after = 2
    completion = client_for(endpoint).complete(ASK, on_text=lambda piece: None)
    assert completion.text == "x" * 32
    assert completion.interrupted is not None
    assert "cut off after 32 characters" in completion.interrupted


def test_a_503_before_the_stream_starts_is_retried(endpoint: FakeEndpoint) -> None:
    endpoint.fail_next(1, 503)
    endpoint.responder = lambda body: "streamed"
    completion = client_for(endpoint).complete(ASK, on_text=lambda piece: None)
    assert completion.text == "streamed"
    assert completion.retries == 1


def test_auto_model_asks_the_endpoint_once(endpoint: FakeEndpoint) -> None:
    endpoint.models = ["meta-llama/Llama-3.1-8B-Instruct", "other"]
    client = client_for(endpoint, model="auto")
    client.complete(ASK)
    client.complete(ASK)
    assert [r.body["model"] for r in endpoint.chat_requests()] == ["meta-llama/Llama-3.1-8B-Instruct"] * 2
    assert sum(r.path == "/v1/models" for r in endpoint.requests) == 1


def test_custom_headers_reach_the_endpoint(endpoint: FakeEndpoint) -> None:
    client = client_for(endpoint, headers=(("X-Custom-Header", "custom-value"),))
    client.complete(ASK)
    assert endpoint.chat_requests()[0].headers["x-custom-header"] == "custom-value"


def test_serverless_410_falls_back_to_the_router_once_and_says_why(endpoint: FakeEndpoint) -> None:
    provider = HuggingFaceProvider(serverless_url=f"{endpoint.url}/legacy/v1", router_url=f"{endpoint.url}/router/v1")
    state = EndpointState()
    settings = ProviderSettings(EndpointType.SERVERLESS, "microsoft/Phi-3-mini-4k-instruct", api_key=TOKEN)
    endpoint.fail_next(1, 410)
    first = ModelClient(settings, state=state, provider=provider, policy=FAST_RETRIES).complete(ASK)
    second = ModelClient(settings, state=state, provider=provider, policy=FAST_RETRIES).complete(ASK)
    assert first.text == second.text == "OK"
    paths = [(r.path, r.body["model"]) for r in endpoint.chat_requests()]
    assert paths == [  # the router picks the provider: no forced suffix
        ("/legacy/v1/chat/completions", "microsoft/Phi-3-mini-4k-instruct"),
        ("/router/v1/chat/completions", "microsoft/Phi-3-mini-4k-instruct"),
        ("/router/v1/chat/completions", "microsoft/Phi-3-mini-4k-instruct"),
    ]
    notices = state.pop_notices()
    assert len(notices) == 1 and "410 Gone" in notices[0] and "picks a provider" in notices[0]
    assert state.pop_notices() == []
    # A later session of the same process goes straight to the router: the 410 is learned once.
    later = EndpointState()
    ModelClient(settings, state=later, provider=provider, policy=FAST_RETRIES).complete(ASK)
    assert endpoint.chat_requests()[-1].path == "/router/v1/chat/completions"
    assert sum(r.path.startswith("/legacy") for r in endpoint.chat_requests()) == 1
    assert len(later.pop_notices()) == 1  # and it is told why, once


def test_asking_whether_a_status_means_retirement_records_nothing() -> None:
    provider = HuggingFaceProvider()
    serverless = ProviderSettings(EndpointType.SERVERLESS, "microsoft/Phi-3-mini-4k-instruct", api_key=TOKEN)
    assert provider.is_retirement(serverless, 410) and not provider.is_retirement(serverless, 503)
    assert not provider.known_retired(serverless)  # only note_retired records it
    provider.note_retired(serverless)
    assert provider.known_retired(serverless)


def test_the_router_model_list_is_fetched_once_without_a_token(endpoint: FakeEndpoint) -> None:
    endpoint.models = ["Qwen/Qwen2.5-72B-Instruct", "zeta/Model", "openai/gpt-oss-120b"]
    provider = HuggingFaceProvider(router_url=f"{endpoint.url}/router/v1")
    offered = provider.offered_models("inference-providers")
    assert offered == endpoint.models
    assert provider.offered_models("inference-providers") == offered
    assert provider.offered_models("dedicated") is None
    asked = [r for r in endpoint.requests if r.path == "/router/v1/models"]
    assert len(asked) == 1 and "authorization" not in asked[0].headers
    choices = model_choices(EndpointType.INFERENCE_PROVIDERS, offered)
    # The catalog's models the router serves first, then the rest of its list, then "custom".
    assert choices == ["openai/gpt-oss-120b", "Qwen/Qwen2.5-72B-Instruct", "zeta/Model", "custom"]


def test_an_unreachable_router_leaves_the_built_in_catalog() -> None:
    provider = HuggingFaceProvider(router_url="http://127.0.0.1:9/v1")  # nothing listens on port 9
    assert provider.offered_models("inference-providers") is None
    assert model_choices(EndpointType.INFERENCE_PROVIDERS, None)[0] == "openai/gpt-oss-120b"
    assert provider.routing_options("inference-providers", "a/b") == ["", "fastest", "cheapest"]


def test_debug_logs_each_request_without_the_token(endpoint: FakeEndpoint, caplog: pytest.LogCaptureFixture) -> None:
    endpoint.fail_next(1, 503)
    client = ModelClient(dedicated(endpoint), policy=FAST_RETRIES, debug=True)
    with caplog.at_level(logging.DEBUG, logger="huggingface-provider"):
        client.complete(ASK)
    lines = [r.getMessage() for r in caplog.records if r.name == "huggingface-provider"]
    assert any("status=503" in line and "/v1/chat/completions" in line and "type=dedicated" in line for line in lines)
    assert any("retry decision" in line for line in lines)
    assert any("status=200" in line for line in lines)
    assert all(TOKEN not in line for line in lines)
    rows = client.state.request_log.rows()
    assert [row["status"] for row in rows] == ["200", "503"]


def test_no_debug_no_log_lines(endpoint: FakeEndpoint, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="huggingface-provider"):
        client_for(endpoint).complete(ASK)
    assert not [r for r in caplog.records if r.name == "huggingface-provider"]


def test_health_check_reports_status_latency_model_and_a_masked_curl(endpoint: FakeEndpoint) -> None:
    endpoint.responder = lambda body: "OK, I am up and running and ready to answer your questions today friend"
    endpoint.reply_model = "tgi-served-model"
    report = run_health_check(client_for(endpoint))
    assert report.ok and report.status == "HTTP 200"
    assert report.model == "tgi-served-model"
    assert report.reply_preview.endswith("…") and report.reply_preview.startswith("OK, I am up")
    assert report.latency_ms > 0
    assert f"{endpoint.url}/v1/chat/completions" in report.curl
    assert "Bearer hf_***" in report.curl and TOKEN not in report.curl


def test_health_check_of_a_bad_key_reports_the_error(endpoint: FakeEndpoint) -> None:
    endpoint.fail_always(401)
    report = run_health_check(client_for(endpoint))
    assert not report.ok
    assert report.status == "HTTP 401"
    assert report.error and report.error.startswith("Invalid API key")


def test_a_dedicated_endpoint_holds_requests_while_it_scales_up(endpoint: FakeEndpoint) -> None:
    """HuggingFace's proxy holds a request carrying X-Scale-Up-Timeout while the replica starts."""
    endpoint.cold_start_s = 0.5
    waits: list[float] = []
    client = client_for(endpoint, policy=RetryPolicy(sleep=waits.append), scale_up_timeout_s=30)
    assert client.complete(ASK).text == "OK"
    assert waits == []  # held, not refused: no 503, no retry
    assert endpoint.chat_requests()[0].headers["x-scale-up-timeout"] == "30"


def test_without_the_header_a_scaling_endpoint_answers_503_and_is_retried(endpoint: FakeEndpoint) -> None:
    endpoint.cold_start_s = 0.3
    client = client_for(endpoint, policy=RetryPolicy(base_wait_s=0.2, jitter_s=0.05), scale_up_timeout_s=0)
    assert client.complete(ASK).text == "OK"
    assert "x-scale-up-timeout" not in endpoint.chat_requests()[0].headers
    assert len(endpoint.chat_requests()) >= 2


def test_the_person_s_own_scale_up_header_wins(endpoint: FakeEndpoint) -> None:
    client = client_for(endpoint, headers=(("X-Scale-Up-Timeout", "42"),))
    client.complete(ASK)
    assert endpoint.chat_requests()[0].headers["x-scale-up-timeout"] == "42"


def test_other_endpoint_types_do_not_send_the_scale_up_header(endpoint: FakeEndpoint) -> None:
    provider = HuggingFaceProvider(serverless_url=endpoint.url + "/v1", router_url=endpoint.url + "/v1")
    settings = ProviderSettings(EndpointType.INFERENCE_PROVIDERS, "m", api_key=TOKEN)
    ModelClient(settings, policy=FAST_RETRIES, provider=provider).complete(ASK)
    assert "x-scale-up-timeout" not in endpoint.chat_requests()[0].headers
    assert ModelClient(settings, provider=provider).slow_start_hint() is None


def test_the_cold_start_hint_is_said_only_after_the_endpoint_said_it_was_loading(endpoint: FakeEndpoint) -> None:
    """Real use: every slow answer of a warm endpoint (a small model on CPU) said "may be starting"."""
    client = client_for(endpoint)
    client.complete(ASK)
    assert client.slow_start_hint() is None  # warm
    endpoint.fail_next(1, 503, body={"error": "Model is currently loading"})
    client.complete(ASK)
    assert client.base_url() not in client.state.loading_urls  # answered since: warm again
    endpoint.fail_always(503, body={"error": "Model is currently loading"})
    with pytest.raises(ProviderError):
        client.complete(ASK)
    assert client.base_url() in client.state.loading_urls
    assert client.slow_start_hint() is None  # on this machine no HuggingFace proxy holds a request
    provider = HuggingFaceProvider()
    hosted = ProviderSettings(EndpointType.DEDICATED, "m", endpoint_url="https://x.endpoints.huggingface.cloud")
    assert "holds the request for up to 300 s" in (provider.slow_start_hint(hosted, said_loading=True) or "")
    assert provider.slow_start_hint(hosted, said_loading=False) is None


def test_a_paused_endpoint_says_how_to_resume_it(endpoint: FakeEndpoint) -> None:
    endpoint.fail_always(400, body="Bad Request: Invalid state", headers={"Content-Type": "text/plain"})
    with pytest.raises(ProviderError) as caught:
        client_for(endpoint).complete(ASK)
    assert str(caught.value).startswith("The endpoint is paused")
    assert "Resume" in str(caught.value) and len(endpoint.chat_requests()) == 1  # not retried
