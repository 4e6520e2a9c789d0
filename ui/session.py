"""What one browser session owns: its database and its conversation (never shared between visitors)."""

from __future__ import annotations

import streamlit as st

from analyst.answer import Answer
from sandbox.database import SessionDatabase
from ui.state import session_object

DATABASE = "session_database"
CONVERSATION = "conversation"
PENDING_QUESTION = "pending_question"
SHARE_ROWS = "share_rows"


def session_database() -> SessionDatabase:
    """This session's DuckDB database, created on first use with the bundled earthquakes."""
    return session_object(DATABASE, SessionDatabase)


def conversation() -> list[Answer]:
    return session_object(CONVERSATION, list)


def ask(question: str) -> None:
    """Queue a question (from an example button or another page) for the chat page's next run."""
    st.session_state[PENDING_QUESTION] = question


def take_pending_question() -> str | None:
    return st.session_state.pop(PENDING_QUESTION, None)


def clear_conversation() -> None:
    st.session_state[CONVERSATION] = []
