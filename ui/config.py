"""Reading the owner's configuration in Streamlit: ``st.secrets`` first, then the environment."""

from __future__ import annotations

import logging
import os
import re
from dataclasses import replace
from typing import Any

import streamlit as st

from providers.settings import Configuration, read_configuration

logger = logging.getLogger(__name__)


TOML_WHERE = re.compile(r"\(at line (\d+), column (\d+)\)")


def secrets_mapping() -> dict[str, Any]:
    """``st.secrets`` as a dict; a missing ``secrets.toml`` is normal and gives ``{}``, and so does a broken one
    (``secrets_problem`` says so)."""
    try:
        return dict(st.secrets)
    except Exception:  # StreamlitSecretNotFoundError, or a secrets.toml that does not parse
        return {}


def secrets_problem() -> str | None:
    """What is wrong with a secrets file that exists but does not parse, for the page and the server log: where,
    never what (TOML's message names a line and a column, not its text); None when there is none or it reads."""
    try:
        dict(st.secrets)
    except Exception as error:
        text = str(error)
        if "Error parsing secrets file" not in text:
            return None  # no secrets file at all: an app without configuration
        where = TOML_WHERE.search(text)
        at = f" at line {where.group(1)}, column {where.group(2)}" if where else ""
        logger.error("The secrets file could not be read (a TOML error%s): the app runs unconfigured", at)
        return f"This app's secrets file could not be read (a TOML error{at}): the app runs as if it had none."
    return None


def load_configuration() -> Configuration:
    """The owner's configuration; without the owner's token when this visitor may not use it (sign-in on, and
    not signed in as someone on the allow-list)."""
    from ui.sign_in import current_access  # reads secrets_mapping from this module

    configuration = read_configuration(secrets_mapping(), os.environ)
    access = current_access()
    if configuration.api_key and not access.may_use_owner_token:
        return replace(configuration, api_key=None, owner_token_withheld=access.message)
    return configuration
