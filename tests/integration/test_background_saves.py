"""Saves to a database happen on the saver thread, never on the page's run: a submit returns while the database is
locked by someone else; only the latest snapshot is written; a conflict with another tab keeps both conversations;
a deleted conversation is never written back. Real SQLite files."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from analyst.answer import Answer, TextPart
from conversations.answer_codec import decode_answer, encode_answer
from conversations.background_saves import BackgroundSaver, SaveTicket
from conversations.sql_store import SqlConversations, prepare_schema
from conversations.store import Kept, SavedConversation, new_conversation_id


def conversation(*questions: str) -> SavedConversation:
    return SavedConversation(tuple(encode_answer(Answer(q, [TextPart("x")])) for q in questions))


def questions(kept: Kept | None) -> list[str]:
    assert kept is not None
    return [decode_answer(a).question for a in kept.conversation.answers]


def settled(ticket: SaveTicket) -> SaveTicket:
    deadline = time.monotonic() + 20
    while ticket.busy:
        assert time.monotonic() < deadline, "the saver did not finish"
        time.sleep(0.01)
    return ticket


def store_at(path: Path) -> SqlConversations:
    engine = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": 30})
    prepare_schema(engine)
    return SqlConversations(engine)


def test_a_submit_returns_while_the_database_is_busy_and_the_latest_snapshot_is_written(tmp_path: Path) -> None:
    keeper = store_at(tmp_path / "store.db")
    saver = BackgroundSaver(keeper)
    ticket = SaveTicket(new_conversation_id(), "browser:a")
    blocker = sqlite3.connect(tmp_path / "store.db", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        saver.submit(ticket, conversation("one"))  # returns: the page's run goes on
        saver.submit(ticket, conversation("one", "two"))
        saver.submit(ticket, conversation("one", "two", "three"))
        assert ticket.busy and keeper.holding() == (0, 0)  # nothing written yet, nothing lost either
    finally:
        blocker.execute("COMMIT")
        blocker.close()
    settled(ticket)
    assert questions(keeper.load(ticket.conversation_id)) == ["one", "two", "three"]
    assert ticket.version in (1, 2)  # the first snapshot may have been taken before the others arrived


def test_two_tabs_on_one_conversation_keep_both_and_the_later_moves_to_a_new_id(tmp_path: Path) -> None:
    keeper = store_at(tmp_path / "store.db")
    replica = store_at(tmp_path / "store.db")  # another process on the same database
    conversation_id = new_conversation_id()
    first, second = SaveTicket(conversation_id, "browser:a"), SaveTicket(conversation_id, "browser:a")
    BackgroundSaver(keeper).submit(first, conversation("tab A"))
    settled(first)
    BackgroundSaver(replica).submit(second, conversation("tab B"))
    settled(second)
    moved_to = second.take_move()
    assert moved_to is not None and moved_to != conversation_id and second.take_move() is None
    assert questions(keeper.load(conversation_id)) == ["tab A"]
    assert questions(keeper.load(moved_to)) == ["tab B"]


class GatedConversations(SqlConversations):
    """A real SQL store whose writes wait at a gate: the test decides what happens while one is under way."""

    def __init__(self, engine: sa.Engine) -> None:
        super().__init__(engine)
        self.entered, self.gate = threading.Event(), threading.Event()

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.entered.set()
        assert self.gate.wait(20)
        return super().save(*args, **kwargs)


def test_a_conversation_deleted_while_its_write_is_under_way_is_not_written_back(tmp_path: Path) -> None:
    keeper = store_at(tmp_path / "store.db")
    gated = GatedConversations(keeper.engine)
    ticket = SaveTicket(new_conversation_id(), "browser:a")
    BackgroundSaver(keeper).submit(ticket, conversation("kept"))
    settled(ticket)
    saver = BackgroundSaver(gated)
    saver.submit(ticket, conversation("kept", "more"))
    assert gated.entered.wait(20)  # the write is under way
    ticket.close()  # "Delete this conversation": the ticket first, then the store
    assert keeper.forget(ticket.conversation_id, owner="browser:a")
    gated.gate.set()
    settled(ticket)
    saver.submit(ticket, conversation("after delete"))  # a later run's save is dropped too
    settled(ticket)
    assert keeper.load(ticket.conversation_id) is None and keeper.holding() == (0, 0)


def test_a_database_counts_the_bytes_it_holds_and_prunes_old_calls_when_it_starts(tmp_path: Path) -> None:
    import pyarrow as pa

    from conversations.sql_store import sql_store, usage_calls
    from conversations.store import StoredTable, StoreLimits

    keeper = store_at(tmp_path / "store.db")
    wide = pa.table({f"column_{i}": [i] for i in range(2_000)})  # 16 kB in Arrow, far more encoded: a schema each
    kept = SavedConversation(conversation("q").answers, (StoredTable("wide", wide),))
    assert kept.size_bytes < 100_000
    keeper.limits = StoreLimits(max_conversation_bytes=100_000)
    assert keeper.save(new_conversation_id(), kept, owner="browser:a").outcome.value == "too large"

    with keeper.engine.begin() as connection:
        old = {"visitor": "x", "latency_s": 1.0, "failed": False, "about": ""}
        connection.execute(sa.insert(usage_calls), [{**old, "at": 1.0}, {**old, "at": time.time()}])
    store = sql_store(keeper.engine)  # a process starting: it prunes what is over a day old
    assert [c.at > 1.0 for c in store.usage.calls()] == [True] and store.usage.record_count() == 1
