"""The owner's usage table: one row per visitor over the calls of the last day (``CallUse`` records)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import UTC, datetime

from exports.csv_safety import build_csv_rows
from providers.budget import CallUse

COLUMNS = ("visitor", "calls", "prompt_tokens", "completion_tokens", "errors", "p50_latency_s", "p90_latency_s")
CALL_COLUMNS = ("time_utc", "visitor", "question", "prompt_tokens", "completion_tokens", "latency_s", "failed")


def _percentile(values: list[float], share: float) -> float:
    if len(values) == 1:
        return round(values[0], 2)
    return round(statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1], 2)


def usage_by_visitor(calls: Sequence[CallUse]) -> list[dict[str, object]]:
    """Calls, tokens, errors and latency per visitor, the busiest first."""
    by_visitor: dict[str, list[CallUse]] = {}
    for call in calls:
        by_visitor.setdefault(call.visitor, []).append(call)
    rows = []
    for visitor, own in by_visitor.items():
        latencies = [c.latency_s for c in own]
        rows.append(
            {
                "visitor": visitor,
                "calls": len(own),
                "prompt_tokens": sum(c.prompt_tokens or 0 for c in own),
                "completion_tokens": sum(c.completion_tokens or 0 for c in own),
                "errors": sum(c.failed for c in own),
                "p50_latency_s": _percentile(latencies, 0.5),
                "p90_latency_s": _percentile(latencies, 0.9),
            }
        )
    return sorted(rows, key=lambda r: (-int(r["calls"]), str(r["visitor"])))  # type: ignore[call-overload]


def call_rows(calls: Sequence[CallUse]) -> list[dict[str, object]]:
    """One row per call, newest first, with what it was for (only kept when the owner turned question text on)."""
    return [
        {
            "time_utc": datetime.fromtimestamp(c.at, UTC).strftime("%Y-%m-%d %H:%M:%S"),
            "visitor": c.visitor,
            "question": c.about,
            "prompt_tokens": c.prompt_tokens,
            "completion_tokens": c.completion_tokens,
            "latency_s": round(c.latency_s, 2),
            "failed": c.failed,
        }
        for c in reversed(calls)
    ]


def as_csv(rows: Sequence[dict[str, object]], columns: Sequence[str]) -> str:
    """The rows as CSV that a spreadsheet opens as data (a question never becomes a formula)."""
    return build_csv_rows(columns, ([row.get(c) for c in columns] for row in rows))
