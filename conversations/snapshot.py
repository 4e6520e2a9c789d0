"""A session's conversation as ``conversations.store`` keeps it, and back into a new session.

The answers come first: each is encoded on its own (again only when it changed), newest first, and one that does
not fit the conversation's byte cap is kept as its question with a note and Retry. The tables the person loaded
come next, each only if it fits in the room left. An answer still queued or running is kept as stopped, with
what it had finished, so a reload offers Retry instead of a spinner that never ends.

Answers are kept as ``conversations.answer_codec`` bytes (never encoded), so a store in a database that other
processes read holds data, never code.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import pyarrow as pa

from analyst.answer import DONE, Answer, NoticePart
from conversations.answer_codec import decode_answer, encode_answer
from conversations.store import SavedConversation, StoredTable
from sandbox.database import QueryError, SessionDatabase

INTERRUPTED = "Not finished when the page was reloaded: press Retry to ask again."
TOO_LARGE = "This answer was too large to keep across a reload: press Retry to ask again."


@dataclass(frozen=True)
class RestoreNote:
    """Something a restored conversation lacks; ``table`` names the table it is about, if any."""

    text: str
    table: str | None = None


def build_saved_copy(answer: Answer) -> Answer:
    """The answer as a reload shows it: a finished one as it is; a queued or running one stopped, with its
    finished parts."""
    if answer.status == DONE:
        return answer
    parts = [NoticePart(INTERRUPTED), *answer.parts]
    return Answer(answer.question, parts, list(answer.calls), answer.asked_at, answer.total_s, DONE, stopped=True)


def build_stand_in(answer: Answer) -> Answer:
    """A small stand-in for an answer too large to keep: the question, a note, and Retry."""
    return Answer(answer.question, [NoticePart(TOO_LARGE)], asked_at=answer.asked_at, stopped=True)


def _encoded(answer: Answer) -> bytes | None:
    try:
        return encode_answer(answer)
    except Exception:  # a value the codec cannot keep: the answer is kept as a stand-in
        return None


@dataclass(eq=False)
class _Encoded:
    """An answer's encoded bytes, valid while the answer still holds the same part and call lists and status."""

    answer: Answer
    parts: list
    calls: list
    status: str
    stopped: bool
    total_s: float
    data: bytes | None
    size: int | None  # None: it cannot be encoded
    rating: str | None = None  # a new rating changes nothing else: it is compared too

    @classmethod
    def of(cls, answer: Answer) -> _Encoded:
        data = _encoded(build_saved_copy(answer))
        size = None if data is None else len(data)
        parts, calls = answer.parts, answer.calls
        return cls(answer, parts, calls, answer.status, answer.stopped, answer.total_s, data, size, answer.rating)

    def matches(self, answer: Answer) -> bool:
        """Parts and calls lists are replaced, never changed in place, whenever an answer changes."""
        return (
            self.answer is answer
            and self.parts is answer.parts
            and self.calls is answer.calls
            and (self.status, self.stopped, self.total_s, self.rating)
            == (answer.status, answer.stopped, answer.total_s, answer.rating)
        )

    def data_within(self, room: int) -> bytes | None:
        """The bytes when they fit in ``room``, else None. One that does not fit is let go (the session holds
        only what it saved) and made again when it fits later."""
        if self.size is None or self.size > room:
            self.data = None
            return None
        if self.data is None:
            self.data = _encoded(build_saved_copy(self.answer))
        return self.data if self.data is not None and len(self.data) <= room else None


