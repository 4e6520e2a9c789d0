"""A loopback server that answers like the USGS FDSN event service and GitHub's raw file host.

Real HTTP on 127.0.0.1, so the loaders' real urllib code fetches from it exactly as it would from
earthquake.usgs.gov and raw.githubusercontent.com. It serves the CSV fixtures in the services' own
formats, filters and caps queries the way USGS does, can be scripted to fail, and records requests.
"""

from __future__ import annotations

import csv
import datetime
import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.support.loopback import LoopbackServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
USGS_FIXTURE = FIXTURES / "usgs_events.csv"
NCAL_FIXTURE = FIXTURES / "ncal_events.csv"
USGS_PREFIX = "/fdsnws/event/1"
NCAL_PATH = "/keplergl/kepler.gl-data/refs/heads/master/earthquakes/data.csv"
SERVICE_VERSION = "1.14.1"
REASONS = {200: "OK", 204: "No Content", 400: "Bad Request", 404: "Not Found", 500: "Internal Server Error"}


def usgs_error_body(status: int, message: str, request: str) -> str:
    """An error as the FDSN event service writes it (text/plain)."""
    submitted = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    return (
        f"Error {status}: {REASONS.get(status, 'Error')}\n\n{message}\n\n"
        "Usage details are available from https://earthquake.usgs.gov/fdsnws/event/1\n\n"
        f"Request:\n{request}\n\nRequest Submitted:\n{submitted}\n\nService version:\n{SERVICE_VERSION}\n"
    )


def parse_service_time(text: str) -> datetime.datetime:
    """`2018-01-01`, `2018-01-01T12:00:00` or `2018-01-31T01:49:59.650Z`, as naive UTC."""
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)


@dataclass(frozen=True)
class FixtureEvent:
    """One row of the USGS fixture: the values the service filters on, and the line as written."""

    id: str
    time: datetime.datetime
    mag: float | None
    line: str


def read_usgs_fixture(path: Path = USGS_FIXTURE) -> tuple[str, list[FixtureEvent]]:
    """The header line and every event of a USGS CSV file."""
    header, *lines = path.read_text().splitlines()
    names = header.split(",")
    events = []
    for line in lines:
        row = dict(zip(names, next(csv.reader([line])), strict=True))
        mag = float(row["mag"]) if row["mag"] else None
        events.append(FixtureEvent(row["id"], parse_service_time(row["time"]), mag, line))
    return header, events


@dataclass
class Failure:
    """One scripted answer in place of the real one: status, body, content type, and which method it replaces."""

    status: int
    body: str | bytes = ""
    content_type: str = "text/plain"
    only: str | None = None  # "count", "query" or "data.csv"; None for any request

    def encoded_body(self, request: str) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        return (self.body or usgs_error_body(self.status, REASONS.get(self.status, "Error"), request)).encode()


@dataclass
class RecordedRequest:
    """What the server received and how it answered (status 0 until answered, or when the client gave up)."""

    path: str
    query: dict[str, str]
    status: int
    at: float

    @property
    def method(self) -> str:
        return self.path.rstrip("/").rsplit("/", 1)[-1]


class FakeCatalogs(LoopbackServer):
    """Start with ``FakeCatalogs()``; ``usgs_url`` and ``ncal_url`` are its two services. ``stop()`` when done.

    Knobs: ``max_allowed`` (USGS's per-query cap), ``delay`` (seconds before answering),
    ``reverse_order`` (answer newest first whatever was asked), ``ncal_content_length`` (send it or not),
    ``ncal_cut_after`` (bytes sent before the connection drops), ``fail_next`` and ``fail_always``.
    """

    def __init__(self, usgs_csv: Path = USGS_FIXTURE, ncal_csv: Path = NCAL_FIXTURE) -> None:
        self.usgs_header, self.usgs_events = read_usgs_fixture(usgs_csv)
        self.ncal_text = ncal_csv.read_text()
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self.reset()
        super().__init__(_Handler, "catalogs")

    @property
    def usgs_url(self) -> str:
        return self.url + USGS_PREFIX

    @property
    def ncal_url(self) -> str:
        return self.url + NCAL_PATH

    def reset(self) -> None:
        with self._lock:
            self.max_allowed = 20_000
            self.delay = 0.0
            self.reverse_order = False
            self.ncal_content_length = True
            self.ncal_cut_after: int | None = None
            self._failures: deque[Failure] = deque()
            self._fail_always: Failure | None = None
            self.requests.clear()

    def fail_next(
        self,
        count: int,
        status: int,
        body: str | bytes = "",
        content_type: str = "text/plain",
        only: str | None = None,
    ) -> None:
        """Answer the next ``count`` requests (to method ``only``, if given) with this instead.

        An empty body means USGS's own error text for the status.
        """
        with self._lock:
            self._failures.extend(Failure(status, body, content_type, only) for _ in range(count))

    def fail_always(self, status: int, body: str | bytes = "", content_type: str = "text/plain") -> None:
        self._fail_always = Failure(status, body, content_type)

    def count_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "count"]

    def query_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "query"]

    def matching(self, query: dict[str, str]) -> list[FixtureEvent]:
        """The events USGS would return: starttime and endtime both inclusive, null magnitudes left out."""
        start = parse_service_time(query["starttime"]) if "starttime" in query else datetime.datetime.min
        end = parse_service_time(query["endtime"]) if "endtime" in query else datetime.datetime.max
        low = float(query["minmagnitude"]) if "minmagnitude" in query else None
        events = [
            e
            for e in self.usgs_events
            if start <= e.time <= end and (low is None or (e.mag is not None and e.mag >= low))
        ]
        newest_first = query.get("orderby", "time") == "time" or self.reverse_order
        return sorted(events, key=lambda e: e.time, reverse=newest_first)

    # Internal: called by the handler.
    def _next_failure(self, method: str) -> Failure | None:
        with self._lock:
            if self._failures and self._failures[0].only in (None, method):
                return self._failures.popleft()
            return self._fail_always

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)


