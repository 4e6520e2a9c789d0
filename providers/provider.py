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

    def retired(self, settings: ProviderSettings, status: int) -> bool:
        """Whether a response with ``status`` says these settings' API is gone for good (then ``fallback_*``)."""
        return False

    def fallback_base_url(self, settings: ProviderSettings) -> str:
        """Where requests go once the API is retired."""
        raise NotImplementedError

    def fallback_model(self, model: str) -> str:
        """The model id to send once the API is retired."""
        return model

    def retirement_notice(self, model: str) -> str:
        """What the person reads, once, when the session switches to the fallback."""
        return ""
