"""The app's one store (``conversations.store.Store``), one per server process: in the database the secrets name
under ``[connections.store]`` (through ``st.connection``), else in this process's memory."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import streamlit as st

from conversations.memory_store import in_memory_store
from conversations.store import Store
from ui.config import secrets_mapping

STORE_CONNECTION = "store"
UNREACHABLE = (
    "Conversations and budgets are kept in this server's memory only: the configured database could not be used "
    "(the server log says why)."
)

logger = logging.getLogger(__name__)


def _secret_texts(value: object) -> list[str]:
    """Every text in the connection's secrets, and the password inside a URL, to keep out of any message."""
    if isinstance(value, Mapping):
        return [t for v in value.values() for t in _secret_texts(v)]
    if isinstance(value, list | tuple):
        return [t for v in value for t in _secret_texts(v)]
    value = str(value)
    if len(value) < 3:
        return []
    texts = [value]
    if "://" in value:
        import sqlalchemy as sa

        try:
            password = sa.make_url(value).password
        except Exception:  # not a URL SQLAlchemy reads: the whole text is kept out anyway
            password = None
        if password:
            from urllib.parse import quote

            texts += [str(password), quote(str(password), safe="")]
    return texts


def scrubbed(error: BaseException, section: object) -> str:
    """The error's kind and first line, with every secret of the connection replaced by ``***``."""
    text = str(error)
    for secret in sorted(_secret_texts(section), key=len, reverse=True):
        text = text.replace(secret, "***")
    text = (text.strip().splitlines() or [""])[0][:300]  # cut after replacing: no secret is left half-shown
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


@st.cache_resource(show_spinner=False)
def app_store() -> Store:
    """Shared by every session of this process (and, in a database, by every replica): its keys (unguessable ids,
    visitor ids) keep visitors apart."""
    connections = secrets_mapping().get("connections")
    section = connections.get(STORE_CONNECTION) if isinstance(connections, Mapping) else None
    if section is None:
        return in_memory_store()
    from conversations.sql_store import sql_store  # SQLAlchemy only when a database is configured

    try:
        # The section is also passed as arguments: the same values, and AppTest's secrets reach st.connection so.
        settings = {k: v for k, v in section.items() if k != "type"} if isinstance(section, Mapping) else {}
        return sql_store(st.connection(STORE_CONNECTION, type="sql", pool_pre_ping=True, **settings).engine)
    except Exception as error:
        logger.error(
            "The store's database could not be used (%s): keeping everything in memory", scrubbed(error, section)
        )
        store = in_memory_store()
        store.problem = UNREACHABLE
        return store
