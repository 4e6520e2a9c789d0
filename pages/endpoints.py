"""Endpoints page: prove an endpoint is up, wake it, compare endpoints, and score accuracy."""

import streamlit as st

from analyst.model_text import escape_markdown
from providers.endpoint_types import EndpointType
from providers.health import run_health_check
from ui import state
from ui.conversation import not_ready_message
from ui.endpoint_tools import (
    COMPARE_QUESTION,
    fetch_served_models,
    render_comparison,
    render_contender_form,
    render_served_models,
    render_wake_up,
    run_compare,
)
from ui.navigation import run_inside_app
from ui.question_upload import finished_report, render_question_choice, render_score, render_score_report
from ui.sidebar import render_health_report
from ui.sign_in import current_access
from ui.usage_view import render_usage

run_inside_app()

st.title("Endpoints")
client = state.model_client()
problem = not_ready_message()
owner = current_access().is_owner
names = ["Health and wake-up", "Compare", "Accuracy score"] + (["Usage"] if owner else [])
health_tab, compare_tab, score_tab, *usage_tab = st.tabs(names)

with health_tab:
    if problem or client is None:
        st.info(escape_markdown(problem))
    else:
        settings = client.settings
        st.caption(
            escape_markdown(f"{settings.endpoint_type.label} · {client.shown_endpoint()} · model {settings.model}")
        )
        if st.button("Run health check", type="primary"):
            with st.spinner("Asking the endpoint…"):
                state.store_result(state.HEALTH_REPORT, run_health_check(client))
        report = state.result(state.HEALTH_REPORT)
        if report is not None:
            render_health_report(report)
        if settings.endpoint_type is EndpointType.DEDICATED:
            st.subheader("Served models")
            if st.button("List models (/v1/models)"):
                fetch_served_models(client)
            render_served_models()

        st.subheader("Wake up a scaled-to-zero endpoint")
        st.caption(
            "Sends requests with X-Scale-Up-Timeout and retries with backoff in the background; "
            "the chat stays usable meanwhile."
        )
        limit = st.number_input("Give up after (minutes)", 1, 60, 10, 1)
        render_wake_up(client, limit)

with compare_tab:
    count = st.radio("Configurations", [2, 3], horizontal=True)
    columns = st.columns(count)
    contenders = []
    for index, column in enumerate(columns):
        with column, st.container(border=True):
            st.markdown(f"**{'ABC'[index]}**")
            contenders.append(render_contender_form(index))
    question = st.text_input("Question", COMPARE_QUESTION, key="cmp_question")
    runnable = any(c.client is not None for c in contenders)
    if st.button("Compare", type="primary", disabled=not question.strip() or not runnable):
        run_compare(question, contenders, count)
    outcomes = state.result(state.COMPARISON)
    if outcomes:
        render_comparison(outcomes)

with score_tab:
    questions, described = render_question_choice()
    if questions:
        st.caption(f"{described} A question is right when the answer's rows equal the reference query's rows.")
    if problem or client is None:
        st.info(escape_markdown(problem))
    render_score(None if problem else client, questions)  # runs in the background: progress, Stop
    report = finished_report()
    if report is not None:
        render_score_report(report)

for tab in usage_tab:  # the owner's only
    with tab:
        render_usage()
