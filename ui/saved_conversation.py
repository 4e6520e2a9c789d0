"""The conversation survives a reload: kept in this server's memory under the id in the URL's ``c``.

A browser session's first run restores the conversation its URL names (with the tables the person loaded, when
they fitted) or starts a fresh id; every run puts the id back in the URL (switching pages can drop it), and saves
what changed when it ends. The id is the only key to a conversation: it is never logged.
"""

from __future__ import annotations

import logging

import streamlit as st

from analyst.model_text import escape_markdown
from conversations.snapshot import restore_answers, restore_tables
from conversations.store import ConversationStore, new_conversation_id
from ui import state

URL_PARAM = "c"

logger = logging.getLogger(__name__)


@st.cache_resource
def conversation_store() -> ConversationStore:
    """One store for the server process; the unguessable ids keep visitors apart."""
    return ConversationStore()


def keep_conversation() -> None:
    """Before the page, on every run: on a session's first run restore the URL's conversation or start a fresh
    id; then make sure the URL carries the id, so that a reload finds the conversation."""
    conversation_id = state.conversation_id()
    if conversation_id is None:
        conversation_id = _restore_or_start(st.query_params.get(URL_PARAM))
    if st.query_params.get(URL_PARAM) != conversation_id:
        st.query_params[URL_PARAM] = conversation_id


def _restore_or_start(wanted: str | None) -> str:
    """The conversation stored under ``wanted``, restored into this session; or a fresh id when there is none
    (a malformed, guessed or expired id just starts fresh)."""
    saved = conversation_store().load(wanted)
    if saved is None or wanted is None:
        return _start_fresh_id()
    try:
        notes = restore_tables(saved, state.session_database())
        state.restore_conversation(restore_answers(saved), notes)
    except Exception as error:  # never a traceback for a visitor: start fresh instead
        logger.warning("A saved conversation could not be restored (%s)", type(error).__name__)
        state.clear_conversation()
        return _start_fresh_id()
    state.set_conversation_id(wanted)
    return wanted


def _start_fresh_id() -> str:
    conversation_id = new_conversation_id()
    state.set_conversation_id(conversation_id)
    return conversation_id


def save_conversation() -> None:
    """After the page, on every run: keep the conversation when it changed (else only mark it used)."""
    conversation_id = state.conversation_id()
    if conversation_id is None:
        return
    try:
        store = conversation_store()
        snapshots = state.conversation_snapshots()
        history, database = state.conversation(), state.session_database()
        if not snapshots.changed(conversation_id, history, database) and store.touch(conversation_id):
            return
        store.save(conversation_id, snapshots.build(conversation_id, history, database, store.max_conversation_bytes))
    except Exception as error:  # saving is a convenience: the page goes on, the reason goes to the log
        logger.warning("A conversation could not be saved (%s)", type(error).__name__)


def start_new_conversation() -> None:
    """The sidebar's "New conversation": forget the kept conversation, empty the chat and start a fresh id in the
    URL. The tables this session loaded stay."""
    old = state.conversation_id()
    if old is not None:
        conversation_store().forget(old)
    state.clear_conversation()
    state.clear_restore_notes()
    st.query_params[URL_PARAM] = _start_fresh_id()


def render_restore_notes() -> None:
    """What a restored conversation lacks, until the person loads that table again or starts a new conversation."""
    loaded = state.session_database().loaded_tables
    for note in state.restore_notes():
        if note.table is None or note.table not in loaded:
            st.info(escape_markdown(note.text), icon=":material/history:")
