"""The chat page's export menu: a Markdown report, or a zip that reproduces the conversation.

Both files are built only when their button is clicked (chart images take a moment each)."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from analyst.answer import Answer
from sandbox.database import SessionDatabase
from ui.rating import render_rated_download


def render_export_menu(history: list[Answer], database: SessionDatabase) -> None:
    from exports.bundle import load_bundle, load_markdown_file  # vl-convert and pyarrow: on first use

    stamp = datetime.now(UTC).strftime("%Y-%m-%d-%H%M")
    with st.popover("Export conversation", icon=":material/download:", width="stretch", disabled=not history):
        st.download_button(
            "Markdown report (.md)",
            lambda: load_markdown_file(list(history), database),
            f"conversation-{stamp}.md",
            "text/markdown",
            on_click="ignore",
            width="stretch",
            help="Questions, insights, charts (embedded images), result previews and the SQL, in one file.",
        )
        st.download_button(
            "Report, Python script and data (.zip)",
            lambda: load_bundle(list(history), database),
            f"conversation-{stamp}.zip",
            "application/zip",
            on_click="ignore",
            width="stretch",
            help="reproduce.py reruns every query with DuckDB and redraws every chart with Altair, "
            "on the tables the queries used (included as Parquet).",
        )
        render_rated_download(history, database)
