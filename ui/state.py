"""Everything one browser session keeps in ``st.session_state``: each key is named here once, and the rest of
the app (pages included) reads and writes it through these functions, never through raw keys."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import streamlit as st

from analyst.answer import Answer
from providers.endpoint_state import EndpointState
from providers.selection import Resolved
from sandbox.database import SessionDatabase

if TYPE_CHECKING:
    from analyst.answer_queue import AnswerQueue
    from conversations.background_saves import SaveTicket
    from conversations.snapshot import ConversationSnapshots, RestoreNote
    from providers.client import ModelClient

T = TypeVar("T")

# The session's own objects
DATABASE = "session_database"
CONVERSATION = "conversation"
ANSWER_QUEUE = "answer_queue"
PENDING_QUESTION = "pending_question"
RESOLVED = "provider_resolved"
ENDPOINT_STATE = "endpoint_state"
MODEL_CLIENT = "model_client"
DEBUG = "debug_mode"
# The conversation kept across reloads (ui/saved_conversation.py)
SAVE_TICKET = "save_ticket"  # the id this session's conversation is kept under, and its version (ui/saved_conversation)
VISITOR = "visitor"  # who this session is, for budgets and conversation links (ui/visitor.py)
CONVERSATION_SNAPSHOTS = "conversation_snapshots"
RESTORE_NOTES = "restore_notes"
# Results a page shows until replaced
HEALTH_REPORT = "health_report"  # the sidebar's "Test connection" and the Endpoints page share it
SERVED_MODELS = "served_models"
COMPARISON = "comparison"
ACCURACY_REPORT = "accuracy_report"
UPLOADED_QUESTIONS = "uploaded_questions"  # the Accuracy tab's checked upload: (file id, questions or error)
WORKBENCH_RESULT = "workbench_result"
WAKE_JOB = "wake_job"
# Data intake
PROCESSED_UPLOADS = "processed_uploads"
PENDING_REPLACEMENTS = "pending_replacements"
LOAD_MESSAGES = "load_messages"
NEW_TABLE = "new_table"
# Answer tools: shared links and saved tables
SHARED_LINKS_OPENED = "shared_links_opened"
SAVE_NOTES = "save_notes"
# Widget keys that code reads or pre-fills (the widgets own their values)
SHARE_ROWS = "share_rows"
WORKBENCH_SQL = "workbench_sql"
QUESTIONS_UPLOAD = "questions_upload"
RATING = "rating"  # prefix: one thumbs widget per answer, keyed by the answer's id


def session_object(key: str, create: Callable[[], T]) -> T:
    """This browser session's object under ``key``, created on first use (never shared between visitors)."""
    if key not in st.session_state:
        st.session_state[key] = create()
    return st.session_state[key]


# Database and conversation ------------------------------------------------------------------------
def session_database() -> SessionDatabase:
    """This session's DuckDB database, created on first use with the bundled earthquakes."""
    return session_object(DATABASE, SessionDatabase)


def conversation() -> list[Answer]:
    return session_object(CONVERSATION, list)


def answer_queue() -> AnswerQueue:
    """The worker that answers this session's questions one at a time, across reruns."""
    from analyst.answer_queue import AnswerQueue  # imports the pipeline: first needed when a question is asked

    return session_object(ANSWER_QUEUE, AnswerQueue)


def clear_conversation() -> None:
    if ANSWER_QUEUE in st.session_state:
        st.session_state[ANSWER_QUEUE].cancel_all()
    st.session_state[CONVERSATION] = []


def save_ticket() -> SaveTicket | None:
    """Where this session's conversation is kept (the URL's ``c``); None before the first run sets it."""
    return st.session_state.get(SAVE_TICKET)


def conversation_id() -> str | None:
    ticket = save_ticket()
    return ticket.conversation_id if ticket else None


def set_save_ticket(ticket: SaveTicket) -> None:
    st.session_state[SAVE_TICKET] = ticket


def conversation_snapshots() -> ConversationSnapshots:
    from conversations.snapshot import ConversationSnapshots

    return session_object(CONVERSATION_SNAPSHOTS, ConversationSnapshots)


def restore_conversation(answers: list[Answer], notes: list[RestoreNote]) -> None:
    """Start this session with a saved conversation, and what it lacks."""
    st.session_state[CONVERSATION] = answers
    st.session_state[RESTORE_NOTES] = notes


def restore_notes() -> list[RestoreNote]:
    return st.session_state.get(RESTORE_NOTES, [])


