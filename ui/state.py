"""Typed access to what one browser session keeps in ``st.session_state``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import streamlit as st

from providers.endpoint_state import EndpointState
from providers.selection import Resolved

if TYPE_CHECKING:
    from providers.client import ModelClient

T = TypeVar("T")

RESOLVED = "provider_resolved"
ENDPOINT_STATE = "endpoint_state"
MODEL_CLIENT = "model_client"
DEBUG = "debug_mode"


def session_object(key: str, create: Callable[[], T]) -> T:
    """This browser session's object under ``key``, created on first use (never shared between visitors)."""
    if key not in st.session_state:
        st.session_state[key] = create()
    return st.session_state[key]


def endpoint_state() -> EndpointState:
    return session_object(ENDPOINT_STATE, EndpointState)


def resolved_provider() -> Resolved | None:
    return st.session_state.get(RESOLVED)


def model_client() -> ModelClient | None:
    """This session's client for the sidebar's settings, reused across reruns while they stay the same."""
    from providers.client import ModelClient

    resolved = resolved_provider()
    if resolved is None or resolved.settings is None:
        return None
    debug = bool(st.session_state.get(DEBUG))
    cached = st.session_state.get(MODEL_CLIENT)
    if cached is None or cached.settings != resolved.settings:
        cached = ModelClient(resolved.settings, state=endpoint_state(), debug=debug)
        st.session_state[MODEL_CLIENT] = cached
    cached.debug = debug
    return cached
