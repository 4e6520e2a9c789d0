import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from providers.catalog import AUTO_MODEL, CUSTOM_MODEL, PREDEFINED_MODELS, model_choices
from providers.endpoint_types import EndpointType
from providers.router_models import parse_router_models
from providers.selection import MODEL_REQUIRED, Selection, default_selection, resolve_selection
from providers.settings import Configuration, ProviderSettings, choose_api_key, read_configuration

ROOT = Path(__file__).resolve().parents[2]
OWNER_URL = "https://owner.endpoints.huggingface.cloud"


def test_secrets_come_before_the_environment() -> None:
    secrets = {"HUGGINGFACE_API_KEY": "hf_fromsecrets", "HUGGINGFACE_MODEL": "m1"}
    environ = {
        "HUGGINGFACE_API_KEY": "hf_fromenv",
        "HUGGINGFACE_MODEL": "m2",
        "HUGGINGFACE_ENDPOINT_TYPE": "serverless",
    }
    config = read_configuration(secrets, environ)
    assert config.api_key == "hf_fromsecrets"
    assert config.model == "m1"
    assert config.endpoint_type is EndpointType.SERVERLESS


def test_hf_token_is_accepted_when_the_key_is_unset() -> None:
    assert read_configuration({}, {"HF_TOKEN": "hf_fallback"}).api_key == "hf_fallback"
    assert read_configuration({}, {"HF_TOKEN": "hf_fallback", "HUGGINGFACE_API_KEY": "hf_main"}).api_key == "hf_main"


def test_no_secrets_at_all_is_normal() -> None:
    assert read_configuration(None, {}) == Configuration()


def test_the_key_never_appears_in_repr() -> None:
    config = Configuration(api_key="hf_verysecret123")
    settings = ProviderSettings(EndpointType.SERVERLESS, "m", api_key="hf_verysecret123")
    assert "hf_verysecret123" not in repr(config) + repr(settings)


class TestTokenGuard:
    def test_a_typed_key_always_wins(self) -> None:
        choice = choose_api_key(
            "hf_mine", Configuration(api_key="hf_owner"), EndpointType.DEDICATED, "https://else.com"
        )
        assert (choice.api_key, choice.source) == ("hf_mine", "typed")

    def test_owner_token_goes_to_the_owner_url(self) -> None:
        config = Configuration(api_key="hf_owner", endpoint_url=OWNER_URL)
        choice = choose_api_key("", config, EndpointType.DEDICATED, OWNER_URL + "/v1/")
        assert (choice.api_key, choice.source) == ("hf_owner", "configured")

    @pytest.mark.parametrize(
        ("kind", "url"),
        [
            (EndpointType.DEDICATED, "https://attacker.example.com"),
            (EndpointType.DEDICATED, "https://other.endpoints.huggingface.cloud"),
            (EndpointType.SERVERLESS, ""),
            (EndpointType.INFERENCE_PROVIDERS, ""),
        ],
    )
    def test_owner_token_never_goes_elsewhere_when_a_url_is_named(self, kind: EndpointType, url: str) -> None:
        config = Configuration(api_key="hf_owner", endpoint_url=OWNER_URL)
        choice = choose_api_key("", config, kind, url)
        assert choice.api_key is None
        assert "only sent to its configured endpoint" in (choice.withheld or "")

    def test_without_a_named_url_the_token_goes_only_to_huggingface_hosts(self) -> None:
        config = Configuration(api_key="hf_owner")
        assert choose_api_key("", config, EndpointType.INFERENCE_PROVIDERS, "").api_key == "hf_owner"
        assert choose_api_key("", config, EndpointType.SERVERLESS, "").api_key == "hf_owner"
        refused = choose_api_key("", config, EndpointType.DEDICATED, "https://attacker.example.com")
        assert refused.api_key is None
        assert "HuggingFace's own hosts" in (refused.withheld or "")


