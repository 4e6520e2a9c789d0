"""The sidebar: provider, endpoint type, key, URL, model, headers, debug, and "Test connection"."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import streamlit as st

from analyst.model_text import escape_markdown
from providers.catalog import AUTO_MODEL, CATALOG, CUSTOM_MODEL, model_choices
from providers.debug import debug_requested, enable_debug_logging
from providers.endpoint_types import EndpointType
from providers.registry import get_provider, provider_names
from providers.selection import Resolved, Selection, default_selection, resolve_selection
from providers.settings import Configuration
from ui import state
from ui.config import load_configuration, secrets_problem
from ui.sign_in import render_sign_in
from ui.store import app_store

if TYPE_CHECKING:
    from providers.health import HealthReport

MODEL_NOTES = {m.model_id: m.note for m in CATALOG} | {AUTO_MODEL: "ask the endpoint", CUSTOM_MODEL: "any model id"}
URL_PLACEHOLDER = "https://xyz.endpoints.huggingface.cloud"
CONFIGURED_URL_HELP = (
    "Empty: the endpoint this app is configured with (its address is not shown). Type another URL to use your own "
    "endpoint, with your own key."
)
ROUTING_LABELS = {"": "auto (the router picks)", "fastest": "fastest provider", "cheapest": "cheapest provider"}


def _init_defaults(selection: Selection, debug_default: bool) -> None:
    """Pre-fill the widgets once per session; what the person types then wins."""
    defaults = {
        "sb_provider": selection.provider,
        "sb_endpoint_type": selection.endpoint_type.value,
        "sb_url": selection.endpoint_url,
        "sb_model": selection.model_choice,
        "sb_custom_model": selection.custom_model,
        "sb_headers": "",
        "sb_debug": debug_default,
    }
    for key, value in defaults.items():
        state.prefill_widget(key, value)


def _reset_model_for_type(configuration: Configuration) -> None:
    """A new endpoint type starts on its own default model ("auto" for dedicated endpoints)."""
    kind = EndpointType(state.widget_value("sb_endpoint_type"))
    defaults = default_selection(replace(configuration, endpoint_type=kind, model=None))
    if configuration.model and configuration.endpoint_type is kind:
        defaults = default_selection(configuration)
    state.set_widget_value("sb_model", defaults.model_choice)
    state.set_widget_value("sb_custom_model", defaults.custom_model)


def render_sidebar() -> Resolved:
    """Draw the provider selector and store the resolved settings in the session."""
    configuration = load_configuration()
    debug_default = debug_requested(query_value=st.query_params.get_all("debug"))
    _init_defaults(default_selection(configuration), debug_default)
    with st.sidebar:
        broken = secrets_problem()
        if broken:
            st.error(broken)
        if app_store().problem:
            st.warning(escape_markdown(app_store().problem or ""))
        render_sign_in()
        st.subheader("Model endpoint")
        provider_name = st.selectbox(
            "Provider", provider_names(), key="sb_provider", format_func=lambda n: get_provider(n).label
        )
        provider = get_provider(provider_name)
        kind = EndpointType(
            st.selectbox(
                "Endpoint type",
                provider.endpoint_types(),
                key="sb_endpoint_type",
                format_func=lambda v: EndpointType(v).label,
                on_change=_reset_model_for_type,
                args=(configuration,),
            )
        )
        url = ""
        if provider.needs_url(kind.value):
            url = st.text_input(
                "Endpoint URL",
                key="sb_url",
                placeholder="The configured endpoint" if configuration.endpoint_url else URL_PLACEHOLDER,
                help=CONFIGURED_URL_HELP if configuration.endpoint_url else None,
            )
        key_help = (
            "Leave empty to use the token this app is configured with."
            if configuration.api_key
            else "A HuggingFace access token (hf_...). Kept only in this browser session."
        )
        typed_key = st.text_input("API key", type="password", key="sb_key", help=key_help, placeholder="hf_...")
        choices = model_choices(kind, provider.offered_models(kind.value))
        if state.widget_value("sb_model") not in choices:
            state.set_widget_value("sb_model", choices[0])
        model_choice = st.selectbox(
            "Model", choices, key="sb_model", format_func=lambda m: f"{m} — {MODEL_NOTES.get(m, '')}".rstrip(" —")
        )
        custom_model = ""
        if model_choice == CUSTOM_MODEL:
            custom_model = st.text_input(
                "Model id", key="sb_custom_model", help="Any model id; router suffixes like :cheapest or :groq work."
            )
        routing = ""
        options = provider.routing_options(kind.value, custom_model.strip() or model_choice)
        if options:
            routing = st.selectbox(
                "Provider",
                options,
                key="sb_routing",
                format_func=lambda o: ROUTING_LABELS.get(o, o),
                help="Which Inference Provider serves the model: the router's choice, its fastest or cheapest, "
                "or one provider by name (sent as model:provider).",
            )
        with st.expander("Advanced"):
            headers_text = st.text_area("Custom headers", key="sb_headers", help="One 'Name: value' per line.")
            debug = st.toggle("Debug mode", key="sb_debug", help="Log each request (huggingface-provider).")
        if debug:
            enable_debug_logging()

        selection = Selection(kind, url, typed_key, model_choice, custom_model, headers_text, provider_name, routing)
        resolved = resolve_selection(selection, configuration)
        state.store_resolved_provider(resolved, debug)
        if resolved.problem:
            st.warning(escape_markdown(resolved.problem))
        elif resolved.key.source == "configured":
            st.caption("Using the app's configured token.")
        if st.button("Test connection", disabled=resolved.settings is None, width="stretch"):
            _run_test_connection()
        report = state.result(state.HEALTH_REPORT)
        if report is not None:
            render_health_report(report)
        for notice in state.endpoint_state().notices:
            st.info(escape_markdown(notice))
        if debug:
            st.caption("Last requests")
            rows = state.endpoint_state().request_log.rows()
            st.dataframe(rows, hide_index=True) if rows else st.caption("No requests yet.")
    return resolved


def _run_test_connection() -> None:
    from providers.health import run_health_check

    client = state.model_client()
    if client is None:
        return
    with st.status("Testing connection…") as status:
        report = run_health_check(client, on_retry=lambda notice: status.update(label=escape_markdown(str(notice))))
        status.update(
            label="Connection works" if report.ok else "Connection failed", state="complete" if report.ok else "error"
        )
    state.store_result(state.HEALTH_REPORT, report)


def render_health_report(report: HealthReport) -> None:
    if report.ok:
        reply = f"{report.status} in {report.latency_ms:.0f} ms from {report.model}: “{report.reply_preview}”"
        st.success(escape_markdown(reply))  # the model's words and name: shown as text
    else:
        st.error(escape_markdown(report.error or report.status))
    with st.expander("Equivalent curl command"):
        st.code(report.curl, language="bash")
