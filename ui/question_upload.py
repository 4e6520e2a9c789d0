"""The Accuracy tab's glue: which questions to score (the bundled set, or a file the person uploads, checked once
per upload with cheap checks only: nothing runs then), and the score itself, started only by its button and run in
the background one question and one query at a time (``evaluation.score_run``), with progress and Stop. A score
stops when other questions are chosen, and when this browser session ends."""

from __future__ import annotations

import time
from collections.abc import Callable

import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from analyst.model_text import escape_markdown
from evaluation.accuracy import EvalQuestion, EvalReport, load_questions
from evaluation.question_files import MAX_FILE_BYTES, MAX_QUESTIONS, QuestionFileError, read_questions_file
from evaluation.score_run import FAILED, STOPPED, ScoreRun
from providers.client import ModelClient
from ui import state

REDRAW_S = 1.0  # the progress bar's refresh while a score runs
# A tab whose websocket drops (a network blip) reconnects to the same session: Streamlit's page tries again after
# 0.25-0.5 s, then waits longer each time, at most 4 s. Its score goes on if it is back within this.
RECONNECT_GRACE_S = 5.0
OTHER_QUESTIONS = "Stopped: other questions were chosen."
UPLOAD_HELP = (
    f"A JSON list in bench/questions.json's format (id, question, reference_sql; optional tags, tables, history), "
    f"at most {MAX_QUESTIONS} questions and {MAX_FILE_BYTES // 1_000_000} MB, e.g. the chat's rated questions "
    "download. Nothing runs when you upload it: the reference queries run when you start the score, one at a "
    "time, and the first one that is refused or fails ends it."
)


def session_alive_check(grace_s: float = RECONNECT_GRACE_S) -> Callable[[], bool]:
    """Whether this browser session is still there, askable from any thread: the runtime has it connected, or lost
    it less than ``grace_s`` ago. Without a server (AppTest, bare mode) there is no runtime to ask: always true.

    Why the runtime's table of connected sessions: it changes the moment the tab's websocket closes. A finalizer on
    an object in session state would fire minutes late or never: Streamlit keeps a disconnected session for two
    minutes or more in case the tab reconnects, and session state sits in reference cycles that only a full garbage
    collection frees (the app turns off the one Streamlit runs after every script, ``runner.postScriptGC``)."""
    context = get_script_run_ctx()
    if context is None or not Runtime.exists():
        return lambda: True
    runtime, session_id = Runtime.instance(), context.session_id
    last_seen = [time.monotonic()]

    def alive() -> bool:
        now = time.monotonic()
        if runtime.is_active_session(session_id):
            last_seen[0] = now
            return True
        return now - last_seen[0] < grace_s

    return alive


# The score ---------------------------------------------------------------------------------------------------
def score_run() -> ScoreRun | None:
    """This session's accuracy score, running or finished (kept under ``ACCURACY_REPORT``: its report grows as
    questions are scored)."""
    kept = state.result(state.ACCURACY_REPORT)
    return kept if isinstance(kept, ScoreRun) else None


def stop_score(reason: str) -> None:
    run = score_run()
    if run is not None:
        run.stop(reason)


def forget_score() -> None:
    """Other questions: the score of the ones before stops, and its report goes (it was about other questions)."""
    stop_score(OTHER_QUESTIONS)
    state.forget_result(state.ACCURACY_REPORT)


def start_score(client: ModelClient, questions: list[EvalQuestion]) -> ScoreRun:
    """A new score of ``questions`` in the background; the session's previous one, if still running, stops."""
    stop_score(OTHER_QUESTIONS)
    run = ScoreRun(client, questions, alive=session_alive_check()).start()
    state.store_result(state.ACCURACY_REPORT, run)
    return run


def finished_report() -> EvalReport | None:
    """What the session's last score found, once it has ended (for a stopped one: the questions scored before)."""
    run = score_run()
    if run is None or run.running or not run.report.scores:
        return None
    return run.report


@st.fragment(run_every=REDRAW_S)
def render_progress(run: ScoreRun) -> None:
    """The running score's progress and its Stop button, redrawn every second; the whole page once it has ended."""
    bar = st.empty()  # above the button, drawn once the button has had its say
    if st.button("Stop scoring", key="accuracy_stop", disabled=run.status().stopping):
        run.stop()
    if not run.running:
        st.rerun()  # the report and the start button are the page's
    status = run.status()
    ending = " · stopping after the step under way…" if status.stopping else ""
    done = status.scored / status.total if status.total else 0.0
    bar.progress(done, f"{status.scored} of {status.total} questions scored{ending}")


def render_score(client: ModelClient | None, questions: list[EvalQuestion]) -> None:
    """The start button (none without a ``client``), or the running score's progress; and how the last score ended
    when it did not finish."""
    run = score_run()
    if run is not None and run.running:
        render_progress(run)
        return
    if client is not None and st.button("Run accuracy score", type="primary", disabled=not questions):
        start_score(client, questions)
        st.rerun()
    if run is None:
        return
    status = run.status()
    if status.state == FAILED:
        st.error(escape_markdown(status.message))  # it quotes the file's question id and DuckDB's message
    elif status.state == STOPPED and status.scored:
        st.warning(f"{status.message} The figures below cover the {status.scored} of {status.total} questions scored.")
    elif status.state == STOPPED:
        st.warning(f"{status.message} No question was scored.")


# The questions -----------------------------------------------------------------------------------------------
def checked_upload(file_id: str, data: bytes) -> list[EvalQuestion] | QuestionFileError:
    """The uploaded file's questions or what is wrong with it, worked out once per upload (reruns reuse it). A new
    file stops the score of the questions before it and clears its report."""
    kept = state.result(state.UPLOADED_QUESTIONS)
    if kept is None or kept[0] != file_id:
        forget_score()
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
        "Your own questions (optional)",
        type=["json"],
        key=state.QUESTIONS_UPLOAD,
        help=UPLOAD_HELP,
        max_upload_size=max(1, MAX_FILE_BYTES // 1_000_000),  # the browser's own check, in MB; ours follows
    )
    if uploaded is None:
        if state.result(state.UPLOADED_QUESTIONS) is not None:  # the file was removed: back to the bundled set
            forget_score()
            state.store_result(state.UPLOADED_QUESTIONS, None)
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


def render_score_report(report: EvalReport) -> None:
    """The finished score: accuracy, latency and tokens, each question (wrong answers first), and downloads."""
    a, b, c, d = st.columns(4)
    total = len(report.scores)
    a.metric("Execution accuracy", f"{report.accuracy:.0%}", help=f"{report.right} of {total} right")
    b.metric("Median latency", f"{report.latency_p50_s:.2f} s")
    c.metric("90th percentile", f"{report.latency_p90_s:.2f} s")
    d.metric("Tokens", f"{report.total_tokens:,}")
    st.caption(f"{report.right} of {total} right · model {escape_markdown(report.model)} · wrong answers first")
    st.dataframe(report.rows_wrong_first(), hide_index=True)
    with st.container(horizontal=True):
        st.download_button("Download CSV", report.to_csv(), "accuracy.csv", "text/csv")
        st.download_button("Download JSON", report.to_json(), "accuracy.json", "application/json")
