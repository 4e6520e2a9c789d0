import pytest

from providers.endpoint_types import ROUTER_BASE_URL, SERVERLESS_BASE_URL, EndpointType, parse_endpoint_type
from providers.huggingface import HuggingFaceConfigError, create_huggingface


def test_dedicated_url_gets_v1_appended() -> None:
    client = create_huggingface("dedicated", "https://x.endpoints.huggingface.cloud", "hf_key123")
    assert str(client.base_url).rstrip("/") == "https://x.endpoints.huggingface.cloud/v1"


@pytest.mark.parametrize(
    "url",
    [
        "https://x.endpoints.huggingface.cloud/v1",
        "https://x.endpoints.huggingface.cloud/v1/",
        "https://x.endpoints.huggingface.cloud///",
    ],
)
def test_dedicated_url_tolerates_v1_and_trailing_slashes(url: str) -> None:
    client = create_huggingface("dedicated", url, "hf_key123")
    assert str(client.base_url).rstrip("/") == "https://x.endpoints.huggingface.cloud/v1"


def test_serverless_and_router_have_fixed_base_urls() -> None:
    assert str(create_huggingface("serverless", api_key="hf_k1234").base_url).rstrip("/") == SERVERLESS_BASE_URL
    providers = create_huggingface("inference-providers", api_key="hf_k1234")
    assert str(providers.base_url).rstrip("/") == ROUTER_BASE_URL
    assert SERVERLESS_BASE_URL == "https://api-inference.huggingface.co/v1"
    assert ROUTER_BASE_URL == "https://router.huggingface.co/v1"


def test_sdk_retries_are_off_and_headers_are_sent_by_default() -> None:
    client = create_huggingface("serverless", api_key="hf_k1234", headers={"X-Custom-Header": "custom-value"})
    assert client.max_retries == 0
    assert client.default_headers["X-Custom-Header"] == "custom-value"


@pytest.mark.parametrize("kind", ["dedicated", "serverless", "inference-providers"])
@pytest.mark.parametrize("key", [None, "", "   "])
def test_missing_key_has_the_exact_message(kind: str, key: str | None) -> None:
    with pytest.raises(HuggingFaceConfigError, match=r"^HuggingFace API key required$"):
        create_huggingface(kind, "https://x.endpoints.huggingface.cloud", key)


@pytest.mark.parametrize("url", [None, "", "  "])
def test_dedicated_without_url_has_the_exact_message(url: str | None) -> None:
    with pytest.raises(HuggingFaceConfigError, match=r"^HuggingFace endpoint URL required$"):
        create_huggingface("dedicated", url, "hf_key123")


@pytest.mark.parametrize(
    "url",
    [
        "x.endpoints.huggingface.cloud",
        "ftp://host",
        "https://",
        "javascript:alert(1)",
        "https://a b.com",
        "https://h?x=1",
    ],
)
def test_a_url_that_is_not_http_host_is_refused_clearly(url: str) -> None:
    with pytest.raises(HuggingFaceConfigError, match="Endpoint URL must"):
        create_huggingface("dedicated", url, "hf_key123")


def test_config_error_is_a_value_error() -> None:
    assert issubclass(HuggingFaceConfigError, ValueError)


def test_endpoint_type_parsing_is_forgiving_about_case_and_strict_about_names() -> None:
    assert parse_endpoint_type(" Dedicated ") is EndpointType.DEDICATED
    with pytest.raises(ValueError, match="Unknown endpoint type"):
        parse_endpoint_type("paid")
