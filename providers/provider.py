"""The small interface every model provider implements: where its endpoints are and how to reach them.

Another OpenAI-compatible provider is one ``Provider`` subclass, listed in ``providers.registry``.
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
