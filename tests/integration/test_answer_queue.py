"""The session's answer queue over the loopback endpoint and real DuckDB: parts in order, queueing, Stop."""

from __future__ import annotations

import time

from analyst.answer import DONE, QUEUED, RUNNING, Answer, ChartPart, NoticePart, SqlPart, TablePart, TextPart
from analyst.answer_queue import MAX_WAITING, AnswerQueue, Progress
from analyst.pipeline import STOPPED, STOPPED_INSIGHT, Events, PipelineOptions, answer_question
from providers.retry import RetryNotice
from tests.support.fake_endpoint import FakeEndpoint
from tests.support.scripted_model import ScriptedModel, fenced

BY_TYPE = 'SELECT "magType", count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY n DESC'
LONG_INSIGHT = "Most earthquakes in the week were measured as ml; " * 12


def wait_until(condition, timeout: float = 20) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_each_part_is_published_as_soon_as_it_exists(endpoint: FakeEndpoint, db, client) -> None:  # type: ignore[no-untyped-def]
    endpoint.responder = ScriptedModel(insight=LONG_INSIGHT).on("type", fenced(BY_TYPE, "bar x=magType y=n"))
    endpoint.token_delay = 0.01
    seen: list[str] = []

    def update(answer: Answer) -> None:
        kinds = [type(p).__name__ for p in answer.parts]
        if not seen or seen[-1] != ",".join(kinds):
            seen.append(",".join(kinds))

    events = Events(
        on_sql=lambda sql: seen.append("sql read"),
        on_insight=lambda piece: seen.append("insight piece") if seen[-1] != "insight piece" else None,
        on_update=update,
    )
    answer = answer_question("Which magnitude type?", [], db, client, events=events)
    assert answer.error is None
    firsts = {step: seen.index(step) for step in dict.fromkeys(seen)}
    # The SQL is known before it runs, the table before the chart, and both before the insight streams.
    assert firsts["sql read"] < firsts["SqlPart"] < firsts["TablePart,SqlPart"]
    assert firsts["TablePart,SqlPart"] < firsts["ChartPart,TablePart,SqlPart"] < firsts["insight piece"]
    assert seen[-1] == "TextPart,ChartPart,TablePart,SqlPart"


def test_a_question_sent_while_another_runs_waits_and_sees_it_as_context(endpoint: FakeEndpoint, db, client) -> None:  # type: ignore[no-untyped-def]
    model = ScriptedModel().on("magnitude type", fenced(BY_TYPE)).on("above magnitude 4", fenced(BY_TYPE))
    endpoint.responder = model
    endpoint.delay = 0.3
    history: list[Answer] = []
    queue = AnswerQueue()
    first, second = Answer("Which magnitude type is most common?"), Answer("Now only the ones above magnitude 4")
    for answer in (first, second):
        history.append(answer)
        queue.submit(answer, history, db, client, PipelineOptions(write_insight=False))
    assert first.status == RUNNING and second.status == QUEUED
    assert queue.wait(20)
    assert first.status == second.status == DONE and first.table is not None and second.table is not None
    follow_up = next(b for b in model.seen if "above magnitude 4" in b["messages"][-1]["content"])
    assert "Which magnitude type is most common?" in str(follow_up["messages"])  # answered with its context


def test_stop_keeps_the_finished_parts_and_the_insight_so_far(endpoint: FakeEndpoint, db, client) -> None:  # type: ignore[no-untyped-def]
    endpoint.responder = ScriptedModel(insight=LONG_INSIGHT).on("type", fenced(BY_TYPE, "bar x=magType y=n"))
    endpoint.token_delay = 0.05
    history = [Answer("Which magnitude type?")]
    queue = AnswerQueue()
    queue.submit(history[0], history, db, client, PipelineOptions())
    wait_until(lambda: len((queue.progress(history[0]) or Progress()).insight) > 40)
    queue.stop()
    answer = history[0]
    assert answer.status == DONE and answer.stopped and not queue.busy
    assert isinstance(answer.parts[0], NoticePart) and answer.parts[0].text == STOPPED
    insight = answer.of_type(TextPart)[0]
    assert insight.interrupted == STOPPED_INSIGHT and LONG_INSIGHT.startswith(insight.text)
    assert answer.of_type(ChartPart) and answer.of_type(TablePart) and answer.of_type(SqlPart)
    kept = list(answer.parts)
    wait_until(lambda: queue.threads == 0)  # the worker has ended: it changed nothing after the stop
    assert answer.parts == kept


