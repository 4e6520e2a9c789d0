"""The store in a SQL database (PostgreSQL for a deployment, SQLite on one machine), reached through a SQLAlchemy
engine (``st.connection("store", type="sql")`` in the app): conversations, each visitor's budget and the owner's
usage records outlive a restart and are shared by every replica that uses the same database.

The schema is made on first use and carries its version; a database made by a newer version of the app is
refused rather than misread. What is kept is the same as in memory (``conversations.store``): conversations as
``conversations.answer_codec`` bytes (data, never code), budgets as per-minute totals, one record per call. No token
or secret is ever written; the key that makes visitor ids (``conversations.visitors``) is random, made once per
database, so that every replica names a visitor the same way.

Each change that must see a consistent picture (a save that checks a version, a spend that checks the limits)
first updates its row in ``chat_store_locks``: PostgreSQL then holds that row until the transaction ends and
SQLite its write lock, so replicas take turns and no two of them pass a limit or a version together.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from conversations.answer_codec import CodecError, decode_conversation, encode_conversation
from conversations.background_saves import BackgroundSaver
from conversations.store import (
    Holding,
    Kept,
    Saved,
    SavedConversation,
    SaveResult,
    Store,
    StoreLimits,
    choose_evictions,
    is_conversation_id,
)
from conversations.usage import MAX_CALL_RECORDS, MinuteWindow
from providers.budget import DAY_S, HOUR_S, BudgetLimits, CallUse, Refusal

SCHEMA_VERSION = 1
EVERYONE = "*"  # the usage row that adds up every visitor (visitor ids are "kind:hex")
PRUNE_EVERY = 100  # call records: drop those older than a day (and over the cap) about once per this many

metadata = sa.MetaData()
meta = sa.Table(
    "chat_store_meta",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(256), nullable=False),
)
locks = sa.Table(
    "chat_store_locks",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("turns", sa.BigInteger, nullable=False),
)
conversations = sa.Table(
    "chat_conversations",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("owner", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    sa.Column("last_used", sa.Float(precision=53), nullable=False, index=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
)
usage_minutes = sa.Table(
    "chat_usage_minutes",
    metadata,
    sa.Column("visitor", sa.String(64), primary_key=True),
    sa.Column("minute", sa.BigInteger, primary_key=True),
    sa.Column("calls", sa.BigInteger, nullable=False),
    sa.Column("tokens", sa.BigInteger, nullable=False),
)
usage_calls = sa.Table(
    "chat_usage_calls",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Float(precision=53), nullable=False, index=True),
    sa.Column("visitor", sa.String(320), nullable=False),
    sa.Column("prompt_tokens", sa.Integer),
    sa.Column("completion_tokens", sa.Integer),
    sa.Column("latency_s", sa.Float(precision=53), nullable=False),
    sa.Column("failed", sa.Boolean, nullable=False),
    sa.Column("about", sa.Text, nullable=False),
)


class StoreSchemaError(RuntimeError):
    """The database holds a store this version of the app cannot read."""


def _take_turn(connection: Connection, name: str) -> None:
    """Serialise with every other replica until this transaction ends (see the module's docstring)."""
    connection.execute(sa.update(locks).where(locks.c.name == name).values(turns=locks.c.turns + 1))


def prepare_schema(engine: Engine) -> bytes:
    """Make the store's tables when they are missing (two replicas starting together may both try), check their
    version, and return the database's visitor key."""
    for attempt in range(2):
        try:
            metadata.create_all(engine)
            with engine.begin() as connection:
                found = dict(connection.execute(sa.select(meta.c.name, meta.c.value)).all())
                if "schema_version" not in found:
                    connection.execute(
                        sa.insert(meta),
                        [
                            {"name": "schema_version", "value": str(SCHEMA_VERSION)},
                            {"name": "visitor_key", "value": secrets.token_hex(32)},
                        ],
                    )
                    connection.execute(sa.insert(locks), [{"name": n, "turns": 0} for n in ("conversations", "usage")])
                    found = {"schema_version": str(SCHEMA_VERSION)}
            break
        except (sa.exc.IntegrityError, sa.exc.ProgrammingError, sa.exc.OperationalError):
            if attempt:
                raise
    if int(found["schema_version"]) > SCHEMA_VERSION:
        raise StoreSchemaError(
            f"the store's database was made by a newer version of this app (schema {found['schema_version']})"
        )
    with engine.connect() as connection:
        key = connection.execute(sa.select(meta.c.value).where(meta.c.name == "visitor_key")).scalar_one()
    return bytes.fromhex(key)


def _conflicts(current: sa.Row | None, owner: str, version: int) -> bool:
    """Another visitor's id, another tab's newer save, or a version of a conversation no longer kept (deleted,
    expired or evicted: going on under its id would bring a deleted link back)."""
    if current is None:
        return version > 0
    return current.owner != owner or current.version != version


class SqlConversations:
    """``conversations.store.ConversationKeeper`` in a database: the same rules, shared by every replica."""

    def __init__(
        self, engine: Engine, limits: StoreLimits | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.engine = engine
        self.limits = limits or StoreLimits()
        self._clock = clock

    def save(
        self, conversation_id: str, conversation: SavedConversation, *, owner: str, version: int = 0
    ) -> SaveResult:
        """As ``ConversationKeeper.save``; sizes are the bytes the row holds (an encoded table can be larger than
        its Arrow size: many columns carry a schema each)."""
        if not is_conversation_id(conversation_id):
            raise ValueError("not a conversation id")
        data = b"" if conversation.is_empty else encode_conversation(conversation)
        size = len(data)
        fits = size <= min(self.limits.max_conversation_bytes, self.limits.max_visitor_bytes)
        where = conversations.c.id == conversation_id
        with self.engine.begin() as connection:
            _take_turn(connection, "conversations")
            self._drop_expired(connection)
            current = connection.execute(sa.select(conversations.c.owner, conversations.c.version).where(where)).first()
            if _conflicts(current, owner, version):
                return SaveResult(Saved.CONFLICT, current.version if current and current.owner == owner else 0)
            if conversation.is_empty or not fits:
                connection.execute(sa.delete(conversations).where(where))
                return SaveResult(Saved.EMPTY if conversation.is_empty else Saved.TOO_LARGE)
            row = {"owner": owner, "version": version + 1, "size_bytes": size, "last_used": self._clock(), "data": data}
            if current is None:
                connection.execute(sa.insert(conversations).values(id=conversation_id, **row))
            else:
                connection.execute(sa.update(conversations).where(where).values(**row))
            holdings = connection.execute(
                sa.select(conversations.c.id, conversations.c.owner, conversations.c.size_bytes).order_by(
                    conversations.c.last_used, conversations.c.id
                )
            ).all()
            victims = choose_evictions([Holding(*h) for h in holdings], owner, conversation_id, self.limits)
            if victims:
                connection.execute(sa.delete(conversations).where(conversations.c.id.in_(victims)))
            return SaveResult(Saved.KEPT, version + 1)

    def load(self, conversation_id: object) -> Kept | None:
        if not is_conversation_id(conversation_id):
            return None
        now = self._clock()
        where = (conversations.c.id == str(conversation_id)) & (conversations.c.last_used > self._cutoff(now))
        with self.engine.begin() as connection:
            row = connection.execute(
                sa.select(conversations.c.owner, conversations.c.version, conversations.c.data).where(where)
            ).first()
            if row is None:
                return None
            connection.execute(sa.update(conversations).where(where).values(last_used=now))
        try:
            return Kept(decode_conversation(row.data), row.owner, row.version)
        except CodecError:
            return None  # not something this app wrote: as if it were not there

    def touch(self, conversation_id: str, *, owner: str) -> bool:
        if not is_conversation_id(conversation_id):
            return False
        now = self._clock()
        with self.engine.begin() as connection:
            changed = connection.execute(
                sa.update(conversations)
                .where(
                    (conversations.c.id == conversation_id)
                    & (conversations.c.owner == owner)
                    & (conversations.c.last_used > self._cutoff(now))
                )
                .values(last_used=now)
            )
            return changed.rowcount == 1

    def forget(self, conversation_id: str, *, owner: str) -> bool:
        theirs = (conversations.c.id == conversation_id) & (conversations.c.owner == owner)
        with self.engine.begin() as connection:
            _take_turn(connection, "conversations")  # after a save under way, never between its read and write
            return connection.execute(sa.delete(conversations).where(theirs)).rowcount == 1

    def holding(self) -> tuple[int, int]:
        with self.engine.connect() as connection:
            count, size = connection.execute(
                sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(conversations.c.size_bytes), 0)).where(
                    conversations.c.last_used > self._cutoff(self._clock())
                )
            ).one()
        return int(count), int(size)

    def _cutoff(self, now: float) -> float:
        return now - self.limits.expires_after_s

    def _drop_expired(self, connection: Connection) -> None:
        connection.execute(sa.delete(conversations).where(conversations.c.last_used <= self._cutoff(self._clock())))


