"""Our retry policy (the SDK's own retries are off): which failures are retried and how long to wait."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass

import openai
import tenacity

from providers.errors import RETRYABLE_STATUSES, error_body


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
    """At most ``max_retries`` retries after the first request, waits doubling from ``base_wait_s``."""

    max_retries: int = 3
    base_wait_s: float = 1.0
    max_wait_s: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    def wait_for(self, error: BaseException, retry_number: int) -> float:
        """Seconds to wait before retry ``retry_number`` (1-based) after ``error``."""
        exponential = self.base_wait_s * 2 ** (retry_number - 1)
        suggested = suggested_wait(error)
        wait = suggested if suggested is not None else exponential
        return max(0.0, min(wait, self.max_wait_s))


def is_retryable(error: BaseException) -> bool:
    if isinstance(error, openai.APIStatusError):
        return error.status_code in RETRYABLE_STATUSES
    return isinstance(error, openai.APIConnectionError)  # includes timeouts


def suggested_wait(error: BaseException) -> float | None:
    """The endpoint's own hint: ``Retry-After`` (seconds or a date), else HF's ``estimated_time``."""
    if not isinstance(error, openai.APIStatusError):
        return None
    header = error.response.headers.get("retry-after")
    if header:
        try:
            return float(header)
        except ValueError:
            parsed = email.utils.parsedate_to_datetime(header) if header else None
            if parsed is not None:
                return max(0.0, parsed.timestamp() - time.time())
    body = error_body(error)
    if isinstance(body, dict) and isinstance(body.get("estimated_time"), (int, float)):
        return float(body["estimated_time"])
    return None


def retry_reason(error: BaseException) -> str:
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

    def wait(state: tenacity.RetryCallState) -> float:
        assert state.outcome is not None
        return policy.wait_for(state.outcome.exception(), state.attempt_number)

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
        wait=wait,
        retry=tenacity.retry_if_exception(is_retryable),
        before_sleep=before_sleep,
        sleep=policy.sleep,
        reraise=True,
    )
