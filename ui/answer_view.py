"""Drawing one answer: each part type has its renderer; widget keys carry the message index.

Every text shown here can hold words from the model, the data, a link or the endpoint: a part's own ``markdown``
says how its text is shown (analyst.model_text), and anything else goes through ``escape_markdown``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from analyst.answer import (
    DONE,
    QUEUED,
    Answer,
    ChartPart,
    ErrorPart,
    MetricPart,
    NoticePart,
    Part,
    SqlPart,
    TablePart,
    TextPart,
)
from analyst.model_text import escape_markdown, prose_markdown
from charts.roles import time_grain
from exports.csv_safety import build_csv
from ui import state
from ui.chart_selection import select_rows, selection_names
from ui.navigation import ENDPOINTS_PAGE

if TYPE_CHECKING:
    from analyst.answer_queue import Progress


def _csv(frame: pd.DataFrame) -> Callable[[], bytes]:
    return lambda: build_csv(frame)


def render_text(part: TextPart, index: int) -> None:
    st.markdown(part.markdown)
    if part.interrupted:
        st.warning(escape_markdown(part.interrupted))


def render_chart(part: ChartPart, index: int) -> Any:
    """The chart; when it offers a selection (click bars, drag a time range), what the person selected."""
    names = selection_names(part.spec)
    selection = None
    if names:
        event = st.vega_lite_chart(
            part.spec, width="stretch", on_select="rerun", selection_mode=names, key=f"chart_{index}"
        )
        selection = event.selection if event else None
    else:
        st.vega_lite_chart(part.spec, width="stretch")
    return selection  # the chart's own toolbar downloads it as PNG


def render_metric(part: MetricPart, index: int) -> None:
    value = part.value
    shown = f"{value:,.4g}" if isinstance(value, float) else f"{value:,}" if isinstance(value, int) else str(value)
    # Label and value are both Markdown in Streamlit: the alias is any name the model chose, the value a data cell.
    about = getattr(part, "about", "")  # answers kept from before the key was recorded have none
    label = f"{part.label} · {about}" if about else part.label
    st.metric(escape_markdown(label), escape_markdown(shown))


def render_table(part: TablePart, index: int, selection: Any = None) -> None:
    selected = select_rows(part.frame, selection)
    if selected is not None:
        st.caption(
            f"{plural(len(selected), 'row')} selected in the chart (of {len(part.frame):,}); click the chart's "
            "background or double-click to show all."
        )
        st.dataframe(selected, hide_index=True, width="stretch", column_config=dates_at_their_grain(selected))
        return
    st.dataframe(part.frame, hide_index=True, width="stretch", column_config=dates_at_their_grain(part.frame))
    shown = len(part.frame)
    note = (
        plural(part.total_rows, "row") if shown == part.total_rows else f"First {shown:,} of {part.total_rows:,} rows"
    )
    st.caption(note)
    csv = _csv(part.frame)
    st.download_button(
        "Download CSV", csv, f"result-{index + 1}.csv", "text/csv", key=f"csv_{index}", on_click="ignore"
    )


DATE_FORMATS = {
    "day": "YYYY-MM-DD",
    "week": "YYYY-MM-DD",
    "month": "MMM YYYY",
    "year": "YYYY",
    "hour": "YYYY-MM-DD HH:00",
}


def dates_at_their_grain(frame: pd.DataFrame) -> dict[str, Any]:
    """Times shown at the grain they hold: a month as "Jan 2024", a day as "2024-01-01", never "2024-01-01 00:00:00"."""
    config: dict[str, Any] = {}
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            shown = DATE_FORMATS.get(time_grain(frame[column]).name)
            if shown:
                config[str(column)] = st.column_config.DatetimeColumn(format=shown)
    return config


def render_computed(part: TablePart) -> None:
    """What the SQL did, in words the app wrote from DuckDB's parse; the SQL itself when it has none."""
    if part.computed:
        st.caption(f"Computed: {escape_markdown(part.computed)}")
    else:
        st.caption("Computed by this SQL:")
        st.code(part.sql, language="sql", wrap_lines=True)


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def render_attempts(attempts: list[SqlPart], label: str) -> None:
    """Every query tried, with how the app changed it and DuckDB's message for those that failed."""
    with st.expander(label):
        for attempt in attempts:
            name = "Your edit" if attempt.attempt < 0 else f"Attempt {attempt.attempt + 1}"
            st.caption(name + (f" · {escape_markdown(attempt.note)}" if attempt.note else ""))
            st.code(attempt.sql, language="sql")
            if attempt.error:
                st.error(escape_markdown(attempt.error))


def render_repaired(attempts: list[SqlPart]) -> None:
    """Say that the answer was repaired; the failed SQL and DuckDB's messages are one click away."""
    failed = [a for a in attempts if a.error and a.attempt >= 0]
    if failed:
        queries = "query" if len(failed) == 1 else f"{len(failed)} queries"
        render_attempts(attempts, f"🔧 Repaired: the first {queries} failed — show the failed SQL and DuckDB's message")


