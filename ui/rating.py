"""Rating answers right or wrong (thumbs under each finished answer), and the session's rated answers as a
questions file to download: answers marked right guide the model's later questions (``analyst.rated_examples``)
and become reference questions for the accuracy score (``evaluation.rated_questions``)."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from analyst.answer import DONE, RIGHT, WRONG, Answer, SqlPart
from analyst.model_text import escape_markdown
from evaluation.rated_questions import build_rated_questions, find_sample_tables, is_rated_right
from sandbox.database import SessionDatabase
from ui import state

THUMBS = {0: WRONG, 1: RIGHT}  # st.feedback("thumbs") values
RATED_NOTES = {
    RIGHT: "Marked right: later questions get it as an example, and it joins the rated questions download.",
    WRONG: "Marked wrong: never used as an example.",
}
DOWNLOAD_HELP = (
    "Every answer marked right, as a questions file with its SQL as the reference query: score another endpoint "
    "on it with `python -m bench.eval --questions FILE` or on the Endpoints page's Accuracy tab."
)


def can_rate(answer: Answer) -> bool:
    """A finished answer whose SQL gave a result can be rated; errors, running answers and SQL the person
    edited or opened from a shared link cannot (either may answer another question than the one shown: it must
    not become that question's reference, nor an example in this session's prompts)."""
    edited = any(part.attempt < 0 for part in answer.of_type(SqlPart))
    finished = answer.status == DONE and answer.table is not None and bool(answer.final_sql)
    return finished and not answer.error and not edited and not answer.shared


def record_rating(answer: Answer) -> None:
    """The thumbs widget's callback: keep the rating on the answer itself, so it goes wherever the answer goes."""
    value = state.widget_value(state.rating_key(answer.id))
    answer.rating = THUMBS.get(value) if value is not None else None


def render_rating(answer: Answer) -> None:
    """Thumbs up or down under a finished answer with a result, and what the rating does."""
    if not can_rate(answer):
        return
    default = next((value for value, rating in THUMBS.items() if rating == answer.rating), None)
    with st.container(horizontal=True, vertical_alignment="center"):
        st.feedback("thumbs", key=state.rating_key(answer.id), default=default, on_change=record_rating, args=(answer,))
        if answer.rating in RATED_NOTES:
            st.caption(RATED_NOTES[answer.rating])


def render_rated_download(history: list[Answer], database: SessionDatabase) -> None:
    """The answers marked right as a questions file (JSON); disabled until one is."""
    answers = list(history)  # the worker thread may append meanwhile: one consistent list
    samples = (
        database.memo("sample_tables", lambda: find_sample_tables(database))
        if any(map(is_rated_right, answers))
        else {}
    )
    rated = build_rated_questions(answers, samples)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d-%H%M")
    st.download_button(
        "Download rated questions (.json)",
        rated.to_json() if rated.items else "",
        f"rated-questions-{stamp}.json",
        "application/json",
        on_click="ignore",
        width="stretch",
        disabled=not rated.items,
        help=DOWNLOAD_HELP,
    )
    if rated.left_out:
        st.caption(escape_markdown(f"Left out: {'; '.join(rated.left_out)}."))
