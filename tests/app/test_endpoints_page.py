"""The Endpoints page in AppTest against loopback endpoints."""

from __future__ import annotations

import json
import time

import pytest
from streamlit.testing.v1 import AppTest

from analyst.model_text import escape_markdown
from tests.support.apptest import configure_dedicated, open_app, texts
from tests.support.fake_endpoint import FakeEndpoint
from tests.support.score import settle_score
from tests.support.scripted_model import ScriptedModel, fenced
from ui.state import ACCURACY_REPORT, QUESTIONS_UPLOAD

TOKEN = "hf_EndpointsPage00000001"
BY_TYPE = 'SELECT "magType", count(*) AS n FROM earthquakes GROUP BY 1'


def endpoints_page(endpoint: FakeEndpoint) -> AppTest:
    secrets = {"HUGGINGFACE_API_KEY": TOKEN, "HUGGINGFACE_ENDPOINT_URL": endpoint.url, "HUGGINGFACE_MODEL": "tgi"}
    at = open_app(secrets=secrets).run()
    return at.switch_page("pages/endpoints.py").run()


def click(at: AppTest, label: str) -> AppTest:
    return next(b for b in at.button if b.label == label).click().run()


def test_without_a_key_the_page_says_what_to_configure() -> None:
    at = open_app().run().switch_page("pages/endpoints.py").run()
    assert not at.exception
    assert texts(at.info)[0].startswith("HuggingFace API key required")
    assert [t.label for t in at.tabs] == ["Health and wake-up", "Compare", "Accuracy score"]


@pytest.mark.parametrize(
    ("failures", "expected"),
    [
        ([], "HTTP 200 in"),
        ([(1, 401)], "Invalid API key"),
        ([(1, 404)], "Endpoint not found"),
        ([(2, 503)], "HTTP 200 in"),
    ],
)
def test_health_check(endpoint: FakeEndpoint, failures: list[tuple[int, int]], expected: str) -> None:
    for count, status in failures:
        endpoint.fail_next(count, status, body={"error": "loading", "estimated_time": 0.01} if status == 503 else None)
    at = click(endpoints_page(endpoint), "Run health check")
    shown = texts(at.success) + texts(at.error)
    assert any(line.startswith(expected) for line in shown), shown
    assert any("Bearer hf_***" in c.value for c in at.code)
    assert TOKEN not in str(at._tree)


def test_served_models_are_listed(endpoint: FakeEndpoint) -> None:
    endpoint.models = ["meta-llama/Llama-3.1-8B-Instruct"]
    at = click(endpoints_page(endpoint), "List models (/v1/models)")
    assert at.dataframe[0].value["model"].tolist() == ["meta-llama/Llama-3.1-8B-Instruct"]


def test_wake_up_runs_in_the_background_and_reports(endpoint: FakeEndpoint) -> None:
    endpoint.fail_next(1, 503)
    at = click(endpoints_page(endpoint), "Wake up")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        at.run()
        if any(s.startswith("ready") for s in texts(at.success)):
            break
        time.sleep(0.3)
    assert any(s.startswith("ready") for s in texts(at.success))
    assert any(r.headers.get("x-scale-up-timeout") for r in endpoint.chat_requests())