class TestSelection:
    def test_defaults_follow_the_configuration(self) -> None:
        config = Configuration(endpoint_type=EndpointType.DEDICATED, endpoint_url=OWNER_URL, model="my/model")
        selection = default_selection(config)
        assert selection.endpoint_type is EndpointType.DEDICATED
        assert selection.endpoint_url == ""  # the configured endpoint: its URL is never put in the page
        assert (selection.model_choice, selection.custom_model) == (CUSTOM_MODEL, "my/model")
        resolved = resolve_selection(replace(selection, typed_key="hf_k12345"), config)
        assert resolved.settings is not None and resolved.settings.endpoint_url == OWNER_URL
        assert resolved.settings.endpoint_hidden and resolved.settings.hidden[OWNER_URL] == "the configured endpoint"

    def test_a_dedicated_url_alone_implies_the_dedicated_type_on_auto(self) -> None:
        selection = default_selection(Configuration(endpoint_url=OWNER_URL))
        assert (selection.endpoint_type, selection.model_choice) == (EndpointType.DEDICATED, AUTO_MODEL)

    def test_missing_pieces_are_reported_in_order(self) -> None:
        config = Configuration()
        dedicated = Selection(EndpointType.DEDICATED, "", "", AUTO_MODEL)
        assert resolve_selection(dedicated, config).problem == "HuggingFace API key required"
        keyed = Selection(EndpointType.DEDICATED, "", "hf_k12345", AUTO_MODEL)
        assert resolve_selection(keyed, config).problem == "HuggingFace endpoint URL required"
        custom = Selection(EndpointType.SERVERLESS, "", "hf_k12345", CUSTOM_MODEL, "  ")
        assert resolve_selection(custom, config).problem == MODEL_REQUIRED

    def test_withheld_owner_token_explains_why(self) -> None:
        config = Configuration(api_key="hf_owner", endpoint_url=OWNER_URL)
        resolved = resolve_selection(Selection(EndpointType.DEDICATED, "https://else.example.com"), config)
        assert resolved.settings is None
        assert resolved.problem.startswith("HuggingFace API key required.")
        assert "Enter your own HuggingFace token" in resolved.problem

    def test_custom_model_ids_pass_through_with_router_suffixes(self) -> None:
        selection = Selection(EndpointType.INFERENCE_PROVIDERS, "", "hf_k12345", CUSTOM_MODEL, "org/model:cheapest")
        resolved = resolve_selection(selection, Configuration())
        assert resolved.settings is not None
        assert resolved.settings.model == "org/model:cheapest"

    def test_bad_headers_block_the_settings(self) -> None:
        selection = Selection(EndpointType.SERVERLESS, "", "hf_k12345", "openai/gpt-oss-120b", "", "X-A: a\x01b")
        assert "Custom headers" in (resolve_selection(selection, Configuration()).problem or "")


def test_catalog_has_the_original_models_auto_and_custom() -> None:
    ids = {m.model_id for m in PREDEFINED_MODELS}
    assert ids == {"microsoft/Phi-3-mini-4k-instruct", "meta-llama/Llama-2-7b-chat-hf", "microsoft/DialoGPT-medium"}
    dedicated = model_choices(EndpointType.DEDICATED)
    assert dedicated[0] == AUTO_MODEL and dedicated[-1] == CUSTOM_MODEL
    assert AUTO_MODEL not in model_choices(EndpointType.INFERENCE_PROVIDERS)


def test_the_scale_up_timeout_is_configurable_and_reaches_the_settings() -> None:
    assert read_configuration({}, {}).scale_up_timeout_s == 300
    assert read_configuration({"HUGGINGFACE_SCALE_UP_TIMEOUT": "900"}, {}).scale_up_timeout_s == 900
    assert read_configuration({}, {"HUGGINGFACE_SCALE_UP_TIMEOUT": "0"}).scale_up_timeout_s == 0  # off
    assert read_configuration({"HUGGINGFACE_SCALE_UP_TIMEOUT": "soon"}, {}).scale_up_timeout_s == 300
    configuration = Configuration(api_key="hf_Owner", endpoint_url="https://e.example", scale_up_timeout_s=600)
    selection = Selection(EndpointType.DEDICATED, "https://e.example", model_choice="tgi")
    resolved = resolve_selection(selection, configuration)
    assert resolved.settings is not None and resolved.settings.scale_up_timeout_s == 600


def test_routing_is_a_suffix_the_router_reads_unless_the_model_names_a_provider() -> None:
    configuration = Configuration(api_key="hf_Owner")
    base = Selection(EndpointType.INFERENCE_PROVIDERS, model_choice="openai/gpt-oss-120b")
    assert resolve_selection(base, configuration).settings.model == "openai/gpt-oss-120b"  # type: ignore[union-attr]
    fastest = Selection(EndpointType.INFERENCE_PROVIDERS, model_choice="openai/gpt-oss-120b", routing="fastest")
    assert resolve_selection(fastest, configuration).settings.model == "openai/gpt-oss-120b:fastest"  # type: ignore[union-attr]
    named = Selection(
        EndpointType.INFERENCE_PROVIDERS, model_choice=CUSTOM_MODEL, custom_model="a/b:groq", routing="cheapest"
    )
    assert resolve_selection(named, configuration).settings.model == "a/b:groq"  # type: ignore[union-attr]


def test_router_model_lists_are_read_defensively() -> None:
    payload = {
        "data": [
            {"id": "a/b", "providers": [{"provider": "groq"}, {"provider": "novita"}, {"nope": 1}]},
            {"id": "has space"},
            {"id": 7},
            "junk",
            {"id": "c/d"},
        ]
    }
    models = parse_router_models(payload)
    assert [(m.model_id, m.providers) for m in models] == [("a/b", ("groq", "novita")), ("c/d", ())]
    assert parse_router_models(["not", "a", "dict"]) == [] and parse_router_models({"data": "x"}) == []


def test_the_sdk_builds_its_response_models_at_import_not_racing_in_answer_threads() -> None:
    check = (
        "import providers.client\n"
        "from openai.types.chat.chat_completion_chunk import ChoiceDelta\n"
        "from openai.types.chat.chat_completion import Choice\n"
        "assert type(ChoiceDelta.__pydantic_validator__).__name__ == 'SchemaValidator'\n"
        "assert type(Choice.__pydantic_validator__).__name__ == 'SchemaValidator'\n"
    )
    environment = {k: v for k, v in os.environ.items() if k != "DEFER_PYDANTIC_BUILD"}
    done = subprocess.run([sys.executable, "-c", check], cwd=ROOT, env=environment, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-1000:]
