"""Reading the owner's configuration in Streamlit: ``st.secrets`` first, then the environment."""

from __future__ import annotations

import os
from typing import Any

import streamlit as st

from providers.settings import Configuration, read_configuration


def secrets_mapping() -> dict[str, Any]:
    """``st.secrets`` as a dict; a missing or broken ``secrets.toml`` is normal and gives ``{}``."""
    try:
        return dict(st.secrets)
    except Exception:  # StreamlitSecretNotFoundError, or a secrets.toml that does not parse
        return {}


def load_configuration() -> Configuration:
    return read_configuration(secrets_mapping(), os.environ)
