"""HuggingFace endpoints through the OpenAI SDK: ``create_huggingface`` and the registered provider."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from providers.endpoint_types import (
    ROUTER_BASE_URL,
    SERVERLESS_BASE_URL,
    EndpointType,
    InvalidEndpointURL,
    normalize_endpoint_url,
    parse_endpoint_type,
)
from providers.headers import validate_headers
from providers.provider import Provider
from providers.router_models import RouterModelList

if TYPE_CHECKING:
    import openai

    from providers.settings import ProviderSettings

DEFAULT_TIMEOUT_S = 120.0
SERVERLESS_GONE_NOTICE = (
    "HuggingFace retired the old serverless API (api-inference.huggingface.co answers 410 Gone). "
    "Requests for {model} now go to the Inference Providers router, which picks a provider that serves it."
)
ROUTING_POLICIES = ("fastest", "cheapest")  # the router's own choices; a provider's name pins that provider


SCALE_UP_HEADER = "X-Scale-Up-Timeout"
SCALE_UP_HINT = "a scaled-to-zero endpoint may be starting: HuggingFace holds the request for up to {seconds} s"


class HuggingFaceConfigError(ValueError):
    """A configuration that cannot reach HuggingFace; ``str(error)`` is the user-facing message."""


API_KEY_REQUIRED = "HuggingFace API key required"
ENDPOINT_URL_REQUIRED = "HuggingFace endpoint URL required"


def huggingface_base_url(
    endpoint_type: str | EndpointType,
    base_url: str | None = None,
    *,
    serverless_url: str = SERVERLESS_BASE_URL,
    router_url: str = ROUTER_BASE_URL,
) -> str:
    """The OpenAI route of an endpoint type; raises ``HuggingFaceConfigError`` for a missing or bad URL."""
    kind = parse_endpoint_type(endpoint_type)
    if kind is EndpointType.SERVERLESS:
        return serverless_url
    if kind is EndpointType.INFERENCE_PROVIDERS:
        return router_url
    if not base_url or not base_url.strip():
        raise HuggingFaceConfigError(ENDPOINT_URL_REQUIRED)
    try:
        return normalize_endpoint_url(base_url)
    except InvalidEndpointURL as error:
        raise HuggingFaceConfigError(str(error)) from None


def create_huggingface(
    endpoint_type: str | EndpointType = EndpointType.DEDICATED,
    base_url: str | None = None,
    api_key: str | None = None,
    headers: Mapping[str, str] | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    serverless_url: str = SERVERLESS_BASE_URL,
    router_url: str = ROUTER_BASE_URL,
) -> openai.OpenAI:
    """An ``openai.OpenAI`` client for a HuggingFace endpoint, with the SDK's own retries off."""
    import openai  # imported on first use: the SDK takes a second to import, the app's first page need not wait

    if not api_key or not api_key.strip():
        raise HuggingFaceConfigError(API_KEY_REQUIRED)
    url = huggingface_base_url(endpoint_type, base_url, serverless_url=serverless_url, router_url=router_url)
    try:
        extra = validate_headers(dict(headers or {}))
    except ValueError as error:
        raise HuggingFaceConfigError(str(error)) from None
    return openai.OpenAI(
        api_key=api_key.strip(),
        base_url=url,
        default_headers=extra or None,
        max_retries=0,
        timeout=timeout,
    )


class HuggingFaceProvider(Provider):
    """Dedicated Inference Endpoints, the serverless API and Inference Providers."""

    name = "huggingface"
    label = "HuggingFace"

    def __init__(
        self,
        serverless_url: str = SERVERLESS_BASE_URL,
        router_url: str = ROUTER_BASE_URL,
    ) -> None:
        self.serverless_url = serverless_url
        self.router_url = router_url
        self.router_models = RouterModelList(router_url)
        self._retired_urls: set[str] = set()  # learned from a 410, once for the whole process

    def endpoint_types(self) -> list[str]:
        return [t.value for t in EndpointType]

    def needs_url(self, endpoint_type: str) -> bool:
        return parse_endpoint_type(endpoint_type).needs_url

    def base_url(self, settings: ProviderSettings) -> str:
        return huggingface_base_url(
            settings.endpoint_type,
            settings.endpoint_url,
            serverless_url=self.serverless_url,
            router_url=self.router_url,
        )

    def create_client(self, settings: ProviderSettings, *, base_url: str | None = None) -> openai.OpenAI:
        held = settings.scale_up_timeout_s if settings.endpoint_type is EndpointType.DEDICATED else 0
        client = create_huggingface(
            settings.endpoint_type,
            settings.endpoint_url,
            settings.api_key,
            dict(settings.headers),
            timeout=settings.timeout_s + held,  # the proxy may hold a request while the endpoint starts
            serverless_url=self.serverless_url,
            router_url=self.router_url,
        )
        return client.with_options(base_url=base_url) if base_url else client

    def request_headers(self, settings: ProviderSettings) -> dict[str, str]:
        """A scaled-to-zero dedicated endpoint's proxy holds a request carrying ``X-Scale-Up-Timeout`` while a
        replica starts, instead of answering 503 at once (HuggingFace's autoscaling guide)."""
        if settings.endpoint_type is EndpointType.DEDICATED and settings.scale_up_timeout_s:
            return {SCALE_UP_HEADER: str(settings.scale_up_timeout_s)}
        return {}

    def slow_start_hint(self, settings: ProviderSettings, said_loading: bool) -> str | None:
        """The scale-up hint, only once the endpoint said it was loading: never for a warm endpoint, and never for
        one on this machine (no HuggingFace proxy holds its requests)."""
        if not said_loading or settings.endpoint_type is not EndpointType.DEDICATED or not settings.scale_up_timeout_s:
            return None
        host = (urlsplit(settings.endpoint_url or "").hostname or "").lower()
        if host == "localhost" or _is_loopback(host):
            return None
        return SCALE_UP_HINT.format(seconds=settings.scale_up_timeout_s)

    def offered_models(self, endpoint_type: str) -> list[str] | None:
        if parse_endpoint_type(endpoint_type) is not EndpointType.INFERENCE_PROVIDERS:
            return None
        models = self.router_models.models()
        return [m.model_id for m in models] if models else None

    def routing_options(self, endpoint_type: str, model: str) -> list[str]:
        """For the router: let it choose (""), its fastest or cheapest provider, or one provider that serves it."""
        if parse_endpoint_type(endpoint_type) is not EndpointType.INFERENCE_PROVIDERS or ":" in model:
            return []
        served = next((m.providers for m in self.router_models.models() or [] if m.model_id == model), ())
        return ["", *ROUTING_POLICIES, *sorted(set(served))]

    def is_retirement(self, settings: ProviderSettings, status: int) -> bool:
        """The old serverless host answers 410 Gone: HuggingFace retired it in favour of the router."""
        return status == 410 and settings.endpoint_type is EndpointType.SERVERLESS

    def note_retired(self, settings: ProviderSettings) -> None:
        if settings.endpoint_type is EndpointType.SERVERLESS:
            self._retired_urls.add(self.serverless_url)

    def known_retired(self, settings: ProviderSettings) -> bool:
        return settings.endpoint_type is EndpointType.SERVERLESS and self.serverless_url in self._retired_urls

    def fallback_base_url(self, settings: ProviderSettings) -> str:
        return self.router_url

    def retirement_notice(self, model: str) -> str:
        return SERVERLESS_GONE_NOTICE.format(model=model)

    def trusted_base_urls(self) -> set[str]:
        return {self.serverless_url, self.router_url}


HUGGINGFACE = HuggingFaceProvider()


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
