"""Every process-wide store shows what it holds against its bound, in one place; the catalog cache keeps to a byte
bound, not only a count (six ~100 MB catalogs could be kept for six hours)."""

from __future__ import annotations

import pyarrow as pa

from ui.data import CatalogCache
from ui.memory_account import memory_account


def test_the_memory_account_names_every_store_with_its_bound() -> None:
    rows = {row["store"]: row for row in memory_account()}
    assert set(rows) == {
        "kept conversations (reloads, links)",
        "usage records (owner's token)",
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
