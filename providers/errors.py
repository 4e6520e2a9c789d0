"""Turning every failure of a model call into one clear, token-free message."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from providers.redaction import redact

if TYPE_CHECKING:  # the SDK is imported when a call is made (about 0.6 s): not to open the app
    import openai

STATUS_MESSAGES: dict[int, str] = {
    400: "Bad request",
    401: "Invalid API key",
    402: "Payment required: the account's Inference Providers credits are used up",
    403: "Insufficient permissions",
    404: "Endpoint not found",
    408: "The endpoint timed out",
    410: "This HuggingFace API has been retired (410 Gone)",
    422: "The endpoint rejected the request",
    429: "Rate limited",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Model loading or overloaded",
    504: "Gateway timeout",
}

STATUS_HINTS: dict[int, str] = {
    401: "Check the token: it starts with hf_ and must be valid for this endpoint.",
    402: "Add credits or a PRO subscription on HuggingFace, or use a dedicated endpoint.",
    403: "The token needs the 'Make calls to Inference Providers' (or endpoint) permission.",
    404: "Check the endpoint URL, and that the model id is served there.",
    410: "Use the Inference Providers type (router.huggingface.co).",
    422: "The prompt may be too long for the model's context window.",
    429: "Wait a moment and ask again, or use another model or endpoint.",
    503: "A dedicated endpoint may be scaled to zero: wake it on the Endpoints page.",
}

MODEL_NOT_SUPPORTED = (
    "Model not supported: no Inference Provider that your token has enabled serves this model id. "
    "Pick another model, add a provider suffix such as ':cheapest', or enable providers in your HuggingFace settings."
)

ENDPOINT_PAUSED = (
    'The endpoint is paused (HuggingFace answers "Bad Request: Invalid state"). A paused endpoint does not wake '
    "on requests: resume it on its page at endpoints.huggingface.co (Resume), wait until it is Running, then ask again."
)

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
DETAIL_LIMIT = 300


class ProviderError(Exception):
    """A failed model call, with its final user-facing wording in ``str(error)``."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retryable = retryable


def error_body(error: openai.APIStatusError) -> Any:
    """The response body as JSON (the SDK keeps only part of HuggingFace's body in ``e.body``)."""
    try:
        return error.response.json()
    except (ValueError, json.JSONDecodeError, UnicodeDecodeError):
        return None
    except Exception:  # a streamed response that was never read
        return None


def error_detail(error: openai.APIStatusError) -> str:
    """The endpoint's own explanation from either HuggingFace body shape, or a short text body."""
    body = error_body(error)
    detail: Any = None
    if isinstance(body, dict):
        detail = body.get("error", body.get("message", body.get("detail")))
        if isinstance(detail, dict):
            detail = detail.get("message") or detail.get("code")
        elif isinstance(detail, list):
            detail = "; ".join(str(item) for item in detail)
    elif body is None:
        try:
            text = error.response.text
        except Exception:
            text = ""
        if text and "<html" not in text.lower()[:500]:
            detail = text
        elif text:
            detail = "the endpoint answered with an HTML error page (a proxy or load balancer in front of it)"
    detail = " ".join(str(detail or "").split())
    return detail[:DETAIL_LIMIT] + ("…" if len(detail) > DETAIL_LIMIT else "")


def error_code(error: openai.APIStatusError) -> str | None:
    body = error_body(error)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        code = body["error"].get("code")
        return str(code) if code else None
    return None


def describe_error(
    error: BaseException, secrets: Iterable[str | None] = (), hidden: Mapping[str, str] | None = None
) -> ProviderError:
    """Map any exception from a model call to a ``ProviderError`` with a redacted message (``hidden``: see
    ``redact``)."""
    import openai

    if isinstance(error, ProviderError):
        return error
    secrets = tuple(secrets)
    if isinstance(error, openai.APIStatusError):
        status = error.status_code
        if status == 400 and error_code(error) == "model_not_supported":
            return ProviderError(MODEL_NOT_SUPPORTED, status=status)
        if status == 400 and "invalid state" in error_detail(error).lower():
            return ProviderError(ENDPOINT_PAUSED, status=status)
        base = STATUS_MESSAGES.get(status, f"The endpoint answered HTTP {status}")
        if status == 404:
            base = "Endpoint not found (or the model id is not served there)"
        detail = error_detail(error)
        message = f"{base} (HTTP {status})" + (f": {detail}" if detail else "")
        hint = STATUS_HINTS.get(status)
        if hint:
            message += f". {hint}" if not message.endswith(".") else f" {hint}"
        return ProviderError(
            redact(message, secrets, hidden),
            status=status,
            retryable=status in RETRYABLE_STATUSES,
        )
    if isinstance(error, openai.APITimeoutError):
        return ProviderError("The endpoint did not answer in time (timeout).", retryable=True)
    if isinstance(error, openai.APIConnectionError):
        return ProviderError(redact(connection_message(error), secrets, hidden), retryable=True)
    if isinstance(error, ValueError):  # a 200 whose body is not JSON
        return ProviderError(
            "The endpoint's reply was not valid JSON. Is the URL an OpenAI-compatible endpoint (…/v1)?"
        )
    if isinstance(error, openai.APIError):  # e.g. an {"error": ...} event in the middle of a stream
        body = error.body
        detail = body if isinstance(body, str) else body.get("message") if isinstance(body, dict) else None
        return ProviderError(redact(f"The endpoint reported an error: {detail or error.message}", secrets, hidden))
    return ProviderError(
        redact(
            f"Unexpected error talking to the endpoint: {type(error).__name__}: {error}",
            secrets,
            hidden,
        )
    )


def connection_message(error: BaseException) -> str:
    """Say which kind of connection failure happened, from the exception chain."""
    chain = []
    cause: BaseException | None = error
    while cause is not None and len(chain) < 8:
        chain.append(f"{type(cause).__name__} {cause}".lower())
        cause = cause.__cause__ or cause.__context__
    text = " ".join(chain)
    if (
        "name or service not known" in text
        or "nodename nor servname" in text
        or "name resolution" in text
        or "getaddrinfo" in text
    ):
        return "Could not resolve the endpoint's host name (DNS): check the endpoint URL."
    if "connection refused" in text or "errno 111" in text:
        return "Connection refused: nothing is listening at the endpoint URL."
    if "ssl" in text or "certificate" in text:
        return "Could not open a secure connection to the endpoint (TLS/certificate error)."
    if "remoteprotocolerror" in text or "incomplete" in text:
        return "The endpoint closed the connection before answering."
    return "Could not connect to the endpoint: check the URL and your network."
