"""Each browser session's own DuckDB database, where model-written SQL runs locked down.

The connection is created with external access off and its configuration locked, so no
statement can read or write files, reach the network, attach databases or load extensions.
On top of that, ``sql_guard`` admits one read-only statement per run, each run happens in a
transaction that is rolled back, and results are fetched with a row cap.
"""

from __future__ import annotations

import bisect
import dataclasses
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sandbox.guard import NotAQuery, UnknownTable, UnsafeSQL, check_read_only, first_keyword
from sandbox.memory_watch import MemoryWatch, QuerySlots, size_in_bytes
from sandbox.row_size import is_fixed, measure_cells, size_sql
from sandbox.syntax_tree import parse_tree, quote_name
from sandbox.value_size import FIXED_BYTES
from sources.bundled import EARTHQUAKES_PARQUET, EARTHQUAKES_TABLE, earthquakes_source

T = TypeVar("T")
OWNER_DATABASE = "owner_data"  # the attached read-only copy of the owner's Parquet file
# What one result may hold once fetched (Arrow bytes; the pandas frame, the page and a kept conversation hold about
# as much again each), and one row of it, measured in DuckDB before it is fetched.
RESULT_BYTES = 8 * 1024**2
ROW_BYTES = 512 * 1024
FETCH_BATCH_ROWS = 128  # rows converted to Arrow at a time: a batch is at most 128 rows of ROW_BYTES (64 MB)
# How much more than DuckDB's own memory limit the server may grow while one query runs (vectors being built,
# the fetched rows) before the query is stopped.
MEMORY_HEADROOM = 80 * 1000**2
# Sandbox queries running at once in the whole process (two cores, two DuckDB threads each, and the memory a few
# budgets take); the others wait for a slot, at most the time limit.
QUERY_SLOTS = QuerySlots(4)
MEMORY_WATCH = MemoryWatch()
ROW_TOO_LARGE = "sandbox: a result row is too large"


@dataclass(frozen=True)
class SandboxLimits:
    time_limit_s: float = 10.0
    memory_limit: str = "200MB"  # DuckDB's own, per session (hash tables, sorts, aggregates); no spilling to disk
    row_cap: int = 5_000
    threads: int = 2
    result_bytes: int = RESULT_BYTES
    row_bytes: int = ROW_BYTES
    memory_budget: int | None = None  # bytes; None: memory_limit and MEMORY_HEADROOM

    @property
    def process_budget(self) -> int:
        """How much the whole process may grow while one query runs before the query is stopped."""
        if self.memory_budget is not None:
            return self.memory_budget
        return size_in_bytes(self.memory_limit) + MEMORY_HEADROOM


@dataclass(frozen=True)
class QueryResult:
    """The first rows of a result (at most ``row_cap``, and at most ``result_bytes`` of them), and how many rows
    there were in all. ``fetched_bytes``: what the rows take (Arrow); ``byte_capped``: rows were left out for size."""

    sql: str
    frame: pd.DataFrame
    total_rows: int
    elapsed_ms: float
    fetched_bytes: int = 0
    byte_capped: bool = False

    @property
    def left_out(self) -> int:
        return self.total_rows - len(self.frame)

    @property
    def shown(self) -> str:
        """How many rows are shown, in words: "first 812 of 5,000 rows (8.0 MB)" when rows were left out."""
        rows = len(self.frame)
        if not self.left_out:
            return f"{rows:,} row{'' if rows == 1 else 's'}"
        size = f" ({self.fetched_bytes / 1024**2:.1f} MB)" if self.byte_capped else ""
        return f"first {rows:,} of {self.total_rows:,} rows{size}"

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]

    @property
    def found_nothing(self) -> bool:
        """No rows, or one row of nothing but nulls and zeros (a count or an aggregate over no rows)."""
        if self.total_rows != 1 or self.frame.empty:
            return self.total_rows == 0 or self.frame.empty
        return all(_is_nothing(value) for value in self.frame.iloc[0].tolist())


