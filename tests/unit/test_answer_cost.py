"""The quiet line under each answer and the session's total."""

from __future__ import annotations

from analyst.answer import ATTACHMENT_MARK, Answer, CallRecord, ErrorPart, TextPart, conversation_totals


def call(
    purpose: str, prompt: int | None, completion: int | None, latency: float = 0.5, retries: int = 0
) -> CallRecord:
    return CallRecord(purpose, "Qwen/Qwen2.5-7B-Instruct", latency, prompt, completion, retries, [])


def test_the_line_names_model_time_calls_tokens_and_retries() -> None:
    answer = Answer("q", [TextPart("a")], [call("sql", 600, 40, retries=1), call("insight", 700, 1200)], total_s=2.25)
    assert answer.describe_cost() == (
        "Qwen/Qwen2.5-7B-Instruct · answered in 2.2 s · 2 model calls · 1,300 in + 1,240 out tokens · 1 retry"
    )


def test_tokens_an_endpoint_did_not_report_are_not_shown_as_zero() -> None:
    answer = Answer("q", [], [call("sql", None, None)], total_s=1.0)
    assert answer.describe_cost().endswith("1 model call · tokens not reported by the endpoint")


def test_one_call_without_tokens_does_not_hide_the_others_and_the_line_says_how_the_answer_ended() -> None:
    answer = Answer("q", [], [call("sql", 600, 40), call("insight", None, None)], total_s=3.0)
    assert answer.describe_cost().endswith("2 model calls · 600 in + 40 out tokens (1 call's tokens not reported)")
    answer.stopped = True
    assert " · stopped after 3.0 s · " in answer.describe_cost()
    failed = Answer("q", [ErrorPart("The endpoint answered 500")], [call("sql", 10, 1)], total_s=1.0)
    assert " · failed after 1.0 s · " in failed.describe_cost()


def test_the_session_total_counts_questions_not_attached_files() -> None:
    history = [
        Answer("a", [], [call("sql", 100, 10, 1.0), call("insight", 200, 20, 2.0)]),
        Answer(f"{ATTACHMENT_MARK}stations.csv", [TextPart("Loaded stations (2 rows).")]),
        Answer("b", [], [call("sql", 300, 30, 0.5)]),
    ]
    totals = conversation_totals(history)
    assert totals.describe() == (
        "2 questions · 3 model calls · 660 tokens (600 in + 60 out) · 3.5 s waiting for the model"
    )
    assert totals.models == ("Qwen/Qwen2.5-7B-Instruct",)