def test_stop_while_the_model_writes_sql_lets_the_next_question_start_at_once(
    endpoint: FakeEndpoint, db, client
) -> None:  # type: ignore[no-untyped-def]
    model = ScriptedModel(default=fenced("SELECT count(*) AS n FROM earthquakes"))

    asked: list[dict] = []

    def slow_first(body: dict) -> str:  # the first reply takes 2 s, the next comes at once
        asked.append(body)
        if len(asked) == 1:
            time.sleep(2.0)
        return model(body)

    endpoint.responder = slow_first
    history = [Answer("How many?"), Answer("And how many again?")]
    queue = AnswerQueue()
    for answer in history:
        queue.submit(answer, history, db, client, PipelineOptions(write_insight=False))
    queue.stop()
    assert history[0].stopped and history[0].status == DONE
    wait_until(lambda: history[1].status == RUNNING, timeout=1.8)  # before the cut reply's 2 s delay was over
    assert queue.wait(20)
    assert history[1].table is not None and history[1].table.frame["n"][0] == 1707
    assert history[0].table is None  # the stopped answer's reply, arriving late, changed nothing


def test_cancel_all_drops_the_queued_questions(endpoint: FakeEndpoint, db, client) -> None:  # type: ignore[no-untyped-def]
    endpoint.delay = 0.5
    history = [Answer("one"), Answer("two")]
    queue = AnswerQueue()
    for answer in history:
        queue.submit(answer, history, db, client, PipelineOptions(write_insight=False))
    assert [a.status for a in history] == [RUNNING, QUEUED]  # (an Answer starts DONE: this can fail)
    queue.cancel_all()
    assert not queue.busy and queue.wait(1)
    assert [a.status for a in history] == [DONE, DONE] and history[0].stopped and not history[1].stopped
    wait_until(lambda: queue.threads == 0)
    assert history[1].table is None  # the dropped question was never asked
    assert all(r.body["messages"][-1]["content"] != "two" for r in endpoint.chat_requests())


def test_the_progress_line_says_what_is_awaited_and_for_how_long() -> None:
    progress = Progress()
    progress.set_stage("Writing SQL…")
    assert progress.describe(progress.stage_started + 6.2) == "Writing SQL · 6 s"
    progress.set_retry(RetryNotice(2, 5, 20.0, "Endpoint starting"))
    assert progress.describe(progress.retry_started + 3) == "Endpoint starting · retry 2 of 5 in 17 s"
    progress.set_stage("Writing SQL…")
    assert progress.retry is None


def test_a_session_cannot_queue_more_than_max_waiting(endpoint: FakeEndpoint, db, client) -> None:  # type: ignore[no-untyped-def]
    endpoint.delay = 0.3
    history: list[Answer] = []
    queue = AnswerQueue()
    accepted = []
    for number in range(MAX_WAITING + 3):
        history.append(Answer(f"question {number}"))
        accepted.append(queue.submit(history[-1], history, db, client, PipelineOptions(write_insight=False)))
    assert accepted == [True] * (MAX_WAITING + 1) + [False, False]  # the running one, then MAX_WAITING waiting
    assert history[-1].status == DONE  # refused: never left waiting
    queue.cancel_all()


def test_submit_and_stop_in_a_loop_leaves_one_thread_and_sends_nothing_after_each_stop(
    endpoint: FakeEndpoint, db, client
) -> None:  # type: ignore[no-untyped-def]
    """Fifteen rounds of "submit, Stop" left 15 answer threads alive, each still calling the owner's endpoint: a
    stopped answer's request is cut, its thread ends, and the next question starts only then."""
    endpoint.responder = ScriptedModel(default=fenced("SELECT count(*) AS n FROM earthquakes"))
    endpoint.delay = 5.0  # every reply would take 5 s
    queue = AnswerQueue()
    history: list[Answer] = []
    for round_number in range(15):
        history.append(Answer(f"How many, round {round_number}?"))
        queue.submit(history[-1], history, db, client, PipelineOptions(write_insight=False))
        wait_until(lambda sent=round_number + 1: len(endpoint.chat_requests()) == sent)  # its request is on its way
        queue.stop()
        wait_until(lambda: queue.threads == 0, timeout=4.5)  # ended before its 5 s reply: the request was cut
    assert len(endpoint.chat_requests()) == 15  # one request per round: none retried, none sent after a stop
    assert all(a.stopped and a.table is None for a in history)


def test_stop_interrupts_a_running_query(endpoint: FakeEndpoint, db, client) -> None:  # type: ignore[no-untyped-def]
    slow = "SELECT sum(a.range * b.range) AS s FROM range(200000) a, range(200000) b"  # over the 10 s limit
    endpoint.responder = ScriptedModel(default=fenced(slow))
    queue = AnswerQueue()
    history = [Answer("A slow one?")]
    queue.submit(history[0], history, db, client, PipelineOptions(write_insight=False))
    wait_until(lambda: db.running)
    queue.stop()
    wait_until(lambda: queue.threads == 0, timeout=8)  # before the sandbox's 10 s limit: interrupted
    assert history[0].stopped and db.run_query("SELECT 1 AS one").frame["one"][0] == 1  # the database goes on
