"""Twenty people at once on one real server, through an endpoint that fails a share of requests with 503.

Each person is their own Streamlit session (their own websocket, uploads and conversation): they upload their
own table and ask three questions, one of them about another person's table. Nineteen of them speak the app's
websocket as a browser tab does (``tests/support/stream_session.py``: the server does all it does for a tab,
the test does not spend its CPU drawing nineteen pages); the twentieth is a real Chromium tab, so what a person
sees is checked under the same load.
Marked ``load``: it runs in CI; skip it locally with ``pytest --skip-load``.
"""

from __future__ import annotations

import os
import re
import statistics
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import ARTIFACTS
from tests.support.fake_endpoint import Failure, FakeEndpoint
from tests.support.stream_session import StreamSession
from tests.support.streamlit_server import running_app_process

# One xdist worker runs the heavy tests one after the other (load, deploy); the others run the rest.
pytestmark = [pytest.mark.browser, pytest.mark.load, pytest.mark.timeout(900), pytest.mark.xdist_group("heavy")]

SESSIONS = int(os.environ.get("LOAD_SESSIONS", "20"))  # at least 20 in CI; fewer only to debug
ROUNDS = 3  # the session's own table, another session's, and the shared bundled one
FAILURE_RATE = 0.2
MESSAGE = "[data-testid='stChatMessage']"
RUNNING = "[data-testid='stApp'][data-test-script-state='running']"
LIVE = "⏳"  # an answer still queued or running (its progress line)
BOX = "Ask a question about the data, or attach a file"


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


class Tab:
    """The Chromium tab among the sessions, read the way ``StreamSession`` is read."""

    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        page.set_default_timeout(120_000)
        page.goto(url)

    def attach(self, csv: Path) -> None:
        self.page.get_by_placeholder(BOX).wait_for()
        self.page.locator("[data-testid='stChatInput'] input[type='file']").set_input_files(str(csv))
        # Sending is refused while the file is still uploading (it takes longer under load): the send button
        # turns enabled once it is up.
        expect(self.page.get_by_test_id("stChatInputSubmitButton")).to_be_enabled(timeout=120_000)

    def ask(self, question: str) -> None:
        box = self.page.get_by_placeholder(BOX)
        box.fill(question)
        box.press("Enter")

    def messages(self) -> list[str]:
        return self.page.locator(MESSAGE).all_inner_texts()

    def finished(self, expected: int) -> bool:
        page = self.page
        return (
            page.locator(MESSAGE).count() >= expected
            and not page.locator(f"text={LIVE}").count()
            and not page.locator(RUNNING).count()
        )

    def page_text(self) -> str:
        return self.page.locator("body").inner_text() + self.page.content()


class Scripted:
    """A session speaking the websocket as a tab does."""

    def __init__(self, url: str) -> None:
        self.session = StreamSession(url, timeout_s=120).open()

        self.attached: list[Path] = []

    def attach(self, csv: Path) -> None:
        self.attached.append(csv)

    def ask(self, question: str) -> None:
        self.session.ask(question, self.attached)  # the attached file is uploaded, then sent with the question
        self.attached = []

    def messages(self) -> list[str]:
        return self.session.messages()

    def finished(self, expected: int) -> bool:
        s = self.session
        return s.settled() and s.count("chat_message") >= expected and LIVE not in s.page_text()

    def page_text(self) -> str:
        return self.session.page_text()


def test_twenty_sessions_at_once(
    page: Page, endpoint: FakeEndpoint, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
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
        people: list[Tab | Scripted] = [Tab(page, url)] + [Scripted(url) for _ in range(SESSIONS - 1)]
        try:
            for index, person in enumerate(people):
                csv = tmp_path / f"s{index:02d}.csv"
                csv.write_text("value\n" + "\n".join(str(i) for i in range(index + 3)))
                person.attach(csv)
            for round_number in range(ROUNDS):
                submitted = {}
                for index, person in enumerate(people):
                    person.ask(questions(index)[round_number])
                    submitted[index] = time.monotonic()
                expected = 2 * (round_number + 2)  # the upload's message pair, then one pair per question
                deadline = time.monotonic() + 180
                while submitted and time.monotonic() < deadline:
                    for index in list(submitted):
                        if people[index].finished(expected):
                            latencies.append(time.monotonic() - submitted.pop(index))
                    time.sleep(0.2)
                if 0 in submitted:
                    page.screenshot(path=str(ARTIFACTS / "many-sessions-tab.png"), full_page=True)
                assert not submitted, f"round {round_number + 1}: sessions {sorted(submitted)} never answered"
            for index, person in enumerate(people):
                every = person.messages()
                assert len(every) == 2 * (ROUNDS + 1), f"session {index}: " + " || ".join(t[:80] for t in every)
                last_answers = every[3::2]
                for text in last_answers:
                    if "Result (" in text:  # the result's tab: a table came back
                        answered += 1
                    else:
                        failed += 1
                        assert re.search(
                            r"(still failed|not found|does not exist|hold no table like|overloaded|Rate limited)", text
                        ), text
                shown = person.page_text()
                captions = next(line for line in shown.splitlines() if line.startswith("Tables:"))
                assert f"s{index:02d} ({index + 3} rows)" in captions
                others = [f"s{j:02d}" for j in range(SESSIONS) if j != index]
                assert not any(other in captions for other in others), captions
                foreign = last_answers[1]
                assert "Result (" not in foreign, f"session {index} saw another session's table"
                assert "connection is busy" not in shown and "Resource In Use" not in shown
        finally:
            for person in people:
                if isinstance(person, Scripted):
                    person.session.close()
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
