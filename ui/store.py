"""The app's one store for what outlives a script run (``conversations.store.Store``), one per server process."""

from __future__ import annotations

import streamlit as st

from conversations.store import Store


@st.cache_resource
def app_store() -> Store:
    """Shared by every session of this process: its keys (unguessable ids, visitor ids) keep visitors apart."""
    return Store()
