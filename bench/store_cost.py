"""What keeping a conversation costs per saved answer, in each store: the part on the page's run (encoding the new
answer) and the write (the whole conversation, on the saver thread for a database), plus opening a link (a load).

A conversation of ``ANSWERS`` answers is saved after each new one, as the chat does; each answer carries a 8-row
table, a chart spec, an insight and its two model calls, like a "per day" answer on the bundled data.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from analyst.answer import Answer, CallRecord, ChartPart, SqlPart, TablePart, TextPart
from conversations.memory_store import MemoryConversations
from conversations.snapshot import ConversationSnapshots
from conversations.store import ConversationKeeper, new_conversation_id
from sandbox.database import SessionDatabase

ANSWERS = 10
ROUNDS = 5


def sample_answer(number: int) -> Answer:
    days = pd.date_range("2018-02-01", periods=8, freq="D")
    frame = pd.DataFrame({"day": days, "earthquakes": [14 + 37 * i + number for i in range(8)]})
    sql = "SELECT time::DATE AS day, count(*) AS earthquakes FROM earthquakes GROUP BY 1 ORDER BY 1"
    spec = {
        "mark": {"type": "line", "point": True},
        "encoding": {"x": {"field": "day", "type": "temporal"}, "y": {"field": "earthquakes", "type": "quantitative"}},
        "data": {
            "values": [
                {"day": str(d.date()), "earthquakes": int(n)} for d, n in zip(days, frame.earthquakes, strict=True)
            ]
        },
    }
    messages = [{"role": "system", "content": "schema " * 300}, {"role": "user", "content": "How many per day?"}]
    calls = [CallRecord("sql", "tgi", 0.4, 700, 40, 0, messages), CallRecord("insight", "tgi", 0.3, 300, 30, 0, [])]
    insight = TextPart("The busiest day was 4 February with 301 earthquakes.", by_model=True)
    parts = [SqlPart(sql, 0), ChartPart(spec, "line", "app"), TablePart(frame, 8, sql), insight]
    return Answer(f"How many earthquakes happened each day? ({number})", parts, calls)


@contextmanager
def keepers(postgres_url: str | None) -> Iterator[dict[str, ConversationKeeper]]:
    import sqlalchemy as sa

    from conversations.sql_store import SqlConversations, metadata, prepare_schema

    with tempfile.TemporaryDirectory() as folder:
        engines = {"sqlite": sa.create_engine(f"sqlite:///{Path(folder) / 'store.db'}")}
        if postgres_url:
            engines["postgresql"] = sa.create_engine(postgres_url)
            metadata.drop_all(engines["postgresql"])
        found: dict[str, ConversationKeeper] = {"memory": MemoryConversations()}
        for kind, engine in engines.items():
            prepare_schema(engine)
            found[kind] = SqlConversations(engine)
        try:
            yield found
        finally:
            for engine in engines.values():
                engine.dispose()


def measure(keeper: ConversationKeeper, database: SessionDatabase) -> dict[str, float]:
    encode, write, load, size = [], [], [], 0
    limit = keeper.limits.max_conversation_bytes
    for _ in range(ROUNDS):
        snapshots, answers, conversation_id, version = ConversationSnapshots(), [], new_conversation_id(), 0
        for number in range(ANSWERS):
            answers.append(sample_answer(number))
            started = time.perf_counter()
            built = snapshots.build(conversation_id, answers, database, limit)  # on the page's run
            encode.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            version = keeper.save(conversation_id, built, owner="browser:bench", version=version).version
            write.append((time.perf_counter() - started) * 1000)
            size = built.size_bytes
        started = time.perf_counter()
        keeper.load(conversation_id)
        load.append((time.perf_counter() - started) * 1000)
    return {
        "encode_ms": round(statistics.median(encode), 2),
        "write_ms": round(statistics.median(write), 2),
        "load_ms": round(statistics.median(load), 2),
        "kb_per_answer": round(size / ANSWERS / 1024, 1),
    }


def store_costs() -> dict[str, dict[str, float]]:
    """Per store: ms to encode one new answer (on the page's run), to write the conversation after it (the
    saver's work), to load a conversation of ``ANSWERS`` answers (opening a link), and kB kept per answer.
    PostgreSQL is measured on a throwaway server when Debian's ``postgresql`` is installed."""
    from tests.support.postgres import postgres_bin, running_postgres

    database = SessionDatabase()
    try:
        if postgres_bin() is None:
            with keepers(None) as found:
                return {kind: measure(keeper, database) for kind, keeper in found.items()}
        with running_postgres() as url, keepers(url) as found:
            return {kind: measure(keeper, database) for kind, keeper in found.items()}
    finally:
        database.close()
