"""One Streamlit session driven over the app's own websocket, as a browser tab drives it, without drawing anything.

The part of Streamlit's protocol (``streamlit/proto``) a tab speaks: it loads the page and the health check, which sets the XSRF
cookie (which is how the app tells visitors apart), opens ``/_stcore/stream``, asks for script runs with its query
string, URL and widget values, uploads files through ``/_stcore/upload_file`` and reruns a fragment whenever the
app asks it to (``auto_rerun``). It keeps what a tab would show: the text of the elements of the last full run,
updated by the fragment runs since. The server cannot tell it from a tab; it costs the test a fraction of a
browser tab's CPU, so load tests and link probes can open many sessions at once. What people see is still
tested in Chromium (``tests/browser``).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.Common_pb2 import ChatInputValue, FileUploaderState, FileURLs, UploadedFileInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
from websockets.sync.client import connect

XSRF_COOKIE = "_streamlit_xsrf"
FINISHED = ForwardMsg.ScriptFinishedStatus
FULL_RUN_ENDS = {FINISHED.FINISHED_SUCCESSFULLY, FINISHED.FINISHED_WITH_COMPILE_ERROR}
# The text each kind of element shows (what a person reads); other elements are recorded by kind alone.
ELEMENT_TEXT = {
    "markdown": ("body",),
    "text": ("body",),
    "alert": ("body",),
    "heading": ("body",),
    "code": ("code_text",),
    "exception": ("type", "message"),
    "metric": ("label", "body"),
    "button": ("label",),
    "download_button": ("label",),
    "chat_input": ("placeholder",),
}
BLOCK_TEXT = {"tab": ("label",), "expandable": ("label",), "chat_message": ("name",), "popover": ("label",)}


class StreamSession:
    """A browser tab's session: ``ask`` a question (with files), then read ``texts`` once ``settled``."""

    def __init__(self, url: str, query: str = "", *, timeout_s: float = 60) -> None:
        self.base = url.rstrip("/")
        self.query = query
        self.timeout_s = timeout_s
        self.http = requests.Session()
        self.session_id = ""
        self.page_script_hash = ""
        self.drawn: dict[tuple[int, ...], tuple[str, str, str]] = {}  # path -> (fragment id, kind, text)
        self._run_of: dict[tuple[int, ...], str] = {}  # path -> the run that drew it
        self.widgets: dict[str, str] = {}  # widget kind -> id (the last one drawn)
        self.runs_finished = 0
        self.running = False
        self._next: dict[tuple[int, ...], tuple[str, str, str]] = {}  # the full run being drawn
        self._run = ""  # the run being drawn
        self._fragments: list[str] = []  # the fragments it redraws (none: a full run)
        self._timers: dict[str, threading.Event] = {}
        self._file_urls: dict[str, Any] = {}
        self._lock = threading.Condition()
        self._socket: Any = None
        self._closing = ExitStack()
        self._reader: threading.Thread | None = None

    # -- connection ------------------------------------------------------------------------------------------
    def open(self) -> StreamSession:
        """Load the page and the health check (which sets the XSRF cookie), open the websocket and ask for the first run, as a tab does."""
        self.http.get(self._page_url(), timeout=self.timeout_s).raise_for_status()
        self.http.get(f"{self.base}/_stcore/health", timeout=self.timeout_s).raise_for_status()  # sets the cookie
        cookie = "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())
        host = urlsplit(self.base).netloc
        self._socket = self._closing.enter_context(
            connect(
                f"ws://{host}/_stcore/stream",
                subprotocols=["streamlit"],  # type: ignore[list-item]
                additional_headers={"Cookie": cookie, "Origin": self.base},
                max_size=None,
                open_timeout=self.timeout_s,
            )
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.rerun()
        return self

    def close(self) -> None:
        for stop in self._timers.values():
            stop.set()
        self._closing.close()
        self.http.close()

    def __enter__(self) -> StreamSession:
        return self.open()

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- what a person does ----------------------------------------------------------------------------------
    def rerun(self, widgets: list[WidgetState] | None = None, fragment_id: str = "") -> None:
        """Ask for a script run (a fragment's when ``fragment_id``) with these widget values."""
        state = ClientState(
            query_string=self.query,
            page_script_hash=self.page_script_hash,
            widget_states=WidgetStates(widgets=widgets or []),
            fragment_id=fragment_id,
            is_auto_rerun=bool(fragment_id),
        )
        state.context_info.url = self._page_url()
        state.context_info.timezone = "UTC"
        state.context_info.locale = "en-US"
        if not fragment_id:
            with self._lock:
                self.running = True
        self._send(BackMsg(rerun_script=state))

    def ask(self, question: str, files: list[Path] = ()) -> None:  # type: ignore[assignment]
        """Type ``question`` in the chat box, attach ``files`` (uploaded first) and press Enter."""
        chat_input = self.wait_for(lambda: self.widgets.get("chat_input"), "a chat box")
        value = ChatInputValue(data=question)
        if files:
            value.file_uploader_state.CopyFrom(FileUploaderState(uploaded_file_info=[self.upload(f) for f in files]))
        self.rerun([WidgetState(id=chat_input, chat_input_value=value)])

    def upload(self, path: Path) -> UploadedFileInfo:
        """Upload one file as the browser does before the question is sent: ask for its URLs, then PUT it."""
        request_id = uuid.uuid4().hex
        self._send(
            BackMsg(
                file_urls_request={"request_id": request_id, "file_names": [path.name], "session_id": self.session_id}
            )
        )
        urls = self.wait_for(lambda: self._file_urls.get(request_id), f"upload URLs for {path.name}")
        content = path.read_bytes()
        xsrf = self.http.cookies.get(XSRF_COOKIE) or ""
        for attempt in range(2):
            try:
                response = self.http.put(
                    self.base + urls.upload_url,
                    files={"file": (path.name, content)},
                    headers={"X-Xsrftoken": xsrf},
                    timeout=self.timeout_s,
                )
                break
            except requests.ConnectionError:
                # A kept-alive connection the server closed as it was reused ("reset by peer"): as a browser does
                # for an idempotent request, send the PUT once more on a new connection.
                if attempt:
                    raise
        response.raise_for_status()
        file_urls = FileURLs(file_id=urls.file_id, upload_url=urls.upload_url, delete_url=urls.delete_url)
        return UploadedFileInfo(name=path.name, size=len(content), file_id=urls.file_id, file_urls=file_urls)

    def _page_url(self) -> str:
        return f"{self.base}/" + (f"?{self.query}" if self.query else "")

    # -- what a person sees ----------------------------------------------------------------------------------
    def texts(self) -> list[str]:
        """Every drawn element's text, in page order (main area, then sidebar)."""
        with self._lock:
            return [text for _path, (_f, _kind, text) in sorted(self.drawn.items()) if text]

    def count(self, kind: str) -> int:
        """How many elements or blocks of this kind are drawn (e.g. ``chat_message``)."""
        with self._lock:
            return sum(1 for _f, drawn_kind, _t in self.drawn.values() if drawn_kind == kind)

    def messages(self) -> list[str]:
        """Each chat message's text (its elements' texts, one per line), in order."""
        with self._lock:
            drawn = sorted(self.drawn.items())
        texts: list[str] = []
        root: tuple[int, ...] = ()
        for path, (_fragment, kind, text) in drawn:
            if kind == "chat_message":
                texts.append("")
                root = path
            elif texts and path[: len(root)] == root and text:
                texts[-1] += text + "\n"
        return texts

    def page_text(self) -> str:
        return "\n".join(self.texts())

    def settled(self) -> bool:
        """No script run under way and no fragment being redrawn on a timer: the page stays as it is."""
        with self._lock:
            return not self.running and not self._timers

    def wait_for(self, found: Callable[[], Any], what: str, timeout_s: float | None = None) -> Any:
        """Wait until ``found()`` is truthy and return it; an AssertionError names ``what`` and the page."""
        deadline = time.monotonic() + (timeout_s or self.timeout_s)
        with self._lock:
            while not (result := found()):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"never saw {what}; the page shows: " + " | ".join(self.texts())[-2000:])
                self._lock.wait(min(left, 0.5))
            return result

    def wait_for_text(self, text: str, timeout_s: float | None = None) -> None:
        self.wait_for(lambda: text in self.page_text(), repr(text), timeout_s)

    # -- the protocol ----------------------------------------------------------------------------------------
    def _send(self, message: BackMsg) -> None:
        self._socket.send(message.SerializeToString())

    def _read(self) -> None:
        try:
            for data in self._socket:
                message = ForwardMsg()
                message.ParseFromString(data)
                with self._lock:
                    self._handle(message)
                    self._lock.notify_all()
        except Exception:  # the socket closed: the session is over
            with self._lock:
                self.running = False
                self._lock.notify_all()

    def _handle(self, message: ForwardMsg) -> None:
        kind = message.WhichOneof("type")
        run = message.metadata.run
        if kind == "new_session":
            self.page_script_hash = message.new_session.page_script_hash
            self.session_id = message.new_session.initialize.session_id or self.session_id
            self._run, self._fragments = run.script_run_id, list(run.fragment_ids)
            if not self._fragments:  # a full run: the app's fragment timers stop, the page is drawn anew
                self._stop_timers(list(self._timers))
                self._next = {}
        elif kind == "delta":
            self._draw(message)
        elif kind == "script_finished":
            if message.script_finished in FULL_RUN_ENDS:
                self.drawn, self._next = self._next, {}
                self.running = False
                self.runs_finished += 1
            elif message.script_finished == FINISHED.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:  # what it drew no more
                stale = [
                    p
                    for p, (f, _k, _t) in self.drawn.items()
                    if f in self._fragments and self._run_of.get(p) != self._run
                ]
                for path in stale:
                    del self.drawn[path]
        elif kind == "page_info_changed":
            self.query = message.page_info_changed.query_string
        elif kind == "auto_rerun":
            self._start_timer(message.auto_rerun.fragment_id, message.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            self._stop_timers(list(message.stop_auto_rerun.fragment_ids))
        elif kind == "file_urls_response":
            response = message.file_urls_response
            self._file_urls[response.response_id] = response.file_urls[0]

    def _draw(self, message: ForwardMsg) -> None:
        delta = message.delta
        path = tuple(message.metadata.delta_path)
        if delta.HasField("new_element"):
            element = delta.new_element
            kind = element.WhichOneof("type") or ""
            inner = getattr(element, kind) if kind else None
            text = " ".join(str(getattr(inner, f)) for f in ELEMENT_TEXT.get(kind, ()) if getattr(inner, f))
            if kind in ("chat_input", "button"):
                self.widgets[kind] = inner.id  # type: ignore[union-attr]
        elif delta.HasField("add_block"):
            block = delta.add_block
            kind = block.WhichOneof("type") or ""
            inner = getattr(block, kind) if kind else None
            text = " ".join(str(getattr(inner, f)) for f in BLOCK_TEXT.get(kind, ()) if getattr(inner, f))
        else:
            return
        target = self.drawn if self._fragments else self._next
        target[path] = (delta.fragment_id, kind, text)
        self._run_of[path] = self._run

    def _start_timer(self, fragment_id: str, interval_s: float) -> None:
        if fragment_id in self._timers:
            return
        stop = threading.Event()
        self._timers[fragment_id] = stop

        def tick() -> None:
            while not stop.wait(interval_s):
                self.rerun(fragment_id=fragment_id)

        threading.Thread(target=tick, daemon=True).start()

    def _stop_timers(self, fragment_ids: list[str]) -> None:
        for fragment_id in fragment_ids:
            stop = self._timers.pop(fragment_id, None)
            if stop is not None:
                stop.set()
