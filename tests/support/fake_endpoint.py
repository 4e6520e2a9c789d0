"""A loopback OpenAI-compatible server that behaves like HuggingFace/TGI endpoints.

Real HTTP on 127.0.0.1, so the app's real OpenAI SDK talks to it exactly as it would to
HuggingFace. Tests script its replies and failures and read back what it received.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support.loopback import LoopbackServer

# Bodies as HuggingFace's router, TGI and dedicated endpoints send them.
HF_ERROR_BODIES: dict[int, dict[str, Any]] = {
    400: {
        "error": {
            "message": "The requested model 'acme/nope' is not supported by any provider you have enabled.",
            "type": "invalid_request_error",
            "param": "model",
            "code": "model_not_supported",
        }
    },
    401: {"error": "Invalid credentials in Authorization header"},
    402: {
        "error": "You have exceeded your monthly included credits for Inference Providers. "
        "Subscribe to PRO to get 20x more monthly included credits."
    },
    403: {"error": "This authentication method does not have sufficient permissions to call Inference Providers"},
    404: {"error": "Model not found"},
    410: {
        "error": "https://api-inference.huggingface.co is no longer supported. "
        "Please use https://router.huggingface.co/hf-inference instead."
    },
    422: {
        "error": "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. "
        "Given: 4000 `inputs` tokens and 512 `max_new_tokens`",
        "error_type": "validation",
    },
    429: {"error": "Model is overloaded", "error_type": "overloaded"},
    500: {"error": "Internal Server Error"},
    503: {
        "error": "Model microsoft/Phi-3-mini-4k-instruct is currently loading",
        "estimated_time": 20.0,
    },
}

Responder = Callable[[dict[str, Any]], str]


@dataclass
class Failure:
    """One scripted failure: the status, body and headers to answer with."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def encoded_body(self) -> bytes:
        body = HF_ERROR_BODIES.get(self.status, {"error": "error"}) if self.body is None else self.body
        return body if isinstance(body, bytes) else (body if isinstance(body, str) else json.dumps(body)).encode()


@dataclass
class RecordedRequest:
    """What the server received: method, path, headers (lower-case names), JSON body, arrival time."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    at: float

    @property
    def last_user_message(self) -> str:
        messages = (self.body or {}).get("messages") or []
        users = [m.get("content") for m in messages if m.get("role") == "user"]
        return str(users[-1]) if users else ""


def default_responder(body: dict[str, Any]) -> str:
    return "OK"


class FakeEndpoint(LoopbackServer):
    """Start with ``FakeEndpoint()``; ``url`` is its base (``/v1`` is added by the dedicated type).

    Script it with ``responder`` (request body -> reply text), ``fail_next``, ``fail_always``,
    ``delay``, ``token_delay``, ``break_stream_after`` and ``models``; read ``requests``. ``stop()`` when done.
    """

    def __init__(self) -> None:
        self.responder: Responder = default_responder
        self.models: list[str] = ["tgi"]
        self.delay: float = 0.0  # seconds before each chat reply (a slow endpoint)
        self.token_delay: float = 0.0  # seconds between streamed pieces (a slow generator)
        # Scaled to zero: the first chat request starts a replica that is ready this many seconds later. Meanwhile
        # HuggingFace's proxy answers 503, or holds a request whose X-Scale-Up-Timeout covers the rest of the start.
        self.cold_start_s: float = 0.0
        self._starting_since: float | None = None
        self.break_stream_after: int | None = None
        self.stream_error: dict[str, Any] | None = None  # sent as the first event of a stream, like TGI does
        self.reply_model: str | None = None
        self.failure_rate: float = 0.0  # share of chat requests answered with `random_failure`
        self.fail_if: Callable[[dict[str, Any]], Failure | None] | None = None  # decide from the request body
        self.random_failure = Failure(503)
        self.requests: list[RecordedRequest] = []
        self._failures: deque[Failure] = deque()
        self._fail_always: Failure | None = None
        self._lock = threading.Lock()
        self._rng_state = 12345
        super().__init__(_Handler, "endpoint")

    def fail_next(
        self,
        count: int,
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next ``count`` requests with ``status`` and HuggingFace's body for it."""
        with self._lock:
            self._failures.extend(Failure(status, body, headers or {}) for _ in range(count))

    def fail_always(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        self._fail_always = Failure(status, body, headers or {})

    def reset(self) -> None:
        with self._lock:
            self._failures.clear()
            self._fail_always = None
            self.requests.clear()
            self.responder = default_responder
            self.delay = 0.0
            self.token_delay = 0.0
            self.cold_start_s = 0.0
            self._starting_since = None
            self.break_stream_after = None
            self.stream_error = None
            self.failure_rate = 0.0
            self.fail_if = None
            self.reply_model = None
            self.models = ["tgi"]

    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    # Internal: called by the handler.
    def _next_failure(self) -> Failure | None:
        with self._lock:
            if self._failures:
                return self._failures.popleft()
            if self._fail_always:
                return self._fail_always
            if self.failure_rate:
                self._rng_state = (self._rng_state * 1103515245 + 12345) % 2**31
                if self._rng_state / 2**31 < self.failure_rate:
                    return self.random_failure
        return None

    def _cold_start_wait(self, held_s: float) -> float | None:
        """Seconds to hold this request while the replica starts (0: ready), or None to answer 503 now."""
        if not self.cold_start_s:
            return 0.0
        with self._lock:
            self._starting_since = self._starting_since or time.monotonic()
            left = self.cold_start_s - (time.monotonic() - self._starting_since)
        if left <= 0:
            return 0.0
        return left if held_s >= left else None

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)


