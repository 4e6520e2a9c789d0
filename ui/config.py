"""Reading the owner's configuration in Streamlit: ``st.secrets`` first, then the environment."""

from __future__ import annotations

import os
from dataclasses import replace
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
    """The owner's configuration; without the owner's token when this visitor may not use it (sign-in on, and
    not signed in as someone on the allow-list)."""
    from ui.sign_in import current_access  # reads secrets_mapping from this module

    configuration = read_configuration(secrets_mapping(), os.environ)
    access = current_access()
    if configuration.api_key and not access.may_use_owner_token:
        return replace(configuration, api_key=None, owner_token_withheld=access.message)
    return configuration
