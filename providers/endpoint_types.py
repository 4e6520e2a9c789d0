"""HuggingFace endpoint types, their base URLs and URL validation."""

from __future__ import annotations

from enum import StrEnum
from urllib.parse import urlsplit

SERVERLESS_BASE_URL = "https://api-inference.huggingface.co/v1"
ROUTER_BASE_URL = "https://router.huggingface.co/v1"


class EndpointType(StrEnum):
    DEDICATED = "dedicated"
    SERVERLESS = "serverless"
    INFERENCE_PROVIDERS = "inference-providers"

    @property
    def label(self) -> str:
        return ENDPOINT_LABELS[self]

    @property
    def needs_url(self) -> bool:
        return self is EndpointType.DEDICATED


ENDPOINT_LABELS = {
    EndpointType.DEDICATED: "Dedicated Inference Endpoint",
    EndpointType.SERVERLESS: "Serverless Inference API",
    EndpointType.INFERENCE_PROVIDERS: "Inference Providers (router)",
}


class InvalidEndpointURL(ValueError):
    """An endpoint URL that is not ``http(s)://host...``."""


def parse_endpoint_type(value: str | EndpointType) -> EndpointType:
    try:
        return EndpointType(str(getattr(value, "value", value)).strip().lower())
    except ValueError:
        names = ", ".join(t.value for t in EndpointType)
        raise ValueError(f"Unknown endpoint type {value!r}: use one of {names}") from None


def normalize_endpoint_url(url: str) -> str:
    """Return the endpoint's OpenAI route: trailing slashes dropped, ``/v1`` appended unless present."""
    cleaned = url.strip().rstrip("/")
    parts = urlsplit(cleaned)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in cleaned):
        raise InvalidEndpointURL(
            f"Endpoint URL must look like https://your-endpoint.endpoints.huggingface.cloud (got {url.strip()!r})"
        )
    if parts.query or parts.fragment:
        raise InvalidEndpointURL("Endpoint URL must not contain a query string or fragment")
    return cleaned if cleaned.endswith("/v1") else f"{cleaned}/v1"
