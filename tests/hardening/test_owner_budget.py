"""The owner's budget holds per visitor, not per session: calls and tokens per visitor per hour and for the whole
process per day, a request over the per-request limit refused before it is sent, model lists counted, and the
owner's endpoint URL never shown to a visitor. Real SDK, real HTTP to the loopback endpoint."""

from __future__ import annotations

import json

import pytest

from analyst.prompts import MAX_QUESTION_CHARS
from conversations.store import UsageRecords
from providers.budget import BudgetExceeded, BudgetLimits, VisitorAccount
from providers.client import ModelClient
from providers.endpoint_state import EndpointState
from providers.endpoint_types import EndpointType
from providers.errors import ProviderError
from providers.selection import Selection, resolve_selection
from providers.settings import Configuration, ProviderSettings, read_configuration
from tests.conftest import FAST_RETRIES
from tests.support.apptest import ask, open_app, settle
from tests.support.fake_endpoint import FakeEndpoint
from tests.support.scripted_model import ScriptedModel, fenced
from tests.support.stores import STORE_KINDS, MakeLedger

OWNER_TOKEN = "hf_OwnerBudget000000000001"
HI = [{"role": "user", "content": "hi"}]
# Memory, SQLite, PostgreSQL; on the worker whose PostgreSQL server the store's other tests use.
BOTH_STORES = pytest.mark.parametrize("store_engine", STORE_KINDS, indirect=True)
pytestmark = pytest.mark.xdist_group("postgres")
BY_TYPE = 'SELECT "magType", count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY n DESC'


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def owner_client(endpoint: FakeEndpoint, ledger: UsageRecords, visitor: str, limits: BudgetLimits) -> ModelClient:
    """A fresh session's client on the owner's token (a reload or a new tab makes a new one)."""
    settings = ProviderSettings(
        EndpointType.DEDICATED, "tgi", api_key=OWNER_TOKEN, endpoint_url=endpoint.url, budget=limits
    )
    state = EndpointState(account=VisitorAccount(ledger, visitor))
    return ModelClient(settings, state=state, policy=FAST_RETRIES)


@BOTH_STORES
def test_a_visitor_s_calls_per_hour_hold_across_reloads_and_tabs(
    make_ledger: MakeLedger, endpoint: FakeEndpoint
) -> None:
    endpoint.responder = ScriptedModel(default="hello")
    ledger = make_ledger(Clock())
    limits = BudgetLimits(visitor_calls_per_hour=3)
    for _ in range(3):  # three sessions of one browser: each a new client and endpoint state
        owner_client(endpoint, ledger, "browser:a", limits).complete(HI)
    with pytest.raises(BudgetExceeded, match=r"limit for one visitor is reached \(3 model calls an hour"):
        owner_client(endpoint, ledger, "browser:a", limits).complete(HI)
    assert len(endpoint.chat_requests()) == 3  # refused before anything was sent
    owner_client(endpoint, ledger, "browser:b", limits).complete(HI)  # another visitor is not affected
    assert len(endpoint.chat_requests()) == 4


@BOTH_STORES
def test_the_hour_frees_up_and_the_message_says_when(make_ledger: MakeLedger) -> None:
    clock = Clock()
    ledger = make_ledger(clock)
    limits = BudgetLimits(visitor_calls_per_hour=2)
    assert ledger.spend("browser:a", 1, 0, limits) is None
    clock.now += 1800
    assert ledger.spend("browser:a", 1, 0, limits) is None
    refusal = ledger.spend("browser:a", 1, 0, limits)
    assert refusal is not None and refusal.limit == "visitor calls" and 1700 < refusal.retry_after_s <= 1860
    clock.now += 1900  # the first call is over an hour old
    assert ledger.spend("browser:a", 1, 0, limits) is None


@BOTH_STORES
def test_tokens_per_hour_count_what_the_endpoint_reports(make_ledger: MakeLedger, endpoint: FakeEndpoint) -> None:
    endpoint.responder = ScriptedModel(default="one two three")
    ledger = make_ledger(Clock())
    limits = BudgetLimits(visitor_tokens_per_hour=2_000)
    client = owner_client(endpoint, ledger, "browser:a", limits)
    completion = client.complete(HI, max_tokens=500)
    used = completion.prompt_tokens + completion.completion_tokens  # type: ignore[operator]
    assert ledger.usage("browser:a") == (1, used)  # the reservation was settled with the reported usage
    with pytest.raises(BudgetExceeded, match="2,000 tokens an hour"):
        client.complete(HI, max_tokens=2_000)  # its reservation (prompt + max_tokens) would pass the limit
    assert len(endpoint.chat_requests()) == 1


