"""Waking a scaled-to-zero dedicated endpoint in the background, so nothing else waits on it.

Each attempt asks HuggingFace's proxy to hold the request while the endpoint scales up
(``X-Scale-Up-Timeout``); a 503 (still starting) or another passing failure is retried with
doubling waits until the endpoint answers, the time limit is reached, or ``stop()`` is called.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from providers.client import ModelClient
from providers.errors import ProviderError
from providers.health import HEALTH_MESSAGES
from providers.retry import RetryPolicy

SCALE_UP_HEADER = "X-Scale-Up-Timeout"


@dataclass(frozen=True)
class WakeStatus:
    state: str  # "waking", "ready", "failed", "stopped" or "gave up"
    elapsed_s: float
    attempts: int
    message: str
    model: str | None = None

    @property
    def finished(self) -> bool:
        return self.state != "waking"


class WakeJob:
    """One wake-up run on its own thread; ``status()`` is safe to read from the page at any time."""

    def __init__(
        self,
        client: ModelClient,
        *,
        limit_s: float = 600,
        scale_up_timeout_s: float = 60,
        base_wait_s: float = 2.0,
        max_wait_s: float = 30.0,
    ) -> None:
        # Our own client without retries: this loop is the retry policy here.
        self.client = ModelClient(
            client.settings, state=client.state, policy=RetryPolicy(max_retries=0), debug=client.debug
        )
        self.limit_s = limit_s
        self.scale_up_timeout_s = scale_up_timeout_s
        self.base_wait_s = base_wait_s
        self.max_wait_s = max_wait_s
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._status = WakeStatus("waking", 0.0, 0, "Starting…")
        self._thread = threading.Thread(target=self._run, name="wake-endpoint", daemon=True)

    def start(self) -> WakeJob:
        self._started = time.monotonic()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def status(self) -> WakeStatus:
        with self._lock:
            status = self._status
        if status.finished:
            return status
        return WakeStatus(status.state, time.monotonic() - self._started, status.attempts, status.message)

    def _set(self, state: str, attempts: int, message: str, model: str | None = None) -> None:
        with self._lock:
            self._status = WakeStatus(state, time.monotonic() - self._started, attempts, message, model)

    def _run(self) -> None:
        attempts = 0
        wait = self.base_wait_s
        while True:
            remaining = self.limit_s - (time.monotonic() - self._started)
            if self._stop.is_set():
                return self._set("stopped", attempts, "Stopped.")
            if remaining <= 0:
                return self._set("gave up", attempts, f"Still not up after {self.limit_s:.0f} s; try again later.")
            attempts += 1
            hold = max(1, int(min(self.scale_up_timeout_s, remaining)))
            try:
                completion = self.client.complete(
                    HEALTH_MESSAGES, max_tokens=4, extra_headers={SCALE_UP_HEADER: str(hold)}
                )
            except ProviderError as error:
                if not error.retryable:
                    return self._set("failed", attempts, str(error))
                message = f"{error} — attempt {attempts}, next try in {min(wait, remaining):.0f} s"
                self._set("waking", attempts, message)
                if self._stop.wait(min(wait, max(0.0, remaining))):
                    return self._set("stopped", attempts, "Stopped.")
                wait = min(wait * 2, self.max_wait_s)
                continue
            return self._set("ready", attempts, f"Up: {completion.model} answered.", completion.model)