def _is_nothing(value: Any) -> bool:
    """A null, a NaN or a zero; a list or an array holds something."""
    try:
        return bool(pd.isna(value)) or value == 0
    except (TypeError, ValueError):
        return False


class QueryError(Exception):
    """A query that did not run: refused, failed in DuckDB, or stopped; ``str`` is the message."""

    def __init__(
        self, message: str, kind: str = "error", *, changes_something: bool = False, unknown_table: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind  # "refused", "error", "timeout", "memory" or "busy"
        self.changes_something = changes_something  # refused because it would write, not read
        self.unknown_table = unknown_table  # the table it names that is not loaded


@dataclass(frozen=True)
class SavedView:
    """A saved table ("Save as table"): its query and what was learnt when it was made (its columns and row
    count), so that listing or restoring it never runs it again."""

    name: str
    query: str
    columns: tuple[tuple[str, str], ...] = ()
    rows: int | None = None
    description: str | None = None  # the prompt's lines for it (analyst/schema.py), made once per data version
    fresh: bool = True  # False once a table changed: rows and description are from before (redone once, if in time)


MAX_SAVED_VIEWS = 5  # each is read again by every question that uses it: a handful per conversation


@dataclass(frozen=True)
class TableInfo:
    name: str
    rows: int
    columns: tuple[tuple[str, str], ...] = field(default_factory=tuple)


@lru_cache(maxsize=4)
def _owner_copy(source: str, modified: float, size: int) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="hf-data-chat-"))
    target = folder / "earthquakes.duckdb"
    # A bounded copy: the whole process shares a container's memory with every visitor's session.
    config = {
        "memory_limit": "384MB",
        "threads": "2",
        "preserve_insertion_order": "false",
    }
    with duckdb.connect(str(target), config=config) as writer:
        writer.execute("SET enable_progress_bar = false")
        writer.execute(f"CREATE TABLE {quote_name(EARTHQUAKES_TABLE)} AS SELECT * FROM read_parquet(?)", [source])
    target.chmod(0o444)
    return target


_OWNER_COPY_LOCK = threading.Lock()


def owner_database(source: Path) -> Path:
    """A DuckDB database file with the owner's Parquet file as table ``earthquakes``, made once per process
    (and again when the file changes). Sessions attach it READ_ONLY, so the Parquet file itself is never
    reachable from a session, and the copy cannot be written."""
    stat = source.stat()
    with _OWNER_COPY_LOCK:
        return _owner_copy(str(source), stat.st_mtime, stat.st_size)


@lru_cache(maxsize=1)
def bundled_earthquakes() -> pa.Table:
    """The bundled week of earthquakes, read once per process (immutable, shared read-only)."""
    return pq.read_table(EARTHQUAKES_PARQUET)


def clean_duckdb_message(error: BaseException) -> str:
    text = str(error).strip()
    return text or type(error).__name__


