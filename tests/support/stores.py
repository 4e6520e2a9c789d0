"""The store implementations the contract tests run against: in memory, SQLite in a temporary file, and a real
PostgreSQL server (``tests/support/postgres.py``), each empty for each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from conversations.store import ConversationKeeper, UsageRecords

# The PostgreSQL case carries the ``postgres`` marker: it needs the server tests/support/postgres.py starts.
STORE_KINDS = ("memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres))
MakeKeeper = Callable[..., ConversationKeeper]
MakeLedger = Callable[..., UsageRecords]


@contextmanager
def empty_engine(kind: str, folder: Path, postgres_url: Callable[[], str]) -> Iterator[sa.Engine]:
    """An engine on an empty database of ``kind`` ("sqlite" or "postgresql"): the store makes its own tables."""
    if kind == "sqlite":
        engine = sa.create_engine(f"sqlite:///{folder / 'store.db'}")
    else:
        from conversations.sql_store import metadata

        engine = sa.create_engine(postgres_url())
        metadata.drop_all(engine)
    try:
        yield engine
    finally:
        engine.dispose()
