"""Configuration: the owner's settings (secrets, then environment) and what one session uses.

Also the token guard: a token the owner configured goes only to the endpoint the owner named.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from providers.budget import BudgetLimits
from providers.endpoint_types import (
    EndpointType,
    InvalidEndpointURL,
    normalize_endpoint_url,
    parse_endpoint_type,
)
from providers.retry import DEFAULT_MAX_RETRIES, MOST_RETRIES

API_KEY = "HUGGINGFACE_API_KEY"
API_KEY_FALLBACK = "HF_TOKEN"
ENDPOINT_TYPE = "HUGGINGFACE_ENDPOINT_TYPE"
ENDPOINT_URL = "HUGGINGFACE_ENDPOINT_URL"
MODEL = "HUGGINGFACE_MODEL"
# The owner's budget (providers/budget.py): what visitors may spend on the app's token; 0 turns a limit off.
VISITOR_CALLS_PER_HOUR = "HUGGINGFACE_VISITOR_CALLS_PER_HOUR"
OLD_MAX_CALLS = "HUGGINGFACE_MAX_CALLS_PER_SESSION"  # its earlier name, still read when the new one is unset
VISITOR_TOKENS_PER_HOUR = "HUGGINGFACE_VISITOR_TOKENS_PER_HOUR"
CALLS_PER_DAY = "HUGGINGFACE_CALLS_PER_DAY"
TOKENS_PER_DAY = "HUGGINGFACE_TOKENS_PER_DAY"
TOKENS_PER_REQUEST = "HUGGINGFACE_TOKENS_PER_REQUEST"
CONFIGURED_ENDPOINT = "the configured endpoint"  # what visitors see instead of the owner's endpoint URL
SCALE_UP_TIMEOUT = "HUGGINGFACE_SCALE_UP_TIMEOUT"
MAX_RETRIES = "HUGGINGFACE_MAX_RETRIES"  # retries of a 429/5xx/connection failure (providers/retry.py), 0 to 10
DEFAULT_SCALE_UP_TIMEOUT_S = 300  # seconds a scaled-to-zero dedicated endpoint may take to start: a typical cold start


@dataclass(frozen=True)
class Configuration:
    """What the app's owner configured in ``st.secrets`` or the environment."""

    api_key: str | None = field(default=None, repr=False)
    endpoint_type: EndpointType | None = None
    endpoint_url: str | None = None
    model: str | None = None
    budget: BudgetLimits = field(default_factory=BudgetLimits)  # on the owner's token only
    scale_up_timeout_s: int = DEFAULT_SCALE_UP_TIMEOUT_S
    max_retries: int = DEFAULT_MAX_RETRIES
    owner_token_withheld: str = ""  # why this visitor may not use the owner's token (providers/access.py)


def whole_number(text: str | None, default: int) -> int:
    return int(text) if text is not None and text.isdigit() else default


def read_configuration(secrets: Mapping[str, Any] | None, environ: Mapping[str, str]) -> Configuration:
    """Each name from ``secrets`` first, then ``environ``; ``HF_TOKEN`` when the key is unset."""

    def lookup(name: str) -> str | None:
        for source in (secrets or {}, environ):
            value = source.get(name)
            if value is not None and str(value).strip():
                return str(value).strip()
        return None

    kind = lookup(ENDPOINT_TYPE)
    defaults = BudgetLimits()

    def limit(name: str, default: int) -> int:
        # A value that is not a whole number keeps the default: the budget protects the owner.
        return whole_number(lookup(name), default)

    budget = BudgetLimits(
        visitor_calls_per_hour=limit(VISITOR_CALLS_PER_HOUR, limit(OLD_MAX_CALLS, defaults.visitor_calls_per_hour)),
        visitor_tokens_per_hour=limit(VISITOR_TOKENS_PER_HOUR, defaults.visitor_tokens_per_hour),
        calls_per_day=limit(CALLS_PER_DAY, defaults.calls_per_day),
        tokens_per_day=limit(TOKENS_PER_DAY, defaults.tokens_per_day),
        tokens_per_request=limit(TOKENS_PER_REQUEST, defaults.tokens_per_request),
    )
    return Configuration(
        api_key=lookup(API_KEY) or lookup(API_KEY_FALLBACK),
        endpoint_type=parse_endpoint_type(kind) if kind else None,
        endpoint_url=lookup(ENDPOINT_URL),
        model=lookup(MODEL),
        budget=budget,
        scale_up_timeout_s=whole_number(lookup(SCALE_UP_TIMEOUT), DEFAULT_SCALE_UP_TIMEOUT_S),
        max_retries=min(whole_number(lookup(MAX_RETRIES), DEFAULT_MAX_RETRIES), MOST_RETRIES),
    )