class SessionDatabase:
    """One person's tables. Thread-safe: one lock and one cursor per session."""

    def __init__(
        self, limits: SandboxLimits | None = None, *, load_bundled: bool = True, earthquakes: Path | None = None
    ) -> None:
        """A locked-down in-memory database with the ``earthquakes`` table: the bundled week in memory,
        or the owner's larger Parquet file (``earthquakes``, default ``EARTHQUAKES_PARQUET``) as a view over
        a read-only database copied from it once per process. No file is ever an allowed path: nothing a
        session runs can write one."""
        self.limits = limits or SandboxLimits()
        source = earthquakes or earthquakes_source()
        external = load_bundled and source != EARTHQUAKES_PARQUET
        self._connection = duckdb.connect(
            ":memory:",
            config={
                "autoload_known_extensions": "false",
                "autoinstall_known_extensions": "false",
                "max_execution_time": str(int(self.limits.time_limit_s * 1000)),
                "memory_limit": self.limits.memory_limit,
                "threads": str(self.limits.threads),
                "temp_directory": "",
            },
        )
        if external:  # attached before external access goes off; READ_ONLY refuses every write to it
            attach = f"ATTACH ? AS {quote_name(OWNER_DATABASE)} (READ_ONLY)"
            self._connection.execute(attach, [str(owner_database(source))])
        self._connection.execute("SET enable_external_access = false")
        self._connection.execute("SET lock_configuration = true")
        self._cursor = self._connection.cursor()
        self._lock = threading.RLock()
        self._running = False  # a run_query statement is executing (Stop interrupts it)
        self.version = 0  # bumps whenever tables change
        self._memo: dict[str, tuple[int, Any]] = {}
        self._memo_lock = threading.Lock()  # guards _memo alone: reading a known value never waits for a query
        self.external_source: Path | None = source if external else None  # until the table is replaced
        self.loaded_tables: set[str] = set()  # added or replaced after this: what a saved conversation keeps
        self.saved_views: dict[str, SavedView] = {}  # "Save as table", kept with a conversation
        self.pending_views: dict[str, SavedView] = {}  # restored before the table they read: made when it is back
        if external:
            table = quote_name(EARTHQUAKES_TABLE)
            self._cursor.execute(f"CREATE VIEW {table} AS FROM {quote_name(OWNER_DATABASE)}.{table}")
        elif load_bundled:
            self.add_table(EARTHQUAKES_TABLE, bundled_earthquakes())
            self.loaded_tables.clear()  # the bundled week is the app's, not the person's

    # Owner-side changes (never model SQL) ------------------------------------------------------
    def add_table(self, name: str, data: pa.Table | pd.DataFrame, *, replace: bool = False) -> None:
        """Store ``data`` as table ``name`` (data already read in Python: the sandbox never reads files)."""
        arrow = data if isinstance(data, pa.Table) else pa.Table.from_pandas(data, preserve_index=False)
        with self._lock:
            if not replace and name in self.table_names():
                raise ValueError(f"A table named {name} already exists")
            view = f"__incoming_{self.version}"
            self._cursor.register(view, arrow)
            try:
                if replace:
                    self._drop_view(name)
                    if name == EARTHQUAKES_TABLE:
                        self.external_source = None
                verb = "CREATE OR REPLACE TABLE" if replace else "CREATE TABLE"
                try:
                    self._cursor.execute(f"{verb} {quote_name(name)} AS SELECT * FROM {quote_name(view)}")
                except duckdb.Error as error:  # a column type DuckDB cannot store: say so, keep the session
                    first_line = clean_duckdb_message(error).splitlines()[0]
                    raise ValueError(f"{name}: DuckDB cannot store this data ({first_line}).") from None
            finally:
                self._cursor.unregister(view)
            self.version += 1
            self.loaded_tables.add(name)
            if replace:
                self._drop_broken_views()
                self._recount_views()
            self._make_pending_views()

    def remember_description(self, name: str, description: str) -> None:
        """Keep a saved view's description with it (and with its conversation): it is not worked out again."""
        with self._lock:
            view = self.saved_views.get(name)
            if view is not None:
                self.saved_views[name] = dataclasses.replace(view, description=description, fresh=True)

    def add_view(
        self, name: str, sql: str, *, replace: bool = False, rows: int | None = None, description: str | None = None
    ) -> list[str]:
        """Keep a query as view ``name``, read like any table (``sandbox.saved_views`` decides the name). Only
        what the guard allows as a query (SELECT, WITH, FROM, VALUES) may become a view, so reading it reads
        nothing a question could not; a view that would read itself (through another saved view) is refused and
        the old one stays. ``rows``: its row count when known (it is then never counted). Returns the saved views
        that stopped working and were removed."""
        with self._lock:
            kept = {*self.saved_views, *self.pending_views}
            if name not in kept and len(kept) >= MAX_SAVED_VIEWS:
                raise QueryError(
                    f"A conversation keeps at most {MAX_SAVED_VIEWS} saved tables: replace one of them instead.",
                    "refused",
                )
            statement = self._checked(sql)
            if not self._can_count(statement):
                raise QueryError(
                    "Only a query (SELECT, WITH, FROM, VALUES) can be saved as a table, not "
                    f"{first_keyword(statement)}.",
                    "refused",
                )
            verb = "CREATE OR REPLACE VIEW" if replace else "CREATE VIEW"
            self._cursor.execute("BEGIN TRANSACTION")
            try:
                self._cursor.execute(f"{verb} {quote_name(name)} AS\n{statement}\n")
                relation = self._cursor.sql(f"FROM {quote_name(name)}")  # bound, not run: a loop fails here
                columns = tuple((str(c), str(t)) for c, t in zip(relation.columns, relation.types, strict=True))
            except duckdb.Error as error:
                self._cursor.execute("ROLLBACK")
                message = clean_duckdb_message(error)
                if "recursion" in message.lower() or "infinite" in message.lower():
                    message = f"{name} would read itself through another saved table: pick another name."
                raise QueryError(message) from None
            self._cursor.execute("COMMIT")
            self.version += 1
            self.saved_views[name] = SavedView(name, statement, columns, rows, description)
            return self._drop_broken_views()

    def _drop_broken_views(self) -> list[str]:
        """Drop the views that no longer bind: DuckDB keeps a view when a table it reads is removed or changed,
        and every later listing of the tables would fail on it."""
        views = self._cursor.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal AND NOT temporary "
            "AND database_name = current_database()"
        ).fetchall()
        broken = [name for (name,) in views if not self._binds(name)]
        for name in broken:
            self._cursor.execute(f"DROP VIEW IF EXISTS {quote_name(name)}")
            self.saved_views.pop(name, None)
        return broken

    def _binds(self, view: str) -> bool:
        """Whether DuckDB can still bind ``view`` (a relation is bound, not run)."""
        try:
            self._cursor.sql(f"FROM {quote_name(view)}")
        except duckdb.Error:
            return False
        return True

    def _drop_view(self, name: str) -> bool:
        """Drop ``name`` if it is a view (the Parquet-backed earthquakes); DuckDB refuses DROP VIEW on a table."""
        views = self._cursor.execute(
            "SELECT 1 FROM duckdb_views() WHERE view_name = ? AND NOT internal AND database_name = current_database()",
            [name],
        )
        if not views.fetchall():
            return False
        self._cursor.execute(f"DROP VIEW {quote_name(name)}")
        return True

    def drop_table(self, name: str) -> list[str]:
        """Remove table ``name``; returns the saved views built on it, which go with it."""
        with self._lock:
            if not self._drop_view(name):
                self._cursor.execute(f"DROP TABLE IF EXISTS {quote_name(name)}")
            if name == EARTHQUAKES_TABLE:
                self.external_source = None
            self.version += 1
            self.loaded_tables.discard(name)
            self.saved_views.pop(name, None)
            self._recount_views()
            return self._drop_broken_views()

    def _make_pending_views(self) -> None:
        """Saved views that waited for a table: made now if they can be."""
        for view in list(self.pending_views.values()):
            try:
                self.add_view(view.name, view.query, replace=view.name in self.table_names())
            except (QueryError, ValueError):
                continue
            del self.pending_views[view.name]

    def _recount_views(self) -> None:
        """A table changed: the saved views' row counts and descriptions are made again (once, when next needed)."""
        self.saved_views = {name: dataclasses.replace(v, fresh=False) for name, v in self.saved_views.items()}

    # Reading --------------------------------------------------------------------------------
    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()`` once per version of the tables (table names and counts, descriptions, profiles). A value
        already known is read without the database's lock: a page rerun never waits for a visitor's running query."""
        with self._memo_lock:
            cached = self._memo.get(key)
            if cached is not None and cached[0] == self.version:
                return cached[1]
        with self._lock:  # computing reads the database: after the running statement
            version = self.version
            value = compute()
        with self._memo_lock:
            self._memo[key] = (version, value)
        return value

    def internal_query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """The app's own trusted queries (descriptions, profiles); never model-written SQL. They may read a saved
        view, whose query a visitor or the model wrote: the sandbox's time limit holds for them too."""
        with self._lock, self._time_limit():
            return self._cursor.execute(sql, params or []).fetchall()

    @contextmanager
    def _time_limit(self) -> Iterator[None]:
        """Interrupt what runs inside after the time limit (callers hold the lock): DuckDB then raises its
        ``InterruptException``."""
        watchdog = threading.Timer(self.limits.time_limit_s, self._cursor.interrupt)
        watchdog.daemon = True
        watchdog.start()
        try:
            yield
        finally:
            watchdog.cancel()

    def reading_error(self, error: duckdb.Error) -> QueryError:
        """What the page says when the app's own read of a table fails (a saved view's query can fail or run
        too long)."""
        if isinstance(error, duckdb.InterruptException):
            return QueryError(
                f"Reading this table took longer than {self.limits.time_limit_s:g} s and was stopped.", "timeout"
            )
        return QueryError(f"Could not read this table: {clean_duckdb_message(error).splitlines()[0]}")

    def table_names(self) -> list[str]:
        """The session's tables and views, by name (read once per version of the tables)."""
        return list(self.memo("table-names", self._read_table_names))

    def _read_table_names(self) -> list[str]:
        with self._lock:
            rows = self._cursor.execute(
                "SELECT table_name FROM duckdb_tables() WHERE NOT internal AND NOT temporary "
                "AND database_name = current_database() UNION SELECT view_name FROM duckdb_views() "
                "WHERE NOT internal AND NOT temporary AND database_name = current_database() ORDER BY 1"
            ).fetchall()
        return [r[0] for r in rows]

    def tables(self) -> list[TableInfo]:
        """Every table with its exact row count and its columns' names and types (counted once per version of
        the tables: a saved view's count runs its query)."""
        return list(self.memo("tables", self._count_tables))

    def _count_tables(self) -> list[TableInfo]:
        with self._lock:
            columns = self._cursor.execute(
                "SELECT table_name, column_name, data_type FROM duckdb_columns() "
                "WHERE NOT internal AND database_name = current_database() ORDER BY table_name, column_index"
            ).fetchall()
            infos = []
            for name in self.table_names():
                cols = tuple((c, t) for table, c, t in columns if table == name)
                infos.append(TableInfo(name, self._row_count(name), cols))
        return infos

    def _row_count(self, name: str) -> int:
        """A table's rows; a saved view's as counted when it was saved, counted again (within the time limit) only
        after a table changed, and as before when that takes too long."""
        view = self.saved_views.get(name)
        if view is not None and view.rows is not None and view.fresh:
            return view.rows
        try:
            with self._time_limit():  # fetchall, not fetchone: no result is left open on the connection
                rows = int(self._cursor.execute(f"SELECT count(*) FROM {quote_name(name)}").fetchall()[0][0])
        except duckdb.Error:  # too slow, or the view fails now
            return view.rows or 0 if view is not None else 0
        if view is not None:
            self.saved_views[name] = dataclasses.replace(view, rows=rows)
        return rows

    def preview(self, table: str, rows: int = 100) -> pd.DataFrame:
        """The first rows of one of the session's tables."""
        if table not in self.table_names():
            raise ValueError(f"No table named {table}")
        with self._lock, self._time_limit():
            try:
                return self._cursor.sql(f"SELECT * FROM {quote_name(table)} LIMIT {int(rows)}").df()
            except duckdb.Error as error:
                raise self.reading_error(error) from None

    def export_table(self, table: str) -> pa.Table:
        """All rows of one of the session's tables, for exports (owner-side, never model SQL)."""
        if table not in self.table_names():
            raise ValueError(f"No table named {table}")
        with self._lock, self._time_limit():
            return self._cursor.sql(f"SELECT * FROM {quote_name(table)}").to_arrow_table()

    def run_query(self, sql: str, *, first_rows: int | None = None) -> QueryResult:
        """Run untrusted SQL: checked (the guard also sizes the values it builds), in a rolled-back transaction,
        rows and bytes capped, and stopped by one time limit for the whole statement (a watchdog interrupts it,
        whatever DuckDB plans it as) and by the memory watch when the server grows past its budget. At most
        ``QUERY_SLOTS`` run at once in the process. Every failure is a ``QueryError`` with the sandbox's own message.
        ``first_rows``: only that many rows are wanted (whether a query answers anything), and the total is not
        counted."""
        started = time.perf_counter()
        limits = self.limits
        memory = None
        with self._lock:
            watchdog = threading.Timer(limits.time_limit_s, self._cursor.interrupt)
            watchdog.daemon = True
            try:
                statement = self._checked(sql)
                with QUERY_SLOTS.slot(limits.time_limit_s) as had_slot:
                    if not had_slot:
                        raise QueryError("The server is busy with other queries: try again in a moment.", "busy")
                    watchdog.start()
                    self._cursor.execute("BEGIN TRANSACTION")
                    try:
                        with MEMORY_WATCH.watch(self._cursor.interrupt, limits.process_budget) as memory:
                            self._running = True
                            frame, total, size, capped = self._fetch_capped(statement, first_rows)
                    finally:
                        self._running = False
                        watchdog.cancel()
                        self._cursor.execute("ROLLBACK")
            except QueryError:
                raise
            except duckdb.InterruptException:
                if memory is not None and memory.stopped:
                    raise QueryError(
                        "The query needed more memory than the sandbox allows (the server grew by more than "
                        f"{limits.process_budget / 1000**2:,.0f} MB while it ran) and was stopped. Try a smaller "
                        "question or aggregate more.",
                        "memory",
                    ) from None
                raise QueryError(
                    f"The query ran longer than {limits.time_limit_s:g} s and was stopped. "
                    "Try a smaller question or aggregate more.",
                    "timeout",
                ) from None
            except duckdb.OutOfMemoryException:
                raise QueryError(
                    f"The query needed more memory than the sandbox allows ({limits.memory_limit}) and was stopped. "
                    "Try a smaller question or aggregate more.",
                    "memory",
                ) from None
            except duckdb.PermissionException as error:
                raise QueryError(f"Refused: {clean_duckdb_message(error)}", "refused") from None
            except duckdb.Error as error:
                if ROW_TOO_LARGE in str(error):
                    raise QueryError(
                        f"A row of this result holds more than {limits.row_bytes // 1024:,} KB: select fewer or "
                        "shorter columns (left(text, 1000) keeps the start of a long text).",
                        "memory",
                    ) from None
                raise QueryError(clean_duckdb_message(error)) from None
            except Exception as error:  # anything else (a conversion pyarrow/pandas cannot make): no traceback
                raise QueryError(f"The query could not run ({type(error).__name__}).") from None
            finally:
                watchdog.cancel()
        elapsed = (time.perf_counter() - started) * 1000
        return QueryResult(statement, frame, total, elapsed, size, capped)

    def _checked(self, sql: str) -> str:
        """The statement to run, if the guard allows ``sql``: read-only, over the session's tables, and building no
        value larger than it may (sized from each column's largest value, and each saved view's query)."""
        try:
            names = self.table_names()
            views = dict(self.saved_views)
            cells = self.memo(
                "cell-sizes", lambda: measure_cells(self.internal_query, [n for n in names if n not in views])
            )
            trees = self.memo(
                "view-trees", lambda: {n: parse_tree(v.query, self.internal_query) for n, v in views.items()}
            )
            return check_read_only(
                sql,
                self._cursor,
                set(names),
                cells=cells,
                views={n: t for n, t in trees.items() if t is not None},
                tracked_bytes=size_in_bytes(self.limits.memory_limit),
            )
        except UnknownTable as error:
            raise QueryError(str(error), unknown_table=error.table) from None
        except NotAQuery as error:
            raise QueryError(str(error), "refused", changes_something=True) from None
        except UnsafeSQL as error:
            raise QueryError(str(error), "refused") from None
        except duckdb.Error as error:
            raise QueryError(clean_duckdb_message(error)) from None

    def _fetch_capped(self, statement: str, first_rows: int | None = None) -> tuple[pd.DataFrame, int, int, bool]:
        """The first rows, at most ``row_cap`` and ``result_bytes`` of them, and the total (counted by DuckDB
        rather than by streaming every row); what they take, and whether rows were left out for size.

        A query's rows are measured in DuckDB as they are made (string and list lengths, no copy): a row over
        ``row_bytes`` stops the query there, and rows are converted a few at a time, so nothing larger than a batch
        of rows is ever copied out of DuckDB beyond what is kept."""
        limits = self.limits
        cap = min(first_rows, limits.row_cap) if first_rows else limits.row_cap
        countable = self._can_count(statement)
        if countable:
            # A LIMIT around the query lets DuckDB keep only the top rows of a sort instead of sorting everything.
            query = f"SELECT * FROM (\n{statement}\n)"
            types = self._cursor.sql(query).types  # bound, not run
            fixed = FIXED_BYTES * sum(1 for kind in types if is_fixed(kind))
            sizes = " + ".join([str(fixed)] + [size_sql(f"#{i}", k) for i, k in enumerate(types, 1) if not is_fixed(k)])
            columns, size = ", ".join(f"#{i}" for i in range(1, len(types) + 1)), f"#{len(types) + 1}"
            relation = self._cursor.sql(
                f"SELECT {columns}, CASE WHEN {size} > {limits.row_bytes} THEN error('{ROW_TOO_LARGE}') ELSE {size} "
                f"END FROM (SELECT *, {sizes} FROM ({query})) LIMIT {cap + 1}"
            )
        else:
            relation = self._cursor.sql(statement)
        if relation is None:
            return pd.DataFrame(), 0, 0, False
        reader = relation.to_arrow_reader(batch_size=FETCH_BATCH_ROWS)
        schema = pa.schema(list(reader.schema)[:-1]) if countable else reader.schema
        kept: list[pa.RecordBatch] = []
        rows = size = seen = 0
        capped = False
        for batch in reader:
            seen += batch.num_rows
            if countable:  # the last column is each row's size, measured by DuckDB
                row_sizes = batch.column(batch.num_columns - 1).to_pylist()
                batch = pa.RecordBatch.from_arrays(batch.columns[:-1], schema=schema)
            else:
                row_sizes = [batch.nbytes / max(batch.num_rows, 1)] * batch.num_rows
            ends = list(accumulate(row_sizes, initial=size))[1:]  # a batch is at most FETCH_BATCH_ROWS rows
            fits = bisect.bisect_right(ends, limits.result_bytes)
            if fits < batch.num_rows:
                capped = True
                fits = max(fits, 1 if rows == 0 else 0)  # the first row always shows (it is under row_bytes)
            size = int(ends[fits - 1]) if fits else size
            kept.append(batch.slice(0, fits))
            rows += fits
            if capped or rows > cap:
                break
        table = pa.Table.from_batches(kept, schema=schema)
        total = table.num_rows
        if (capped or total > cap) and first_rows:
            reader.close()  # only the first rows were wanted: no result is left open on the connection
        elif capped or total > cap:
            if countable:
                reader.close()  # DuckDB 2.0 refuses a new query while a result is still open
                total = int(self._cursor.execute(f"SELECT count(*) FROM (\n{statement}\n)").fetchone()[0])
            else:
                total = seen + sum(batch.num_rows for batch in reader)
        table = table.slice(0, cap)
        return table.to_pandas(), total, int(table.nbytes), capped

    @staticmethod
    def _can_count(statement: str) -> bool:
        """SELECT/WITH/FROM/VALUES can be wrapped in a count; SHOW, DESCRIBE and EXPLAIN cannot. DuckDB's
        tokenizer finds the first word, so leading comments change nothing."""
        return first_keyword(statement) in ("SELECT", "WITH", "FROM", "VALUES", "TABLE")

    @property
    def running(self) -> bool:
        """Whether a visitor's query (``run_query``) is executing now."""
        return self._running

    def interrupt(self) -> None:
        """Stop the statement running now, from another thread (a score that is stopped); without the lock,
        which the running statement holds. Nothing is left pending: the next statement runs normally."""
        self._cursor.interrupt()

    def close(self) -> None:
        with self._lock:
            self._connection.close()
