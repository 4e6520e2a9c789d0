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


def model_choices(endpoint_type: EndpointType) -> list[str]:
    """Sidebar options: "auto" first for dedicated endpoints, the catalog, then "custom"."""
    choices = [m.model_id for m in CATALOG] + [CUSTOM_MODEL]
    return [AUTO_MODEL, *choices] if endpoint_type is EndpointType.DEDICATED else choices


def hf_inference_model(model_id: str) -> str:
    """Pin a model to the router's ``hf-inference`` provider unless a provider is already named."""
    return model_id if ":" in model_id else f"{model_id}:hf-inference"