def render_sql(attempts: list[SqlPart], index: int, on_run_edited: Callable[[int, str], None]) -> None:
    """The SQL that produced the result (or the last attempt), the attempts, and the editor."""
    final = next((a for a in reversed(attempts) if not a.error), attempts[-1])
    st.code(final.sql, language="sql", wrap_lines=True)  # one long line would be cut at the right
    if any(a.error or a.note for a in attempts):
        render_attempts(attempts, f"Attempts ({len(attempts)})")
    editor = f"sql_edit_{index}"
    st.text_area("Edit the SQL", final.sql, key=editor, height=120)
    st.button(
        "Run edited SQL",
        key=f"sql_run_{index}",
        on_click=lambda: on_run_edited(index, state.widget_value(editor)),
    )
    last = attempts[-1]
    if last.attempt < 0 and last.error:
        st.error(f"Your edit did not run: {escape_markdown(last.error)}")


def render_model_messages(answer: Answer, index: int) -> None:
    with st.expander("What the model saw"):
        for call in answer.calls:
            st.caption(escape_markdown(f"{call.purpose} · {call.model}"))  # the endpoint names its model
            st.code(json.dumps(call.messages, indent=1, ensure_ascii=False), language="json", wrap_lines=True)


def render_meta(answer: Answer) -> None:
    if answer.calls:
        st.caption(escape_markdown(answer.describe_cost()))


# Keyed by class name, so answers kept in a session survive a code reload during development.
RENDERERS: dict[str, Callable[[Part, int], None]] = {
    TextPart.__name__: render_text,
    ChartPart.__name__: render_chart,
    MetricPart.__name__: render_metric,
    NoticePart.__name__: lambda part, index: render_notice(part),
    ErrorPart.__name__: lambda part, index: render_error(part),
}


# A notice of one of these kinds shows this line, with its own text on demand: the reason is there, not in the way.
NOTICE_SUMMARIES = {
    NoticePart.CHART_FALLBACK: "An automatic chart: the model's chart suggestion did not fit the result.",
}


def render_notice(part: NoticePart) -> None:
    summary = NOTICE_SUMMARIES.get(getattr(part, "kind", NoticePart.PLAIN))  # a part made before a code reload has none
    if summary:
        st.caption(f"ℹ️ {summary}", help=part.markdown)
    else:
        st.caption(f"ℹ️ {part.markdown}")


def render_error(part: ErrorPart) -> None:
    st.error(part.markdown)
    if part.endpoint:
        st.page_link(ENDPOINTS_PAGE, label="Check, wake or compare the endpoint", icon=":material/monitor_heart:")


def render_answer(answer: Answer, index: int, on_run_edited: Callable[[int, str], None]) -> None:
    """All parts in order; the table and the SQL share one pair of tabs."""
    attempts = answer.of_type(SqlPart)
    tables = answer.of_type(TablePart)
    if tables:
        render_repaired(attempts)
    selection = None
    for part in answer.parts:
        if isinstance(part, ChartPart):
            selection = render_chart(part, index)
        elif isinstance(part, TablePart):
            render_computed(part)
            result_tab, sql_tab = st.tabs([f"Result ({plural(part.total_rows, 'row')})", "SQL"])
            with result_tab:
                render_table(part, index, selection)
            with sql_tab:
                render_sql(attempts, index, on_run_edited)
                if answer.calls:
                    render_model_messages(answer, index)
        elif isinstance(part, SqlPart):
            if not tables and part is attempts[-1]:
                with st.expander("SQL"):
                    render_sql(attempts, index, on_run_edited)
        else:
            RENDERERS[type(part).__name__](part, index)
    render_meta(answer)
    if answer.calls and not tables:  # with a result, it is under the SQL tab: the SQL is shown in one place
        render_model_messages(answer, index)


def render_finished_parts(answer: Answer, progress: Progress | None) -> None:
    """What a running answer has finished so far, read-only: the SQL, then the table, chart and insight."""
    attempts = answer.of_type(SqlPart)
    if progress is not None and progress.insight:
        st.markdown(prose_markdown(progress.insight) + "▌")  # the rule of the finished insight, as it streams
    for part in answer.parts:
        if isinstance(part, ChartPart):
            st.vega_lite_chart(part.spec, width="stretch")
        elif isinstance(part, TablePart):
            render_computed(part)
            st.dataframe(part.frame.head(LIVE_ROWS), hide_index=True, width="stretch")
        elif isinstance(part, MetricPart):
            render_metric(part, -1)
        elif isinstance(part, NoticePart | TextPart):
            RENDERERS[type(part).__name__](part, -1)
    shown = attempts[-1].sql if attempts else ""
    sql = progress.sql if progress is not None and progress.sql else shown
    if sql:
        st.code(sql, language="sql")


LIVE_ROWS = 100  # rows a running answer shows (redrawn every second); the finished answer shows all


WAITING = "⏳ Waiting: answered after the question above."


def render_waiting_answer() -> None:
    """A question queued behind another live answer: drawn once, not every second. The answer ahead of it is
    redrawn every second and draws the whole page again when it is done, which is when this one starts."""
    st.caption(WAITING)


@st.fragment(run_every=1.0)
def render_live_answer(
    answer: Answer, progress: Callable[[Answer], Progress | None], on_stop: Callable[[], None]
) -> None:
    """A queued or running answer, redrawn every second; when it is done the whole page is drawn again."""
    if answer.status == DONE:
        st.rerun()
    if answer.status == QUEUED:
        st.caption(WAITING)
        return
    now = progress(answer)
    with st.container(horizontal=True, vertical_alignment="center"):
        st.caption(f"⏳ {escape_markdown(now.describe()) if now else 'Starting…'}")
        st.button("Stop", key=f"stop_{id(answer)}", icon=":material/stop_circle:", on_click=on_stop)
    render_finished_parts(answer, now)
