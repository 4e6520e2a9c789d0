"""Conversations kept in this process's memory (the default store): nothing is ever written to disk, so a restarted
server has forgotten every conversation. The interface and the bounds are ``conversations.store``'s."""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from conversations.store import (
    Holding,
    Kept,
    Saved,
    SavedConversation,
    SaveResult,
    Store,
    StoreLimits,
    choose_evictions,
    is_conversation_id,
)
from conversations.usage import UsageLedger


@dataclass
class _Entry:
    conversation: SavedConversation
    owner: str
    size_bytes: int
    last_used: float
    version: int


class MemoryConversations:
    """A process-wide, thread-safe map from conversation id to its owner and last saved state."""

    def __init__(self, limits: StoreLimits | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits or StoreLimits()
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, _Entry] = OrderedDict()  # least recently used first
        self._total_bytes = 0
        self._visitor_bytes: dict[str, int] = {}

    def save(
        self, conversation_id: str, conversation: SavedConversation, *, owner: str, version: int = 0
    ) -> SaveResult:
        """Keep ``conversation`` under ``conversation_id`` for ``owner``. ``version`` is the version this save
        replaces (0: the id is new); a save under someone else's id, or over a version another tab saved since,
        is a ``CONFLICT`` and changes nothing. A conversation larger than the caps is not kept (``TOO_LARGE``), an
        empty one is forgotten (``EMPTY``)."""
        if not is_conversation_id(conversation_id):
            raise ValueError("not a conversation id")
        size = conversation.size_bytes
        with self._lock:
            self._drop_expired()
            current = self._entries.get(conversation_id)
            if current is None and version > 0:  # no longer kept (deleted, expired, evicted): never brought back
                return SaveResult(Saved.CONFLICT)
            if current is not None and (current.owner != owner or current.version != version):
                return SaveResult(Saved.CONFLICT, current.version if current.owner == owner else 0)
            self._remove(conversation_id)
            if conversation.is_empty:
                return SaveResult(Saved.EMPTY)
            if size > min(self.limits.max_conversation_bytes, self.limits.max_visitor_bytes):
                return SaveResult(Saved.TOO_LARGE)
            entry = _Entry(conversation, owner, size, self._clock(), version + 1)
            self._entries[conversation_id] = entry
            self._add_bytes(owner, size)
            self._evict(owner, keep=conversation_id)
            return SaveResult(Saved.KEPT, entry.version)

    def load(self, conversation_id: object) -> Kept | None:
        """The conversation saved under exactly this id, or None (malformed, unknown or expired); a use."""
        if not is_conversation_id(conversation_id):
            return None
        with self._lock:
            entry = self._use(str(conversation_id))
            return Kept(entry.conversation, entry.owner, entry.version) if entry else None

    def touch(self, conversation_id: str, *, owner: str) -> bool:
        """Mark ``owner``'s conversation as used now (it expires a day after its last use); False when it is not
        kept, or not theirs."""
        if not is_conversation_id(conversation_id):
            return False
        with self._lock:
            entry = self._entries.get(conversation_id)
            return entry is not None and entry.owner == owner and self._use(conversation_id) is not None

    def forget(self, conversation_id: str, *, owner: str) -> bool:
        """Remove ``owner``'s conversation (another visitor's id is left alone)."""
        with self._lock:
            entry = self._entries.get(conversation_id)
            if entry is None or entry.owner != owner:
                return False
            self._remove(conversation_id)
            return True

    def holding(self) -> tuple[int, int]:
        with self._lock:
            self._drop_expired()
            return len(self._entries), self._total_bytes

    def __len__(self) -> int:
        with self._lock:
            self._drop_expired()
            return len(self._entries)

    @property
    def total_bytes(self) -> int:
        with self._lock:
            self._drop_expired()
            return self._total_bytes

    def visitor_bytes(self, owner: str) -> int:
        with self._lock:
            self._drop_expired()
            return self._visitor_bytes.get(owner, 0)

    # Internal: callers hold the lock. -----------------------------------------------------------------
    def _use(self, conversation_id: str) -> _Entry | None:
        self._drop_expired()
        entry = self._entries.get(conversation_id)
        if entry is not None:
            entry.last_used = self._clock()
            self._entries.move_to_end(conversation_id)
        return entry

    def _add_bytes(self, owner: str, size: int) -> None:
        self._total_bytes += size
        self._visitor_bytes[owner] = self._visitor_bytes.get(owner, 0) + size

    def _remove(self, conversation_id: str) -> None:
        entry = self._entries.pop(conversation_id, None)
        if entry is None:
            return
        self._total_bytes -= entry.size_bytes
        left = self._visitor_bytes.get(entry.owner, 0) - entry.size_bytes
        if left > 0:
            self._visitor_bytes[entry.owner] = left
        else:
            self._visitor_bytes.pop(entry.owner, None)

    def _drop_expired(self) -> None:
        cutoff = self._clock() - self.limits.expires_after_s
        while self._entries:
            oldest_id, oldest = next(iter(self._entries.items()))
            if oldest.last_used > cutoff:
                break
            self._remove(oldest_id)

    def _evict(self, owner: str, keep: str) -> None:
        self._drop_expired()
        holdings = [Holding(i, e.owner, e.size_bytes) for i, e in self._entries.items()]
        for victim in choose_evictions(holdings, owner, keep, self.limits):
            self._remove(victim)


def in_memory_store() -> Store:
    """The default store: this process's memory, with a visitor key made for this process alone."""
    return Store(MemoryConversations(), UsageLedger(), secrets.token_bytes(32), "this server's memory")
