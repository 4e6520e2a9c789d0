"""Every conversation store keeps one contract (in memory, in SQLite, in a real PostgreSQL server): exact ids only,
an owner per id, versions, per-conversation, per-visitor and total caps, eviction that starts with whoever fills it,
expiry."""

from __future__ import annotations

import pyarrow as pa
import pytest

from analyst.answer import Answer, TextPart
from conversations.answer_codec import decode_answer, encode_answer
from conversations.store import (
    EXPIRES_AFTER_S,
    ConversationKeeper,
    Saved,
    SavedConversation,
    StoredTable,
    StoreLimits,
    is_conversation_id,
    new_conversation_id,
)
from tests.support.stores import STORE_KINDS, MakeKeeper

pytestmark = [pytest.mark.parametrize("store_engine", STORE_KINDS, indirect=True), pytest.mark.xdist_group("postgres")]

DAY = 24 * 3600
ME, OTHER = "browser:me", "browser:other"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def saved(*questions: str, padding: int = 0) -> SavedConversation:
    answers = tuple(encode_answer(Answer(q, [TextPart("x" * padding)])) for q in questions)
    return SavedConversation(answers)


def questions(kept: object) -> list[str]:
    assert kept is not None
    return [decode_answer(a).question for a in kept.conversation.answers]  # type: ignore[attr-defined]


def put(store: ConversationKeeper, conversation_id: str, conversation: SavedConversation, owner: str = ME) -> bool:
    """Save as the id's owner, over whatever version is there (as one tab going on would)."""
    kept = store.load(conversation_id)
    version = kept.version if kept is not None and kept.owner == owner else 0
    return store.save(conversation_id, conversation, owner=owner, version=version).outcome is Saved.KEPT


def test_new_ids_are_long_random_and_valid(make: MakeKeeper) -> None:
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
def test_anything_but_an_id_of_ours_is_refused_before_any_lookup(make: MakeKeeper, text: object) -> None:
    store = make()
    assert not is_conversation_id(text)
    assert store.load(text) is None
    assert not store.touch(text, owner=ME)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        store.save(text, saved("q"), owner=ME)  # type: ignore[arg-type]


def test_a_conversation_is_found_by_its_exact_id_only(make: MakeKeeper) -> None:
    store = make()
    first, second = new_conversation_id(), new_conversation_id()
    assert put(store, first, saved("first question"))
    assert put(store, second, saved("second question"))
    assert questions(store.load(first)) == ["first question"]
    assert questions(store.load(second)) == ["second question"]
    assert store.load(first.lower() if first != first.lower() else first.upper()) is None
    assert store.load(first[:-1] + ("A" if first[-1] != "A" else "B")) is None
    assert store.load(new_conversation_id()) is None


def test_saving_again_replaces_only_that_ids_conversation(make: MakeKeeper) -> None:
    store = make()
    first, second = new_conversation_id(), new_conversation_id()
    put(store, first, saved("one"))
    put(store, second, saved("other"))
    put(store, first, saved("one", "two"))
    assert questions(store.load(first)) == ["one", "two"]
    assert questions(store.load(second)) == ["other"]
    assert store.holding()[0] == 2


def test_a_conversation_over_the_cap_is_not_kept(make: MakeKeeper) -> None:
    store = make(StoreLimits(max_conversation_bytes=2_000))
    conversation_id = new_conversation_id()
    assert put(store, conversation_id, saved("small"))
    assert not put(store, conversation_id, saved("large", padding=5_000))
    assert store.load(conversation_id) is None  # not the stale smaller one either
    assert store.holding()[1] == 0


def test_a_big_table_counts_against_the_cap(make: MakeKeeper) -> None:
    store = make(StoreLimits(max_conversation_bytes=100_000))
    big = StoredTable("big", pa.table({"n": list(range(50_000))}))  # 400 kB of int64
    assert big.data.nbytes > 100_000
    assert not put(store, new_conversation_id(), SavedConversation(saved("q").answers, (big,)))
    assert store.holding()[0] == 0


def test_an_empty_conversation_is_not_kept(make: MakeKeeper) -> None:
    store = make()
    conversation_id = new_conversation_id()
    put(store, conversation_id, saved("q"))
    assert not put(store, conversation_id, SavedConversation())
    assert store.load(conversation_id) is None and store.holding()[0] == 0


def test_the_least_recently_used_conversation_goes_first(make: MakeKeeper) -> None:
    clock = FakeClock()
    store = make(StoreLimits(max_conversations=2), clock=clock)
    a, b, c = (new_conversation_id() for _ in range(3))
    put(store, a, saved("a"))
    clock.now += 1
    put(store, b, saved("b"))
    clock.now += 1
    assert store.load(a) is not None  # a is used again: b is now the least recently used
    clock.now += 1
    put(store, c, saved("c"))
    assert store.load(b) is None
    assert questions(store.load(a)) == ["a"] and questions(store.load(c)) == ["c"]


