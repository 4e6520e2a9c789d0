"""Chat page: ask questions about the loaded data; each answer shows insight, chart, table and SQL."""

import streamlit as st

from analyst.answer import DONE, QUEUED, conversation_totals
from analyst.model_text import escape_markdown
from analyst.prompts import MAX_QUESTION_CHARS
from sandbox.database import QueryError
from sources.file_types import ACCEPTED_TYPES
from ui import state
from ui.answer_tools import open_shared_answer, render_answer_tools
from ui.answer_view import render_answer, render_live_answer, render_waiting_answer
from ui.conversation import (
    add_attached_files,
    answer_progress,
    can_retry,
    not_ready_message,
    retry_answer,
    run_edited_sql,
    stop_answer,
    submit_question,
)
from ui.export import render_export_menu
from ui.navigation import run_inside_app
from ui.rating import render_rating
from ui.saved_conversation import can_delete, delete_conversation, render_restore_notes, start_new_conversation
from ui.suggestions import render_follow_ups, render_starters

run_inside_app()

# The input first: it is drawn at the bottom anyway, and a person can start typing while the rest loads.
submitted = st.chat_input(
    "Ask a question about the data, or attach a file",
    accept_file="multiple",
    file_type=ACCEPTED_TYPES,
    max_chars=MAX_QUESTION_CHARS,  # every character rides along in later prompts: the app cuts longer ones too
)

open_shared_answer()  # a link's ?q=...&sql=... joins the conversation once, rerun here without a model
st.title("Chat with your data")
database = state.session_database()
tables = ", ".join(f"{t.name} ({t.rows:,} rows)" for t in database.tables())
st.caption(f"Tables: {escape_markdown(tables)}. Answers come as DuckDB SQL, a table, a chart and a short insight.")

with st.sidebar:
    st.toggle(
        "Share result rows with the model",
        value=True,
        key=state.SHARE_ROWS,
        help="When off, the insight is written from column statistics only.",
    )
    if st.button("New conversation", icon=":material/add_comment:", width="stretch", disabled=not state.conversation()):
        start_new_conversation()
    if st.button(
        "Delete this conversation",
        icon=":material/delete:",
        width="stretch",
        disabled=not can_delete(),
        help="Removes it from this app's store at once: its link no longer opens it.",
    ):
        st.toast(delete_conversation())
    render_export_menu(state.conversation(), database)
    totals = conversation_totals(state.conversation())
    if totals.calls:
        st.caption(f"This session: {totals.describe()}")

problem = not_ready_message()
if problem:
    st.info(escape_markdown(problem))  # it may quote what was typed in the sidebar
render_restore_notes()

history = state.conversation()
pending = state.take_pending_question()
question, checked_sql = (submitted.text, "") if submitted and submitted.text else pending or (None, "")
if not history and not question:  # the empty state goes as soon as a first question is on its way
    preview = st.expander("Preview the data", key="preview_data", on_change="rerun")  # read only when open
    with preview:
        if preview.open:
            table = st.selectbox("Table", database.table_names(), label_visibility="collapsed")
            try:
                st.dataframe(database.preview(table), hide_index=True)
            except QueryError as error:
                st.warning(escape_markdown(error.message))
    render_starters(database)

live_ahead = False  # one live answer is redrawn every second; those queued behind it wait for its page rerun
for index, answer in enumerate(history):
    with st.chat_message("user"):
        st.markdown(escape_markdown(answer.question))
    with st.chat_message("assistant"):
        if answer.status != DONE:
            if live_ahead and answer.status == QUEUED:
                render_waiting_answer()
            else:
                render_live_answer(answer, answer_progress, stop_answer)
            live_ahead = True
            continue
        render_answer(answer, index, run_edited_sql)
        render_answer_tools(answer, index)
        render_rating(answer)
        if can_retry(answer):
            st.button("Retry", key=f"retry_{index}", icon=":material/refresh:", on_click=retry_answer, args=(index,))
        if index == len(history) - 1:
            render_follow_ups(database, answer, index)

if submitted and submitted.files:
    add_attached_files(submitted.files)
if question:
    submit_question(question, checked_sql)
if submitted or question:
    st.rerun()
for notice in state.endpoint_state().pop_notices():
    st.toast(escape_markdown(notice))
