"""Twenty people at once on one real server, through an endpoint that fails a share of requests with 503.

Each browser tab is its own Streamlit session (its own websocket, uploads and conversation): it uploads
its own table and asks three questions, one of them about another person's table. The tabs share one
browser context, as tabs of one browser do, so the app's scripts are downloaded and compiled once rather
than twenty times (most of this test's CPU is Chromium's); the server still serves twenty sessions. Each tab
is throttled as Chromium throttles a tab in the background (``BACKGROUND_TAB_SCRIPT``): no timer or animation
redraws it over and over while it waits.
Marked ``load``: it runs in CI; skip it locally with ``pytest --skip-load``.
"""

from __future__ import annotations

import os
import re
import statistics
import time

import pytest

from tests.support.browser import BACKGROUND_TAB_SCRIPT
from tests.support.fake_endpoint import Failure, FakeEndpoint
from tests.support.streamlit_server import running_app_process

# One xdist worker runs the heavy tests one after the other (load, deploy); the other runs the rest.
pytestmark = [pytest.mark.browser, pytest.mark.load, pytest.mark.timeout(900), pytest.mark.xdist_group("heavy")]

SESSIONS = int(os.environ.get("LOAD_SESSIONS", "20"))  # at least 20 in CI; fewer only to debug
ROUNDS = 3  # the session's own table, another session's, and the shared bundled one
FAILURE_RATE = 0.2
MESSAGE = "[data-testid='stChatMessage']"
RUNNING = "[data-testid='stApp'][data-test-script-state='running']"
LIVE = "text=⏳"  # an answer still queued or running (its progress line)


def model(body: dict) -> str:
    last = body["messages"][-1]["content"]
    if body.get("stream"):
        return "Counted."
    tables = re.findall(
        r"table (s\d\d|earthquakes)", " ".join(m["content"] for m in body["messages"] if m["role"] == "user")
    )
    name = tables[-1] if tables else "earthquakes"
    if "average" in last.lower():
        return f"```sql\nSELECT avg(value) AS average FROM {name}\n```"
    return f"```sql\nSELECT count(*) AS n FROM {name}\n```"


def questions(index: int) -> list[str]:
    own, other = f"s{index:02d}", f"s{(index + 1) % SESSIONS:02d}"
    return [
        f"What is the average value in table {own}?",
        f"How many rows are in table {other}?",  # someone else's: must not be visible
        "How many rows are in table earthquakes?",
    ]


def test_twenty_sessions_at_once(browser, endpoint: FakeEndpoint, tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    endpoint.responder = model
    endpoint.failure_rate = FAILURE_RATE
    # HuggingFace's loading body says how long to wait: the retries honour it (plus jitter), not the 2 s backoff.
    endpoint.random_failure = Failure(503, body={"error": "Model is overloaded", "estimated_time": 0.2})
    env = {
        "HUGGINGFACE_API_KEY": "hf_LoadTest000000000001",
        "HUGGINGFACE_ENDPOINT_URL": endpoint.url,
        "HUGGINGFACE_MODEL": "tgi",
        # Twenty tabs of one browser are one visitor: this test is about twenty sessions at once, not the owner's
        # budget (tests/hardening/test_owner_budget.py), so the visitor's hourly limit is off.
        "HUGGINGFACE_VISITOR_CALLS_PER_HOUR": "0",
        "HUGGINGFACE_VISITOR_TOKENS_PER_HOUR": "0",
    }
    answered = failed = 0
    latencies: list[float] = []
    with running_app_process(env, timeout_s=90) as (url, _process):
        pages = []
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        context.add_init_script(BACKGROUND_TAB_SCRIPT)  # nineteen of twenty tabs would be in the background
        for _ in range(SESSIONS):
            page = context.new_page()
            page.set_default_timeout(120_000)
            page.goto(url)
            pages.append(page)
        for index, page in enumerate(pages):
            csv = tmp_path / f"s{index:02d}.csv"
            csv.write_text("value\n" + "\n".join(str(i) for i in range(index + 3)))
            page.get_by_placeholder("Ask a question about the data, or attach a file").wait_for()
            page.locator("[data-testid='stChatInput'] input[type='file']").set_input_files(str(csv))
            page.get_by_text(csv.name).first.wait_for()  # uploaded before the question goes with it
        for round_number in range(ROUNDS):
            submitted = {}
            for index, page in enumerate(pages):
                box = page.get_by_placeholder("Ask a question about the data, or attach a file")
                box.fill(questions(index)[round_number])
                box.press("Enter")
                submitted[index] = time.monotonic()
            expected = 2 * (round_number + 2)  # the upload's message pair, then one pair per question
            deadline = time.monotonic() + 180
            while submitted and time.monotonic() < deadline:
                for index in list(submitted):
                    page = pages[index]
                    finished = page.locator(MESSAGE).count() >= expected and not page.locator(LIVE).count()
                    if finished and not page.locator(RUNNING).count():
                        latencies.append(time.monotonic() - submitted.pop(index))
                time.sleep(0.5)  # polling twenty pages costs CPU the server needs
            assert not submitted, f"round {round_number + 1}: sessions {sorted(submitted)} never answered"
        for index, page in enumerate(pages):
            every = page.locator(MESSAGE).all_inner_texts()
            assert len(every) == 2 * (ROUNDS + 1), f"session {index}: " + " || ".join(t[:80] for t in every)
            last_answers = every[3::2]
            for text in last_answers:
                if "Result (" in text or re.search(r"\bn\b|average", text) and "failed" not in text:
                    answered += 1
                else:
                    failed += 1
                    assert re.search(
                        r"(still failed|not found|does not exist|hold no table like|overloaded|Rate limited)", text
                    ), text
            main_text = page.locator("body").inner_text()
            captions = next(line for line in main_text.splitlines() if line.startswith("Tables:"))
            assert f"s{index:02d} ({index + 3} rows)" in captions
            others = [f"s{j:02d}" for j in range(SESSIONS) if j != index]
            assert not any(other in captions for other in others), captions
            foreign = last_answers[1]
            assert "Result (" not in foreign, f"session {index} saw another session's table"
            html = page.content()
            assert "connection is busy" not in html and "Resource In Use" not in html
        context.close()
    p50 = statistics.median(latencies)
    p95 = sorted(latencies)[int(0.95 * (len(latencies) - 1))]
    with capsys.disabled():
        print(
            f"\n{SESSIONS} sessions x {ROUNDS} questions: {answered} answered, {failed} failed with a message; "
            f"latency p50 {p50:.2f} s, p95 {p95:.2f} s; {sum(1 for r in endpoint.requests)} model requests "
            f"with {FAILURE_RATE:.0%} answered 503"
        )
    assert answered + failed == SESSIONS * ROUNDS
    assert failed >= SESSIONS  # every session's question about another's table failed
