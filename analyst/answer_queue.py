"""A session's questions, answered one at a time on a worker thread.

The page only submits questions and draws what is there: a rerun, a page switch or a new question never
cuts an answer short, a question sent while another runs waits its turn, and Stop ends the running answer
at once, keeping its finished parts. The answers live in the conversation list the page already holds;
each job fills its own ``Answer`` in place.

The rules, so that Stop stops the work and not only the view:
- A session has at most one answer thread; the next question starts when it has ended, and the process runs at
  most ``MAX_ANSWER_THREADS`` answers at once (the others wait their turn).
- Stop cuts the model's request (``ModelClient.abort``: no retry, no further call) and interrupts a running query,
  so the stopped thread ends at once.
- An answer's fields change under the queue's lock; once stopped, the worker never writes to it again.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from analyst.answer import DONE, QUEUED, RUNNING, Answer, ErrorPart, NoticePart, TextPart
from analyst.pipeline import STOPPED, STOPPED_INSIGHT, Events, PipelineOptions, answer_question
from providers.client import ModelClient
from providers.retry import RetryNotice
from sandbox.database import SessionDatabase

MAX_WAITING = 10  # questions one session may queue behind the running one (a visitor cannot flood the endpoint)
MAX_ANSWER_THREADS = 8  # answers the whole process works on at once; more wait for a turn
_ANSWER_TURNS = threading.BoundedSemaphore(MAX_ANSWER_THREADS)
SLOW_AFTER_S = 15
WRITING = "Writing SQL"
INTERRUPT_EVERY_S = 0.05

logger = logging.getLogger(__name__)


@dataclass
class Progress:
    """What the running answer is waiting for, since when, and what it has streamed so far."""

    stage: str = "Waiting for the endpoint…"
    stage_started: float = field(default_factory=time.monotonic)
    started: float = field(default_factory=time.monotonic)
    retry: RetryNotice | None = None
    retry_started: float = 0.0
    sql: str = ""
    insight: str = ""
    slow_hint: str | None = None  # said while the model has not answered for a while (a cold start?)

    def set_stage(self, text: str) -> None:
        self.stage, self.stage_started, self.retry = text.rstrip("…"), time.monotonic(), None

    def set_retry(self, notice: RetryNotice) -> None:
        self.retry, self.retry_started = notice, time.monotonic()

    def describe(self, now: float | None = None) -> str:
        """``Writing SQL · 6 s``, or ``Endpoint starting · retry 2 of 5 in 20 s`` while a retry waits."""
        now = time.monotonic() if now is None else now
        if self.retry is not None:
            left = max(0, round(self.retry.wait_s - (now - self.retry_started)))
            return f"{self.retry.reason} · retry {self.retry.attempt} of {self.retry.max_retries} in {left} s"
        waited = now - self.stage_started
        hint = f" — {self.slow_hint}" if self.slow_hint and waited >= SLOW_AFTER_S and self.stage == WRITING else ""
        return f"{self.stage} · {round(waited)} s{hint}"


@dataclass
class Job:
    answer: Answer
    history: list[Answer]  # the conversation the answer belongs to: its context is what comes before it
    db: SessionDatabase
    client: ModelClient
    options: PipelineOptions
    progress: Progress = field(default_factory=Progress)
    stop: threading.Event = field(default_factory=threading.Event)

    def context(self) -> list[Answer]:
        index = next((i for i, a in enumerate(self.history) if a is self.answer), len(self.history))
        return [a for a in self.history[:index] if a.status == DONE]


class AnswerQueue:
    """Submit answers with :meth:`submit`; one worker thread answers them in order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: list[Job] = []
        self._current: Job | None = None
        self._thread: threading.Thread | None = None  # this session's one answer thread, while it runs
        self._idle = threading.Condition(self._lock)

    def submit(
        self,
        answer: Answer,
        history: list[Answer],
        db: SessionDatabase,
        client: ModelClient,
        options: PipelineOptions,
    ) -> bool:
        """Queue ``answer`` (already in ``history``); it is answered after every question submitted before it.
        False, and nothing queued, when ``MAX_WAITING`` questions wait already."""
        with self._lock:
            if len(self._waiting) >= MAX_WAITING:
                return False
            answer.status = QUEUED
            self._waiting.append(Job(answer, history, db, client, options))
            if self._current is None:
                self._start_next()
        return True

    def progress(self, answer: Answer) -> Progress | None:
        with self._lock:
            current = self._current
        return current.progress if current is not None and current.answer is answer else None

    def stop(self) -> None:
        """End the running answer now, keeping its finished parts; the queued ones go on once its thread ended
        (at once: its request is cut and its query interrupted)."""
        with self._lock:
            job = self._current
            if job is None:
                return
            self._end(job)

    def cancel_all(self) -> None:
        """Stop the running answer and drop the queued ones (the conversation is being cleared)."""
        with self._lock:
            for job in self._waiting:
                job.answer.status = DONE
            self._waiting.clear()
            if self._current is not None:
                self._end(self._current)
            self._idle.notify_all()

    @property
    def threads(self) -> int:
        """This session's answer threads running now (0 or 1)."""
        with self._lock:
            return int(self._thread is not None and self._thread.is_alive())

    @property
    def busy(self) -> bool:
        with self._lock:
            return self._current is not None or bool(self._waiting)

    def wait(self, timeout: float) -> bool:
        """Block until every submitted answer is done (tests, scripts); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._current is not None or self._waiting:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    # Internal: callers hold the lock. ---------------------------------------------------------------
    def _end(self, job: Job) -> None:
        """Stop ``job``: settled as the person sees it, its request cut, its running query interrupted."""
        job.stop.set()
        self._settle_stopped(job)
        self._current = None
        job.client.abort()
        if self._thread is not None and job.db.running:
            threading.Thread(target=_interrupt_while_running, args=(job.db, self._thread), daemon=True).start()

    def _start_next(self) -> None:
        if self._thread is not None:
            return  # the running thread starts the next job when it ends
        self._current = self._waiting.pop(0) if self._waiting else None
        if self._current is None:
            self._idle.notify_all()
            return
        job = self._current
        job.answer.status = RUNNING
        job.progress = Progress(slow_hint=job.client.slow_start_hint())
        self._thread = threading.Thread(target=self._work, args=(job,), name="answer", daemon=True)
        self._thread.start()

    def _settle_stopped(self, job: Job) -> None:
        """The stopped answer as the person sees it from now on: finished parts, the insight so far, a note."""
        answer = job.answer
        parts = [p for p in answer.parts if not (isinstance(p, NoticePart) and p.kind == NoticePart.STOPPED)]
        insight = job.progress.insight.strip()
        if insight and not any(isinstance(p, TextPart) for p in parts):
            parts.insert(0, TextPart(insight, STOPPED_INSIGHT, by_model=True))
        answer.parts, answer.stopped = [NoticePart(STOPPED, NoticePart.STOPPED), *parts], True
        answer.total_s = time.monotonic() - job.progress.started
        answer.status = DONE

    def _work(self, job: Job) -> None:
        progress = job.progress

        def update(working: Answer) -> None:
            with self._lock:
                if not job.stop.is_set():
                    job.answer.parts, job.answer.calls = list(working.parts), list(working.calls)

        def on_insight(piece: str) -> None:
            progress.insight += piece

        def on_retry(notice: RetryNotice) -> None:
            progress.set_retry(notice)

        events = Events(
            on_stage=progress.set_stage,
            on_retry=on_retry,
            on_insight=on_insight,
            on_sql=lambda sql: setattr(progress, "sql", sql),
            on_update=update,
            should_stop=job.stop.is_set,
        )
        finished = None
        try:
            with _ANSWER_TURNS:
                if not job.stop.is_set():
                    finished = answer_question(
                        job.answer.question, job.context(), job.db, job.client, job.options, events
                    )
        except Exception as error:  # never leave a session's queue stuck on an unexpected failure
            logger.exception("An answer failed unexpectedly")
            message = f"The answer failed unexpectedly ({type(error).__name__}). Ask again, or retry."
            finished = Answer(job.answer.question, [ErrorPart(message)])
        finally:
            with self._lock:
                if finished is not None and not job.stop.is_set():
                    answer = job.answer
                    answer.parts, answer.calls, answer.total_s = finished.parts, finished.calls, finished.total_s
                    answer.stopped = finished.stopped
                    answer.status = DONE
                if self._current is job:
                    self._current = None
                self._thread = None
                self._start_next()


def _interrupt_while_running(db: SessionDatabase, worker: threading.Thread) -> None:
    """Interrupt the stopped answer's query until it has ended: an interrupt that lands just before DuckDB starts
    executing is lost, so one is sent again every ``INTERRUPT_EVERY_S`` while the query runs."""
    while worker.is_alive() and db.running:
        db.interrupt()
        worker.join(INTERRUPT_EVERY_S)
