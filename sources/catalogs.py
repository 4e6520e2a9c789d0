"""Real multi-year earthquake catalogs, fetched over HTTP into the app's ``earthquakes`` table contract.

Two sources: the USGS FDSN event web service (any date range, fetched in parts that each stay under
the service's per-request cap) and the Northern California (NCEDC) catalog 1967-2018, one CSV file.
Downloads are streamed into memory with the standard library and parsed with pyarrow; nothing is
written to disk. Every failure becomes ``CatalogUnavailable``, whose text is ready to show as is.

The contract: USGS column names, ``id`` first, ``time`` as naive UTC ``timestamp[us]``, depth in km,
``mag`` float64, counts (``nst``, ``magNst``) int32, rows sorted by time.
"""

from __future__ import annotations

import datetime
import html
import http.client
import json
import math
import numbers
import re
import socket
import ssl
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

USGS_FDSN_URL = "https://earthquake.usgs.gov/fdsnws/event/1"
NCAL_CSV_URL = "https://raw.githubusercontent.com/keplergl/kepler.gl-data/refs/heads/master/earthquakes/data.csv"

Progress = Callable[[float, str], None]  # fraction 0..1, a short status text

# Streamlit Community Cloud gives an app about 1 GB; 500,000 events is ~100 MB in Arrow plus about as
# much again in the session's DuckDB copy, which leaves room for a few sessions. 25 parts of 20,000
# (USGS's cap) is the same ceiling.
MAX_EVENTS = 500_000
MAX_PARTS = 25
MIN_MAGNITUDE, MAX_MAGNITUDE = -1.0, 10.0
USGS_DEFAULT_CAP = 20_000  # what `count` says as maxAllowed; used if it says nothing
MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024  # a wrong URL must not fill memory; the NCal file is ~5 MB
READ_BLOCK_BYTES = 64 * 1024
USER_AGENT = "hf-data-chat earthquake loader (Python urllib)"

TIMESTAMP = pa.timestamp("us")
LEAD_COLUMNS = ("id", "time", "latitude", "longitude", "depth", "mag", "magType", "place")

# Output types, in output order: the contract's lead columns, then the rest in USGS's CSV order.
USGS_TYPES: dict[str, pa.DataType] = {
    "id": pa.string(),
    "time": TIMESTAMP,
    "latitude": pa.float64(),
    "longitude": pa.float64(),
    "depth": pa.float64(),
    "mag": pa.float64(),
    "magType": pa.string(),
    "place": pa.string(),
    "nst": pa.int32(),
    "gap": pa.float64(),
    "dmin": pa.float64(),  # degrees, in USGS
    "rms": pa.float64(),
    "net": pa.string(),
    "updated": TIMESTAMP,
    "type": pa.string(),
    "horizontalError": pa.float64(),
    "depthError": pa.float64(),
    "magError": pa.float64(),
    "magNst": pa.int32(),
    "status": pa.string(),
    "locationSource": pa.string(),
    "magSource": pa.string(),
}

NCAL_COLUMNS = (
    "DateTime",
    "Latitude",
    "Longitude",
    "Depth",
    "Magnitude",
    "MagType",
    "NbStations",
    "Gap",
    "Distance",
    "RMS",
    "Source",
    "EventID",
)
NCAL_READ_TYPES: dict[str, pa.DataType] = {
    "DateTime": pa.string(),
    "MagType": pa.string(),
    "Source": pa.string(),
    "EventID": pa.string(),
} | {
    name: pa.float64()
    for name in ("Latitude", "Longitude", "Depth", "Magnitude", "NbStations", "Gap", "Distance", "RMS")
}

_TIME_TEXT = re.compile(
    r"\s*(\d{4})[-/](\d{1,2})[-/](\d{1,2})[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}(?:\.\d*)?))?\s*Z?\s*$", re.IGNORECASE
)


