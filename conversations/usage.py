"""The owner's usage records in this process's memory (the default store; ``conversations.sql_store`` keeps the
same in a database): model calls and tokens spent on the app's token, per visitor and in all.

Kept in minute buckets, so memory stays bounded whatever the traffic: per visitor the last hour (at most 60
buckets, and a visitor is forgotten an hour after their last call), for the process the last day (at most 1,440).
The owner's usage table reads one record per call of the last day, at most ``MAX_CALL_RECORDS`` (the oldest go).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from providers.budget import DAY_S, HOUR_S, BudgetLimits, CallUse, Refusal

BUCKET_S = 60
MAX_CALL_RECORDS = 20_000  # about 3 MB: the owner's usage table keeps the last day's calls, at most this many
CALL_RECORD_BYTES = 160  # about what one CallUse holds (without question text), for the memory account


@dataclass
class _Bucket:
    minute: int
    calls: int = 0
    tokens: int = 0


class MinuteWindow:
    """Calls and tokens of the last ``span_s`` seconds, in minute buckets (oldest first)."""

    def __init__(self, span_s: int) -> None:
        self.span_s = span_s
        self.buckets: deque[_Bucket] = deque()

    def prune(self, now: float) -> None:
        oldest = int(now - self.span_s) // BUCKET_S
        while self.buckets and self.buckets[0].minute <= oldest:
            self.buckets.popleft()

    def totals(self) -> tuple[int, int]:
        return sum(b.calls for b in self.buckets), sum(b.tokens for b in self.buckets)

    def add(self, now: float, calls: int, tokens: int) -> None:
        minute = int(now) // BUCKET_S
        if not self.buckets or self.buckets[-1].minute != minute:
            self.buckets.append(_Bucket(minute))
        self.buckets[-1].calls += calls
        self.buckets[-1].tokens += tokens

    def frees_in(self, now: float, excess: int, index: int) -> float:
        """Seconds until the oldest buckets holding ``excess`` of field ``index`` (0 calls, 1 tokens) leave."""
        for bucket in self.buckets:
            excess -= (bucket.calls, bucket.tokens)[index]
            if excess <= 0:
                return max(1.0, (bucket.minute + 1) * BUCKET_S + self.span_s - now)
        return float(self.span_s)


class UsageLedger:
    """Thread-safe: a reservation is checked against every limit and recorded in one step."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._visitors: dict[str, MinuteWindow] = {}
        self._process = MinuteWindow(DAY_S)
        self._calls: deque[CallUse] = deque(maxlen=MAX_CALL_RECORDS)

    def spend(self, visitor: str, calls: int, tokens: int, limits: BudgetLimits) -> Refusal | None:
        with self._lock:
            now = self._clock()
            own = self._window(visitor, now)
            checks = (
                ("visitor calls", own, 0, calls, limits.visitor_calls_per_hour),
                ("visitor tokens", own, 1, tokens, limits.visitor_tokens_per_hour),
                ("daily calls", self._process, 0, calls, limits.calls_per_day),
                ("daily tokens", self._process, 1, tokens, limits.tokens_per_day),
            )
            for name, window, index, wanted, allowed in checks:
                used = window.totals()[index]
                if allowed and used + wanted > allowed:
                    return Refusal(name, allowed, window.frees_in(now, used + wanted - allowed, index))
            own.add(now, calls, tokens)
            self._process.add(now, calls, tokens)
            return None

    def adjust(self, visitor: str, tokens: int) -> None:
        with self._lock:
            now = self._clock()
            self._window(visitor, now).add(now, 0, tokens)
            self._process.add(now, 0, tokens)

    def record(self, use: CallUse) -> None:
        with self._lock:
            self._calls.append(use)
            self._drop_old_calls(self._clock())

    def record_count(self) -> int:
        with self._lock:
            return len(self._calls)

    def calls(self) -> list[CallUse]:
        """The calls of the last day, oldest first."""
        with self._lock:
            self._drop_old_calls(self._clock())
            return list(self._calls)

    def _drop_old_calls(self, now: float) -> None:
        while self._calls and self._calls[0].at <= now - DAY_S:
            self._calls.popleft()

    def usage(self, visitor: str) -> tuple[int, int]:
        """The visitor's calls and tokens in the last hour."""
        with self._lock:
            return self._window(visitor, self._clock()).totals()

    def process_usage(self) -> tuple[int, int]:
        """Every visitor's calls and tokens in the last day."""
        with self._lock:
            self._process.prune(self._clock())
            return self._process.totals()

    def __len__(self) -> int:
        """Visitors with a call in the last hour."""
        with self._lock:
            self._forget_idle(self._clock())
            return len(self._visitors)

    def _window(self, visitor: str, now: float) -> MinuteWindow:
        self._forget_idle(now)
        window = self._visitors.setdefault(visitor, MinuteWindow(HOUR_S))
        window.prune(now)
        self._process.prune(now)
        return window

    def _forget_idle(self, now: float) -> None:
        idle = [v for v, w in self._visitors.items() if not w.buckets or w.buckets[-1].minute <= (now - HOUR_S) // 60]
        for visitor in idle:
            del self._visitors[visitor]
