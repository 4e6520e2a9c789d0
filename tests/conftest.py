"""Shared fixtures: the loopback model endpoint, and a clean environment for configuration."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from providers.retry import RetryPolicy
from tests.support.fake_endpoint import FakeEndpoint

CONFIG_NAMES = (
    "HUGGINGFACE_API_KEY",
    "HF_TOKEN",
    "HUGGINGFACE_ENDPOINT_TYPE",
    "HUGGINGFACE_ENDPOINT_URL",
    "HUGGINGFACE_MODEL",
    "DEBUG",
)

# Fast but real waits: tests measure gaps between retries at the server.
FAST_RETRIES = RetryPolicy(base_wait_s=0.05, max_wait_s=0.5)


@pytest.fixture(scope="session")
def _endpoint_server() -> Iterator[FakeEndpoint]:
    server = FakeEndpoint()
    yield server
    server.stop()


@pytest.fixture
def endpoint(_endpoint_server: FakeEndpoint) -> Iterator[FakeEndpoint]:
    """The loopback OpenAI-compatible server, reset for each test."""
    _endpoint_server.reset()
    yield _endpoint_server
    _endpoint_server.reset()


@pytest.fixture
def second_endpoint() -> Iterator[FakeEndpoint]:
    server = FakeEndpoint()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def clean_config_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's own HuggingFace configuration."""
    for name in CONFIG_NAMES:
        monkeypatch.delenv(name, raising=False)
