"""The conversation survives a reload: kept in this server's memory under the id in the URL's ``c``.

A browser session's first run restores the conversation its URL names (with the tables the person loaded, when
they fitted) or starts a fresh id; every run puts the id back in the URL (switching pages can drop it), and saves
what changed when it ends. An id belongs to the visitor who made it (``ui/visitor.py``): the same browser reloading
goes on under it, anyone else who opens the link sees the conversation but goes on under a new id of their own,
so a link never lets its sender read what the opener does next; a signed-in person's conversation opens for them
alone. A second tab that saves after the first goes on
under a new id too, so neither tab's answers are lost. The id is never logged.
"""

from __future__ import annotations

import logging

import streamlit as st

from analyst.model_text import escape_markdown
from conversations.snapshot import RestoreNote, restore_answers, restore_tables
from conversations.store import ConversationStore, Saved, new_conversation_id
from ui import state
from ui.store import app_store
from ui.visitor import current_visitor

URL_PARAM = "c"
OPENED_FROM_LINK = (
    "This conversation came from a link. What you ask from now on is kept under a new link of your own: "
    "the person who sent it does not see it."
)
SIGNED_IN_ONLY = (
    "This link is to a conversation of a signed-in person: it opens only for them, when they are signed in. "
    "This is a new conversation."
)
PERSON_PREFIX = "person:"  # conversations.visitors: the owner id of a signed-in person

logger = logging.getLogger(__name__)


def conversation_store() -> ConversationStore:
    return app_store().conversations


def keep_conversation() -> None:
    """Before the page, on every run: on a session's first run restore the URL's conversation or start a fresh
    id; then make sure the URL carries the id, so that a reload finds the conversation."""
    conversation_id = state.conversation_id()
    if conversation_id is None:
        conversation_id = _restore_or_start(st.query_params.get(URL_PARAM))
    if st.query_params.get(URL_PARAM) != conversation_id:
        st.query_params[URL_PARAM] = conversation_id


def _restore_or_start(wanted: str | None) -> str:
    """The conversation stored under ``wanted``, restored into this session; its id when it is this visitor's,
    else a fresh id (a malformed, guessed or expired id just starts fresh)."""
    kept = conversation_store().load(wanted)
    if kept is None or wanted is None:
        return _start_fresh_id()
    mine = kept.owner == current_visitor().owner
    if not mine and kept.owner.startswith(PERSON_PREFIX):  # a signed-in person's conversation is theirs alone
        state.restore_conversation([], [RestoreNote(SIGNED_IN_ONLY)])
        return _start_fresh_id()
    try:
        notes = restore_tables(kept.conversation, state.session_database())
        if not mine:
            notes = [RestoreNote(OPENED_FROM_LINK), *notes]
        state.restore_conversation(restore_answers(kept.conversation), notes)
    except Exception as error:  # never a traceback for a visitor: start fresh instead
        logger.warning("A saved conversation could not be restored (%s)", type(error).__name__)
        state.clear_conversation()
        return _start_fresh_id()
    if not mine:
        return _start_fresh_id()
    state.set_conversation_id(wanted, kept.version)
    # What was just restored is what is kept: opening it is not a change (another tab's next save still wins).
    database = state.session_database()
    state.conversation_snapshots().build(
        wanted, state.conversation(), database, conversation_store().max_conversation_bytes
    )
    return wanted


def _start_fresh_id() -> str:
    conversation_id = new_conversation_id()
    state.set_conversation_id(conversation_id)
    return conversation_id


def save_conversation() -> None:
    """After the page, on every run: keep the conversation when it changed (else only mark it used). When another
    tab saved it first, this tab's conversation goes on under a new id."""
    conversation_id = state.conversation_id()
    if conversation_id is None:
        return
    try:
        store = conversation_store()
        owner = current_visitor().owner
        snapshots = state.conversation_snapshots()
        history, database = state.conversation(), state.session_database()
        if not snapshots.changed(conversation_id, history, database) and store.touch(conversation_id, owner=owner):
            return
        built = snapshots.build(conversation_id, history, database, store.max_conversation_bytes)
        result = store.save(conversation_id, built, owner=owner, version=state.conversation_version())
        if result.outcome is Saved.CONFLICT:
            conversation_id = _start_fresh_id()
            built = snapshots.build(conversation_id, history, database, store.max_conversation_bytes)
            result = store.save(conversation_id, built, owner=owner)
            st.query_params[URL_PARAM] = conversation_id
        state.set_conversation_version(result.version)
    except Exception as error:  # saving is a convenience: the page goes on, the reason goes to the log
        logger.warning("A conversation could not be saved (%s)", type(error).__name__)


def start_new_conversation() -> None:
    """The sidebar's "New conversation": forget the kept conversation, empty the chat and start a fresh id in the
    URL. The tables this session loaded stay."""
    old = state.conversation_id()
    if old is not None:
        conversation_store().forget(old, owner=current_visitor().owner)
    state.clear_conversation()
    state.clear_restore_notes()
    st.query_params[URL_PARAM] = _start_fresh_id()


def render_restore_notes() -> None:
    """What a restored conversation lacks, until the person loads that table again or starts a new conversation."""
    loaded = state.session_database().loaded_tables
    for note in state.restore_notes():
        if note.table is None or note.table not in loaded:
            st.info(escape_markdown(note.text), icon=":material/history:")
