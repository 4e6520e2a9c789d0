"""Asking questions from the chat page: each joins the conversation at once and is answered in turn."""

from __future__ import annotations

from typing import TYPE_CHECKING

from analyst.answer import ATTACHMENT_MARK, Answer, ErrorPart, TextPart
from ui import state

if TYPE_CHECKING:
    from analyst.answer_queue import Progress


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


TOO_MANY_WAITING = "Too many questions are waiting already: ask this one again when the answers above are done."


def submit_question(question: str, checked_sql: str = "") -> None:
    """Add ``question`` to the conversation and queue it; it is answered after any question before it.
    ``checked_sql``: a suggestion's SQL, which answers it instead of the model's."""
    from analyst.pipeline import PipelineOptions  # heavy: first needed here
    from analyst.prompts import shorten_question

    question = shorten_question(question)  # kept, shown and sent: never more than the prompt takes
    history = state.conversation()
    problem = not_ready_message()
    client = state.model_client()
    if problem or client is None:
        history.append(Answer(question, [ErrorPart(problem or "No endpoint is configured.")]))
        return
    answer = Answer(question)
    history.append(answer)
    options = PipelineOptions(share_rows=state.share_rows(), checked_sql=checked_sql)
    if not state.answer_queue().submit(answer, history, state.session_database(), client, options):
        answer.parts = [ErrorPart(TOO_MANY_WAITING)]


def retry_answer(index: int) -> None:
    """Ask a failed or stopped answer's question again, in its place: the same question, the same context."""
    from analyst.pipeline import PipelineOptions

    history = state.conversation()
    client = state.model_client()
    if index >= len(history) or client is None or not_ready_message():
        return
    answer = history[index]
    kept = answer.parts
    answer.parts, answer.calls, answer.total_s, answer.stopped = [], [], 0.0, False
    answer.rating = None  # the rating was of the answer being replaced
    options = PipelineOptions(share_rows=state.share_rows())
    if not state.answer_queue().submit(answer, history, state.session_database(), client, options):
        answer.parts = [*kept, ErrorPart(TOO_MANY_WAITING)]


def can_retry(answer: Answer) -> bool:
    """A failed or stopped answer to a question (not a file attachment, nor a shared link, whose question no
    model was asked here) can be asked again in place."""
    return not answer.is_attachment and not answer.shared and (answer.error is not None or answer.stopped)


def stop_answer() -> None:
    state.answer_queue().stop()


def answer_progress(answer: Answer) -> Progress | None:
    return state.answer_queue().progress(answer)


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
