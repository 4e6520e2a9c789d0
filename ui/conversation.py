"""Asking one question from the chat page: progress while it runs, then it joins the conversation."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from analyst.answer import ATTACHMENT_MARK, Answer, ErrorPart, NoticePart, TextPart
from analyst.model_text import escape_markdown, remove_remote_content
from ui import state

if TYPE_CHECKING:
    from providers.retry import RetryNotice

EXAMPLE_QUESTIONS = (  # the first ones show the bundled week at its best: it spans 8 days of one month
    "How many earthquakes happened each day?",
    "What are the 10 strongest earthquakes and where were they?",
    "Show a map of earthquakes of magnitude 4 or more",
    "Which magnitude types are most common?",
    "What is the average magnitude of earthquakes by year?",
    "Show me a chart of earthquake frequency by month, excluding events below magnitude 4.0",
)


def not_ready_message() -> str | None:
    """What the person must configure before asking, or None when an endpoint is ready."""
    resolved = state.resolved_provider()
    if resolved is not None and resolved.settings is not None:
        return None
    problem = resolved.problem if resolved else "No endpoint is configured"
    return (
        f"{problem}. Configure a model endpoint in the sidebar — an API key (hf_...) and, for a dedicated "
        "endpoint, its URL — or set HUGGINGFACE_API_KEY in .streamlit/secrets.toml. "
        "Until then you can preview the data here and use the Explore page."
    )


INTERRUPTED = "A new question arrived before this one was answered; ask it again to get its answer."


def run_question(question: str) -> None:
    """Answer ``question`` with live progress, append it to the conversation (errors included)."""
    from analyst.pipeline import Events, PipelineOptions, answer_question  # heavy: first needed here

    history = state.conversation()
    with st.chat_message("user"):
        st.markdown(escape_markdown(question))  # the person's words, shown as typed: no image, link or HTML
    with st.chat_message("assistant"):
        problem = not_ready_message()
        client = state.model_client()
        if problem or client is None:
            history.append(Answer(question, [ErrorPart(problem or "No endpoint is configured.")]))
            return
        status = st.status("Writing SQL…", expanded=False)
        insight_box = st.empty()
        streamed: list[str] = []

        def on_insight(piece: str) -> None:
            streamed.append(piece)
            insight_box.markdown(remove_remote_content("".join(streamed)) + "▌")

        def on_retry(notice: RetryNotice) -> None:
            status.update(label=str(notice))
            status.write(str(notice))

        events = Events(on_stage=lambda text: status.update(label=text), on_retry=on_retry, on_insight=on_insight)
        options = PipelineOptions(share_rows=state.share_rows())
        # Stored before the model is asked: a new question sent meanwhile reruns the page and ends this run,
        # and the question must still be there (marked unanswered) when the page is drawn again.
        placeholder = Answer(question, [NoticePart(INTERRUPTED)])
        earlier = list(history)
        history.append(placeholder)
        answer = answer_question(question, earlier, state.session_database(), client, options, events)
        history[next(i for i, a in enumerate(history) if a is placeholder)] = answer
        insight_box.empty()  # the conversation is redrawn from the record right after
        status.update(label="Done" if not answer.error else "Failed", state="error" if answer.error else "complete")

    for notice in state.endpoint_state().pop_notices():
        st.toast(notice)


def add_attached_files(files: list) -> None:
    """Files attached in the chat input become tables; the conversation says what happened."""
    from ui.data import add_files

    names = ", ".join(f.name for f in files)
    outcomes = add_files(files, ask_before_replacing=False, announce=False)
    parts = [TextPart(line) if line.startswith("Loaded") else ErrorPart(line) for line in outcomes]
    parts = parts or [TextPart("Those files are loaded already.")]
    state.conversation().append(Answer(f"{ATTACHMENT_MARK}{names}", parts))


def run_edited_sql(index: int, sql: str) -> None:
    from analyst.pipeline import rerun_sql

    history = state.conversation()
    history[index] = rerun_sql(history[index], sql, state.session_database())
