"""Wake-up, comparison and the accuracy score against the loopback endpoint and real DuckDB."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from evaluation.accuracy import EvalQuestion, load_questions, run_evaluation
from evaluation.side_by_side import Contender, run_comparison
from providers.client import EndpointState, ModelClient
from providers.endpoint_types import EndpointType
from providers.retry import RetryPolicy
from providers.settings import ProviderSettings
from providers.wakeup import SCALE_UP_HEADER, WakeJob
from sandbox.database import SessionDatabase
from tests.conftest import FAST_RETRIES
from tests.support.fake_endpoint import FakeEndpoint
from tests.support.scripted_model import ScriptedModel, fenced

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "hf_EndpointTools00000001"
BY_TYPE = 'SELECT "magType", count(*) AS n FROM earthquakes GROUP BY 1'


def client_for(endpoint: FakeEndpoint, model: str = "tgi", policy: RetryPolicy = FAST_RETRIES) -> ModelClient:
    settings = ProviderSettings(EndpointType.DEDICATED, model, api_key=TOKEN, endpoint_url=endpoint.url)
    return ModelClient(settings, state=EndpointState(), policy=policy)


class TestWakeUp:
    def test_503_several_times_then_ready(self, endpoint: FakeEndpoint) -> None:
        endpoint.fail_next(3, 503)
        job = WakeJob(client_for(endpoint), limit_s=30, base_wait_s=0.05, max_wait_s=0.2).start()
        job.join(10)
        status = job.status()
        assert (status.state, status.attempts) == ("ready", 4)
        assert status.model == "tgi"
        requests = endpoint.chat_requests()
        assert len(requests) == 4
        assert all(1 <= int(r.headers[SCALE_UP_HEADER.lower()]) <= 30 for r in requests)

    def test_the_limit_is_reached(self, endpoint: FakeEndpoint) -> None:
        endpoint.fail_always(503)
        started = time.monotonic()
        job = WakeJob(client_for(endpoint), limit_s=0.6, base_wait_s=0.1, max_wait_s=0.2).start()
        job.join(10)
        assert job.status().state == "gave up"
        assert "Still not up after" in job.status().message
        assert time.monotonic() - started < 3

    def test_stop_ends_the_wait(self, endpoint: FakeEndpoint) -> None:
        endpoint.fail_always(503)
        job = WakeJob(client_for(endpoint), limit_s=60, base_wait_s=5, max_wait_s=5).start()
        time.sleep(0.3)
        job.stop()
        job.join(3)
        assert job.status().state == "stopped"

    def test_a_bad_key_fails_at_once(self, endpoint: FakeEndpoint) -> None:
        endpoint.fail_always(401)
        job = WakeJob(client_for(endpoint), limit_s=30, base_wait_s=0.05).start()
        job.join(5)
        assert job.status().state == "failed"
        assert job.status().message.startswith("Invalid API key")
        assert len(endpoint.chat_requests()) == 1


class TestComparison:
    def test_fast_slow_and_failing_endpoints_each_finish(
        self, endpoint: FakeEndpoint, second_endpoint: FakeEndpoint
    ) -> None:
        endpoint.responder = ScriptedModel(default=fenced(BY_TYPE))
        second_endpoint.responder = ScriptedModel(
            default=fenced('SELECT count(*) AS n, "magType" FROM earthquakes GROUP BY 2')
        )
        second_endpoint.delay = 0.8
        broken = FakeEndpoint()
        broken.fail_always(500)
        try:
            finished: list[tuple[str, float]] = []
            started = time.monotonic()
            contenders = [
                Contender("A", client_for(endpoint)),
                Contender("B", client_for(second_endpoint)),
                Contender("C", client_for(broken)),
            ]
            outcomes = run_comparison(
                "types?",
                contenders,
                SessionDatabase(),
                on_done=lambda i, o: finished.append((o.label, time.monotonic() - started)),
            )
        finally:
            broken.stop()
        order = [label for label, _ in finished]
        # The slow one held neither the fast nor the failing one back (run one after the other, C would be last).
        assert order.index("A") < order.index("B") and order.index("C") < order.index("B")
        a, b, c = outcomes
        assert a.same_as == ["B"] and b.same_as == ["A"]
        assert c.answer.error.startswith("Internal server error") and c.same_as is None
        assert a.answer.prompt_tokens > 0

    def test_different_results_are_told_apart(self, endpoint: FakeEndpoint, second_endpoint: FakeEndpoint) -> None:
        endpoint.responder = ScriptedModel(default=fenced(BY_TYPE))
        second_endpoint.responder = ScriptedModel(default=fenced("SELECT type, count(*) FROM earthquakes GROUP BY 1"))
        outcomes = run_comparison(
            "q", [Contender("A", client_for(endpoint)), Contender("B", client_for(second_endpoint))], SessionDatabase()
        )
        assert outcomes[0].same_as == [] and outcomes[1].same_as == []

    def test_an_unconfigured_contender_says_why(self, endpoint: FakeEndpoint) -> None:
        endpoint.responder = ScriptedModel(default=fenced(BY_TYPE))
        outcomes = run_comparison(
            "q",
            [Contender("A", client_for(endpoint)), Contender("B", None, "HuggingFace API key required")],
            SessionDatabase(),
        )
        assert outcomes[1].answer.error == "HuggingFace API key required"


QUESTIONS = [
    EvalQuestion("q1", "How many earthquakes are there?", "SELECT count(*) FROM earthquakes"),
    EvalQuestion("q2", "How many per magnitude type?", BY_TYPE),
    EvalQuestion("q3", "What is the strongest magnitude?", "SELECT max(mag) FROM earthquakes"),
    EvalQuestion("q4", "How many explosions?", "SELECT count(*) FROM earthquakes WHERE type = 'explosion'"),
]


def half_right_model() -> ScriptedModel:
    """Right on q1 and q2 (different SQL, same rows), wrong on q3, no SQL for q4."""
    model = ScriptedModel(default="I cannot answer that.")
    model.on("how many earthquakes", fenced("SELECT count(id) AS total FROM earthquakes"))
    model.on(
        "per magnitude type",
        fenced('SELECT count(*) AS n, "magType" AS t FROM earthquakes GROUP BY "magType" ORDER BY n'),
    )
    model.on("strongest", fenced("SELECT min(mag) FROM earthquakes"))
    return model


def test_the_accuracy_score_counts_exactly_the_right_answers(endpoint: FakeEndpoint) -> None:
    endpoint.responder = half_right_model()
    progress = []
    report = run_evaluation(client_for(endpoint), QUESTIONS, on_progress=lambda d, t, s: progress.append((d, t)))
    assert [s.correct for s in report.scores] == [True, True, False, False]
    assert report.accuracy == 0.5
    assert report.scores[2].problem == "wrong result (1 row as expected, but other values)"
    assert report.scores[3].problem == "no SQL in the reply: 'I cannot answer that.'"
    assert progress == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert report.total_tokens > 0 and report.latency_p90_s >= report.latency_p50_s > 0
    data = json.loads(report.to_json())
    assert data["execution_accuracy"] == 0.5 and len(data["per_question"]) == 4
    assert report.to_csv().splitlines()[0].startswith("id,question,correct,problem")
    assert all("stream" not in body for body in endpoint.responder.seen)  # no insight calls while scoring


def test_the_built_in_question_set_is_sound() -> None:
    questions = load_questions()
    assert len(questions) >= 20
    assert len({q.id for q in questions}) == len(questions)
    db = SessionDatabase()
    for item in questions:
        result = db.run_query(item.reference_sql)
        assert 0 < result.total_rows <= 100, item.id


def test_the_command_line_prints_the_same_figures(endpoint: FakeEndpoint, tmp_path: Path) -> None:
    questions = tmp_path / "questions.json"
    questions.write_text(
        json.dumps([{"id": q.id, "question": q.question, "reference_sql": q.reference_sql} for q in QUESTIONS])
    )
    endpoint.responder = half_right_model()
    env = {**os.environ, "HUGGINGFACE_API_KEY": TOKEN}
    out = tmp_path / "report.json"
    command = [
        sys.executable,
        "-m",
        "bench.eval",
        "--endpoint-type",
        "dedicated",
        "--url",
        endpoint.url,
        "--model",
        "tgi",
        "--questions",
        str(questions),
        "--json",
        str(out),
    ]
    completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert "execution accuracy   50.0% (2/4)" in completed.stdout
    assert "logged failures      0 " in completed.stdout  # no chart or description broke
    assert json.loads(out.read_text())["correct"] == 2 and json.loads(out.read_text())["logged_failures"] == 0
    assert TOKEN not in completed.stdout + completed.stderr


def test_the_command_line_needs_a_key_from_the_environment(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("HUGGINGFACE_API_KEY", "HF_TOKEN")}
    completed = subprocess.run(
        [sys.executable, "-m", "bench.eval", "--url", "http://127.0.0.1:9"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 2
    assert "HuggingFace API key required" in completed.stderr
