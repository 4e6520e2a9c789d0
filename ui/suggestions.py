"""Suggested questions as buttons: starters on the empty chat, follow-ups under the last answer. A click asks
the question with the SQL the app checked it with (``state.ask``): no model call for its SQL, so it is quick and
cannot drift; the insight is written as for any answer. The labels hold data values, so they are shown escaped."""

from __future__ import annotations

import streamlit as st

from analyst.answer import DONE, Answer
from analyst.model_text import escape_markdown
from sandbox.database import SessionDatabase
from suggestions.questions import follow_up_questions, starter_questions
from ui import state


def render_starters(db: SessionDatabase) -> None:
    """Questions built from the loaded tables, in two columns."""
    suggestions = starter_questions(db)
    if not suggestions:
        return
    st.markdown("**Try one of these:**")
    columns = st.columns(2)
    for number, suggestion in enumerate(suggestions):
        columns[number % 2].button(
            escape_markdown(suggestion.question),
            key=f"example_{number}",
            width="stretch",
            on_click=state.ask,
            args=(suggestion.question, suggestion.sql),
        )


def render_follow_ups(db: SessionDatabase, answer: Answer, index: int) -> None:
    """Two or three small buttons to ask next, under a finished answer with a result."""
    if answer.status != DONE or answer.table is None or answer.table.total_rows == 0:
        return
    suggestions = follow_up_questions(db, answer)
    if not suggestions:
        return
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        st.caption("Ask next:", width="content")
        for number, suggestion in enumerate(suggestions):
            st.button(
                escape_markdown(suggestion.question),
                key=f"follow_up_{index}_{number}",
                icon=":material/subdirectory_arrow_right:",
                on_click=state.ask,
                args=(suggestion.question, suggestion.sql),
            )