class _LiveSnapshots:
    """Every session's snapshot saver alive in the process (weakly held: a closed session's goes with it), for the
    memory account."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._savers: weakref.WeakSet[ConversationSnapshots] = weakref.WeakSet()

    def add(self, saver: ConversationSnapshots) -> None:
        with self._lock:
            self._savers.add(saver)

    def totals(self) -> tuple[int, int]:
        """(sessions, bytes their last snapshots hold)."""
        with self._lock:
            savers = list(self._savers)
        return len(savers), sum(s.nbytes for s in savers)


class ConversationSnapshots:
    """One session's saver: says whether anything changed since the last snapshot, and builds the next one
    reusing what did not change (answers' encoded, and the loaded tables while the database's version holds)."""

    def __init__(self) -> None:
        LIVE_SNAPSHOTS.add(self)
        self._encoded: list[_Encoded] = []  # the last snapshot's answers, in order (holding them keeps ids unique)
        self._conversation_id: str | None = None
        self._tables_version: int | None = None
        self._tables: list[StoredTable] = []
        self._too_large: list[str] = []

    @property
    def nbytes(self) -> int:
        """What this session's last snapshot holds: its answers' encoded and its tables (at most the store's bytes
        per conversation)."""
        return sum(len(p.data or b"") for p in list(self._encoded)) + sum(t.data.nbytes for t in list(self._tables))

    def changed(self, conversation_id: str, answers: list[Answer], database: SessionDatabase) -> bool:
        answers = list(answers)  # the worker thread may append meanwhile: one consistent list
        return (
            conversation_id != self._conversation_id
            or database.version != self._tables_version
            or len(answers) != len(self._encoded)
            or not all(p.matches(a) for p, a in zip(self._encoded, answers, strict=True))
        )

    def build(
        self, conversation_id: str, answers: list[Answer], database: SessionDatabase, max_bytes: int
    ) -> SavedConversation:
        """What the store should keep for ``answers`` and ``database``'s loaded tables, within ``max_bytes``."""
        answers = list(answers)  # the worker thread may append meanwhile: one consistent list
        if conversation_id != self._conversation_id:  # a new conversation has room for every table again
            self._tables_version = None
        cached = {id(p.answer): p for p in self._encoded}
        encoded = []
        for answer in answers:
            entry = cached.get(id(answer))
            if entry is None or not entry.matches(answer):
                entry = _Encoded.of(answer)
            encoded.append(entry)
        self._encoded, self._conversation_id = encoded, conversation_id

        kept: list[bytes] = []
        room, too_large = max_bytes, 0
        for entry in reversed(encoded):  # the newest answers are kept whole first
            data = entry.data_within(room)
            if data is None:
                too_large += 1
                data = _encoded(build_stand_in(entry.answer))
                if data is None or len(data) > room:
                    continue
            kept.append(data)
            room -= len(data)
        kept.reverse()

        self._loaded_tables(database, max_bytes)
        tables = []
        for table in self._tables:
            if table.data.nbytes <= room:
                tables.append(table)
                room -= table.data.nbytes
            else:  # let go of the copy: answers only grow, so it will not fit later in this conversation
                self._too_large.append(table.name)
        self._tables = tables
        views = (*database.saved_views.values(), *database.pending_views.values())
        return SavedConversation(tuple(kept), tuple(tables), tuple(sorted(self._too_large)), too_large, views)

    def _loaded_tables(self, database: SessionDatabase, max_bytes: int) -> None:
        """Export the person's tables once per version of the database, naming those too large to keep at all."""
        if database.version == self._tables_version:
            return
        self._tables, self._too_large = [], []
        for info in database.tables():
            if info.name not in database.loaded_tables:
                continue
            if info.rows * max(len(info.columns), 1) > max_bytes:  # at least a byte a cell: no need to export it
                self._too_large.append(info.name)
                continue
            data: pa.Table = database.export_table(info.name)
            if data.nbytes > max_bytes:
                self._too_large.append(info.name)
            else:
                self._tables.append(StoredTable(info.name, data))
        self._tables_version = database.version


def restore_answers(saved: SavedConversation) -> list[Answer]:
    """Fresh answer objects (each restoring session gets its own copies)."""
    return [decode_answer(data) for data in saved.answers]


def restore_tables(saved: SavedConversation, database: SessionDatabase) -> list[RestoreNote]:
    """Load the saved tables into ``database``; returns what the restored conversation lacks."""
    notes = []
    for table in saved.tables:
        try:
            database.add_table(table.name, table.data, replace=table.name in database.table_names())
        except ValueError:
            notes.append(RestoreNote(f"Uploaded table {table.name} could not be restored: load it again.", table.name))
    for view in saved.views:
        try:
            replace = view.name in database.table_names()
            database.add_view(view.name, view.query, replace=replace, rows=view.rows, description=view.description)
        except QueryError as error:
            if error.unknown_table is None:
                notes.append(RestoreNote(f"Saved table {view.name} could not be made again: {error.message}"))
                continue
            database.pending_views[view.name] = view  # kept: made again when its table is loaded again
            missing = error.unknown_table
            text = f"Saved table {view.name} needs table {missing}, which was not kept: load it again to get both back."
            notes.append(RestoreNote(text, missing))
    for name in saved.tables_left_out:
        text = (
            f"The conversation was restored; uploaded table {name} was too large to keep — "
            "load it again to ask about it."
        )
        notes.append(RestoreNote(text, name))
    if saved.answers_left_out:
        count = saved.answers_left_out
        what = "1 answer was" if count == 1 else f"{count} answers were"
        notes.append(RestoreNote(f"The conversation was restored; {what} too large to keep — Retry asks again."))
    return notes


LIVE_SNAPSHOTS = _LiveSnapshots()
