"""An accuracy score running in the background: one question, and one query, at a time, until it is done or stopped.

The Endpoints page starts it when the person presses the button and only reads its status afterwards, so a rerun
or a page switch never cuts it short. It stops when the person presses Stop, when a new questions file replaces the
one it scores, or when the browser session that started it is gone (``alive`` says no): then no further model
request is sent, a retry's wait is cut short, and the DuckDB query running at that moment is interrupted.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import threading
from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from evaluation.accuracy import EvalQuestion, EvalReport, QuestionScore, ReferenceQueryFailed, run_evaluation
from providers.client import ModelClient, StopRequested
from sandbox.database import SandboxLimits, SessionDatabase

RUNNING, DONE, STOPPED, FAILED = "running", "done", "stopped", "failed"
# The usual time limit and memory per query; one DuckDB thread, so a score leaves the other cores to the visitors.
SCORE_LIMITS = SandboxLimits(threads=1)
CHECK_EVERY_S = 0.5  # how often the watcher asks whether the session is still there
STOPPED_BY_PERSON = "Stopped."
SESSION_ENDED = "Stopped: the browser session that started it ended."


def _always() -> bool:
    return True


@dataclass(frozen=True)
class ScoreStatus:
    state: str  # RUNNING, DONE, STOPPED or FAILED
    scored: int  # questions scored so far
    total: int
    message: str = ""  # why it stopped or failed
    stopping: bool = False  # a stop was asked for; the step under way is ending


class ScoreRun:
    """Scores ``questions`` with ``client`` on a worker thread; a watcher thread stops it when ``alive()`` turns
    false (checked every ``check_every_s``) and interrupts the running query once it is stopped."""

    def __init__(
        self,
        client: ModelClient,
        questions: list[EvalQuestion],
        *,
        alive: Callable[[], bool] = _always,
        limits: SandboxLimits = SCORE_LIMITS,
        check_every_s: float = CHECK_EVERY_S,
    ) -> None:
        self.questions = list(questions)
        self.report = EvalReport(model=client.settings.model)
        self._stop = threading.Event()
        # The session's own client (its budget and call count are this run's too), with a retry wait that Stop cuts
        # short: a shallow copy shares everything else with it.
        self._client = copy.copy(client)
        self._client.policy = dataclasses.replace(client.policy, sleep=self._sleep)
        self._alive = alive
        self._limits = limits
        self._check_every_s = check_every_s
        self._databases: dict[tuple[str, ...], SessionDatabase] = {}
        self._lock = threading.Lock()
        self._finished = threading.Event()
        self._state = RUNNING
        self._message = ""
        self._worker = threading.Thread(target=self._work, name="accuracy-score", daemon=True)
        self._watcher = threading.Thread(target=self._watch, name="accuracy-score-watch", daemon=True)

    def start(self) -> ScoreRun:
        self._worker.start()
        self._watcher.start()
        return self

    def stop(self, reason: str = STOPPED_BY_PERSON) -> None:
        """End the run: no model request after the one in flight (if any), the running query interrupted."""
        with self._lock:
            if self._stop.is_set() or self._finished.is_set():
                return
            self._message = reason
            self._stop.set()
        self._interrupt_queries()

    def status(self) -> ScoreStatus:
        with self._lock:
            return ScoreStatus(
                self._state, len(self.report.scores), len(self.questions), self._message, self._stop.is_set()
            )

    @property
    def running(self) -> bool:
        return not self._finished.is_set()

    def join(self, timeout: float) -> bool:
        """Wait until the run has ended (tests, scripts); False on timeout."""
        return self._finished.wait(timeout)

    # Threads ---------------------------------------------------------------------------------------------
    def _sleep(self, seconds: float) -> None:
        """The retry policy's wait: raising ends the retries, so no request follows a stop."""
        if self._stop.wait(seconds):
            raise StopRequested

    def _interrupt_queries(self) -> None:
        for db in list(self._databases.values()):
            with contextlib.suppress(duckdb.Error):  # closed as the run ended: nothing left to interrupt
                db.interrupt()

    def _progress(self, _done: int, _total: int, score: QuestionScore) -> None:
        with self._lock:
            self.report.scores.append(score)
            self.report.model = score.model or self.report.model

    def _work(self) -> None:
        failure = ""
        try:
            run_evaluation(
                self._client,
                self.questions,
                on_progress=self._progress,
                should_stop=self._stop.is_set,
                databases=self._databases,
                limits=self._limits,
            )
        except ReferenceQueryFailed as error:
            failure = str(error)
        except Exception as error:  # never a traceback, never a run that claims to go on
            failure = f"The score failed unexpectedly ({type(error).__name__})."
        finally:
            for db in self._databases.values():
                db.close()
        with self._lock:
            if self._stop.is_set():
                self._state = STOPPED  # whatever failed was the stop's doing (an interrupted query)
            elif failure:
                self._state, self._message = FAILED, failure
            else:
                self._state = DONE
            self._finished.set()

    def _watch(self) -> None:
        while not self._finished.wait(self._check_every_s):
            if not self._stop.is_set() and not self._session_alive():
                self.stop(SESSION_ENDED)
            if self._stop.is_set():
                self._interrupt_queries()  # again: a query may have started just after the stop

    def _session_alive(self) -> bool:
        try:
            return self._alive()
        except Exception:  # a check that cannot answer: a session nobody can see is not worth the owner's calls
            return False
