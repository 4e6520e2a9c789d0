"""Counting the failures the app logs while a benchmark runs (a chart builder or an SQL description that broke, an
answer that failed unexpectedly): each is a bug the visitor only saw as "no chart" or "show the SQL"."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

WATCHED = ("analyst", "charts", "providers", "sandbox")  # the app's packages that log such failures


class _Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.split(".")[0] in WATCHED:
            self.messages.append(record.getMessage())


@contextmanager
def logged_failures() -> Iterator[list[str]]:
    """The messages of the errors the app logs inside the block (the list fills as they happen)."""
    counter = _Counter()
    root = logging.getLogger()
    root.addHandler(counter)
    try:
        yield counter.messages
    finally:
        root.removeHandler(counter)
