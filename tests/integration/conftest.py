"""What the pipeline tests share: a fresh session database, and a client for the loopback endpoint."""

from __future__ import annotations

import pytest

from providers.client import ModelClient
from providers.endpoint_types import EndpointType
from providers.settings import ProviderSettings
from sandbox.database import SessionDatabase
from tests.conftest import FAST_RETRIES
from tests.support.fake_endpoint import FakeEndpoint


@pytest.fixture
def db() -> SessionDatabase:
    return SessionDatabase()


@pytest.fixture
def client(endpoint: FakeEndpoint) -> ModelClient:
    settings = ProviderSettings(EndpointType.DEDICATED, "tgi", api_key="hf_PipelineTest0001", endpoint_url=endpoint.url)
    return ModelClient(settings, policy=FAST_RETRIES)