def test_compare_two_configurations(endpoint: FakeEndpoint, second_endpoint: FakeEndpoint) -> None:
    endpoint.responder = ScriptedModel(default=fenced(BY_TYPE))
    second_endpoint.responder = ScriptedModel(
        default=fenced('SELECT count(*) AS c, "magType" FROM earthquakes GROUP BY 2')
    )
    at = endpoints_page(endpoint)
    assert at.selectbox(key="cmp_type_1").value == "inference-providers"  # B starts on another endpoint type
    at.selectbox(key="cmp_type_1").set_value("dedicated").run()
    at.text_input(key="cmp_url_1").input(second_endpoint.url).run()
    assert any("only sent to its configured endpoint" in c for c in texts(at.caption))
    at.text_input(key="cmp_key_1").input("hf_SecondKey000000001").run()
    at = click(at, "Compare")
    assert not at.exception
    assert texts(at.success).count("Same result as B") == 1 and "Same result as A" in texts(at.success)
    assert second_endpoint.chat_requests()[0].headers["authorization"] == "Bearer hf_SecondKey000000001"
    assert endpoint.chat_requests()[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_accuracy_score_runs_in_the_background_and_downloads(endpoint: FakeEndpoint) -> None:
    endpoint.responder = ScriptedModel(default=fenced("SELECT count(*) FROM earthquakes WHERE type = 'earthquake'"))
    at = endpoints_page(endpoint)
    assert endpoint.chat_requests() == []  # nothing is asked before the button
    at = settle_score(click(at, "Run accuracy score"))
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Execution accuracy"] == "3%"  # only q01 is answered right
    table = at.dataframe[0].value
    assert table["right"].tolist()[-1] is True and table["right"].sum() == 1  # wrong answers come first
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download CSV", "Download JSON"]


def test_compare_reuses_the_key_typed_in_the_sidebar(endpoint: FakeEndpoint, second_endpoint: FakeEndpoint) -> None:
    visitor = "hf_VisitorTyped000000001"
    endpoint.responder = second_endpoint.responder = ScriptedModel(default=fenced(BY_TYPE))
    at = configure_dedicated(open_app().run(), endpoint.url, visitor)
    at.switch_page("pages/endpoints.py").run()
    at.selectbox(key="cmp_type_1").set_value("dedicated").run()
    at.text_input(key="cmp_url_1").input(second_endpoint.url).run()
    assert texts(at.caption).count("Uses the key typed in the sidebar.") == 2
    at = click(at, "Compare")
    assert texts(at.success).count("Same result as A") == 1
    assert second_endpoint.chat_requests()[0].headers["authorization"] == f"Bearer {visitor}"
    assert endpoint.chat_requests()[0].headers["authorization"] == f"Bearer {visitor}"


def sound_file() -> bytes:
    items = [
        {"id": "m1", "question": "How many events?", "reference_sql": "SELECT count(*) FROM earthquakes"},
        {"id": "m2", "question": "Strongest?", "reference_sql": "SELECT max(mag) FROM earthquakes"},
    ]
    return json.dumps(items).encode()


def started_slow_score(endpoint: FakeEndpoint) -> AppTest:
    """The bundled questions' score, under way (its first question scored) against an endpoint taking 0.3 s per reply."""
    endpoint.responder = ScriptedModel(default=fenced("SELECT count(*) FROM earthquakes"))
    endpoint.delay = 0.3
    at = click(endpoints_page(endpoint), "Run accuracy score")
    deadline = time.monotonic() + 10
    while len(endpoint.chat_requests()) < 2:  # the first question is scored
        assert time.monotonic() < deadline, "the score sent too few requests"
        time.sleep(0.02)
    return at


def test_a_running_score_shows_progress_and_stops_on_stop(endpoint: FakeEndpoint) -> None:
    at = started_slow_score(endpoint)
    assert not at.exception
    assert at.get("progress") and "Run accuracy score" not in [b.label for b in at.button]
    sent = len(endpoint.chat_requests())
    at = settle_score(click(at, "Stop scoring"))
    assert len(endpoint.chat_requests()) <= sent + 1  # at most the request that was on its way
    warning = texts(at.warning)[0]
    assert warning.startswith("Stopped. The figures below cover the ") and warning.endswith(" of 34 questions scored.")
    assert not next(b for b in at.button if b.label == "Run accuracy score").disabled
    assert not at.get("progress")


def test_a_new_upload_stops_the_running_score_and_clears_its_report(endpoint: FakeEndpoint) -> None:
    at = started_slow_score(endpoint)
    running = at.session_state[ACCURACY_REPORT]
    at.file_uploader(key=QUESTIONS_UPLOAD).set_value(("mine.json", sound_file(), "application/json")).run()
    assert running.join(30) and running.status().message.startswith("Stopped: other questions were chosen.")
    at.run()
    assert "2 questions from mine.json." in " ".join(texts(at.caption))
    assert not at.metric and not at.dataframe and not at.warning  # nothing of the other questions' score stays
    assert not next(b for b in at.button if b.label == "Run accuracy score").disabled


def test_a_finished_report_goes_when_another_file_is_chosen(endpoint: FakeEndpoint) -> None:
    endpoint.responder = ScriptedModel(default=fenced("SELECT count(*) FROM earthquakes"))
    at = endpoints_page(endpoint)
    at.file_uploader(key=QUESTIONS_UPLOAD).set_value(("mine.json", sound_file(), "application/json")).run()
    at = settle_score(click(at, "Run accuracy score"))
    assert {m.label for m in at.metric} >= {"Execution accuracy"}
    items = [{"id": "x1", "question": "How many?", "reference_sql": "SELECT 1"}]
    at.file_uploader(key=QUESTIONS_UPLOAD).set_value(("other.json", json.dumps(items).encode(), "application/json"))
    at.run()
    assert not at.metric and "1 question from other.json." in " ".join(texts(at.caption))


def test_a_refused_upload_names_the_limit_it_passes(endpoint: FakeEndpoint) -> None:
    items = [{"id": f"q{n}", "question": "How many?", "reference_sql": "SELECT 1"} for n in range(201)]
    at = endpoints_page(endpoint)
    at.file_uploader(key=QUESTIONS_UPLOAD).set_value(("many.json", json.dumps(items).encode(), "application/json"))
    at.run()
    assert not at.exception
    said = "This questions file cannot be used: The file has 201 questions; a questions file may have at most 200."
    assert texts(at.error) == [escape_markdown(said)]
    assert next(b for b in at.button if b.label == "Run accuracy score").disabled
    assert endpoint.requests == []


def test_a_reference_query_that_fails_ends_the_score_with_the_reason(endpoint: FakeEndpoint) -> None:
    items = [{"id": "b1", "question": "How many?", "reference_sql": "SELECT nope FROM earthquakes"}]
    at = endpoints_page(endpoint)
    at.file_uploader(key=QUESTIONS_UPLOAD).set_value(("broken.json", json.dumps(items).encode(), "application/json"))
    at = settle_score(click(at.run(), "Run accuracy score"))
    assert not at.exception
    error = texts(at.error)[0]
    assert error.startswith(escape_markdown("Question 'b1': its reference SQL does not run here: Binder Error"))
    assert not at.metric  # nothing was scored
    assert endpoint.chat_requests() == []  # the reference query runs before the model is asked
