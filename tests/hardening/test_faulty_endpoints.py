"""Endpoints that fail in every way seen in the wild: each ends in a clear message within a bounded time,
the conversation and the data stay intact, and the next question works."""

from __future__ import annotations

import json
import time

import pytest

from analyst.answer import Answer
from analyst.pipeline import answer_question
from providers.client import EndpointState, ModelClient
from providers.endpoint_types import EndpointType
from providers.retry import RetryPolicy
from providers.settings import ProviderSettings
from sandbox.database import SessionDatabase
from tests.support.fake_endpoint import FakeEndpoint
from tests.support.scripted_model import ScriptedModel, fenced

TOKEN = "hf_FaultyEndpoints000001"
GOOD_SQL = "SELECT count(*) AS n FROM earthquakes"
POLICY = RetryPolicy(max_retries=3, base_wait_s=0.05, max_wait_s=0.3, jitter_s=0.01)
EMPTY_CHOICES = {"id": "x", "object": "chat.completion", "created": 0, "model": "tgi", "choices": []}


def client(url: str, timeout_s: float = 5.0, scale_up_timeout_s: int = 300) -> ModelClient:
    settings = ProviderSettings(
        EndpointType.DEDICATED,
        "tgi",
        api_key=TOKEN,
        endpoint_url=url,
        timeout_s=timeout_s,
        scale_up_timeout_s=scale_up_timeout_s,
    )
    return ModelClient(settings, state=EndpointState(), policy=POLICY)


def ask_and_recover(endpoint: FakeEndpoint, model_client: ModelClient, expected: str, limit_s: float) -> str:
    """Ask once against the fault, then once after it is gone; return the first answer's error."""
    db = SessionDatabase()
    history: list[Answer] = [Answer("earlier question")]
    started = time.monotonic()
    failed = answer_question("How many earthquakes?", history, db, model_client)
    elapsed = time.monotonic() - started
    assert failed.error is not None, "the fault should surface as a message"
    assert expected in failed.error, failed.error
    assert TOKEN not in failed.error and "Traceback" not in failed.error
    assert elapsed < limit_s, f"took {elapsed:.1f} s"
    history.append(failed)
    assert [a.question for a in history] == ["earlier question", "How many earthquakes?"]
    assert db.tables()[0].rows == 1707
    endpoint.reset()
    endpoint.responder = ScriptedModel(default=fenced(GOOD_SQL))
    recovered = answer_question("How many earthquakes?", history, db, model_client)
    assert recovered.error is None and recovered.table.frame["n"][0] == 1707
    return failed.error


@pytest.mark.parametrize(
    ("setup", "expected", "limit_s"),
    [
        (lambda e: e.fail_always(503), "Model loading or overloaded", 5),
        (lambda e: e.fail_always(429), "Rate limited", 5),
        (lambda e: e.fail_always(429, headers={"Retry-After": "1"}), "Rate limited", 8),
        (
            lambda e: e.fail_always(
                502, body=b"<html><h1>502 Bad Gateway</h1></html>", headers={"Content-Type": "text/html"}
            ),
            "HTML error page",
            5,
        ),
        (lambda e: e.fail_always(200, body=b"this is not json"), "not valid", 5),
        (lambda e: e.fail_always(200, body=EMPTY_CHOICES), "without a reply", 5),
        (lambda e: e.fail_always(500, body={"error": {"message": f"boom for {TOKEN}"}}), "Internal server error", 5),
    ],
    ids=[
        "503-forever",
        "429-no-retry-after",
        "429-retry-after",
        "html-proxy-page",
        "invalid-json",
        "empty-choices",
        "500-echoing-the-token",
    ],
)
def test_faulty_replies(endpoint: FakeEndpoint, setup, expected: str, limit_s: float) -> None:  # type: ignore[no-untyped-def]
    setup(endpoint)
    ask_and_recover(endpoint, client(endpoint.url), expected, limit_s)


def test_connection_refused(endpoint: FakeEndpoint) -> None:
    started = time.monotonic()
    answer = answer_question("How many?", [], SessionDatabase(), client("http://127.0.0.1:9"))
    assert answer.error.startswith("Connection refused") and time.monotonic() - started < 5


def test_dns_failure() -> None:
    started = time.monotonic()
    answer = answer_question("How many?", [], SessionDatabase(), client("http://no-such-host.invalid"))
    assert "DNS" in answer.error and time.monotonic() - started < 15


def test_timeouts_are_retried_then_explained(endpoint: FakeEndpoint) -> None:
    endpoint.delay = 2.0
    # Without X-Scale-Up-Timeout (0): with it, the read timeout also covers the time the proxy may hold a request.
    ask_and_recover(endpoint, client(endpoint.url, timeout_s=0.4, scale_up_timeout_s=0), "did not answer in time", 6)


def test_a_stream_cut_midway_keeps_the_sql_result(endpoint: FakeEndpoint) -> None:
    endpoint.responder = ScriptedModel(default=fenced(GOOD_SQL), insight="A long insight that will be cut. " * 10)
    endpoint.break_stream_after = 3
    answer = answer_question("How many?", [], SessionDatabase(), client(endpoint.url))
    assert answer.table is not None and answer.error is None
    assert "cut off" in answer.parts[0].interrupted


def test_a_reply_of_several_megabytes(endpoint: FakeEndpoint) -> None:
    huge = "Lorem ipsum dolor sit amet. " * 200_000  # about 5.6 MB
    endpoint.responder = ScriptedModel(default=huge)
    started = time.monotonic()
    answer = answer_question("How many?", [], SessionDatabase(), client(endpoint.url))
    assert time.monotonic() - started < 10
    assert answer.error is None and answer.table is None
    text = answer.parts[0].text
    assert len(text) <= 20_000 and text.endswith("(reply shortened)")
    assert len(json.dumps(endpoint.chat_requests()[-1].body)) < 10_000  # nothing of it is sent back


def test_a_mid_stream_error_event(endpoint: FakeEndpoint) -> None:
    def responder(body):  # type: ignore[no-untyped-def]
        return fenced(GOOD_SQL)

    endpoint.responder = responder
    endpoint.stream_error = {"error": "Input validation error: too many tokens", "error_type": "validation"}
    answer = answer_question("How many?", [], SessionDatabase(), client(endpoint.url))
    assert answer.table is not None
    notes = json.dumps([getattr(p, "text", "") for p in answer.parts])
    assert "Could not write the insight" in notes and "too many tokens" in notes
