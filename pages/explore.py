"""Explore page: the session's tables with profiles, a SQL workbench with charts, and adding data."""

from datetime import date, timedelta
from functools import partial

import streamlit as st

from analyst.model_text import escape_markdown
from analyst.profile import profile_table
from charts.choice import build_chart
from charts.hint import ChartHint
from exports.csv_safety import build_csv
from sandbox.database import QueryError
from sources.bundled import EARTHQUAKES_TABLE
from sources.file_types import ACCEPTED_TYPES
from sources.samples import sample_dataset_names
from suggestions.questions import question_about_table
from ui import data, state
from ui.navigation import CHAT_PAGE, run_inside_app

run_inside_app()

NONE = "(none)"
MARKS = ["auto", "bar", "line", "point", "area", "map", "none"]

st.title("Explore your data")
database = state.session_database()

tables_tab, sql_tab, add_tab = st.tabs(["Tables", "SQL workbench", "Add data"])

with tables_tab:
    for info in database.tables():
        title = f"**{escape_markdown(info.name)}** — {info.rows:,} rows · {len(info.columns)} columns"
        # Drawn only while open: a table's profile reads all of it (a saved table runs its query).
        table = st.expander(title, expanded=info.name == state.new_table(), key=f"table_{info.name}", on_change="rerun")
        with table:
            if not table.open:
                continue
            try:
                profile, first_rows = profile_table(database, info.name), database.preview(info.name, 20)
            except QueryError as error:
                st.warning(escape_markdown(error.message))
            else:
                st.caption("Profile (DuckDB SUMMARIZE; histograms from up to 100,000 rows)")
                st.dataframe(
                    profile,
                    hide_index=True,
                    column_config={"histogram": st.column_config.BarChartColumn("histogram", width="small")},
                )
                st.caption("First rows")
                st.dataframe(first_rows, hide_index=True)
            with st.container(horizontal=True):
                if st.button("Ask about this table", key=f"ask_{info.name}"):
                    state.ask(*question_about_table(database, info.name))
                    st.switch_page(CHAT_PAGE)
                if info.name != EARTHQUAKES_TABLE and st.button("Remove table", key=f"drop_{info.name}"):
                    database.drop_table(info.name)
                    st.rerun()

with sql_tab:
    st.caption("Runs in the same sandbox as the chat: one read-only query, 10 s, at most 5,000 rows fetched.")
    state.prefill_widget(
        state.WORKBENCH_SQL, 'SELECT "magType", count(*) AS n\nFROM earthquakes\nGROUP BY 1\nORDER BY n DESC'
    )
    sql = st.text_area("SQL", key=state.WORKBENCH_SQL, height=160)
    if st.button("Run", type="primary"):
        try:
            state.store_result(state.WORKBENCH_RESULT, database.run_query(sql))
        except QueryError as error:
            state.store_result(state.WORKBENCH_RESULT, error)
    result = state.result(state.WORKBENCH_RESULT)
    if isinstance(result, QueryError):
        st.error(escape_markdown(result.message))  # DuckDB quotes the query's names and strings back
    elif result is not None:
        shown = len(result.frame)
        st.caption(
            f"{result.total_rows:,} rows"
            + (f", first {shown:,} shown" if result.left_out else "")
            + f" · {result.elapsed_ms:.0f} ms"
        )
        st.dataframe(result.frame, hide_index=True)
        st.download_button("Download CSV", lambda: build_csv(result.frame), "result.csv", "text/csv")
        columns = [NONE, *result.columns]
        numbers = [str(c) for c in result.frame.select_dtypes("number").columns]
        default_y = next((c for c in numbers if c != result.columns[0]), None) if result.columns else None
        mark_col, x_col, y_col, color_col = st.columns(4)
        mark = mark_col.selectbox("Chart", MARKS, key="wb_mark")
        x = x_col.selectbox("x", columns, index=min(1, len(columns) - 1), key="wb_x")
        y = y_col.selectbox("y", columns, index=columns.index(default_y) if default_y else 0, key="wb_y")
        color = color_col.selectbox("colour", columns, key="wb_color")
        picked = None if mark == "auto" else ChartHint(mark, *(None if v == NONE else v for v in (x, y, color)))
        chart = build_chart(result.frame, picked)
        if chart.note:
            st.caption(escape_markdown(chart.note.replace("The model's chart suggestion", "That chart")))
        if chart.spec is not None:
            st.vega_lite_chart(chart.spec, width="stretch")

with add_tab:
    # Messages live inside this tab: anything appearing above the tabs would send the person back to the first tab.
    data.render_messages()
    data.render_pending_replacements()
    st.subheader("Upload files")
    limit_mb = data.upload_limit_bytes() // (1024 * 1024)
    files = st.file_uploader(
        f"CSV, TSV, Parquet, JSON/NDJSON or GeoJSON — several at once, up to {limit_mb} MB each",
        type=ACCEPTED_TYPES,
        accept_multiple_files=True,
    )
    if files and data.add_files(files):
        st.rerun()

    st.subheader("Bundled samples")
    with st.container(horizontal=True, vertical_alignment="bottom"):
        sample = st.selectbox("Sample dataset", sample_dataset_names(), index=None, placeholder="Pick a sample")
        if st.button("Add sample", disabled=sample is None):
            data.add_sample(sample)
            st.rerun()

    st.subheader("More earthquakes")
    st.caption("The bundled week answers 'by year' with a single row. These need network access.")
    with st.form("usgs"):
        st.markdown("**USGS earthquake catalog** (FDSN event service)")
        start_col, end_col, mag_col = st.columns(3)
        start = start_col.date_input("From", date.today() - timedelta(days=365 * 3))
        end = end_col.date_input("To", date.today())
        min_mag = mag_col.number_input("Minimum magnitude", -1.0, 10.0, 4.5, 0.5)
        replace_usgs = st.radio("Load into", ["Replace the earthquakes table", "A new table"], horizontal=True)
        load_usgs = st.form_submit_button("Load from USGS")
    if load_usgs:
        bar = st.progress(0.0, "Asking USGS how many events match…")
        # The service's end is exclusive; the picker's "To" day is meant to be included.
        fetch_usgs = partial(data.load_usgs_catalog, start, end + timedelta(days=1), float(min_mag), bar.progress)
        data.add_catalog(fetch_usgs, replace_usgs.startswith("Replace"), "usgs_earthquakes", "the USGS catalog")
        st.rerun()

    st.markdown("**Northern California 1967–2018** (54,936 events, the SQLRooms example's catalog)")
    replace_ncal = st.radio(
        "Load into", ["Replace the earthquakes table", "A new table"], horizontal=True, key="ncal_target"
    )
    if st.button("Load Northern California catalog"):
        bar = st.progress(0.0, "Downloading…")
        fetch_ncal = partial(data.load_ncal_catalog, bar.progress)
        data.add_catalog(fetch_ncal, replace_ncal.startswith("Replace"), "ncal_earthquakes", "the NCEDC catalog")
        st.rerun()
