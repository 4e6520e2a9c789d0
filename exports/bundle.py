"""The two downloads: a Markdown file with its charts inside, and a zip that reproduces the conversation.

The zip holds ``conversation.md`` (charts as PNG files beside it), ``reproduce.py`` with its
``requirements.txt``, each chart's Vega-Lite spec without the result rows, and every table the queries used as Parquet.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata

import duckdb
import pandas as pd
import pyarrow.parquet as pq

from analyst.answer import Answer, ChartPart
from exports.images import build_chart_png
from exports.markdown import build_markdown
from exports.script import (
    DATA_FOLDER,
    SCRIPT_NAME,
    answers_with_tables,
    build_chart_template,
    build_script,
    chart_file,
)
from sandbox.database import QueryError, SessionDatabase
from sandbox.row_size import size_sql
from sandbox.syntax_tree import quote_name

MAX_EXPORT_ROWS = 1_000_000  # bigger tables are named in the script, not copied into the zip
MAX_EXPORT_BYTES = 64 * 1024**2  # nor tables whose rows take more (a saved view's rows are made when exported)
SCRIPT_PACKAGES = ("duckdb", "altair", "pandas", "pyarrow", "vl-convert-python")  # vl-convert: PNG and offline HTML
REPORT_NAME = "conversation.md"


def tables_used(history: Sequence[Answer], db: SessionDatabase) -> list[str]:
    """The session's tables that the answers' SQL reads, in the database's order."""
    known = db.table_names()
    used: set[str] = set()
    for table in answers_with_tables(history):
        try:
            used |= {name.split(".")[-1].lower() for name in duckdb.get_table_names(table.sql)}
        except duckdb.Error:
            return known  # a statement DuckDB's parser cannot split: export every table rather than guess
    return [name for name in known if name.lower() in used]  # DuckDB matches table names case-insensitively


def split_exportable(names: Sequence[str], db: SessionDatabase) -> tuple[list[str], dict[str, str]]:
    """Tables small enough to copy into the zip, and the others with the reason they were left out."""
    rows = {info.name: info.rows for info in db.tables()}
    exported, missing = [], {}
    for name in names:
        if name == "earthquakes" and db.external_source is not None:
            missing[name] = f"it is the app owner's Parquet file {db.external_source.name}"
        elif rows[name] > MAX_EXPORT_ROWS:
            missing[name] = f"{rows[name]:,} rows, more than the {MAX_EXPORT_ROWS:,} an export copies"
        elif (size := table_bytes(db, name)) is None or size > MAX_EXPORT_BYTES:
            taken = "rows that could not be measured" if size is None else f"{size / 1024**2:,.0f} MB of rows"
            missing[name] = f"{taken}, more than the {MAX_EXPORT_BYTES // 1024**2} MB an export copies"
        else:
            exported.append(name)
    return exported, missing


def table_bytes(db: SessionDatabase, name: str) -> int | None:
    """What a table's rows take, measured by DuckDB without copying them (text and list lengths), through the
    sandbox (its time and memory limits); None when it cannot be measured within them."""
    columns = next((info.columns for info in db.tables() if info.name == name), ())
    try:
        sizes = " + ".join(size_sql(quote_name(c), duckdb.sqltype(t)) for c, t in columns) or "0"
        frame = db.run_query(f"SELECT sum({sizes}) AS size FROM {quote_name(name)}").frame
    except (QueryError, duckdb.Error, ValueError):  # a type DuckDB's Python API cannot read back
        return None
    value = frame["size"].iloc[0]
    return 0 if pd.isna(value) else int(value)


def _numbered_charts(history: Sequence[Answer]) -> dict[int, ChartPart]:
    charts, number = {}, 0
    for answer in history:
        if answer.is_attachment:
            continue
        number += 1
        for part in answer.of_type(ChartPart):
            charts[number] = part
    return charts


def _png(chart: ChartPart, scale: float = 2) -> bytes | None:
    """The chart as PNG, or None when vl-convert cannot draw it (the export goes on without the image)."""
    try:
        return build_chart_png(chart.spec, scale=scale)
    except Exception:  # a spec the page could show but the offline renderer rejects
        return None


def _parquet_bytes(db: SessionDatabase, name: str) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(db.export_table(name), buffer, compression="zstd")
    return buffer.getvalue()


def _requirements() -> str:
    return "".join(f"{package}=={metadata.version(package)}\n" for package in SCRIPT_PACKAGES)


def load_markdown_file(history: Sequence[Answer], db: SessionDatabase, now: datetime | None = None) -> str:
    """One self-contained Markdown file (reading the session's table list): chart images are embedded as data: URIs."""

    def embedded(number: int, chart: ChartPart) -> str | None:
        png = _png(chart, scale=1)
        return "data:image/png;base64," + base64.b64encode(png).decode() if png else None

    return build_markdown(history, db.tables(), now or datetime.now(UTC), embedded)


def load_bundle(history: Sequence[Answer], db: SessionDatabase, now: datetime | None = None) -> bytes:
    """The zip, reading the session's tables: report with PNG charts, the script, its requirements, the chart specs
    and the data."""
    now = now or datetime.now(UTC)
    exported, missing = split_exportable(tables_used(history, db), db)
    charts = _numbered_charts(history)
    images = {number: _png(chart) for number, chart in charts.items()}
    footer = (
        "---\n\nReproduce every query and chart: `pip install -r requirements.txt && python reproduce.py` "
        "(results and charts are written to `output/`)."
    )

    def linked(number: int, _: ChartPart) -> str | None:
        return f"charts/answer-{number}.png" if images.get(number) else None

    report = build_markdown(history, db.tables(), now, linked, footer=footer)
    files: dict[str, bytes | str] = {
        REPORT_NAME: report,
        SCRIPT_NAME: build_script(history, now, exported, missing),
        "requirements.txt": _requirements(),
    }
    for number, chart in charts.items():
        png = images[number]
        if png:
            files[f"charts/answer-{number}.png"] = png
        files[chart_file(number)] = json.dumps(build_chart_template(chart.spec), indent=1)
    for name in exported:
        files[f"{DATA_FOLDER}/{name}.parquet"] = _parquet_bytes(db, name)
    return _zip(files, now)


def _zip(files: dict[str, bytes | str], now: datetime) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            entry = zipfile.ZipInfo(name, date_time=now.timetuple()[:6])
            entry.external_attr = 0o644 << 16  # readable by everyone once unpacked (the default is 0600)
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, content)
    return buffer.getvalue()
