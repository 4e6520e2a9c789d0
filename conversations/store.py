"""Conversations kept in this process's memory, so that reloading the page finds them again.

Each conversation is stored under an unguessable id (the ``c`` in the page's URL) and found by exactly that id;
an id that is malformed, unknown or expired finds nothing. Nothing is ever written to disk: a restarted server
has forgotten every conversation. Three limits keep memory bounded: bytes per conversation, the number of
conversations and their total bytes (the least recently used go first), and an expiry a day after last use.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa

ID_BYTES = 24  # secrets.token_urlsafe(24): 32 characters, 192 random bits
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{32}")
MAX_CONVERSATION_BYTES = 8 * 1024**2  # answers first (a 5,000-row result is a few MB), then loaded tables
MAX_TOTAL_BYTES = 128 * 1024**2  # next to the ~230 MB the server idles at: within Community Cloud's limit
MAX_CONVERSATIONS = 200
EXPIRES_AFTER_S = 24 * 3600


def new_conversation_id() -> str:
    return secrets.token_urlsafe(ID_BYTES)


def is_conversation_id(text: object) -> bool:
    """Whether ``text`` has the shape of an id this module makes (checked before any lookup)."""
    return isinstance(text, str) and ID_PATTERN.fullmatch(text) is not None


@dataclass(frozen=True)
class StoredTable:
    """A table the person loaded, as it was when saved (Arrow tables are immutable: safe to hand out)."""

    name: str
    data: pa.Table


@dataclass(frozen=True)
class SavedConversation:
    """What a reload brings back: each answer pickled on its own (by this process, from its own objects), the
    loaded tables that fitted, and what was left out for lack of room."""

    answers: tuple[bytes, ...] = ()
    tables: tuple[StoredTable, ...] = ()
    tables_left_out: tuple[str, ...] = ()
    answers_left_out: int = 0
    views: tuple[tuple[str, str], ...] = ()  # "Save as table": (name, query), made again over the restored tables

    @property
    def size_bytes(self) -> int:
        return sum(len(a) for a in self.answers) + sum(t.data.nbytes for t in self.tables)

    @property
    def is_empty(self) -> bool:
        return not self.answers and not self.tables and not self.views


@dataclass
class _Entry:
    conversation: SavedConversation
    size_bytes: int
    last_used: float


class ConversationStore:
    """A process-wide, thread-safe map from conversation id to its last saved state."""

    def __init__(
        self,
        *,
        max_conversation_bytes: int = MAX_CONVERSATION_BYTES,
        max_total_bytes: int = MAX_TOTAL_BYTES,
        max_conversations: int = MAX_CONVERSATIONS,
        expires_after_s: float = EXPIRES_AFTER_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_conversation_bytes = max_conversation_bytes
        self.max_total_bytes = max_total_bytes
        self.max_conversations = max_conversations
        self.expires_after_s = expires_after_s
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, _Entry] = OrderedDict()  # least recently used first
        self._total_bytes = 0

    def save(self, conversation_id: str, conversation: SavedConversation) -> bool:
        """Keep ``conversation`` under ``conversation_id``, replacing what was there; False, and nothing kept
        under that id, when it is larger than ``max_conversation_bytes``. An empty conversation is forgotten."""
        if not is_conversation_id(conversation_id):
            raise ValueError("not a conversation id")
        size = conversation.size_bytes
        with self._lock:
            self._remove(conversation_id)
            if conversation.is_empty or size > self.max_conversation_bytes:
                return False
            self._entries[conversation_id] = _Entry(conversation, size, self._clock())
            self._total_bytes += size
            self._evict()
            return conversation_id in self._entries

    def load(self, conversation_id: object) -> SavedConversation | None:
        """The conversation saved under exactly this id, or None (malformed, unknown or expired); a use."""
        if not is_conversation_id(conversation_id):
            return None
        with self._lock:
            entry = self._use(str(conversation_id))
            return entry.conversation if entry else None

    def touch(self, conversation_id: str) -> bool:
        """Mark the conversation as used now (it expires a day after its last use); False when it is not kept."""
        if not is_conversation_id(conversation_id):
            return False
        with self._lock:
            return self._use(conversation_id) is not None

    def forget(self, conversation_id: str) -> None:
        with self._lock:
            self._remove(conversation_id)

    def __len__(self) -> int:
        with self._lock:
            self._drop_expired()
            return len(self._entries)

    @property
    def total_bytes(self) -> int:
        with self._lock:
            self._drop_expired()
            return self._total_bytes

    # Internal: callers hold the lock. -----------------------------------------------------------------
    def _use(self, conversation_id: str) -> _Entry | None:
        self._drop_expired()
        entry = self._entries.get(conversation_id)
        if entry is not None:
            entry.last_used = self._clock()
            self._entries.move_to_end(conversation_id)
        return entry

    def _remove(self, conversation_id: str) -> None:
        entry = self._entries.pop(conversation_id, None)
        if entry is not None:
            self._total_bytes -= entry.size_bytes

    def _drop_expired(self) -> None:
        cutoff = self._clock() - self.expires_after_s
        while self._entries:
            oldest_id, oldest = next(iter(self._entries.items()))
            if oldest.last_used > cutoff:
                break
            self._remove(oldest_id)

    def _evict(self) -> None:
        """Drop expired conversations, then the least recently used until both limits hold."""
        self._drop_expired()
        while self._entries and (
            len(self._entries) > self.max_conversations or self._total_bytes > self.max_total_bytes
        ):
            self._remove(next(iter(self._entries)))