@BOTH_STORES
def test_the_process_budget_per_day_is_shared_by_every_visitor(make_ledger: MakeLedger, endpoint: FakeEndpoint) -> None:
    endpoint.responder = ScriptedModel(default="hello")
    ledger = make_ledger(Clock())
    limits = BudgetLimits(calls_per_day=3)
    for visitor in ("browser:a", "browser:b", "browser:c"):
        owner_client(endpoint, ledger, visitor, limits).complete(HI)
    with pytest.raises(BudgetExceeded, match=r"budget for the day \(3 model calls .* all visitors together"):
        owner_client(endpoint, ledger, "browser:new", limits).complete(HI)
    assert ledger.process_usage()[0] == 3 and len(endpoint.chat_requests()) == 3


@BOTH_STORES
def test_a_request_over_the_per_request_limit_is_refused_before_it_is_sent(
    make_ledger: MakeLedger, endpoint: FakeEndpoint
) -> None:
    endpoint.responder = ScriptedModel(default="hello")
    ledger = make_ledger(Clock())
    client = owner_client(endpoint, ledger, "browser:a", BudgetLimits())
    huge = [{"role": "user", "content": "x" * 1_000_000}]  # the probe: a 1,000,000-character question
    with pytest.raises(BudgetExceeded, match=r"Not sent: .* over this demo's limit of 8,000 per request"):
        client.complete(huge)
    assert endpoint.chat_requests() == [] and ledger.usage("browser:a") == (0, 0)


@BOTH_STORES
def test_listing_models_spends_a_call(make_ledger: MakeLedger, endpoint: FakeEndpoint) -> None:
    ledger = make_ledger(Clock())
    limits = BudgetLimits(visitor_calls_per_hour=2)
    client = owner_client(endpoint, ledger, "browser:a", limits)
    assert client.list_models() == ["tgi"] and client.list_models() == ["tgi"]
    with pytest.raises(BudgetExceeded):
        client.list_models()
    assert len([r for r in endpoint.requests if r.path.endswith("/models")]) == 2


@BOTH_STORES
def test_a_visitor_s_own_key_spends_no_budget(make_ledger: MakeLedger, endpoint: FakeEndpoint) -> None:
    endpoint.responder = ScriptedModel(default="hello")
    owner = Configuration(api_key=OWNER_TOKEN, endpoint_url=endpoint.url, budget=BudgetLimits(visitor_calls_per_hour=1))
    resolved = resolve_selection(Selection(EndpointType.DEDICATED, "", "hf_VisitorOwnKey0000001", "tgi"), owner)
    assert resolved.settings is not None and resolved.settings.budget is None
    ledger = make_ledger(Clock())
    client = ModelClient(resolved.settings, state=EndpointState(account=VisitorAccount(ledger, "browser:a")))
    for _ in range(3):
        client.complete(HI)
    assert ledger.usage("browser:a") == (0, 0)
    assert ledger.calls() == []  # nor shows in the owner's usage table


@BOTH_STORES
def test_every_call_on_the_owner_s_token_is_recorded_for_the_owner_question_text_only_if_asked(
    make_ledger: MakeLedger,
    endpoint: FakeEndpoint,
) -> None:
    """The owner's usage table: who called, the tokens the endpoint reported, failures, latency; what the call
    was for only when the owner turned question text on."""
    endpoint.responder = ScriptedModel(default="hello")
    ledger = make_ledger()
    settings = ProviderSettings(
        EndpointType.DEDICATED, "tgi", api_key=OWNER_TOKEN, endpoint_url=endpoint.url, budget=BudgetLimits()
    )
    quiet = VisitorAccount(ledger, "person:1a2b", "ana@example.com")
    ModelClient(settings, state=EndpointState(account=quiet), policy=FAST_RETRIES).complete(HI, about="sql: secret?")
    told = VisitorAccount(ledger, "browser:9f8e7d6c5b4a", keep_about=True)
    client = ModelClient(settings, state=EndpointState(account=told), policy=FAST_RETRIES)
    client.complete(HI, about="sql: which day?")
    endpoint.fail_next(1, 401)
    with pytest.raises(ProviderError):
        client.complete(HI, about="sql: again")
    calls = ledger.calls()
    assert [(c.visitor, c.about, c.failed) for c in calls] == [
        ("ana@example.com", "", False),
        ("9f8e7d6c", "sql: which day?", False),
        ("9f8e7d6c", "sql: again", True),
    ]
    assert calls[0].prompt_tokens and calls[0].completion_tokens and calls[0].latency_s > 0


