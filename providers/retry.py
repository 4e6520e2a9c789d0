"""Our retry policy (the SDK's own retries are off): which failures are retried and how long to wait."""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC

import tenacity

from providers.errors import RETRYABLE_STATUSES, error_body

DEFAULT_MAX_RETRIES = 3
MOST_RETRIES = 10


@dataclass(frozen=True)
class RetryNotice:
    """One wait before a retry, for the page to show."""

    attempt: int  # 1-based number of the retry about to happen
    max_retries: int
    wait_s: float
    reason: str

    def __str__(self) -> str:
        return f"{self.reason} — retry {self.attempt} of {self.max_retries} in {self.wait_s:.0f} s"


RetryCallback = Callable[[RetryNotice], None]


@dataclass(frozen=True)
class RetryPolicy:
    """At most ``max_retries`` retries after the first request. Each wait is the endpoint's ``Retry-After``
    (seconds or an HTTP date) or HuggingFace's ``estimated_time`` plus up to ``jitter_s``; without a usable
    hint, tenacity's exponential backoff with jitter from ``base_wait_s``. Never more than ``max_wait_s``.

    The defaults retry 3 times (2, 4, 8 s: about 15 s in all), as HuggingFace's own clients do; a model that takes
    longer to load says so with ``Retry-After`` or ``estimated_time``, and a scaled-to-zero dedicated endpoint is
    held by its proxy (``X-Scale-Up-Timeout``) while it starts. ``HUGGINGFACE_MAX_RETRIES`` changes the count."""

    max_retries: int = DEFAULT_MAX_RETRIES
    base_wait_s: float = 2.0
    max_wait_s: float = 60.0
    jitter_s: float = 1.0
    sleep: Callable[[float], None] = time.sleep

    def wait_strategy(self) -> Callable[[tenacity.RetryCallState], float]:
        backoff = tenacity.wait_exponential_jitter(
            multiplier=self.base_wait_s, max=self.max_wait_s, jitter=self.jitter_s
        )
        jitter = tenacity.wait_random(0, self.jitter_s)

        def wait(state: tenacity.RetryCallState) -> float:
            error = state.outcome.exception() if state.outcome is not None else None
            suggested = suggested_wait(error) if error is not None else None
            chosen = backoff(state) if suggested is None else suggested + jitter(state)
            return max(0.0, min(chosen, self.max_wait_s))

        return wait


def is_retryable(error: BaseException) -> bool:
    import openai  # imported with the first call (about 0.6 s): not to open the app

    if isinstance(error, openai.APIStatusError):
        return error.status_code in RETRYABLE_STATUSES
    return isinstance(error, openai.APIConnectionError)  # includes timeouts


def suggested_wait(error: BaseException) -> float | None:
    """The endpoint's own hint: ``Retry-After`` (seconds or a date), else HF's ``estimated_time``."""
    import openai

    if not isinstance(error, openai.APIStatusError):
        return None
    wait = retry_after_seconds(error.response.headers.get("retry-after"))
    if wait is not None:
        return wait
    body = error_body(error)
    if isinstance(body, dict) and isinstance(body.get("estimated_time"), (int, float)):
        return float(body["estimated_time"])
    return None


def retry_after_seconds(header: str | None) -> float | None:
    """``Retry-After`` as seconds from now: a number, or an HTTP date; None for anything else ("soon")."""
    text = (header or "").strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if moment is None:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return max(0.0, moment.timestamp() - time.time())
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def retry_reason(error: BaseException) -> str:
    import openai  # imported with the first call (about 0.6 s): not to open the app

    if isinstance(error, openai.APIStatusError):
        if error.status_code == 503:
            return "Model is loading (cold start) or overloaded"
        if error.status_code == 429:
            return "Rate limited or model overloaded"
        return f"Endpoint answered HTTP {error.status_code}"
    if isinstance(error, openai.APITimeoutError):
        return "The endpoint timed out"
    return "Could not connect to the endpoint"


def build_retrying(policy: RetryPolicy, on_retry: RetryCallback | None) -> tenacity.Retrying:
    """A tenacity ``Retrying`` that applies ``policy`` and reports each wait to ``on_retry``."""

    def before_sleep(state: tenacity.RetryCallState) -> None:
        if on_retry and state.outcome is not None and state.next_action is not None:
            error = state.outcome.exception()
            on_retry(
                RetryNotice(
                    state.attempt_number,
                    policy.max_retries,
                    state.next_action.sleep,
                    retry_reason(error),
                )
            )

    return tenacity.Retrying(
        stop=tenacity.stop_after_attempt(policy.max_retries + 1),
        wait=policy.wait_strategy(),
        retry=tenacity.retry_if_exception(is_retryable),
        before_sleep=before_sleep,
        sleep=policy.sleep,
        reraise=True,
    )
