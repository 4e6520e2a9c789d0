"""The conversation survives a reload: kept in the app's store (``ui/store.py``: this server's memory, or a database
that outlives restarts and is shared by replicas) under the id in the URL's ``c``.

A browser session's first run restores the conversation its URL names (with the tables the person loaded, when
they fitted) or starts a fresh id; every run puts the id back in the URL (switching pages can drop it), and saves
what changed when it ends. An id belongs to the visitor who made it (``ui/visitor.py``): the same browser reloading
goes on under it, anyone else who opens the link sees the conversation but goes on under a new id of their own,
so a link never lets its sender read what the opener does next; a signed-in person's conversation opens for them
alone. A second tab that saves after the first goes on under a new id too, so neither tab's answers are lost. The
id is never logged.
"""

from __future__ import annotations

import logging
import time

import streamlit as st

from analyst.model_text import escape_markdown
from conversations.background_saves import SaveTicket, save_now
from conversations.snapshot import RestoreNote, restore_answers, restore_tables
from conversations.store import ConversationKeeper, new_conversation_id
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
TOUCH_EVERY_S = 60.0  # an unchanged conversation is marked used at most this often (it expires a day after)
SAVE_WATCH_S = 0.5
STORE_UNAVAILABLE = (
    "The conversations' store did not answer just now, so this link's conversation could not be opened: reload "
    "the page in a moment. This is a new conversation."
)
DELETED = "Conversation deleted: its link no longer opens it. Tables you loaded stay in this tab until you close it."
NOT_DELETED = "The conversation could not be deleted just now (the store did not answer): try again in a moment."

logger = logging.getLogger(__name__)


def conversation_store() -> ConversationKeeper:
    return app_store().conversations


def keep_conversation() -> None:
    """Before the page, on every run: on a session's first run restore the URL's conversation or start a fresh
    id; then make sure the URL carries the id (switching pages can drop it, a conflict can move it), so that a
    reload finds the conversation."""
    ticket = state.save_ticket() or _restore_or_start(st.query_params.get(URL_PARAM))
    ticket.take_move()
    if st.query_params.get(URL_PARAM) != ticket.conversation_id:
        st.query_params[URL_PARAM] = ticket.conversation_id


def _restore_or_start(wanted: str | None) -> SaveTicket:
    """The conversation stored under ``wanted``, restored into this session; its id when it is this visitor's,
    else a fresh id (a malformed, guessed or expired id just starts fresh)."""
    try:
        kept = conversation_store().load(wanted)
    except Exception as error:  # the store's database did not answer: this visit starts fresh, and says so
        logger.warning("A saved conversation could not be read (%s)", type(error).__name__)
        state.restore_conversation([], [RestoreNote(STORE_UNAVAILABLE)])
        return _start_fresh_id()
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
    ticket = _start_fresh_id(wanted, kept.version)
    # What was just restored is what is kept: opening it is not a change (another tab's next save still wins).
    state.conversation_snapshots().build(
        wanted, state.conversation(), state.session_database(), conversation_store().limits.max_conversation_bytes
    )
    return ticket


def _start_fresh_id(conversation_id: str | None = None, version: int = 0) -> SaveTicket:
    ticket = SaveTicket(conversation_id or new_conversation_id(), current_visitor().owner, version)
    ticket.touched_at = time.monotonic()
    state.set_save_ticket(ticket)
    return ticket


def save_conversation() -> None:
    """After the page, on every run: hand what changed to the store (a database's writes happen off this run),
    else mark the conversation used now and then."""
    ticket = state.save_ticket()
    if ticket is None or ticket.closed:
        return
    try:
        store = app_store()
        snapshots = state.conversation_snapshots()
        history, database = state.conversation(), state.session_database()
        if not snapshots.changed(ticket.conversation_id, history, database) and not ticket.failed:
            if time.monotonic() - ticket.touched_at < TOUCH_EVERY_S:
                return
            ticket.touched_at = time.monotonic()
            if ticket.version == 0 or store.conversations.touch(ticket.conversation_id, owner=ticket.owner):
                return  # nothing kept yet, or still kept: nothing to write
        limit = store.conversations.limits.max_conversation_bytes
        built = snapshots.build(ticket.conversation_id, history, database, limit)
        if built.is_empty and ticket.version == 0:
            return
        if store.saver is None:
            save_now(store.conversations, ticket, built)
            moved = ticket.take_move()
            if moved:
                st.query_params[URL_PARAM] = moved
        else:
            store.saver.submit(ticket, built)
    except Exception as error:  # saving is a convenience: the page goes on, the reason goes to the log
        logger.warning("A conversation could not be saved (%s)", type(error).__name__)


def watch_background_save() -> None:
    """While the saver writes this session's conversation, look again shortly: a conflict it met moved the
    conversation to a new id, which the URL must show even if the person does nothing more."""
    ticket = state.save_ticket()
    if ticket is not None and ticket.busy:
        _save_watch(ticket)


@st.fragment(run_every=SAVE_WATCH_S)
def _save_watch(ticket: SaveTicket) -> None:
    if not ticket.busy:
        st.rerun()  # the page's next run shows the id the conversation is kept under, and stops this watch


def start_new_conversation() -> None:
    """The sidebar's "New conversation": an empty chat under a fresh id. The one before stays kept (its link still
    opens it); the tables this session loaded stay too."""
    state.clear_conversation()
    state.clear_restore_notes()
    st.query_params[URL_PARAM] = _start_fresh_id().conversation_id


def delete_conversation() -> str:
    """The sidebar's "Delete this conversation": removed from the store at once (its link no longer opens it) and
    the chat emptied; the tables this session loaded stay in this tab. Returns what to tell the person; when the
    store does not answer, nothing changes (they can try again)."""
    ticket = state.save_ticket()
    if ticket is not None:
        ticket.close()  # a write still waiting is dropped, one under way is undone
        try:
            conversation_store().forget(ticket.conversation_id, owner=ticket.owner)
        except Exception as error:
            logger.warning("A conversation could not be deleted (%s)", type(error).__name__)
            ticket.reopen()
            return NOT_DELETED
    start_new_conversation()
    return DELETED


def can_delete() -> bool:
    """Whether this session has a conversation the store may hold."""
    ticket = state.save_ticket()
    return bool(state.conversation()) or (ticket is not None and ticket.version > 0)


def render_restore_notes() -> None:
    """What a restored conversation lacks, until the person loads that table again or starts a new conversation."""
    loaded = state.session_database().loaded_tables
    for note in state.restore_notes():
        if note.table is None or note.table not in loaded:
            st.info(escape_markdown(note.text), icon=":material/history:")
