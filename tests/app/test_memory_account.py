"""Every process-wide store shows what it holds against its bound, in one place; the catalog cache keeps to a byte
bound, not only a count (six ~100 MB catalogs could be kept for six hours)."""

from __future__ import annotations

import pyarrow as pa

from ui.data import CatalogCache
from ui.memory_account import memory_account


def test_the_memory_account_names_every_store_with_its_bound() -> None:
    rows = {row["store"]: row for row in memory_account()}
    assert set(rows) == {
        "kept conversations (reloads, links), in this server's memory",
        "sessions' last snapshots (what a reload saves)",
        "usage records (owner's token), in this server's memory",
        "public catalogs (Explore)",
        "owner file's description and starters",
    }
    assert all(row["holds"] and row["bound"] for row in rows.values())


def test_the_catalog_cache_keeps_to_its_bytes_and_never_keeps_one_larger_than_itself() -> None:
    cache = CatalogCache(max_entries=6, max_bytes=3 * 8_000)
    table = pa.table({"x": pa.array(range(1_000), pa.int64())})  # 8,000 bytes
    for key in range(5):
        assert cache.get_or_fetch(("catalog", key), lambda: table) is table
    assert len(cache) == 3 and cache.nbytes <= 3 * 8_000  # the oldest went first
    huge = pa.table({"x": pa.array(range(10_000), pa.int64())})
    assert cache.get_or_fetch(("huge",), lambda: huge) is huge and len(cache) == 3  # used, not kept


def test_each_session_s_last_snapshot_is_counted_and_forgotten_with_its_session() -> None:
    import gc
    import weakref

    from analyst.answer import Answer, TextPart
    from conversations.snapshot import LIVE_SNAPSHOTS, ConversationSnapshots
    from sandbox.database import SessionDatabase

    saver, db = ConversationSnapshots(), SessionDatabase()
    saver.build("c" * 32, [Answer("q", [TextPart("x" * 50_000)])], db, 8 * 1024**2)
    sessions, held = LIVE_SNAPSHOTS.totals()
    assert sessions >= 1 and held >= saver.nbytes >= 50_000  # counted while its session lives
    gone = weakref.ref(saver)
    del saver
    gc.collect()
    assert gone() is None  # held weakly: a closed session's snapshot is freed, so no longer counted
