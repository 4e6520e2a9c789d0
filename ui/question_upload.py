"""The Accuracy tab's questions: the bundled reference set, or a questions file the person uploads (such as the
chat's rated questions), checked once per upload before any model is asked."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from analyst.model_text import escape_markdown
from evaluation.accuracy import EvalQuestion, EvalReport, QuestionScore, load_questions, run_evaluation
from evaluation.question_files import MAX_QUESTIONS, QuestionFileError, read_questions_file
from providers.client import ModelClient
from ui import state

UPLOAD_HELP = (
    f"A JSON list in bench/questions.json's format (id, question, reference_sql; optional tags, tables, history), "
    f"at most {MAX_QUESTIONS} questions, e.g. the chat's rated questions download. Every reference query is run "
    "once in the read-only sandbox first: a file with one that is refused or fails is not used."
)


def checked_upload(file_id: str, data: bytes) -> list[EvalQuestion] | QuestionFileError:
    """The uploaded file's questions or what is wrong with it, worked out once per upload (reruns reuse it)."""
    kept = state.result(state.UPLOADED_QUESTIONS)
    if kept is None or kept[0] != file_id:
        try:
            outcome: list[EvalQuestion] | QuestionFileError = read_questions_file(data)
        except QuestionFileError as error:
            outcome = error
        kept = (file_id, outcome)
        state.store_result(state.UPLOADED_QUESTIONS, kept)
    return kept[1]


def render_question_choice() -> tuple[list[EvalQuestion], str]:
    """The questions to score and a sentence saying which they are; no questions when the upload is refused."""
    uploaded = st.file_uploader(
        "Your own questions (optional)", type=["json"], key=state.QUESTIONS_UPLOAD, help=UPLOAD_HELP
    )
    if uploaded is None:
        questions = load_questions()
        return questions, (
            f"{len(questions)} reference questions about the bundled week of earthquakes (bench/questions.json)."
        )
    outcome = checked_upload(uploaded.file_id, uploaded.getvalue())
    if isinstance(outcome, QuestionFileError):
        st.error(escape_markdown(f"This questions file cannot be used: {outcome}"))
        return [], ""
    count = f"{len(outcome)} question{'' if len(outcome) == 1 else 's'}"
    return outcome, f"{count} from {escape_markdown(uploaded.name)}."


def run_accuracy_score(
    client: ModelClient, questions: list[EvalQuestion], on_progress: Callable[[int, int, QuestionScore], None]
) -> EvalReport | None:
    """The score, or None after saying why it stopped (a reference query that failed while scoring)."""
    try:
        return run_evaluation(client, questions, on_progress=on_progress)
    except RuntimeError as error:
        st.error(escape_markdown(str(error)))
        return None