class _Handler(BaseHTTPRequestHandler):
    endpoint: FakeEndpoint
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self._record(None)
        if self.path.rstrip("/").endswith("/models"):
            failure = self.endpoint._next_failure()
            if failure:
                return self._send(failure.status, failure.encoded_body(), failure.headers)
            data = [{"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in self.endpoint.models]
            return self._send_json(200, {"object": "list", "data": data})
        self._send_json(404, {"error": "Not Found"})

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        self._record(body)
        if not self.path.rstrip("/").endswith("/chat/completions"):
            return self._send_json(404, {"error": "Not Found"})
        try:
            held_s = float(self.headers.get("x-scale-up-timeout") or 0)
        except ValueError:
            held_s = 0.0
        hold = self.endpoint._cold_start_wait(held_s)
        if hold is None:
            return self._send(
                503, b"503 Service Unavailable: the endpoint is scaling up", {"Content-Type": "text/plain"}
            )
        time.sleep(hold)
        if self.endpoint.delay:
            time.sleep(self.endpoint.delay)
        failure = self.endpoint._next_failure()
        if failure is None and self.endpoint.fail_if is not None:
            failure = self.endpoint.fail_if(body or {})
        if failure:
            return self._send(failure.status, failure.encoded_body(), failure.headers)
        text = self.endpoint.responder(body or {})
        model = self.endpoint.reply_model or (body or {}).get("model") or "tgi"
        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in (body or {}).get("messages", []))
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": len(text.split())}
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        if (body or {}).get("stream"):
            return self._stream(text, model, usage)
        self._send_json(
            200,
            {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": "stop",
                    }
                ],
                "usage": usage,
            },
        )

    def _stream(self, text: str, model: str, usage: dict[str, int]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        if self.endpoint.stream_error is not None:
            self.wfile.write(f"data: {json.dumps(self.endpoint.stream_error)}\n\n".encode())
            self.wfile.flush()
            self.close_connection = True
            return
        pieces = [text[i : i + 16] for i in range(0, len(text), 16)] or [""]
        for index, piece in enumerate(pieces):
            if self.endpoint.break_stream_after is not None and index >= self.endpoint.break_stream_after:
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)
                return
            if index and self.endpoint.token_delay:
                time.sleep(self.endpoint.token_delay)
            chunk = {
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": model,
                "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
            }
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
        final = {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            "usage": usage,
        }
        self.wfile.write(f"data: {json.dumps(final)}\n\ndata: [DONE]\n\n".encode())
        self.wfile.flush()
        self.close_connection = True

    def _record(self, body: Any) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.endpoint._record(RecordedRequest(self.command, self.path, headers, body, time.monotonic()))

    def _send_json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload).encode(), {})

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        content_type = headers.get("Content-Type", "application/json")
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            if name != "Content-Type":
                self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
