"""What outlives one script run: conversations (for reloads and links), each visitor's budget and the owner's
usage records. ``Store`` is the one interface the app uses for all three, with two implementations: in this
process's memory (``conversations.memory_store`` and ``conversations.usage``, the default: nothing on disk) and
in a SQL database (``conversations.sql_store``: PostgreSQL or SQLite, shared by replicas, kept across restarts).

Conversations. Each is stored under an unguessable id (the ``c`` in the page's URL), found by exactly that id, and
belongs to the visitor who saved it first: only that visitor may save under the id again, and each save names the
version it was built on, so two tabs never overwrite each other (the later one gets a conflict and moves to a new
id). Both implementations keep the same bounds: bytes per conversation, a share per visitor (filling it evicts
that visitor's own least recently used conversations), the number of conversations and their total bytes (then the
largest visitor's go first), and an expiry a day after last use.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Protocol

import pyarrow as pa

from providers.budget import CallUse, Ledger
from sandbox.database import SavedView

if TYPE_CHECKING:
    from conversations.background_saves import BackgroundSaver

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
    """What a reload brings back: each answer encoded on its own (``conversations.answer_codec``), the
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


@dataclass(frozen=True)
class StoreLimits:
    """The bounds both implementations keep (see the module's docstring)."""

    max_conversation_bytes: int = MAX_CONVERSATION_BYTES
    max_visitor_bytes: int = MAX_VISITOR_BYTES
    max_visitor_conversations: int = MAX_VISITOR_CONVERSATIONS
    max_total_bytes: int = MAX_TOTAL_BYTES
    max_conversations: int = MAX_CONVERSATIONS
    expires_after_s: float = EXPIRES_AFTER_S


@dataclass(frozen=True)
class Holding:
    """One kept conversation as eviction sees it."""

    conversation_id: str
    owner: str
    size_bytes: int


def choose_evictions(holdings: Sequence[Holding], saver: str, keep: str, limits: StoreLimits) -> list[str]:
    """Which conversations to drop after ``saver`` kept ``keep``; ``holdings`` are every kept conversation, least
    recently used first. Within the saver's share first, their own least recently used; then, while the store as a
    whole is over its limits, the least recently used conversation of whoever holds the most bytes (on a tie, not
    the saver). ``keep`` goes last of all."""
    left = list(holdings)
    dropped: list[str] = []

    def owned(owner: str) -> list[Holding]:
        return [h for h in left if h.owner == owner]

    def drop(holding: Holding) -> None:
        left.remove(holding)
        dropped.append(holding.conversation_id)

    def oldest_of(owner: str) -> Holding | None:
        return next((h for h in owned(owner) if h.conversation_id != keep), None)

    while (
        sum(h.size_bytes for h in owned(saver)) > limits.max_visitor_bytes
        or len(owned(saver)) > limits.max_visitor_conversations
    ):
        victim = oldest_of(saver)
        if victim is None:
            break
        drop(victim)
    while left and (len(left) > limits.max_conversations or sum(h.size_bytes for h in left) > limits.max_total_bytes):
        by_owner: dict[str, int] = {}
        for h in left:
            by_owner[h.owner] = by_owner.get(h.owner, 0) + h.size_bytes
        largest = max(by_owner, key=lambda o: (by_owner[o], o != saver))
        victim = oldest_of(largest) or oldest_of(saver) or next(h for h in left if h.conversation_id == keep)
        drop(victim)
    return dropped


class ConversationKeeper(Protocol):
    """Where conversations are kept (``conversations.memory_store``, ``conversations.sql_store``)."""

    limits: StoreLimits

    def save(
        self, conversation_id: str, conversation: SavedConversation, *, owner: str, version: int = 0
    ) -> SaveResult:
        """Keep ``conversation`` for ``owner``, replacing ``version`` (0: a new id): ``CONFLICT`` when the id is
        another visitor's or another tab saved since, ``TOO_LARGE`` over the caps, ``EMPTY`` forgets it."""
        ...

    def load(self, conversation_id: object) -> Kept | None:
        """The conversation kept under exactly this id (None: malformed, unknown or expired); counts as a use."""
        ...

    def touch(self, conversation_id: str, *, owner: str) -> bool:
        """Mark ``owner``'s conversation used now; False when it is not kept or not theirs."""
        ...

    def forget(self, conversation_id: str, *, owner: str) -> bool:
        """Remove ``owner``'s conversation at once; False when there was none of theirs."""
        ...

    def holding(self) -> tuple[int, int]:
        """How many conversations are kept, and their bytes."""
        ...


class UsageRecords(Ledger, Protocol):
    """Each visitor's budget and the owner's usage records (``conversations.usage``, ``conversations.sql_store``)."""

    def calls(self) -> list[CallUse]:
        """The calls of the last day, oldest first."""
        ...

    def record_count(self) -> int: ...

    def usage(self, visitor: str) -> tuple[int, int]:
        """The visitor's calls and tokens in the last hour."""
        ...

    def process_usage(self) -> tuple[int, int]:
        """Every visitor's calls and tokens in the last day."""
        ...


@dataclass
class Store:
    """Everything the app keeps beyond one script run, behind one interface."""

    conversations: ConversationKeeper
    usage: UsageRecords
    visitor_key: bytes  # keys the visitor ids (``conversations.visitors``): the same in every replica of one store
    where: str  # for the owner: "this server's memory", or the database (never its password)
    saver: BackgroundSaver | None = None  # writes off the page's script run (a database's); None: in place
    problem: str | None = None  # the configured database could not be used (the owner sees why)
