"""Adding data to this session: uploads (asking before a replace), bundled samples, earthquake catalogs."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pyarrow as pa
import streamlit as st

from analyst.model_text import escape_markdown
from sources.bundled import EARTHQUAKES_TABLE
from sources.samples import load_sample_dataset
from sources.uploads import LoadedFile, UploadError, read_upload, safe_table_name
from ui import state

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class PendingReplacement:
    loaded: LoadedFile
    existing_name: str


def upload_limit_bytes() -> int:
    return int(st.get_option("server.maxUploadSize")) * 1024 * 1024


def _messages() -> list[tuple[str, str]]:
    return state.load_messages()


def say(kind: str, text: str) -> None:
    """Queue a success/error line for the next run of the page (survives the rerun a button causes); it may name
    an uploaded file or quote a source's error, so it is shown inert."""
    _messages().append((kind, text))


def render_messages() -> None:
    """What the last load did; after a success, the new table's first rows right under the message."""
    messages = _messages()
    for kind, text in messages:
        (st.success if kind == "success" else st.error)(escape_markdown(text))
    state.clear_load_messages()
    name = state.new_table()
    database = state.session_database()
    if any(kind == "success" for kind, _ in messages) and name in database.table_names():
        st.caption(f"First rows of {escape_markdown(name)} (all of it is on the Tables tab)")
        st.dataframe(database.preview(name, 10), hide_index=True)


def added(name: str, message: str) -> None:
    state.note_new_table(name)
    say("success", message)


def add_files(files: list, *, ask_before_replacing: bool = True, announce: bool = True) -> list[str]:
    """Load each new uploaded file; a clashing name waits for the person's choice. Returns what happened
    (and, with ``announce``, shows it on the page's next run)."""
    report = say if announce else (lambda kind, text: None)
    database = state.session_database()
    processed = state.processed_uploads()
    outcomes = []
    for upload in files:
        if upload.file_id in processed:
            continue
        processed.add(upload.file_id)
        existing = database.table_names()
        try:
            loaded = read_upload(upload.name, upload.getvalue(), existing, upload_limit_bytes())
        except UploadError as error:
            report("error", str(error))
            outcomes.append(str(error))
            continue
        wanted = safe_table_name(upload.name)
        if ask_before_replacing and wanted in existing and wanted != EARTHQUAKES_TABLE:
            state.pending_replacements().append(PendingReplacement(loaded, wanted))
            outcomes.append(f"{upload.name}: a table named {wanted} exists already — replace it or keep both?")
            continue
        try:
            database.add_table(loaded.table_name, loaded.table)
        except ValueError as error:
            report("error", str(error))
            outcomes.append(str(error))
            continue
        state.note_new_table(loaded.table_name)
        report("success", f"Loaded {loaded.summary}.")
        outcomes.append(f"Loaded {loaded.summary}.")
    return outcomes


def resolve_replacement(index: int, replace: bool) -> None:
    pending: list[PendingReplacement] = state.pending_replacements()
    if index >= len(pending):
        return
    choice = pending.pop(index)
    database = state.session_database()
    if replace:
        database.add_table(choice.existing_name, choice.loaded.table, replace=True)
        added(choice.existing_name, f"Replaced table {choice.existing_name} with {choice.loaded.file_name}.")
    else:
        name = safe_table_name(choice.loaded.file_name, database.table_names())
        database.add_table(name, choice.loaded.table)
        added(name, f"Loaded {choice.loaded.file_name} as table {name}.")


def render_pending_replacements() -> None:
    pending: list[PendingReplacement] = state.pending_replacements()
    for index, choice in enumerate(pending):
        name, file_name = escape_markdown(choice.existing_name), escape_markdown(choice.loaded.file_name)
        st.warning(f"A table named **{name}** already exists. What should {file_name} do?")
        with st.container(horizontal=True):
            st.button(
                f"Replace {name}",
                key=f"replace_{index}",
                on_click=resolve_replacement,
                args=(index, True),
            )
            st.button("Keep both", key=f"keep_{index}", on_click=resolve_replacement, args=(index, False))


