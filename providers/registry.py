"""The providers the app offers; the sidebar lists them and the client asks them for an SDK client."""

from __future__ import annotations

from providers.huggingface import HUGGINGFACE
from providers.provider import Provider

PROVIDERS: dict[str, Provider] = {provider.name: provider for provider in (HUGGINGFACE,)}


def get_provider(name: str) -> Provider:
    try:
        return PROVIDERS[name]
    except KeyError:
        raise ValueError(f"Unknown provider {name!r}") from None


def provider_names() -> list[str]:
    return list(PROVIDERS)
