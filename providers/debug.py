"""Debug mode: the ``huggingface-provider`` logger and the per-session log of recent requests."""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

LOGGER_NAME = "huggingface-provider"
logger = logging.getLogger(LOGGER_NAME)


def debug_requested(
    environ: Mapping[str, str] | None = None,
    query_value: str | Iterable[str] | None = None,
) -> bool:
    """True when ``DEBUG`` (comma/space separated, ``*`` allowed) or ``?debug=`` names this logger."""
    environ = os.environ if environ is None else environ
    values = [environ.get("DEBUG", "")]
    if query_value:
        values += [query_value] if isinstance(query_value, str) else list(query_value)
    names = {n.strip() for v in values for n in v.replace(",", " ").split()}
    return LOGGER_NAME in names or "*" in names


def enable_debug_logging() -> None:
    """Send this logger's lines to stderr (idempotent)."""
    if not any(getattr(h, "_hf_debug", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        handler._hf_debug = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)


@dataclass(frozen=True)
class RequestRecord:
    """One HTTP attempt as the sidebar's debug panel shows it."""

    method: str
    url: str
    status: str
    ms: float
    retry: int
    model: str

    def as_row(self) -> dict[str, object]:
        return {
            "method": self.method,
            "url": self.url,
            "status": self.status,
            "ms": round(self.ms),
            "retry": self.retry,
            "model": self.model,
        }


class RequestLog:
    """The last requests of one browser session (kept in its session state, never shared)."""

    def __init__(self, size: int = 20) -> None:
        self.records: deque[RequestRecord] = deque(maxlen=size)

    def add(self, record: RequestRecord) -> None:
        self.records.append(record)

    def rows(self) -> list[dict[str, object]]:
        return [r.as_row() for r in reversed(self.records)]
