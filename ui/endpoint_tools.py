"""Glue for the Endpoints page: building comparison contenders from widgets, the served models and the wake-up
job."""

from __future__ import annotations

import streamlit as st

from analyst.answer import ChartPart
from analyst.model_text import escape_markdown
from evaluation.side_by_side import Contender, Outcome, run_comparison, verdict
from providers.catalog import CUSTOM_MODEL, model_choices
from providers.client import ModelClient
from providers.endpoint_types import EndpointType
from providers.errors import ProviderError
from providers.selection import Selection, resolve_selection
from providers.wakeup import WakeJob
from ui import state
from ui.answer_view import plural
from ui.config import load_configuration

LABELS = ("A", "B", "C")
COMPARE_QUESTION = "Show me a chart of earthquake frequency by month, excluding events below magnitude 4.0"
KEY_HELP = (
    "Kept only in this browser session. Empty: the key typed in the sidebar, else the app's token where the token "
    "guard allows it."
)


def render_contender_form(index: int) -> Contender:
    """Widgets for one configuration (its own type, URL, model and optional key, kept in this session only)."""
    label = LABELS[index]
    sidebar = state.resolved_provider()
    follows_sidebar = index == 0 and sidebar is not None and sidebar.settings is not None
    # A follows the sidebar; B and C start on Inference Providers with other catalog models.
    default_type = sidebar.settings.endpoint_type.value if follows_sidebar else "inference-providers"
    kind = EndpointType(
        st.selectbox(
            "Endpoint type",
            [t.value for t in EndpointType],
            key=f"cmp_type_{index}",
            index=[t.value for t in EndpointType].index(default_type),
            format_func=lambda v: EndpointType(v).label,
        )
    )
    url = ""
    if kind.needs_url:
        default_url = ""  # empty: the configured endpoint, as in the sidebar (its URL never reaches the page)
        if sidebar and sidebar.settings and follows_sidebar and not sidebar.settings.endpoint_hidden:
            default_url = sidebar.settings.endpoint_url or ""
        configured = load_configuration().endpoint_url
        url = st.text_input(
            "Endpoint URL",
            value=default_url,
            key=f"cmp_url_{index}",
            placeholder="The configured endpoint" if configured else "https://xyz.endpoints.huggingface.cloud",
        )
    choices = model_choices(kind)
    sidebar_model = sidebar.settings.model if follows_sidebar else None
    default = choices.index(sidebar_model) if sidebar_model in choices else min(index + 1, len(choices) - 2)
    if sidebar_model and sidebar_model not in choices:
        default = choices.index(CUSTOM_MODEL)
        state.prefill_widget(f"cmp_custom_{index}", sidebar_model)
    model = st.selectbox("Model", choices, key=f"cmp_model_{index}", index=default)
    custom = st.text_input("Model id", key=f"cmp_custom_{index}") if model == CUSTOM_MODEL else ""
    key = st.text_input("API key (optional)", type="password", key=f"cmp_key_{index}", help=KEY_HELP)
    typed_in_sidebar = sidebar.key.api_key if sidebar is not None and sidebar.key.source == "typed" else None
    if not key.strip() and typed_in_sidebar:
        key = typed_in_sidebar  # the person's own key, typed once in the sidebar
        st.caption("Uses the key typed in the sidebar.")
    resolved = resolve_selection(Selection(kind, url, key, model, custom), load_configuration())
    if resolved.problem:
        st.caption(f"⚠️ {escape_markdown(resolved.problem)}")  # it may quote the typed URL or model id
        return Contender(label, None, resolved.problem)
    return Contender(label, ModelClient(resolved.settings, state=state.endpoint_state()))


def fetch_served_models(client: ModelClient) -> None:
    """Ask the endpoint which models it serves (/v1/models) and keep the list, or why it failed, in this session."""
    try:
        state.store_result(state.SERVED_MODELS, client.list_models())
    except ProviderError as error:
        state.store_result(state.SERVED_MODELS, error)


def render_served_models() -> None:
    """The models the last :func:`fetch_served_models` found, or why it failed."""
    served = state.result(state.SERVED_MODELS)
    if isinstance(served, ProviderError):
        st.error(escape_markdown(str(served)))
    elif served is not None:
        st.dataframe({"model": served}, hide_index=True)


def start_wake_job(client: ModelClient, limit_minutes: float) -> WakeJob:
    job = WakeJob(client, limit_s=limit_minutes * 60).start()
    state.store_result(state.WAKE_JOB, job)
    return job


def wake_job() -> WakeJob | None:
    return state.result(state.WAKE_JOB)


WAKE_STATUS_BOXES = {"ready": st.success, "failed": st.error, "gave up": st.warning}  # else st.info


@st.fragment(run_every=1.0)
def render_wake_up(client: ModelClient, limit_minutes: float) -> None:
    """The Wake up and Stop buttons and the job's status, redrawn every second, so they always match the background
    job."""
    job = wake_job()
    running = job is not None and not job.status().finished
    with st.container(horizontal=True):
        if st.button("Wake up", disabled=running):
            job = start_wake_job(client, limit_minutes)
            running = True
        if st.button("Stop", disabled=not running) and job is not None:
            job.stop()
    if job is None:
        return
    status = job.status()
    line = f"{status.state} · {status.elapsed_s:.0f} s · {plural(status.attempts, 'attempt')} — {status.message}"
    WAKE_STATUS_BOXES.get(status.state, st.info)(escape_markdown(line))


def run_compare(question: str, contenders: list[Contender], count: int) -> None:
    """Ask every contender ``question`` side by side, each column saying when its answer is done; the outcomes are
    kept for the page to draw."""
    slots = [column.empty() for column in st.columns(count)]

    def show(index: int, outcome: Outcome) -> None:
        slots[index].caption(f"{outcome.label}: done in {outcome.seconds:.1f} s")

    database = state.session_database()
    state.store_result(state.COMPARISON, run_comparison(question, contenders, database, on_done=show))
    for slot in slots:
        slot.empty()


def render_comparison(outcomes: list[Outcome]) -> None:
    """Each contender's answer in its own column: the verdict, time and tokens, its SQL, chart and rows."""
    for column, outcome in zip(st.columns(len(outcomes)), outcomes, strict=True):
        with column, st.container(border=True):
            answer = outcome.answer
            st.markdown(f"**{outcome.label}** · {escape_markdown(answer.model or 'no model')}")
            kind, words = verdict(outcome, outcomes)
            shown = {"same": st.success, "differs": st.warning, "failed": st.error}.get(kind, st.info)
            shown(escape_markdown(words))
            if kind in ("failed", "not run"):
                continue
            tokens = answer.prompt_tokens + answer.completion_tokens
            st.caption(f"{answer.model_seconds:.2f} s model time · {tokens:,} tokens · {answer.retries} retries")
            if answer.final_sql:
                st.code(answer.final_sql, language="sql")
            charts = answer.of_type(ChartPart)
            if charts:
                st.vega_lite_chart(charts[0].spec, width="stretch")
            if answer.table is not None:
                st.dataframe(answer.table.frame.head(50), hide_index=True)