class _Handler(BaseHTTPRequestHandler):
    catalogs: FakeCatalogs
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query))
        # Recorded before answering: once the client has its answer, a test may look at the requests.
        self.request_record = RecordedRequest(parts.path, query, 0, time.monotonic())
        self.catalogs._record(self.request_record)
        if self.catalogs.delay:
            time.sleep(self.catalogs.delay)
        try:
            self._answer(parts.path, query)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
            self.close_connection = True

    def send_response(self, code: int, message: str | None = None) -> None:
        self.request_record.status = code  # before the client can have its answer
        super().send_response(code, message)

    def _answer(self, path: str, query: dict[str, str]) -> int:
        failure = self.catalogs._next_failure(path.rstrip("/").rsplit("/", 1)[-1])
        if failure:
            return self._send(failure.status, failure.encoded_body(self.path), failure.content_type)
        if path == f"{USGS_PREFIX}/count":
            return self._count(query)
        if path == f"{USGS_PREFIX}/query":
            return self._query(query)
        if path == NCAL_PATH:
            return self._ncal()
        return self._send(404, b"404: Not Found", "text/plain")

    def _count(self, query: dict[str, str]) -> int:
        try:
            count = len(self.catalogs.matching(query))
        except ValueError as error:
            return self._usgs_error(400, f"Bad request parameter: {error}")
        if query.get("format") == "geojson":
            body = json.dumps({"count": count, "maxAllowed": self.catalogs.max_allowed}, separators=(",", ":"))
            return self._send(200, body.encode(), "application/json")
        return self._send(200, str(count).encode(), "text/plain")

    def _query(self, query: dict[str, str]) -> int:
        try:
            events = self.catalogs.matching(query)
        except ValueError as error:
            return self._usgs_error(400, f"Bad request parameter: {error}")
        cap = self.catalogs.max_allowed
        if len(events) > cap:
            return self._usgs_error(
                400,
                f"{len(events)} matching events exceeds search limit of {cap}. Modify the search to match fewer events.",
            )
        if not events:  # FDSN's default nodata=204
            return self._send(204, b"", "text/csv;charset=UTF-8")
        body = "\n".join([self.catalogs.usgs_header, *(e.line for e in events)]) + "\n"
        return self._send(200, body.encode(), "text/csv;charset=UTF-8")

    def _ncal(self) -> int:
        header, *rows = self.catalogs.ncal_text.splitlines()
        rows = rows[::-1] if self.catalogs.reverse_order else rows
        body = "\n".join([header, *rows, ""]).encode()
        cut = self.catalogs.ncal_cut_after
        if cut is None and self.catalogs.ncal_content_length:
            return self._send(200, body, "text/plain; charset=utf-8")
        # No length, or a length the body never reaches: write and hang up, like a dropped connection.
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        if cut is not None:
            self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body if cut is None else body[:cut])
        self.close_connection = True
        return 200

    def _usgs_error(self, status: int, message: str) -> int:
        return self._send(status, usgs_error_body(status, message, self.path).encode(), "text/plain")

    def _send(self, status: int, body: bytes, content_type: str) -> int:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if status != 204:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return status
