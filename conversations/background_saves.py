"""Saving a session's conversation without holding up its page: a database write happens on one saver thread per
process, never on the script run (the in-memory store, a dictionary update, saves in place).

Each browser session has a ``SaveTicket``: the id its conversation is kept under, the version its next save
replaces, and at most one snapshot waiting to be written (a newer one replaces it: only the latest state matters).
When another tab saved the id first, the saver keeps this session's conversation under a new id at once, so
neither is lost, and marks the ticket ``moved``: the session's next run puts the new id in its URL.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass, field

from conversations.store import ConversationKeeper, Saved, SavedConversation, new_conversation_id

logger = logging.getLogger(__name__)


@dataclass(eq=False)
class SaveTicket:
    """One browser session's place in the store; thread-safe."""

    conversation_id: str
    owner: str
    version: int = 0  # the kept version the next save replaces (0: the id is new)
    moved: bool = False  # a conflict moved the conversation to ``conversation_id``: the URL must follow
    failed: bool = False  # the last write failed: the next run writes again
    closed: bool = False  # deleted: nothing more is written under it
    touched_at: float = 0.0  # when the page last marked the kept conversation used (time.monotonic)
    _pending: SavedConversation | None = None
    _queued: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def busy(self) -> bool:
        """A snapshot is waiting for, or being written by, the saver."""
        with self._lock:
            return self._queued

    def close(self) -> None:
        """Write nothing more for this ticket (its conversation is being deleted)."""
        with self._lock:
            self.closed, self._pending = True, None

    def reopen(self) -> None:
        """Write again (a deletion that did not happen); the next run saves the whole conversation."""
        with self._lock:
            self.closed, self.failed = False, True

    def take_move(self) -> str | None:
        """The new id after a conflict moved the conversation (once), else None."""
        with self._lock:
            if not self.moved:
                return None
            self.moved = False
            return self.conversation_id


def save_now(keeper: ConversationKeeper, ticket: SaveTicket, conversation: SavedConversation) -> Saved | None:
    """Write ``conversation`` under the ticket's id; on a conflict, under a fresh id of its own. None: nothing was
    written (the ticket is closed, or the write failed and is logged)."""
    with ticket._lock:
        conversation_id, version, owner = ticket.conversation_id, ticket.version, ticket.owner
        if ticket.closed:
            return None
    try:
        result = keeper.save(conversation_id, conversation, owner=owner, version=version)
        moved = result.outcome is Saved.CONFLICT
        if moved:
            conversation_id = new_conversation_id()
            result = keeper.save(conversation_id, conversation, owner=owner)
        with ticket._lock:
            ticket.failed, ticket.version = False, result.version
            ticket.moved = ticket.moved or moved
            ticket.conversation_id = conversation_id
            deleted_meanwhile = ticket.closed
        if deleted_meanwhile:  # the person deleted it while this write was under way
            keeper.forget(conversation_id, owner=owner)
        return result.outcome
    except Exception as error:  # saving is a convenience: the page goes on, the reason goes to the log
        logger.warning("A conversation could not be saved (%s)", type(error).__name__)
        with ticket._lock:
            ticket.failed = True
        return None


class BackgroundSaver:
    """The process's saver thread: tickets wait in order, each with its latest snapshot."""

    def __init__(self, keeper: ConversationKeeper) -> None:
        self.keeper = keeper
        self._queue: queue.SimpleQueue[SaveTicket] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def submit(self, ticket: SaveTicket, conversation: SavedConversation) -> None:
        """Hand over the session's latest snapshot; returns at once."""
        with ticket._lock:
            if ticket.closed:
                return
            ticket._pending = conversation
            if ticket._queued:
                return
            ticket._queued = True
        self._ensure_thread()
        self._queue.put(ticket)

    def _ensure_thread(self) -> None:
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="conversation-saver", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            ticket = self._queue.get()
            with ticket._lock:
                conversation, ticket._pending = ticket._pending, None
            if conversation is not None:
                save_now(self.keeper, ticket, conversation)
            with ticket._lock:
                if ticket._pending is None:
                    ticket._queued = False
                    continue
            self._queue.put(ticket)  # a newer snapshot arrived while this one was written