def test_the_limits_come_from_the_secrets_with_safe_defaults() -> None:
    limits = read_configuration(
        {
            "HUGGINGFACE_VISITOR_CALLS_PER_HOUR": "7",
            "HUGGINGFACE_VISITOR_TOKENS_PER_HOUR": "900",
            "HUGGINGFACE_CALLS_PER_DAY": "0",
            "HUGGINGFACE_TOKENS_PER_DAY": "lots",
            "HUGGINGFACE_TOKENS_PER_REQUEST": "-5",
        },
        {},
    ).budget
    assert limits == BudgetLimits(visitor_calls_per_hour=7, visitor_tokens_per_hour=900, calls_per_day=0)
    # The earlier per-session name still sets the visitor's calls, when the new one is unset.
    assert read_configuration({"HUGGINGFACE_MAX_CALLS_PER_SESSION": "9"}, {}).budget.visitor_calls_per_hour == 9
    assert read_configuration({}, {}).budget == BudgetLimits()


def test_the_owner_s_url_never_reaches_a_visitor_s_page_or_messages(endpoint: FakeEndpoint) -> None:
    endpoint.responder = ScriptedModel(default="hello")
    endpoint.fail_next(1, 404, {"error": f"No route for {endpoint.url}/v1/chat/completions"})  # detail names the URL
    owner = Configuration(api_key=OWNER_TOKEN, endpoint_url=endpoint.url)
    resolved = resolve_selection(Selection(EndpointType.DEDICATED, "", "", "tgi"), owner)
    assert resolved.settings is not None and resolved.settings.endpoint_hidden
    client = ModelClient(resolved.settings, policy=FAST_RETRIES)
    with pytest.raises(Exception) as failure:
        client.complete(HI)
    host = endpoint.url.split("://")[1]
    shown = [str(failure.value), client.shown_base_url(), *(str(r) for r in client.state.request_log.rows())]
    assert client.shown_base_url() == "the configured endpoint/v1"
    assert client.shown_endpoint() == "the configured endpoint"  # the health check's line: no "…endpoint/v1"
    assert not any(host in text for text in shown)


def test_a_million_character_question_is_cut_where_it_is_kept_and_in_every_later_prompt(endpoint: FakeEndpoint) -> None:
    """The probe: a 1,000,000-character question became a 1 MB request and rode along in later prompts."""
    endpoint.responder = ScriptedModel().on("magnitude type", fenced(BY_TYPE))
    secrets = {"HUGGINGFACE_API_KEY": OWNER_TOKEN, "HUGGINGFACE_ENDPOINT_URL": endpoint.url, "HUGGINGFACE_MODEL": "tgi"}
    at = ask(open_app(secrets=secrets).run(), "Which magnitude type? " + "x" * 1_000_000)  # the chat input cuts it
    assert len(at.session_state["conversation"][0].question) == MAX_QUESTION_CHARS
    at.session_state["pending_question"] = ("Which magnitude type? " + "y" * 1_000_000, "")  # another way in: cut too
    settle(at.run())
    ask(at, "And which magnitude type is rarest?")
    kept = at.session_state["conversation"]
    assert len(kept[1].question) <= MAX_QUESTION_CHARS and kept[1].question.endswith("…")
    requests = endpoint.chat_requests()
    assert len(requests) == 6  # three questions answered: SQL and insight each
    assert max(len(json.dumps(r.body)) for r in requests) < 30_000
    follow_up = requests[4].body["messages"]
    assert [m["content"] for m in follow_up[1:5:2]] == [kept[0].question, kept[1].question]  # cut, nothing more
