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

    def request_headers(self, settings: ProviderSettings) -> dict[str, str]:
        """Headers every chat request carries for these settings (beside the person's own)."""
        return {}

    def slow_start_hint(self, settings: ProviderSettings, said_loading: bool) -> str | None:
        """What a long wait for the first reply may mean, for the page to say; ``said_loading``: the endpoint
        answered "loading" (503) and has not answered since."""
        return None

    def trusted_base_urls(self) -> set[str]:
        """Where the owner's configured token may go when the configuration names no URL."""
        return set()

    def offered_models(self, endpoint_type: str) -> list[str] | None:
        """The models this endpoint type serves right now, when the provider can list them (else None)."""
        return None

    def routing_options(self, endpoint_type: str, model: str) -> list[str]:
        """How the person may steer which backend serves ``model`` ("" first: the provider decides)."""
        return []

    def is_retirement(self, settings: ProviderSettings, status: int) -> bool:
        """Whether a response with ``status`` says these settings' API is gone for good (then ``fallback_*``)."""
        return False

    def note_retired(self, settings: ProviderSettings) -> None:
        """Remember that these settings' API is retired: :meth:`known_retired` then says so for every later
        session of this process."""

    def known_retired(self, settings: ProviderSettings) -> bool:
        """Whether this process already learned that these settings' API is retired."""
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
