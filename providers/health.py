"""Health check: one minimal chat request, and the equivalent curl command with the token masked."""

from __future__ import annotations

import json
import shlex
import time
from dataclasses import dataclass

from providers.client import ModelClient
from providers.errors import ProviderError
from providers.redaction import MASK
from providers.retry import RetryCallback

HEALTH_MESSAGES = [{"role": "user", "content": "Reply with the single word OK."}]
HEALTH_MAX_TOKENS = 16
PREVIEW_WORDS = 12


@dataclass(frozen=True)
class HealthReport:
    """What a health check found; ``curl`` never holds the token."""

    ok: bool
    status: str
    latency_ms: float
    model: str | None
    reply_preview: str
    curl: str
    retries: int = 0
    error: str | None = None


def build_curl_command(base_url: str, model: str, headers: dict[str, str] | None = None) -> str:
    """The health request as a copyable curl command; the token is shown as ``hf_***``."""
    body = json.dumps({"model": model, "messages": HEALTH_MESSAGES, "max_tokens": HEALTH_MAX_TOKENS})
    parts = ["curl", f"{base_url.rstrip('/')}/chat/completions", "-H", f"Authorization: Bearer {MASK}"]
    parts += ["-H", "Content-Type: application/json"]
    for name, value in (headers or {}).items():
        parts += ["-H", f"{name}: {value}"]
    parts += ["-d", body]
    return " ".join(shlex.quote(p) for p in parts)


def first_words(text: str, count: int = PREVIEW_WORDS) -> str:
    words = text.split()
    return " ".join(words[:count]) + (" …" if len(words) > count else "")


def run_health_check(client: ModelClient, on_retry: RetryCallback | None = None) -> HealthReport:
    """Send the minimal request through ``client`` (retries, error mapping and the token guard included)."""
    started = time.monotonic()
    model = client.settings.model
    try:
        model = client.model_id()
        curl = build_curl_command(client.shown_base_url(), model, dict(client.settings.headers))
        completion = client.complete(HEALTH_MESSAGES, max_tokens=HEALTH_MAX_TOKENS, on_retry=on_retry)
    except ProviderError as error:
        curl = build_curl_command(client.shown_base_url(), model, dict(client.settings.headers))
        status = f"HTTP {error.status}" if error.status else "unreachable"
        elapsed = (time.monotonic() - started) * 1000
        return HealthReport(False, status, elapsed, None, "", curl, error=str(error))
    return HealthReport(
        ok=True,
        status="HTTP 200",
        latency_ms=completion.latency_s * 1000,
        model=completion.model,
        reply_preview=first_words(completion.text),
        curl=curl,
        retries=completion.retries,
    )
