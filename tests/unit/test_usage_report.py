"""The owner's usage table: per visitor over the last day, bounded, and CSV that stays data."""

from __future__ import annotations

from conversations.usage import MAX_CALL_RECORDS, UsageLedger
from exports.usage_report import COLUMNS, as_csv, call_rows, usage_by_visitor
from providers.budget import DAY_S, CallUse


def use(visitor: str, latency: float, failed: bool = False, at: float = 0.0, about: str = "") -> CallUse:
    return CallUse(at, visitor, 100, 20, latency, failed, about)


def test_each_visitor_gets_calls_tokens_errors_and_latency_percentiles() -> None:
    calls = [use("ana@example.com", s) for s in (1.0, 2.0, 3.0, 4.0, 10.0)] + [use("3f2a9c1b", 0.5, failed=True)]
    rows = usage_by_visitor(calls)
    assert rows[0] == {
        "visitor": "ana@example.com",
        "calls": 5,
        "prompt_tokens": 500,
        "completion_tokens": 100,
        "errors": 0,
        "p50_latency_s": 3.0,
        "p90_latency_s": 7.6,
    }
    assert rows[1]["errors"] == 1 and rows[1]["p90_latency_s"] == 0.5


def test_the_ledger_keeps_one_day_of_calls_and_at_most_its_bound() -> None:
    now = [1_000_000.0]
    ledger = UsageLedger(clock=lambda: now[0])
    ledger.record(use("a", 1.0, at=now[0]))
    now[0] += DAY_S - 1
    ledger.record(use("b", 1.0, at=now[0]))
    assert [c.visitor for c in ledger.calls()] == ["a", "b"]
    now[0] += 2
    assert [c.visitor for c in ledger.calls()] == ["b"]  # a day old: gone
    for _ in range(MAX_CALL_RECORDS + 5):
        ledger.record(use("c", 1.0, at=now[0]))
    assert len(ledger.calls()) == MAX_CALL_RECORDS


def test_a_question_in_the_csv_never_becomes_a_formula() -> None:
    rows = call_rows([use("ana@example.com", 1.0, about='=HYPERLINK("http://x")')])
    text = as_csv(rows, ["visitor", "question"])
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text
    assert as_csv(usage_by_visitor([use("b", 1.0)]), COLUMNS).splitlines()[0] == ",".join(COLUMNS)
