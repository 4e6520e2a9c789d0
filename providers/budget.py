"""The owner's budget: what visitors may spend on the app's own token, per visitor per hour and for the whole
process per day, in model calls and tokens; and the largest request one call may send.

A call reserves its calls and its most tokens (the prompt's estimate plus ``max_tokens``) before it is sent, and
is settled with the tokens the endpoint reports; a request over the per-request limit is refused before it is
sent. The records themselves live in the app's store (``conversations.usage``): this module only says what is
asked of it.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from providers.errors import ProviderError

HOUR_S = 3600
DAY_S = 24 * HOUR_S
UNCHECKED = (
    "Not sent: this demo could not check its budget just now (its store did not answer). Try again in a moment, "
    "or enter your own HuggingFace token in the sidebar."
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BudgetLimits:
    """Owner-configurable; 0 turns a limit off. A question costs two calls and about 2,000 tokens."""

    visitor_calls_per_hour: int = 60
    visitor_tokens_per_hour: int = 100_000
    calls_per_day: int = 1_000
    tokens_per_day: int = 2_000_000
    tokens_per_request: int = 8_000


@dataclass(frozen=True)
class Refusal:
    """Which limit a reservation would pass, and in how many seconds enough of it frees up."""

    limit: str  # "visitor calls", "visitor tokens", "daily calls" or "daily tokens"
    allowed: int
    retry_after_s: float


@dataclass(frozen=True)
class CallUse:
    """One model call on the owner's token, for the owner's usage table (no question text unless ``about``)."""

    at: float  # seconds since the epoch
    visitor: str  # who, as the owner may see it: a signed-in person's e-mail, else a short opaque id
    prompt_tokens: int | None
    completion_tokens: int | None
    latency_s: float
    failed: bool
    about: str = ""  # the question, only when the owner turned question text on


class Ledger(Protocol):
    def spend(self, visitor: str, calls: int, tokens: int, limits: BudgetLimits) -> Refusal | None:
        """Record the spending when every limit allows it (atomically), else say which does not."""
        ...

    def adjust(self, visitor: str, tokens: int) -> None:
        """Correct an earlier reservation by ``tokens`` (negative: give back)."""
        ...

    def record(self, use: CallUse) -> None:
        """Keep one finished call for the owner's usage table."""
        ...


class BudgetExceeded(ProviderError):
    """A call the owner's budget does not allow; nothing was sent."""


def _wait(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    if minutes < 90:
        return f"about {minutes} minute{'s' if minutes != 1 else ''}"
    return f"about {round(minutes / 60)} hours"  # a day's window frees up in 24 hours and a minute: "about 24"


def refusal_message(refusal: Refusal) -> str:
    own_key = "enter your own HuggingFace token in the sidebar to go on without this limit"
    if refusal.limit.startswith("visitor"):
        unit = "model calls" if refusal.limit.endswith("calls") else "tokens"
        return (
            f"This demo's limit for one visitor is reached ({refusal.allowed:,} {unit} an hour on the app's token, "
            f"which every visitor shares). Try again in {_wait(refusal.retry_after_s)}, or {own_key}."
        )
    unit = "model calls" if refusal.limit.endswith("calls") else "tokens"
    return (
        f"This demo has used its budget for the day ({refusal.allowed:,} {unit} on the app's token, for all "
        f"visitors together). Try again in {_wait(refusal.retry_after_s)}, or {own_key}."
    )


def request_too_large(tokens: int, limit: int) -> str:
    return (
        f"Not sent: this request would be about {tokens:,} tokens, over this demo's limit of {limit:,} per request "
        "on the app's token. Ask a shorter question, load fewer or narrower tables, or enter your own HuggingFace "
        "token in the sidebar."
    )


BYTES_PER_TOKEN = 3  # tokenizers give about 4 bytes of English per token, 3 of SQL and schema: err on the high side


def estimate_tokens(messages: Sequence[dict[str, Any]]) -> int:
    """An upper estimate of a prompt's tokens, without a tokenizer (the endpoint's own count settles it)."""
    size = len(json.dumps(list(messages), ensure_ascii=False).encode())
    return math.ceil(size / BYTES_PER_TOKEN)


def check_request_size(prompt_tokens: int, limits: BudgetLimits) -> None:
    """Refuse a request over the per-request limit before anything is sent."""
    if limits.tokens_per_request and prompt_tokens > limits.tokens_per_request:
        raise BudgetExceeded(request_too_large(prompt_tokens, limits.tokens_per_request))


@dataclass(frozen=True)
class VisitorAccount:
    """One visitor's account in the owner's ledger: what their calls on the app's token spend."""

    ledger: Ledger
    visitor: str
    label: str = ""  # the visitor as the owner's usage table shows them ("" : a short form of ``visitor``)
    keep_about: bool = False  # the owner turned question text on

    def reserve(self, calls: int, tokens: int, limits: BudgetLimits) -> None:
        """Reserve ``calls`` and up to ``tokens`` or raise ``BudgetExceeded`` (then nothing is reserved). A ledger
        that cannot be read refuses too: the owner's token is never spent unaccounted."""
        try:
            refusal = self.ledger.spend(self.visitor, calls, tokens, limits)
        except Exception as error:  # the store's database did not answer
            logger.warning("The owner's budget could not be checked (%s)", type(error).__name__)
            raise BudgetExceeded(UNCHECKED) from None
        if refusal is not None:
            raise BudgetExceeded(refusal_message(refusal))

    def settle(self, reserved: int, used: int | None) -> None:
        """Replace a reservation of ``reserved`` tokens by what was ``used`` (None: not reported, the reservation
        stands)."""
        if used is not None and used != reserved:
            try:
                self.ledger.adjust(self.visitor, used - reserved)
            except Exception as error:  # the reservation stands: the visitor is charged the most, not the least
                logger.warning("A budget reservation could not be settled (%s)", type(error).__name__)

    def record(
        self, at: float, completion: tuple[int | None, int | None], latency_s: float, failed: bool, about: str
    ) -> None:
        """Keep a finished call (its prompt and completion tokens) for the owner's usage table."""
        label = self.label or self.visitor.split(":")[-1][:8]
        prompt, reply = completion
        try:
            self.ledger.record(CallUse(at, label, prompt, reply, latency_s, failed, about if self.keep_about else ""))
        except Exception as error:  # the call happened and was charged: only the owner's record of it is lost
            logger.warning("A call could not be recorded for the owner (%s)", type(error).__name__)
