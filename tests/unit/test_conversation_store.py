"""The in-memory conversation store: exact ids only, per-conversation and total caps, LRU eviction, expiry."""

from __future__ import annotations

import pickle

import pyarrow as pa
import pytest

from analyst.answer import Answer, TextPart
from conversations.store import (
    EXPIRES_AFTER_S,
    ConversationStore,
    SavedConversation,
    StoredTable,
    is_conversation_id,
    new_conversation_id,
)

DAY = 24 * 3600


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def saved(*questions: str, padding: int = 0) -> SavedConversation:
    answers = tuple(pickle.dumps(Answer(q, [TextPart("x" * padding)])) for q in questions)
    return SavedConversation(answers)


def questions(conversation: SavedConversation | None) -> list[str]:
    assert conversation is not None
    return [pickle.loads(a).question for a in conversation.answers]


def test_new_ids_are_long_random_and_valid() -> None:
    ids = {new_conversation_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(i) == 32 and is_conversation_id(i) for i in ids)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "A" * 31,
        "A" * 33,
        "A" * 31 + "=",
        "A" * 30 + "/.",
        "../../../../../../../etc/passwd0",
        "A" * 31 + "é",
        "A" * 31 + "\n",
        " " + "A" * 31,
        None,
        42,
        ["A" * 32],
    ],
)
def test_anything_but_an_id_of_ours_is_refused_before_any_lookup(text: object) -> None:
    store = ConversationStore()
    assert not is_conversation_id(text)
    assert store.load(text) is None
    assert not store.touch(text)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        store.save(text, saved("q"))  # type: ignore[arg-type]


def test_a_conversation_is_found_by_its_exact_id_only() -> None:
    store = ConversationStore()
    first, second = new_conversation_id(), new_conversation_id()
    assert store.save(first, saved("first question"))
    assert store.save(second, saved("second question"))
    assert questions(store.load(first)) == ["first question"]
    assert questions(store.load(second)) == ["second question"]
    assert store.load(first.lower() if first != first.lower() else first.upper()) is None
    assert store.load(first[:-1] + ("A" if first[-1] != "A" else "B")) is None
    assert store.load(new_conversation_id()) is None


def test_saving_again_replaces_only_that_ids_conversation() -> None:
    store = ConversationStore()
    first, second = new_conversation_id(), new_conversation_id()
    store.save(first, saved("one"))
    store.save(second, saved("other"))
    store.save(first, saved("one", "two"))
    assert questions(store.load(first)) == ["one", "two"]
    assert questions(store.load(second)) == ["other"]
    assert len(store) == 2


def test_a_conversation_over_the_cap_is_not_kept() -> None:
    store = ConversationStore(max_conversation_bytes=2_000)
    conversation_id = new_conversation_id()
    assert store.save(conversation_id, saved("small"))
    assert not store.save(conversation_id, saved("large", padding=5_000))
    assert store.load(conversation_id) is None  # not the stale smaller one either
    assert store.total_bytes == 0


def test_a_big_table_counts_against_the_cap() -> None:
    store = ConversationStore(max_conversation_bytes=100_000)
    big = StoredTable("big", pa.table({"n": list(range(50_000))}))  # 400 kB of int64
    assert big.data.nbytes > 100_000
    assert not store.save(new_conversation_id(), SavedConversation(saved("q").answers, (big,)))
    assert len(store) == 0


def test_an_empty_conversation_is_not_kept() -> None:
    store = ConversationStore()
    conversation_id = new_conversation_id()
    store.save(conversation_id, saved("q"))
    assert not store.save(conversation_id, SavedConversation())
    assert store.load(conversation_id) is None and len(store) == 0


def test_the_least_recently_used_conversation_goes_first() -> None:
    clock = FakeClock()
    store = ConversationStore(max_conversations=2, clock=clock)
    a, b, c = (new_conversation_id() for _ in range(3))
    store.save(a, saved("a"))
    clock.now += 1
    store.save(b, saved("b"))
    clock.now += 1
    assert store.load(a) is not None  # a is used again: b is now the least recently used
    clock.now += 1
    store.save(c, saved("c"))
    assert store.load(b) is None
    assert questions(store.load(a)) == ["a"] and questions(store.load(c)) == ["c"]


def test_the_total_bytes_stay_under_their_cap() -> None:
    store = ConversationStore(max_total_bytes=25_000)
    ids = [new_conversation_id() for _ in range(5)]
    for conversation_id in ids:
        store.save(conversation_id, saved(conversation_id, padding=10_000))
    assert store.total_bytes <= 25_000
    assert len(store) == 2
    assert [store.load(i) is not None for i in ids] == [False, False, False, True, True]


def test_a_conversation_expires_a_day_after_its_last_use() -> None:
    clock = FakeClock()
    store = ConversationStore(clock=clock)
    assert EXPIRES_AFTER_S == DAY
    conversation_id = new_conversation_id()
    store.save(conversation_id, saved("q"))
    clock.now += DAY - 1
    assert store.touch(conversation_id)  # a use: the day starts again
    clock.now += DAY - 1
    assert store.load(conversation_id) is not None
    clock.now += DAY
    assert store.load(conversation_id) is None
    assert not store.touch(conversation_id)
    assert len(store) == 0 and store.total_bytes == 0


def test_forget_removes_one_conversation() -> None:
    store = ConversationStore()
    kept, forgotten = new_conversation_id(), new_conversation_id()
    store.save(kept, saved("kept"))
    store.save(forgotten, saved("forgotten"))
    store.forget(forgotten)
    assert store.load(forgotten) is None
    assert questions(store.load(kept)) == ["kept"]
