"""From what the sidebar holds to ``ProviderSettings``, or the one message that says what is missing."""

from __future__ import annotations

from dataclasses import dataclass, field

from providers.catalog import AUTO_MODEL, CUSTOM_MODEL, model_choices, with_routing
from providers.endpoint_types import EndpointType
from providers.headers import parse_headers
from providers.huggingface import API_KEY_REQUIRED, HuggingFaceConfigError
from providers.registry import get_provider
from providers.settings import Configuration, KeyChoice, ProviderSettings, choose_api_key

MODEL_REQUIRED = "Enter a model id (for example meta-llama/Llama-3.1-8B-Instruct)"
HEADERS_NEED_OWN_KEY = (
    "Custom headers: they can only be sent with your own HuggingFace token. This app's token travels with the "
    "app's own request headers only. Clear the headers, or enter your own token."
)


@dataclass(frozen=True)
class Selection:
    """The sidebar's values for one browser session."""

    endpoint_type: EndpointType
    endpoint_url: str = ""
    typed_key: str = field(default="", repr=False)
    model_choice: str = AUTO_MODEL
    custom_model: str = ""
    headers_text: str = ""
    provider: str = "huggingface"
    routing: str = ""  # the router's choice of provider: "" (it decides), "fastest", "cheapest" or a provider


@dataclass(frozen=True)
class Resolved:
    """Settings ready to use, or ``problem``: the message to show instead."""

    settings: ProviderSettings | None
    problem: str | None
    key: KeyChoice


def default_selection(configuration: Configuration) -> Selection:
    """The sidebar's starting values: the owner's configuration, or a dedicated endpoint on "auto"."""
    kind = configuration.endpoint_type or (
        EndpointType.DEDICATED if configuration.endpoint_url else EndpointType.INFERENCE_PROVIDERS
    )
    model = configuration.model or (AUTO_MODEL if kind is EndpointType.DEDICATED else "openai/gpt-oss-120b")
    choices = model_choices(kind)
    return Selection(
        endpoint_type=kind,
        endpoint_url="",  # empty: the configured endpoint (its URL is never put in a visitor's page)
        model_choice=model if model in choices else CUSTOM_MODEL,
        custom_model="" if model in choices else model,
    )


def resolve_selection(selection: Selection, configuration: Configuration) -> Resolved:
    """Validate the selection once; the token guard decides which key may be used."""
    kind = selection.endpoint_type
    # An empty URL field means the owner's configured endpoint, whose URL visitors never see.
    hidden = kind is EndpointType.DEDICATED and bool(configuration.endpoint_url) and not selection.endpoint_url.strip()
    url = (configuration.endpoint_url or "") if hidden else selection.endpoint_url.strip()
    key = choose_api_key(selection.typed_key, configuration, kind, url)
    model = selection.custom_model.strip() if selection.model_choice == CUSTOM_MODEL else selection.model_choice
    model = with_routing(model, selection.routing) if model else model
    try:
        headers = parse_headers(selection.headers_text)
    except ValueError as error:
        return Resolved(None, f"Custom headers: {error}", key)
    if headers and key.source == "configured":
        return Resolved(None, HEADERS_NEED_OWN_KEY, key)
    if not key.api_key:
        return Resolved(None, f"{API_KEY_REQUIRED}. {key.withheld}" if key.withheld else API_KEY_REQUIRED, key)
    if not model:
        return Resolved(None, MODEL_REQUIRED, key)
    settings = ProviderSettings(
        endpoint_type=kind,
        model=model,
        api_key=key.api_key,
        endpoint_url=url or None,
        headers=tuple(headers.items()),
        provider=selection.provider,
        budget=configuration.budget if key.source == "configured" else None,
        endpoint_hidden=hidden,
        scale_up_timeout_s=configuration.scale_up_timeout_s,
        max_retries=configuration.max_retries,
    )
    try:
        get_provider(selection.provider).base_url(settings)
    except HuggingFaceConfigError as error:
        return Resolved(None, str(error), key)
    return Resolved(settings, None, key)
