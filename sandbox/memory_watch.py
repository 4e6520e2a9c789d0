"""The server's memory while sandbox queries run: a watch that stops a query whose growth passes a budget, and a
limit on how many queries run at once in the whole process.

DuckDB's ``memory_limit`` covers only what its buffer manager hands out; strings and lists being built, and what
the Python side holds, are not in it. The watch reads the process's resident memory (``/proc/self/statm``, Linux,
which is where Streamlit Community Cloud runs) every few milliseconds and interrupts the query that has been
running while it grew past its budget; DuckDB then stops at its next vector. Queries are few at a time so that
ten heavy links opened at once cost a few budgets, not ten, and leave room to answer everyone else.

Both are process-wide on purpose: memory and cores are the process's, shared by every visitor.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

POLL_S = 0.004
STATM = "/proc/self/statm"
UNITS = {"": 1, "B": 1, "KB": 1000, "MB": 1000**2, "GB": 1000**3, "KIB": 1024, "MIB": 1024**2, "GIB": 1024**3}


def size_in_bytes(text: str) -> int:
    """DuckDB's way of writing a size ("256MB", "1GiB") in bytes (KB/MB/GB are powers of 1000, as in DuckDB)."""
    found = re.fullmatch(r"\s*([\d.]+)\s*([a-zA-Z]*)\s*", text)
    if not found or found.group(2).upper() not in UNITS:
        raise ValueError(f"Not a size: {text!r}")
    return int(float(found.group(1)) * UNITS[found.group(2).upper()])


def resident_bytes() -> int | None:
    """The process's resident memory now, or None where /proc is not there (then nothing is watched)."""
    try:
        with open(STATM, "rb") as status:
            return int(status.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


@dataclass(eq=False)
class Watched:
    """One running query: stopped with ``interrupt`` when the process has grown ``budget`` bytes since ``start``."""

    interrupt: Callable[[], None]
    budget: int
    start: int
    grew: int = 0  # the most the process grew while it ran
    stopped: bool = False


class MemoryWatch:
    """One thread that polls resident memory while at least one query is watched."""

    def __init__(self, poll_s: float = POLL_S) -> None:
        self._poll_s = poll_s
        self._watched: set[Watched] = set()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    @contextmanager
    def watch(self, interrupt: Callable[[], None], budget: int) -> Iterator[Watched]:
        start = resident_bytes()
        watched = Watched(interrupt, budget, start or 0)
        if start is None:
            yield watched
            return
        with self._changed:
            self._watched.add(watched)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="sandbox-memory-watch", daemon=True)
                self._thread.start()
            self._changed.notify()
        try:
            yield watched
        finally:
            with self._changed:  # once off the list the query is never interrupted (its ROLLBACK must run)
                self._watched.discard(watched)
            now = resident_bytes()
            if now is not None:
                watched.grew = max(watched.grew, now - watched.start)

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._watched:
                    self._changed.wait()
                now = resident_bytes()
                for watched in self._watched:
                    if now is not None:
                        self._check(watched, now)
            time.sleep(self._poll_s)

    @staticmethod
    def _check(watched: Watched, now: int) -> None:
        watched.grew = max(watched.grew, now - watched.start)
        if watched.grew > watched.budget and not watched.stopped:
            watched.stopped = True
            watched.interrupt()


class QuerySlots:
    """At most ``count`` sandbox queries run at once in the process; the others wait, up to a limit."""

    def __init__(self, count: int) -> None:
        self.count = count
        self._slots = threading.BoundedSemaphore(count)

    @contextmanager
    def slot(self, wait_s: float) -> Iterator[bool]:
        """Yields whether a slot was had within ``wait_s`` seconds (the query must not run if not)."""
        had = self._slots.acquire(timeout=wait_s)
        try:
            yield had
        finally:
            if had:
                self._slots.release()
