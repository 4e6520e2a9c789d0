"""Endpoints page: prove an endpoint is up, wake it, compare endpoints, and score accuracy."""

import streamlit as st

from analyst.model_text import escape_markdown
from evaluation.side_by_side import Outcome, run_comparison, verdict
from providers.endpoint_types import EndpointType
from providers.health import run_health_check
from ui import state
from ui.conversation import not_ready_message
from ui.endpoint_tools import (
    COMPARE_QUESTION,
    fetch_served_models,
    render_contender_form,
    render_served_models,
    render_wake_up,
)
from ui.navigation import run_inside_app
from ui.question_upload import finished_report, render_question_choice, render_score
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
        slots = [column.empty() for column in st.columns(count)]

        def show(index: int, outcome: Outcome) -> None:
            slots[index].caption(f"{outcome.label}: done in {outcome.seconds:.1f} s")

        database = state.session_database()
        state.store_result(state.COMPARISON, run_comparison(question, contenders, database, on_done=show))
        for slot in slots:
            slot.empty()
    outcomes = state.result(state.COMPARISON)
    if outcomes:
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
                charts = [p for p in answer.parts if type(p).__name__ == "ChartPart"]
                if charts:
                    st.vega_lite_chart(charts[0].spec, width="stretch")
                if answer.table is not None:
                    st.dataframe(answer.table.frame.head(50), hide_index=True)

with score_tab:
    questions, described = render_question_choice()
    if questions:
        st.caption(f"{described} A question is right when the answer's rows equal the reference query's rows.")
    if problem or client is None:
        st.info(escape_markdown(problem))
    render_score(None if problem else client, questions)  # runs in the background: progress, Stop
    report = finished_report()
    if report is not None:
        a, b, c, d = st.columns(4)
        right = sum(s.correct for s in report.scores)
        a.metric("Execution accuracy", f"{report.accuracy:.0%}", help=f"{right} of {len(report.scores)} right")
        b.metric("Median latency", f"{report.latency_p50_s:.2f} s")
        c.metric("90th percentile", f"{report.latency_p90_s:.2f} s")
        d.metric("Tokens", f"{report.total_tokens:,}")
        st.caption(
            f"{right} of {len(report.scores)} right · model {escape_markdown(report.model)} · wrong answers first"
        )
        wrong_first = sorted(report.scores, key=lambda s: s.correct)
        rows = [
            {
                "id": s.id,
                "right": s.correct,
                "problem": s.problem,
                "question": s.question,
                "sql": s.sql,
                "seconds": round(s.latency_s, 2),
            }
            for s in wrong_first
        ]
        st.dataframe(rows, hide_index=True)
        with st.container(horizontal=True):
            st.download_button("Download CSV", report.to_csv(), "accuracy.csv", "text/csv")
            st.download_button("Download JSON", report.to_json(), "accuracy.json", "application/json")

for tab in usage_tab:  # the owner's only
    with tab:
        render_usage()
