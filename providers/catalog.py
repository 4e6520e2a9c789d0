"""The models offered in the sidebar."""

from __future__ import annotations

from dataclasses import dataclass

from providers.endpoint_types import EndpointType

AUTO_MODEL = "auto"
CUSTOM_MODEL = "custom"


@dataclass(frozen=True)
class CatalogModel:
    model_id: str
    note: str


# The predefined models of the original integration, then current chat models that
# Inference Providers serve and that write SQL well.
PREDEFINED_MODELS: tuple[CatalogModel, ...] = (
    CatalogModel("microsoft/Phi-3-mini-4k-instruct", "3.8B, small and fast"),
    CatalogModel("meta-llama/Llama-2-7b-chat-hf", "7B chat"),
    CatalogModel("microsoft/DialoGPT-medium", "conversational, not for SQL"),
)
CURRENT_MODELS: tuple[CatalogModel, ...] = (
    CatalogModel("openai/gpt-oss-120b", "strong at SQL"),
    CatalogModel("Qwen/Qwen3-Coder-480B-A35B-Instruct", "code specialist"),
    CatalogModel("meta-llama/Llama-3.1-8B-Instruct", "small, widely served"),
    CatalogModel("Qwen/Qwen2.5-72B-Instruct", "strong generalist"),
)
CATALOG: tuple[CatalogModel, ...] = CURRENT_MODELS + PREDEFINED_MODELS


def model_choices(endpoint_type: EndpointType, listed: list[str] | None = None) -> list[str]:
    """Sidebar options: "auto" first for dedicated endpoints, then the models, then "custom".

    ``listed`` is what the endpoint type says it serves right now (the router's model list): then the
    catalog's models it lists come first, followed by the rest of the list; without it, the catalog."""
    if listed:
        served = set(listed)
        ours = [m.model_id for m in CATALOG if m.model_id in served]
        models = ours + sorted(set(listed) - set(ours), key=str.lower)
    else:
        models = [m.model_id for m in CATALOG]
    choices = [*models, CUSTOM_MODEL]
    return [AUTO_MODEL, *choices] if endpoint_type is EndpointType.DEDICATED else choices


def with_routing(model_id: str, routing: str) -> str:
    """The router's model id: ``model:policy`` (``fastest``, ``cheapest`` or a provider) unless the id names one."""
    return f"{model_id}:{routing}" if routing and ":" not in model_id and model_id != AUTO_MODEL else model_id