@dataclass(frozen=True)
class ProviderSettings:
    """Everything one model call needs. The key is never part of ``repr``."""

    endpoint_type: EndpointType
    model: str
    api_key: str | None = field(default=None, repr=False)
    endpoint_url: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    provider: str = "huggingface"
    timeout_s: float = 120.0
    budget: BudgetLimits | None = None  # the owner's token: calls spend the visitor's budget (providers/budget.py)
    endpoint_hidden: bool = False  # the owner's configured URL: shown to visitors as "the configured endpoint"
    scale_up_timeout_s: int = DEFAULT_SCALE_UP_TIMEOUT_S  # a dedicated endpoint's proxy holds requests this long
    max_retries: int = DEFAULT_MAX_RETRIES  # of a 429/5xx/connection failure, with backoff (providers/retry.py)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values to redact from anything shown: the key and any custom header values."""
        return tuple(v for v in (self.api_key, *(value for _, value in self.headers)) if v)

    @property
    def hidden(self) -> dict[str, str]:
        """Text never shown to a visitor, and what is shown instead: the owner's endpoint URL."""
        if not self.endpoint_hidden or not self.endpoint_url:
            return {}
        url = self.endpoint_url.strip().rstrip("/")
        return {url: CONFIGURED_ENDPOINT, url.split("://", 1)[-1]: CONFIGURED_ENDPOINT}


@dataclass(frozen=True)
class KeyChoice:
    """Which key a session's requests carry, and why the configured one was withheld if it was."""

    api_key: str | None = field(default=None, repr=False)
    source: Literal["typed", "configured", "none"] = "none"
    withheld: str | None = None


def _same_url(a: str | None, b: str | None) -> bool:
    try:
        return bool(a and b) and normalize_endpoint_url(a or "") == normalize_endpoint_url(b or "")
    except InvalidEndpointURL:
        return False


def configured_key_allowed(configuration: Configuration, endpoint_type: EndpointType, endpoint_url: str | None) -> bool:
    """The owner's token may go to the URL the owner named, or to HuggingFace's own hosts if none is named."""
    if configuration.endpoint_url:
        return endpoint_type is EndpointType.DEDICATED and _same_url(endpoint_url, configuration.endpoint_url)
    return endpoint_type is not EndpointType.DEDICATED


def choose_api_key(
    typed_key: str | None,
    configuration: Configuration,
    endpoint_type: EndpointType,
    endpoint_url: str | None,
) -> KeyChoice:
    """A key the person typed wins; the configured key only where ``configured_key_allowed``."""
    if typed_key and typed_key.strip():
        return KeyChoice(typed_key.strip(), "typed")
    if not configuration.api_key:
        return KeyChoice(withheld=configuration.owner_token_withheld or None)
    if configured_key_allowed(configuration, endpoint_type, endpoint_url):
        return KeyChoice(configuration.api_key, "configured")
    where = "its configured endpoint" if configuration.endpoint_url else "HuggingFace's own hosts"
    return KeyChoice(
        withheld=f"This app's token is only sent to {where}. Enter your own HuggingFace token to use this endpoint."
    )