class SqlUsageLedger:
    """``conversations.store.UsageRecords`` in a database: per-minute totals per visitor (an hour) and for everyone
    (a day), and one record per call (a day, at most ``MAX_CALL_RECORDS``)."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self._clock = clock

    def spend(self, visitor: str, calls: int, tokens: int, limits: BudgetLimits) -> Refusal | None:
        now = self._clock()
        with self.engine.begin() as connection:
            _take_turn(connection, "usage")
            own = self._window(connection, visitor, HOUR_S, now)
            everyone = self._window(connection, EVERYONE, DAY_S, now)
            checks = (
                ("visitor calls", own, 0, calls, limits.visitor_calls_per_hour),
                ("visitor tokens", own, 1, tokens, limits.visitor_tokens_per_hour),
                ("daily calls", everyone, 0, calls, limits.calls_per_day),
                ("daily tokens", everyone, 1, tokens, limits.tokens_per_day),
            )
            for name, window, index, wanted, allowed in checks:
                used = window.totals()[index]
                if allowed and used + wanted > allowed:
                    return Refusal(name, allowed, window.frees_in(now, used + wanted - allowed, index))
            self._add(connection, visitor, now, calls, tokens)
            self._add(connection, EVERYONE, now, calls, tokens)
            connection.execute(sa.delete(usage_minutes).where(usage_minutes.c.minute <= int(now - DAY_S) // 60))
            return None

    def adjust(self, visitor: str, tokens: int) -> None:
        now = self._clock()
        with self.engine.begin() as connection:
            _take_turn(connection, "usage")
            self._add(connection, visitor, now, 0, tokens)
            self._add(connection, EVERYONE, now, 0, tokens)

    def record(self, use: CallUse) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                sa.insert(usage_calls).values(
                    at=use.at,
                    visitor=use.visitor[:320],
                    prompt_tokens=use.prompt_tokens,
                    completion_tokens=use.completion_tokens,
                    latency_s=use.latency_s,
                    failed=use.failed,
                    about=use.about,
                )
            )
            if secrets.randbelow(PRUNE_EVERY) == 0:  # about once per PRUNE_EVERY records, whatever restarts
                self._prune_calls(connection)

    def calls(self) -> list[CallUse]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(usage_calls)
                .where(usage_calls.c.at > self._clock() - DAY_S)
                .order_by(usage_calls.c.seq.desc())
                .limit(MAX_CALL_RECORDS)
            ).all()
        return [
            CallUse(r.at, r.visitor, r.prompt_tokens, r.completion_tokens, r.latency_s, bool(r.failed), r.about)
            for r in reversed(rows)
        ]

    def record_count(self) -> int:
        with self.engine.connect() as connection:
            count = connection.execute(
                sa.select(sa.func.count()).select_from(usage_calls).where(usage_calls.c.at > self._clock() - DAY_S)
            ).scalar_one()
        return min(int(count), MAX_CALL_RECORDS)

    def usage(self, visitor: str) -> tuple[int, int]:
        with self.engine.connect() as connection:
            return self._window(connection, visitor, HOUR_S, self._clock()).totals()

    def process_usage(self) -> tuple[int, int]:
        with self.engine.connect() as connection:
            return self._window(connection, EVERYONE, DAY_S, self._clock()).totals()

    def _window(self, connection: Connection, visitor: str, span_s: int, now: float) -> MinuteWindow:
        window = MinuteWindow(span_s)
        rows = connection.execute(
            sa.select(usage_minutes.c.minute, usage_minutes.c.calls, usage_minutes.c.tokens)
            .where((usage_minutes.c.visitor == visitor) & (usage_minutes.c.minute > int(now - span_s) // 60))
            .order_by(usage_minutes.c.minute)
        ).all()
        for minute, calls, tokens in rows:
            window.add(minute * 60, calls, tokens)
        return window

    def _add(self, connection: Connection, visitor: str, now: float, calls: int, tokens: int) -> None:
        key = (usage_minutes.c.visitor == visitor) & (usage_minutes.c.minute == int(now) // 60)
        changed = connection.execute(
            sa.update(usage_minutes)
            .where(key)
            .values(calls=usage_minutes.c.calls + calls, tokens=usage_minutes.c.tokens + tokens)
        )
        if changed.rowcount == 0:
            connection.execute(
                sa.insert(usage_minutes).values(visitor=visitor, minute=int(now) // 60, calls=calls, tokens=tokens)
            )

    def prune(self) -> None:
        """Drop call records older than a day or over the cap (at start-up, and now and then on a record)."""
        with self.engine.begin() as connection:
            self._prune_calls(connection)

    def _prune_calls(self, connection: Connection) -> None:
        connection.execute(sa.delete(usage_calls).where(usage_calls.c.at <= self._clock() - DAY_S))
        newest = connection.execute(sa.select(sa.func.max(usage_calls.c.seq))).scalar()
        if newest is not None:
            connection.execute(sa.delete(usage_calls).where(usage_calls.c.seq <= newest - MAX_CALL_RECORDS))


def describe_database(engine: Engine) -> str:
    """The database as the owner may see it: its kind, host and name, never its password."""
    url = engine.url
    where = url.database or ""
    if url.host:
        where = f"{url.host}/{where}"
    return f"a {url.get_backend_name()} database ({where})" if where else f"a {url.get_backend_name()} database"


def sql_store(engine: Engine, limits: StoreLimits | None = None, clock: Callable[[], float] = time.time) -> Store:
    """The store in ``engine``'s database, its schema made or checked first."""
    if engine.dialect.name == "postgresql":  # the row lock serialises writers only under READ COMMITTED
        engine = engine.execution_options(isolation_level="READ COMMITTED")
    key = prepare_schema(engine)
    keeper, ledger = SqlConversations(engine, limits, clock), SqlUsageLedger(engine, clock)
    ledger.prune()
    return Store(keeper, ledger, key, describe_database(engine), BackgroundSaver(keeper))