class CatalogUnavailable(Exception):
    """A catalog that could not be loaded; ``str`` is the final user-facing message.

    ``kind`` says why: "invalid" (bad arguments), "too_large" (over the app's limits), "offline"
    (no connection or no answer), "http" (the service answered with an error status) or "format"
    (the answer was not the expected CSV or JSON). ``status`` is the HTTP status, when there was one.
    """

    def __init__(self, message: str, kind: str = "offline", status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.status = status


# Public loaders --------------------------------------------------------------------------------


def fetch_usgs_catalog(
    start: datetime.date,
    end: datetime.date,
    min_magnitude: float,
    *,
    base_url: str = USGS_FDSN_URL,
    progress: Progress | None = None,
    timeout_s: float = 60,
) -> pa.Table:
    """USGS events from ``start`` 00:00 UTC up to, not including, ``end`` 00:00 UTC, of ``min_magnitude`` or more.

    Counts first, then downloads in parts of at most the service's cap. A range with no events
    gives an empty table with the contract's columns. Refuses ranges over ``MAX_EVENTS`` events or
    ``MAX_PARTS`` parts before downloading anything.
    """
    begin, finish = _check_range(start, end)
    magnitude = _check_magnitude(min_magnitude)
    _check_timeout(timeout_s)
    usgs = _Usgs(_check_url(base_url).rstrip("/"), magnitude, timeout_s)
    report = _Reporter(progress)

    report(0.0, "Counting earthquakes at USGS…")
    total, cap = usgs.count(begin, finish)
    if total > MAX_EVENTS:
        raise CatalogUnavailable(
            f"USGS lists {total:,} events of magnitude {magnitude:g} or more from {begin:%Y-%m-%d} to "
            f"{finish:%Y-%m-%d}, more than the {MAX_EVENTS:,} this app can hold in memory. "
            "Choose a shorter range or a higher minimum magnitude.",
            "too_large",
        )
    if total == 0:
        report(1.0, f"No earthquakes of magnitude {magnitude:g} or more from {begin:%Y-%m-%d} to {finish:%Y-%m-%d}")
        return _empty_table(USGS_TYPES)

    parts = _plan(usgs, _Part(begin, finish, total), cap, MAX_PARTS, report)
    tables = _download_parts(usgs, parts, cap, report)
    table = _combine(tables, finish)
    report(1.0, f"Loaded {table.num_rows:,} earthquakes from USGS")
    return table


def fetch_ncal_catalog(*, url: str = NCAL_CSV_URL, progress: Progress | None = None, timeout_s: float = 60) -> pa.Table:
    """The Northern California (NCEDC) catalog 1967-2018 as the SQLRooms example ships it, in the contract."""
    _check_url(url)
    _check_timeout(timeout_s)
    report = _Reporter(progress)
    host = urlsplit(url).netloc

    def on_bytes(received: int, total: int | None) -> None:
        # The download is nearly all the time taken; parsing 55,000 rows is a blink.
        if total:
            report(
                0.95 * received / total,
                f"Downloading the Northern California catalog: {_size(received)} of {_size(total)}",
            )
        else:
            report(0.0, f"Downloading the Northern California catalog: {_size(received)} so far")

    report(0.0, f"Connecting to {host}…")
    body = _download(url, timeout_s, on_bytes)
    report(0.95, "Reading the Northern California catalog…")
    table = _read_ncal_csv(body, host)
    report(1.0, f"Loaded {table.num_rows:,} earthquakes from the Northern California catalog")
    return table


# Checking arguments ----------------------------------------------------------------------------


def _check_range(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """Both days as midnights (a datetime counts as its day, so a date and a datetime compare)."""
    if not isinstance(start, datetime.date) or not isinstance(end, datetime.date):
        raise CatalogUnavailable("The start and end of the range must be dates.", "invalid")
    begin, finish = _midnight(start), _midnight(end)
    if finish <= begin:
        raise CatalogUnavailable(
            f"The end date ({finish:%Y-%m-%d}) must be after the start date ({begin:%Y-%m-%d}).", "invalid"
        )
    return begin, finish


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day)


def _check_magnitude(value: float) -> float:
    # bool is a Real too, and True would quietly mean magnitude 1.
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise CatalogUnavailable(f"The minimum magnitude must be a number, not {value!r}.", "invalid")
    if not MIN_MAGNITUDE <= value <= MAX_MAGNITUDE:
        raise CatalogUnavailable(
            f"The minimum magnitude must be between {MIN_MAGNITUDE:g} and {MAX_MAGNITUDE:g} (got {value:g}).", "invalid"
        )
    return float(value)


def _check_timeout(timeout_s: float) -> None:
    if isinstance(timeout_s, bool) or not isinstance(timeout_s, numbers.Real) or not 0 < timeout_s < math.inf:
        raise CatalogUnavailable(f"The timeout must be a positive number of seconds, not {timeout_s!r}.", "invalid")


def _check_url(url: str) -> str:
    # urllib also opens file:// and ftp:// addresses; a catalog only ever comes over the web.
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a port out of range
    except (TypeError, ValueError, AttributeError):
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise CatalogUnavailable(f"Not a web address: {url!r}. Catalog addresses start with https://.", "invalid")
    return url


# Progress --------------------------------------------------------------------------------------


class _Reporter:
    """Passes progress on with fractions clamped to 0..1 that never go backwards (re-planning can grow the total)."""

    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress
        self._last = 0.0

    def __call__(self, fraction: float, text: str) -> None:
        if self._progress is None:
            return
        self._last = max(self._last, min(1.0, max(0.0, fraction)))
        self._progress(self._last, text)


def _size(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{size / 1000:.0f} kB"


# USGS: counting, planning and downloading parts -----------------------------------------------


@dataclass(frozen=True)
class _Part:
    """A time range and how many events the service counted in it."""

    start: datetime.datetime
    end: datetime.datetime
    count: int


class _Usgs:
    """The two FDSN event methods the loader uses, for one magnitude threshold."""

    def __init__(self, base: str, min_magnitude: float, timeout_s: float) -> None:
        self.base = base
        self.host = urlsplit(base).netloc
        self.min_magnitude = min_magnitude
        self.timeout_s = timeout_s

    def _url(self, method: str, start: datetime.datetime, end: datetime.datetime, **extra: str) -> str:
        params = {"starttime": _service_time(start), "endtime": _service_time(end)}
        params["minmagnitude"] = f"{self.min_magnitude:g}"
        return f"{self.base}/{method}?{urlencode(params | extra)}"

    def count(self, start: datetime.datetime, end: datetime.datetime) -> tuple[int, int]:
        """(events in the range, the most one query may return)."""
        body = _download(self._url("count", start, end, format="geojson"), self.timeout_s)
        try:
            answer = json.loads(body)
            count, cap = int(answer["count"]), int(answer.get("maxAllowed") or USGS_DEFAULT_CAP)
        except (ValueError, TypeError, KeyError, AttributeError):
            kind = "a web page" if _looks_like_html(body) else "something else"
            raise CatalogUnavailable(
                f"The USGS count service at {self.host} sent {kind} instead of the expected JSON. "
                "The address may be wrong or the service may be down for maintenance.",
                "format",
            ) from None
        if count < 0 or cap <= 0:
            raise CatalogUnavailable(f"The USGS count service at {self.host} sent an impossible count.", "format")
        return count, cap

    def query(self, start: datetime.datetime, end: datetime.datetime) -> pa.Table:
        url = self._url("query", start, end, format="csv", orderby="time-asc")
        return _read_usgs_csv(_download(url, self.timeout_s), self.host)


def _service_time(moment: datetime.datetime) -> str:
    # Whole days read as plain dates, the way people write USGS queries; split days need the time.
    if moment.time() == datetime.time():
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _midpoint(start: datetime.datetime, end: datetime.datetime) -> datetime.datetime | None:
    """Where to halve a range: on a midnight while the range spans days, then on a whole second."""
    span = end - start
    if span >= datetime.timedelta(days=2):
        return start + datetime.timedelta(days=span.days // 2)
    seconds = int(span.total_seconds()) // 2
    return start + datetime.timedelta(seconds=seconds) if seconds >= 1 else None


def _halves(usgs: _Usgs, part: _Part, cap: int) -> list[_Part]:
    middle = _midpoint(part.start, part.end)
    if middle is None:
        raise CatalogUnavailable(
            f"USGS has more than {cap:,} events within one second near {part.start:%Y-%m-%d %H:%M:%S} UTC, "
            "more than one request may return. Raise the minimum magnitude.",
            "too_large",
        )
    return [
        _Part(part.start, middle, usgs.count(part.start, middle)[0]),
        _Part(middle, part.end, usgs.count(middle, part.end)[0]),
    ]


def _plan(usgs: _Usgs, part: _Part, cap: int, budget: int, report: _Reporter) -> list[_Part]:
    """Halve ``part`` by count until each piece fits in one query; pieces in time order, empty ones dropped."""
    done: list[_Part] = []
    pending = [part]  # a stack: the earliest piece is always on top
    while pending:
        # Give up as soon as the pieces cannot fit the budget, before counting any more.
        if len(done) + sum(math.ceil(p.count / cap) for p in pending) > budget:
            raise _too_many_parts(part, cap, usgs.min_magnitude)
        piece = pending.pop()
        if piece.count == 0:
            continue
        if piece.count <= cap:
            done.append(piece)
        else:
            span = f"{_service_time(piece.start)} to {_service_time(piece.end)}"
            report(0.0, f"Planning the download: splitting {span}…")
            pending.extend(reversed(_halves(usgs, piece, cap)))
    return done


def _too_many_parts(part: _Part, cap: int, min_magnitude: float) -> CatalogUnavailable:
    return CatalogUnavailable(
        f"USGS lists about {part.count:,} events of magnitude {min_magnitude:g} or more from "
        f"{_service_time(part.start)} to {_service_time(part.end)}, which would take more than {MAX_PARTS} requests "
        f"of at most {cap:,} events. Choose a shorter range or a higher minimum magnitude.",
        "too_large",
    )


def _over_cap(error: CatalogUnavailable) -> bool:
    return error.status == 400 and "exceeds search limit" in error.message


def _download_parts(usgs: _Usgs, parts: list[_Part], cap: int, report: _Reporter) -> list[pa.Table]:
    """Each part's CSV, in order; a part that outgrew the cap since it was counted is halved again."""
    queue = deque(parts)
    tables: list[pa.Table] = []
    done_events = 0
    while queue:
        part = queue.popleft()
        number, of = len(tables) + 1, len(tables) + 1 + len(queue)
        planned = done_events + part.count + sum(p.count for p in queue)
        span = f"{_service_time(part.start)} to {_service_time(part.end)}"
        report(done_events / planned, f"Downloading part {number} of {of} from USGS ({span})")
        try:
            tables.append(usgs.query(part.start, part.end))
        except CatalogUnavailable as error:
            if not _over_cap(error):
                raise
            # New events arrived after counting (ranges ending today). Always split, so this ends.
            budget = MAX_PARTS - len(tables) - len(queue)
            pieces = [p for half in _halves(usgs, part, cap) for p in _plan(usgs, half, cap, budget, report)]
            if len(pieces) > budget:
                raise _too_many_parts(part, cap, usgs.min_magnitude) from None
            queue.extendleft(reversed(pieces))
            continue
        done_events += part.count
    return tables


def _combine(tables: list[pa.Table], end: datetime.datetime) -> pa.Table:
    """One table: parts joined, the range's end made exclusive, events on part boundaries kept once, by time."""
    table = pa.concat_tables(tables, promote_options="permissive") if tables else _empty_table(USGS_TYPES)
    # The service's endtime is inclusive; an event at exactly `end` belongs to the next range.
    table = table.filter(pc.less(table["time"], pa.scalar(end, TIMESTAMP)))
    table = _first_of_each_id(table)
    return table.sort_by([("time", "ascending"), ("id", "ascending")])


def _first_of_each_id(table: pa.Table) -> pa.Table:
    # Adjacent parts share their boundary instant, so an event exactly on it comes back twice.
    numbered = table.append_column("__row", pa.array(range(table.num_rows), pa.int64()))
    firsts = numbered.group_by("id", use_threads=False).aggregate([("__row", "min")])["__row_min"]
    return table.take(firsts)  # in no particular order: the caller sorts


# Reading CSV -----------------------------------------------------------------------------------


def _looks_like_html(body: bytes) -> bool:
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or b"<html" in head


def _header(body: bytes) -> list[str]:
    first = body.split(b"\n", 1)[0].decode("utf-8-sig", "replace").strip()
    return [name.strip().strip('"') for name in first.split(",")]


def _check_csv(body: bytes, host: str, required: tuple[str, ...], what: str) -> None:
    if _looks_like_html(body):
        raise CatalogUnavailable(
            f"{host} sent a web page instead of {what}. The address may be wrong, or the service may be "
            "down for maintenance.",
            "format",
        )
    missing = [name for name in required if name not in _header(body)]
    if missing:
        raise CatalogUnavailable(
            f"{host} did not send {what}: the columns {', '.join(missing)} are missing. "
            "The address may point at a different file.",
            "format",
        )


def _read_csv(body: bytes, host: str, types: dict[str, pa.DataType], what: str) -> pa.Table:
    options = pacsv.ConvertOptions(column_types=types, null_values=[""], strings_can_be_null=True)
    try:
        return pacsv.read_csv(pa.BufferReader(body), convert_options=options)
    except pa.ArrowException as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CatalogUnavailable(f"Could not read {what} from {host}: {reason}", "format") from None


def _read_usgs_csv(body: bytes, host: str) -> pa.Table:
    what = "the USGS earthquake CSV"
    if not body.strip():  # FDSN answers 204 No Content (or nothing) when no event matches
        return _empty_table(USGS_TYPES)
    _check_csv(body, host, LEAD_COLUMNS, what)
    read_types = {name: _read_type(kind) for name, kind in USGS_TYPES.items()}
    raw = _read_csv(body, host, read_types, what)
    columns: dict[str, pa.ChunkedArray | pa.Array] = {}
    for name, kind in USGS_TYPES.items():
        if name in raw.column_names:
            columns[name] = _convert(raw[name], kind, host)
        else:
            columns[name] = pa.nulls(raw.num_rows, kind)  # every part must have the same columns
    for name in raw.column_names:  # a column USGS adds later is kept as read
        columns.setdefault(name, raw[name])
    return pa.table(columns)


def _read_type(kind: pa.DataType) -> pa.DataType:
    # Times are parsed by `_parse_times`; counts may be written "12.0", so they come in as floats.
    if pa.types.is_timestamp(kind):
        return pa.string()
    return pa.float64() if pa.types.is_integer(kind) else kind


def _convert(column: pa.ChunkedArray, kind: pa.DataType, host: str) -> pa.ChunkedArray | pa.Array:
    if pa.types.is_timestamp(kind):
        return _parse_times(column, host)
    if pa.types.is_integer(kind):
        return pc.cast(pc.round(column), kind)
    return column


def _read_ncal_csv(body: bytes, host: str) -> pa.Table:
    what = "the Northern California earthquake CSV"
    if not body.strip():
        raise CatalogUnavailable(f"{host} sent an empty file instead of {what}.", "format")
    _check_csv(body, host, NCAL_COLUMNS, what)
    raw = _read_csv(body, host, NCAL_READ_TYPES, what)
    rows = raw.num_rows
    table = pa.table(
        {
            "id": raw["EventID"],
            "time": _parse_times(raw["DateTime"], host),
            "latitude": raw["Latitude"],
            "longitude": raw["Longitude"],
            "depth": raw["Depth"],
            "mag": raw["Magnitude"],
            "magType": raw["MagType"],
            "place": pa.nulls(rows, pa.string()),  # the NCEDC file names no places
            "nst": pc.cast(pc.round(raw["NbStations"]), pa.int32()),
            "gap": raw["Gap"],
            # NCEDC's Distance is the distance to the nearest station in km (USGS's dmin is in degrees).
            "dmin": raw["Distance"],
            "rms": raw["RMS"],
            "net": raw["Source"],
            "type": pa.repeat(pa.scalar("earthquake"), rows),  # the file holds earthquakes only
        }
    )
    return table.sort_by([("time", "ascending"), ("id", "ascending")])


def _parse_times(column: pa.ChunkedArray, host: str) -> pa.ChunkedArray | pa.Array:
    """Naive UTC timestamps from `2018-01-31T01:49:59.650Z` (USGS) or `1967/08/22 08:29:47.47` (NCEDC)."""
    iso = pc.replace_substring_regex(pc.replace_substring(column, "/", "-"), r"[Zz]$", "")
    try:
        return iso.cast(TIMESTAMP)
    except pa.ArrowInvalid:
        pass  # odd rows (one-digit fields, 60.00 seconds): read one by one
    values = []
    for text in column.to_pylist():
        try:
            values.append(_parse_time_text(text))
        except ValueError:
            raise CatalogUnavailable(
                f"The catalog from {host} has a time that cannot be read: {text!r}", "format"
            ) from None
    return pa.array(values, TIMESTAMP)


def _parse_time_text(text: str | None) -> datetime.datetime | None:
    if text is None or not text.strip():
        return None
    match = _TIME_TEXT.match(text)
    if match is None:
        raise ValueError(text)
    year, month, day, hour, minute = (int(part) for part in match.groups()[:5])
    # Old catalogs round to 60.00 seconds now and then; adding the seconds carries them over.
    return datetime.datetime(year, month, day, hour, minute) + datetime.timedelta(seconds=float(match[6] or 0))


def _empty_table(types: dict[str, pa.DataType]) -> pa.Table:
    return pa.schema(list(types.items())).empty_table()


# HTTP ------------------------------------------------------------------------------------------


def _download(url: str, timeout_s: float, on_bytes: Callable[[int, int | None], None] | None = None) -> bytes:
    """The whole body of a GET, read in blocks; every failure becomes ``CatalogUnavailable``.

    ``timeout_s`` bounds each wait for the service (connecting, or the next bytes), not the whole download.
    """
    host = urlsplit(url).netloc
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            if response.status == 204:
                return b""
            return _read_body(response, host, on_bytes)
    except urllib.error.HTTPError as error:  # before URLError: it is one
        raise _http_failure(host, error) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        raise _unreachable(host, error, timeout_s) from None


def _read_body(
    response: http.client.HTTPResponse, host: str, on_bytes: Callable[[int, int | None], None] | None
) -> bytes:
    length = response.headers.get("Content-Length")
    total = int(length) if length and length.isdigit() else None
    if total is not None and total > MAX_DOWNLOAD_BYTES:
        raise _too_big(host)
    blocks: list[bytes] = []
    received = 0
    while block := response.read(READ_BLOCK_BYTES):
        blocks.append(block)
        received += len(block)
        if received > MAX_DOWNLOAD_BYTES:
            raise _too_big(host)
        if on_bytes is not None:
            on_bytes(received, total)
    # http.client returns short bodies without complaint when the connection drops.
    if total is not None and received < total:
        raise CatalogUnavailable(
            f"The download from {host} was cut short ({_size(received)} of {_size(total)}). Try again.", "offline"
        )
    return b"".join(blocks)


def _too_big(host: str) -> CatalogUnavailable:
    return CatalogUnavailable(
        f"{host} is sending more than {_size(MAX_DOWNLOAD_BYTES)}, far more than an earthquake catalog should be. "
        "The address may point at a different file.",
        "too_large",
    )


def _http_failure(host: str, error: urllib.error.HTTPError) -> CatalogUnavailable:
    try:
        body = error.read(8192) or b""
    except (OSError, http.client.HTTPException):
        body = b""
    reason = str(error.reason or "").strip()
    detail = _service_text(body)
    message = f"{host} answered HTTP {error.code}" + (f" ({reason})" if reason else "")
    if detail and detail.lower() != reason.lower():
        message += f": {detail}"
    message = message if message.endswith(".") else message + "."
    if error.code >= 500 or error.code == 429:
        message += " The service is having trouble; try again in a few minutes."
    elif error.code == 404:
        message += " The address may be wrong."
    return CatalogUnavailable(message, "http", error.code)


def _service_text(body: bytes) -> str:
    """The service's own short explanation from an error body: USGS's plain text, JSON or an HTML page."""
    text = body.decode("utf-8", "replace")
    if _looks_like_html(body):
        title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
        text = html.unescape(title[1] if title else re.sub(r"<[^>]+>", " ", text))
    else:
        try:
            answer = json.loads(text)
        except ValueError:
            answer = None
        if isinstance(answer, dict) and isinstance(answer.get("error") or answer.get("message"), str):
            text = answer.get("error") or answer.get("message")
    # USGS starts with "Error 400: Bad Request", then says what was wrong on the next lines.
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line and not re.match(r"error \d{3}\b", line, re.IGNORECASE)]
    first = lines[0] if lines else ""
    return first if len(first) <= 200 else first[:199] + "…"


def _unreachable(host: str, error: BaseException, timeout_s: float) -> CatalogUnavailable:
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, socket.gaierror):
        detail = "its name could not be looked up"
    elif isinstance(reason, ConnectionRefusedError):
        detail = "the connection was refused"
    elif isinstance(reason, TimeoutError) or "timed out" in str(reason):
        detail = f"no answer within {timeout_s:g} s"
    elif isinstance(reason, ssl.SSLError):
        detail = "the secure connection failed"
    elif isinstance(reason, (ConnectionError, http.client.HTTPException)):
        detail = "the connection dropped"
    else:
        detail = str(reason).strip() or type(reason).__name__
    return CatalogUnavailable(
        f"Could not reach {host}: the app seems to be offline or the service is down. "
        f"Try again in a few minutes. ({detail})",
        "offline",
    )