def clear_restore_notes() -> None:
    st.session_state[RESTORE_NOTES] = []


def ask(question: str, checked_sql: str = "") -> None:
    """Queue a question (from an example button or another page) for the chat page's next run; a suggestion
    brings the SQL the app checked it with, which then answers it without a model call for the SQL."""
    st.session_state[PENDING_QUESTION] = (question, checked_sql)


def take_pending_question() -> tuple[str, str] | None:
    """The queued question and its checked SQL ("" when the model is to write it), once."""
    return st.session_state.pop(PENDING_QUESTION, None)


# The model endpoint ---------------------------------------------------------------------------------
def endpoint_state() -> EndpointState:
    """This session's endpoint memory; its calls on the owner's token spend this visitor's budget."""
    return session_object(ENDPOINT_STATE, _new_endpoint_state)


def _new_endpoint_state() -> EndpointState:
    from providers.budget import VisitorAccount
    from ui.sign_in import access_rules
    from ui.store import app_store
    from ui.visitor import current_visitor  # imports this module

    visitor = current_visitor()
    account = VisitorAccount(app_store().usage, visitor.id, visitor.label, access_rules().usage_questions)
    return EndpointState(account=account)


def resolved_provider() -> Resolved | None:
    return st.session_state.get(RESOLVED)


def store_resolved_provider(resolved: Resolved, debug: bool) -> None:
    st.session_state[RESOLVED] = resolved
    st.session_state[DEBUG] = debug


def model_client() -> ModelClient | None:
    """This session's client for the sidebar's settings, reused across reruns while they stay the same."""
    from providers.client import ModelClient

    resolved = resolved_provider()
    if resolved is None or resolved.settings is None:
        return None
    debug = bool(st.session_state.get(DEBUG))
    cached = st.session_state.get(MODEL_CLIENT)
    if cached is None or cached.settings != resolved.settings:
        cached = ModelClient(resolved.settings, state=endpoint_state(), debug=debug)
        st.session_state[MODEL_CLIENT] = cached
    cached.debug = debug
    return cached


# Results kept between reruns --------------------------------------------------------------------------
def result(key: str) -> Any:
    """The last result stored under one of the result keys above (``HEALTH_REPORT``, ``COMPARISON``...)."""
    return st.session_state.get(key)


def store_result(key: str, value: Any) -> None:
    st.session_state[key] = value


def forget_result(key: str) -> None:
    st.session_state.pop(key, None)


# Data intake ----------------------------------------------------------------------------------------
def load_messages() -> list[tuple[str, str]]:
    return st.session_state.setdefault(LOAD_MESSAGES, [])


def clear_load_messages() -> None:
    st.session_state[LOAD_MESSAGES] = []


def note_new_table(name: str) -> None:
    """The table just added: the Explore page opens it with its first rows."""
    st.session_state[NEW_TABLE] = name


def new_table() -> str | None:
    return st.session_state.get(NEW_TABLE)


def processed_uploads() -> set[str]:
    return st.session_state.setdefault(PROCESSED_UPLOADS, set())


def pending_replacements() -> list[Any]:
    return st.session_state.setdefault(PENDING_REPLACEMENTS, [])


# Answer tools ---------------------------------------------------------------------------------------
def first_opening(link: tuple[str, str]) -> bool:
    """True the first time this session opens the shared link (question, SQL): a rerun never adds it twice."""
    opened: set[tuple[str, str]] = session_object(SHARED_LINKS_OPENED, set)
    if link in opened:
        return False
    opened.add(link)
    return True


def save_notes() -> dict[str, tuple[str, str]]:
    """What "Save as table" last said under each answer: answer key -> (kind, message)."""
    return session_object(SAVE_NOTES, dict)


# Widgets --------------------------------------------------------------------------------------------
def widget_value(key: str, default: Any = None) -> Any:
    """The current value of the widget with ``key`` (for callbacks and pre-filled forms)."""
    return st.session_state.get(key, default)


def set_widget_value(key: str, value: Any) -> None:
    st.session_state[key] = value


def prefill_widget(key: str, value: Any) -> None:
    """Give a widget its starting value, once: what the person changes afterwards stays."""
    st.session_state.setdefault(key, value)


def share_rows() -> bool:
    return bool(st.session_state.get(SHARE_ROWS, True))


def rating_key(answer_id: str) -> str:
    """The key of the thumbs widget under the answer with ``answer_id`` (stable when answers are inserted)."""
    return f"{RATING}_{answer_id}"