def test_the_total_bytes_stay_under_their_cap(make: MakeKeeper) -> None:
    store = make(StoreLimits(max_total_bytes=25_000))
    ids = [new_conversation_id() for _ in range(5)]
    for conversation_id in ids:
        put(store, conversation_id, saved(conversation_id, padding=10_000))
    assert store.holding()[1] <= 25_000
    assert store.holding()[0] == 2
    assert [store.load(i) is not None for i in ids] == [False, False, False, True, True]


def test_a_conversation_expires_a_day_after_its_last_use(make: MakeKeeper) -> None:
    clock = FakeClock()
    store = make(clock=clock)
    assert EXPIRES_AFTER_S == DAY
    conversation_id = new_conversation_id()
    put(store, conversation_id, saved("q"))
    clock.now += DAY - 1
    assert store.touch(conversation_id, owner=ME)  # a use: the day starts again
    clock.now += DAY - 1
    assert store.load(conversation_id) is not None
    clock.now += DAY
    assert store.load(conversation_id) is None
    assert not store.touch(conversation_id, owner=ME)
    assert store.holding()[0] == 0 and store.holding()[1] == 0


def test_forget_removes_one_conversation(make: MakeKeeper) -> None:
    store = make()
    kept, forgotten = new_conversation_id(), new_conversation_id()
    put(store, kept, saved("kept"))
    put(store, forgotten, saved("forgotten"))
    store.forget(forgotten, owner=ME)
    assert store.load(forgotten) is None
    assert questions(store.load(kept)) == ["kept"]


def test_only_the_owner_may_save_under_an_id_and_a_stale_version_is_a_conflict(make: MakeKeeper) -> None:
    store = make()
    conversation_id = new_conversation_id()
    first = store.save(conversation_id, saved("mine"), owner=ME)
    assert first.outcome is Saved.KEPT and first.version == 1
    kept = store.load(conversation_id)
    assert kept is not None and kept.owner == ME and kept.version == 1

    # Someone who opened the link cannot write under it, whatever version they name.
    for version in (0, 1, 2):
        assert store.save(conversation_id, saved("theirs"), owner=OTHER, version=version).outcome is Saved.CONFLICT
    assert questions(store.load(conversation_id)) == ["mine"]
    assert not store.touch(conversation_id, owner=OTHER)
    store.forget(conversation_id, owner=OTHER)
    assert store.load(conversation_id) is not None

    # Two tabs of one browser: the one that saves second, from an older version, gets a conflict.
    assert store.save(conversation_id, saved("mine", "tab A"), owner=ME, version=1).version == 2
    assert store.save(conversation_id, saved("mine", "tab B"), owner=ME, version=1).outcome is Saved.CONFLICT
    assert questions(store.load(conversation_id)) == ["mine", "tab A"]


def test_filling_a_visitor_s_share_evicts_their_own_conversations_first(make: MakeKeeper) -> None:
    clock = FakeClock()
    store = make(StoreLimits(max_visitor_bytes=30_000, max_total_bytes=1_000_000), clock=clock)
    theirs = new_conversation_id()
    put(store, theirs, saved("other visitor", padding=5_000), owner=OTHER)
    mine = []
    for _ in range(6):  # 6 x 10 kB against a share of 30 kB
        clock.now += 1
        mine.append(new_conversation_id())
        assert put(store, mine[-1], saved("mine", padding=10_000))
    assert [store.load(i) is not None for i in mine] == [False, False, False, False, True, True]
    assert store.load(theirs) is not None  # never touched by my filling


def test_when_the_store_is_full_the_visitor_holding_most_loses_first(make: MakeKeeper) -> None:
    clock = FakeClock()
    store = make(StoreLimits(max_visitor_bytes=100_000, max_total_bytes=60_000), clock=clock)
    small = new_conversation_id()
    put(store, small, saved("small", padding=5_000), owner=OTHER)  # the oldest: plain LRU would drop it first
    flood = []
    for _ in range(8):
        clock.now += 1
        flood.append(new_conversation_id())
        put(store, flood[-1], saved("flood", padding=10_000), owner="browser:flooder")
    assert store.holding()[1] <= 60_000
    assert store.load(small) is not None
    assert store.load(flood[-1]) is not None and store.load(flood[0]) is None


def test_a_visitor_has_a_cap_on_how_many_conversations_they_keep(make: MakeKeeper) -> None:
    store = make(StoreLimits(max_visitor_conversations=3))
    ids = [new_conversation_id() for _ in range(5)]
    for conversation_id in ids:
        put(store, conversation_id, saved("q"))
    assert [store.load(i) is not None for i in ids] == [False, False, True, True, True]


def test_a_save_over_a_conversation_no_longer_kept_never_brings_its_link_back(make: MakeKeeper) -> None:
    store = make()
    conversation_id = new_conversation_id()
    assert put(store, conversation_id, saved("kept"))
    assert store.forget(conversation_id, owner=ME)  # deleted in one tab
    late = store.save(conversation_id, saved("kept", "from the other tab"), owner=ME, version=1)
    assert late.outcome is Saved.CONFLICT  # the other tab goes on under a new id of its own
    assert store.load(conversation_id) is None
