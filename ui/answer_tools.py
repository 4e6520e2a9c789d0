"""What a finished answer offers besides itself: a link that reopens it (Share), keeping its result as a
table (Save as table), and opening such a link when the chat page is loaded with one."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import streamlit as st

from analyst.answer import DONE, Answer
from analyst.model_text import escape_markdown
from conversations.share_link import SHARE_PARAMS, ShareLinkError, build_share_query, read_share_params
from sandbox.saved_views import MAX_NAME_CHARS, SaveError, save_as_view, suggest_table_name
from ui import state

SHARE_HELP = (
    "Open this link on this app to see the answer again: its SQL is rerun on that session's data through the "
    "same sandbox; no model is asked and no token is needed."
)
NAME_HELP = "Letters, digits and underscores, starting with a letter."


def share_url(question: str, sql: str) -> str:
    """The chat page's address with the answer's question and SQL as query parameters (relative when the
    browser's address is not known, as in tests)."""
    query = build_share_query(question, sql)
    page = st.context.url
    if not page:
        return f"?{query}"
    parts = urlsplit(page)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, ""))


def open_shared_answer() -> None:
    """A page opened with ``?q=...&sql=...`` adds that shared answer to the conversation, once; the parameters
    are then removed from the address, so a rerun or reload does not add it again."""
    link = read_share_params(st.query_params.to_dict())
    if link is None:
        return
    for name in SHARE_PARAMS:
        if name in st.query_params:
            del st.query_params[name]
    if not state.first_opening((link.question, link.sql)):
        return
    from conversations.shared_answer import load_shared_answer  # imports the pipeline: only when a link is opened

    state.conversation().append(load_shared_answer(link, state.session_database()))


def _note_key(answer: Answer, index: int) -> str:
    return f"{index}:{answer.asked_at.isoformat()}"


def save_answer(answer: Answer, index: int) -> None:
    """The Save button's callback: keep the answer's SQL as the named view, and say what happened."""
    name = str(state.widget_value(f"save_name_{index}", "") or "")
    replace = bool(state.widget_value(f"save_replace_{index}", False))
    try:
        saved = save_as_view(state.session_database(), name, answer.final_sql or "", replace=replace)
    except SaveError as error:
        state.save_notes()[_note_key(answer, index)] = ("error", str(error))
        return
    state.save_notes()[_note_key(answer, index)] = ("success", saved.describe())
    state.note_new_table(saved.name)  # the Explore page opens it


def render_share(answer: Answer) -> None:
    try:
        link = share_url(answer.question, answer.final_sql or "")
    except ShareLinkError as error:
        st.caption(escape_markdown(error))
        return
    st.caption(SHARE_HELP)
    st.code(link, language=None, wrap_lines=True)


def render_save_form(answer: Answer, index: int) -> None:
    name_key = f"save_name_{index}"
    if state.widget_value(name_key) is None:  # suggested once; what the person types stays
        state.prefill_widget(name_key, suggest_table_name(state.session_database(), answer.question))
    st.text_input("Table name", key=name_key, max_chars=MAX_NAME_CHARS, help=NAME_HELP)
    st.checkbox("Replace a saved table with this name", key=f"save_replace_{index}")
    st.button("Save", key=f"save_table_{index}", type="primary", on_click=save_answer, args=(answer, index))
    st.caption("Kept as a view of this SQL: later questions and the Explore page can use it.")
    note = state.save_notes().get(_note_key(answer, index))
    if note and note[0] == "error":  # said where the person is looking: the popover stays open
        st.error(escape_markdown(note[1]))  # DuckDB's words about the answer's SQL may be in it


def render_answer_tools(answer: Answer, index: int) -> None:
    """Share and Save as table under a finished answer that has a result, and what the last save said."""
    if answer.status != DONE or answer.table is None or not answer.final_sql:
        return
    with st.container(horizontal=True):
        with st.popover("Share", icon=":material/share:"):
            render_share(answer)
        with st.popover("Save as table", icon=":material/table_chart:"):
            render_save_form(answer, index)
    note = state.save_notes().get(_note_key(answer, index))
    if note and note[0] == "success":
        st.success(escape_markdown(note[1]))