def add_sample(name: str) -> None:
    database = state.session_database()
    table_name = safe_table_name(name, database.table_names())
    database.add_table(table_name, load_sample_dataset(name))
    added(table_name, f"Added the {name} sample as table {table_name}.")


# Earthquake catalogs: fetched once per argument set for every visitor (public data), then instant.
def usgs_url() -> str:
    from sources.catalogs import USGS_FDSN_URL

    return os.environ.get("USGS_FDSN_URL", USGS_FDSN_URL)


def ncal_url() -> str:
    from sources.catalogs import NCAL_CSV_URL

    return os.environ.get("NCAL_CSV_URL", NCAL_CSV_URL)


class CatalogCache:
    """Public catalogs fetched once per argument set for every visitor, kept for a few hours: at most
    ``max_entries`` of them and ``max_bytes`` in all (the oldest go first).

    Not ``st.cache_data``: the loaders report progress to the page while they run, and cached
    functions may not draw on blocks made outside them.
    """

    def __init__(self, ttl_s: float = 6 * 3600, max_entries: int = 6, max_bytes: int = 150 * 1000**2) -> None:
        self.ttl_s, self.max_entries, self.max_bytes = ttl_s, max_entries, max_bytes
        self._entries: dict[tuple, tuple[float, pa.Table]] = {}
        self._lock = threading.Lock()

    def get_or_fetch(self, key: tuple, fetch: Callable[[], pa.Table]) -> pa.Table:
        with self._lock:
            hit = self._entries.get(key)
            if hit and time.monotonic() - hit[0] < self.ttl_s:
                return hit[1]
        table = fetch()
        if table.nbytes > self.max_bytes:
            return table  # larger than the whole cache: used by this session, kept by none
        with self._lock:
            self._entries[key] = (time.monotonic(), table)
            now = time.monotonic()
            for old in [k for k, (at, _t) in self._entries.items() if now - at >= self.ttl_s]:
                del self._entries[old]
            while len(self._entries) > self.max_entries or self._bytes() > self.max_bytes:
                self._entries.pop(min(self._entries, key=lambda k: self._entries[k][0]))
        return table

    def _bytes(self) -> int:
        return sum(table.nbytes for _at, table in self._entries.values())

    @property
    def nbytes(self) -> int:
        """The bytes the cached catalogs hold now."""
        with self._lock:
            return self._bytes()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


@st.cache_resource
def catalog_cache() -> CatalogCache:
    return CatalogCache()


def load_usgs_catalog(start: date, end: date, min_magnitude: float, progress: Progress) -> pa.Table:
    from sources.catalogs import fetch_usgs_catalog

    url = usgs_url()
    return catalog_cache().get_or_fetch(
        ("usgs", start, end, min_magnitude, url),
        lambda: fetch_usgs_catalog(start, end, min_magnitude, base_url=url, progress=progress),
    )


def load_ncal_catalog(progress: Progress) -> pa.Table:
    from sources.catalogs import fetch_ncal_catalog

    url = ncal_url()
    return catalog_cache().get_or_fetch(("ncal", url), lambda: fetch_ncal_catalog(url=url, progress=progress))


def store_catalog(table: pa.Table, replace_earthquakes: bool, new_name: str, source: str) -> None:
    database = state.session_database()
    if replace_earthquakes:
        database.add_table(EARTHQUAKES_TABLE, table, replace=True)
        added(EARTHQUAKES_TABLE, f"The earthquakes table now holds {table.num_rows:,} events from {source}.")
    else:
        name = safe_table_name(new_name, database.table_names())
        database.add_table(name, table)
        added(name, f"Added {table.num_rows:,} events from {source} as table {name}.")


def add_catalog(fetch: Callable[[], pa.Table], replace_earthquakes: bool, new_name: str, source: str) -> None:
    """Fetch a public catalog and keep it as a table (or as the earthquakes table); a catalog that cannot be reached
    is said on the page, and the loaded data stays as it was."""
    from sources.catalogs import CatalogUnavailable

    try:
        table = fetch()
    except CatalogUnavailable as error:
        say("error", str(error))
    else:
        store_catalog(table, replace_earthquakes, new_name, source)
