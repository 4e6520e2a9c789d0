"""What outlives one script run, kept in this process's memory: conversations (for reloads and links) and the
owner's usage records (each visitor's budget). ``Store`` is the one interface the app uses for both.

Conversations. Each is stored under an unguessable id (the ``c`` in the page's URL), found by exactly that id, and
belongs to the visitor who saved it first: only that visitor may save under the id again, and each save names the
version it was built on, so two tabs never overwrite each other (the later one gets a conflict and moves to a new
id). Nothing is ever written to disk: a restarted server has forgotten every conversation. Memory is bounded by
bytes per conversation, a share per visitor (filling it evicts that visitor's own least recently used
conversations), the number of conversations and their total bytes (then the largest visitor's go first), and an
expiry a day after last use.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

import pyarrow as pa

from conversations.usage import UsageLedger
from sandbox.database import SavedView

ID_BYTES = 24  # secrets.token_urlsafe(24): 32 characters, 192 random bits
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{32}")
MAX_CONVERSATION_BYTES = 8 * 1024**2  # answers first (a 5,000-row result is a few MB), then loaded tables
MAX_VISITOR_BYTES = 32 * 1024**2  # one visitor's share: four full conversations
MAX_VISITOR_CONVERSATIONS = 20
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
    loaded tables that fitted, the saved tables, and what was left out for lack of room."""

    answers: tuple[bytes, ...] = ()
    tables: tuple[StoredTable, ...] = ()
    tables_left_out: tuple[str, ...] = ()
    answers_left_out: int = 0
    views: tuple[SavedView, ...] = ()  # "Save as table": made again over the restored tables, never run to restore

    @property
    def size_bytes(self) -> int:
        views = sum(
            len(v.query) + len(v.description or "") + sum(len(c) + len(t) for c, t in v.columns) for v in self.views
        )
        return sum(len(a) for a in self.answers) + sum(t.data.nbytes for t in self.tables) + views

    @property
    def is_empty(self) -> bool:
        return not self.answers and not self.tables and not self.views


@dataclass(frozen=True)
class Kept:
    """A conversation as found: who saved it, and the version a save must name to replace it."""

    conversation: SavedConversation
    owner: str
    version: int


class Saved(Enum):
    """How a save ended."""

    KEPT = "kept"
    TOO_LARGE = "too large"  # over the per-conversation cap (or the visitor's whole share): nothing kept under the id
    EMPTY = "empty"  # nothing to keep: the id is forgotten
    CONFLICT = "conflict"  # another visitor's id, or another tab saved first: save under a new id instead


@dataclass(frozen=True)
class SaveResult:
    outcome: Saved
    version: int = 0


@dataclass
class _Entry:
    conversation: SavedConversation
    owner: str
    size_bytes: int
    last_used: float
    version: int


class ConversationStore:
    """A process-wide, thread-safe map from conversation id to its owner and last saved state."""

    def __init__(
        self,
        *,
        max_conversation_bytes: int = MAX_CONVERSATION_BYTES,
        max_visitor_bytes: int = MAX_VISITOR_BYTES,
        max_visitor_conversations: int = MAX_VISITOR_CONVERSATIONS,
        max_total_bytes: int = MAX_TOTAL_BYTES,
        max_conversations: int = MAX_CONVERSATIONS,
        expires_after_s: float = EXPIRES_AFTER_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_conversation_bytes = max_conversation_bytes
        self.max_visitor_bytes = max_visitor_bytes
        self.max_visitor_conversations = max_visitor_conversations
        self.max_total_bytes = max_total_bytes
        self.max_conversations = max_conversations
        self.expires_after_s = expires_after_s
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
            if current is not None and (current.owner != owner or current.version != version):
                return SaveResult(Saved.CONFLICT, current.version if current.owner == owner else 0)
            self._remove(conversation_id)
            if conversation.is_empty:
                return SaveResult(Saved.EMPTY)
            if size > min(self.max_conversation_bytes, self.max_visitor_bytes):
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

    def forget(self, conversation_id: str, *, owner: str) -> None:
        """Remove ``owner``'s conversation (another visitor's id is left alone)."""
        with self._lock:
            entry = self._entries.get(conversation_id)
            if entry is not None and entry.owner == owner:
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
        cutoff = self._clock() - self.expires_after_s
        while self._entries:
            oldest_id, oldest = next(iter(self._entries.items()))
            if oldest.last_used > cutoff:
                break
            self._remove(oldest_id)

    def _evict(self, owner: str, keep: str) -> None:
        """Within ``owner``'s share first, by dropping their own least recently used conversations; then, while
        the store as a whole is over its limits, the least recently used conversation of whoever holds the
        most bytes. ``keep`` (the one just saved) goes last of all."""
        self._drop_expired()
        while self._visitor_bytes.get(owner, 0) > self.max_visitor_bytes or (
            self._count(owner) > self.max_visitor_conversations
        ):
            victim = self._oldest_of(owner, keep)
            if victim is None:
                break
            self._remove(victim)
        while self._entries and (
            len(self._entries) > self.max_conversations or self._total_bytes > self.max_total_bytes
        ):
            largest = max(
                self._visitor_bytes, key=lambda o: (self._visitor_bytes[o], o != owner)
            )  # ties: not the saver
            victim = self._oldest_of(largest, keep) or self._oldest_of(owner, keep) or keep
            self._remove(victim)

    def _count(self, owner: str) -> int:
        return sum(1 for e in self._entries.values() if e.owner == owner)

    def _oldest_of(self, owner: str, keep: str) -> str | None:
        return next((i for i, e in self._entries.items() if e.owner == owner and i != keep), None)


@dataclass
class Store:
    """Everything the app keeps beyond one script run, behind one interface (in memory today)."""

    conversations: ConversationStore = field(default_factory=ConversationStore)
    usage: UsageLedger = field(default_factory=UsageLedger)
