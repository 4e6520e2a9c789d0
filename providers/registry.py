"""Providers register here; the sidebar lists them and the client asks them for an SDK client.

Another OpenAI-compatible provider is one small ``Provider`` subclass and a ``register`` call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import openai

    from providers.settings import ProviderSettings


class Provider:
    """How to reach one family of OpenAI-compatible endpoints."""

    name: str = ""
    label: str = ""

    def endpoint_types(self) -> list[str]:
        raise NotImplementedError

    def needs_url(self, endpoint_type: str) -> bool:
        raise NotImplementedError

    def base_url(self, settings: ProviderSettings) -> str:
        raise NotImplementedError

    def create_client(self, settings: ProviderSettings, *, base_url: str | None = None) -> openai.OpenAI:
        raise NotImplementedError

    def trusted_base_urls(self) -> set[str]:
        """Where the owner's configured token may go when the configuration names no URL."""
        return set()


_PROVIDERS: dict[str, Provider] = {}


def register(provider: Provider) -> Provider:
    _PROVIDERS[provider.name] = provider
    return provider


def _load_builtin_providers() -> None:
    import providers.huggingface  # noqa: F401  (registers itself)


def get_provider(name: str) -> Provider:
    _load_builtin_providers()
    try:
        return _PROVIDERS[name]
    except KeyError:
        raise ValueError(f"Unknown provider {name!r}") from None


def provider_names() -> list[str]:
    _load_builtin_providers()
    return list(_PROVIDERS)
