"""What the process holds for every visitor, store by store, against each store's bound: one place to look (the
owner's Usage tab shows it)."""

from __future__ import annotations

from analyst.schema import SHARED_FILE_DESCRIPTIONS
from conversations.snapshot import LIVE_SNAPSHOTS
from conversations.store import MAX_CONVERSATION_BYTES
from conversations.usage import CALL_RECORD_BYTES, MAX_CALL_RECORDS
from sandbox.owner_file_memo import KEPT_VERSIONS
from suggestions.questions import SHARED_STARTERS
from ui.data import catalog_cache
from ui.store import app_store

MB = 1000**2


def memory_account() -> list[dict[str, object]]:
    """One row per process-wide store: what it holds now, and the bound it keeps to."""
    store = app_store()
    catalogs = catalog_cache()
    kept, kept_bytes = store.conversations.holding()
    limits = store.conversations.limits
    calls = store.usage.record_count()
    sessions, snapshot_bytes = LIVE_SNAPSHOTS.totals()
    return [
        {
            "store": f"kept conversations (reloads, links), in {store.where}",
            "holds": f"{kept} · {kept_bytes / MB:.1f} MB",
            "bound": f"{limits.max_conversations} · {limits.max_total_bytes / MB:.0f} MB",
        },
        {
            "store": "sessions' last snapshots (what a reload saves)",
            "holds": f"{sessions} sessions · {snapshot_bytes / MB:.1f} MB",
            "bound": f"{MAX_CONVERSATION_BYTES / MB:.0f} MB each",
        },
        {
            "store": f"usage records (owner's token), in {store.where}",
            "holds": f"{calls:,} calls · {calls * CALL_RECORD_BYTES / MB:.1f} MB",
            "bound": f"{MAX_CALL_RECORDS:,} calls, one day",
        },
        {
            "store": "public catalogs (Explore)",
            "holds": f"{len(catalogs)} · {catalogs.nbytes / MB:.1f} MB",
            "bound": f"{catalogs.max_entries} · {catalogs.max_bytes / MB:.0f} MB, {catalogs.ttl_s / 3600:.0f} h",
        },
        {
            "store": "owner file's description and starters",
            "holds": f"{len(SHARED_FILE_DESCRIPTIONS)} + {len(SHARED_STARTERS)} versions",
            "bound": f"{KEPT_VERSIONS} versions each",
        },
    ]
