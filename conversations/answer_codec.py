"""Answers and saved conversations as bytes that a store may keep anywhere (a database other processes read), and
back again.

Never pickle: the decoder builds only the app's own answer types, from JSON and Arrow IPC, so bytes read from a
database can hold data but never run code. Tables travel as Arrow IPC streams; any other value a result may hold
(a date, a decimal, a numpy number) as a one-value Arrow column, so it comes back as the same kind of value.
"""

from __future__ import annotations

import dataclasses
import json
import struct
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd
import pyarrow as pa

from analyst.answer import (
    Answer,
    CallRecord,
    ChartPart,
    ErrorPart,
    MetricPart,
    NoticePart,
    SqlPart,
    TablePart,
    TextPart,
)
from conversations.store import SavedConversation, StoredTable
from sandbox.database import SavedView

MAGIC = b"CWD1"  # the format's name and version: anything else is refused
TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (Answer, TextPart, SqlPart, TablePart, ChartPart, MetricPart, NoticePart, ErrorPart, CallRecord)
}
ARROW_SCALARS = (date, time, timedelta, Decimal, bytes)  # besides numpy and pandas scalars


class CodecError(ValueError):
    """Bytes that are not an answer or conversation this module wrote."""


def _arrow_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _table_field(metadata: bytes, table: int, index: int) -> int:
    """The position of field ``index`` of the flatbuffer table at ``table`` (0: absent)."""
    vtable = table - struct.unpack_from("<i", metadata, table)[0]
    offset = 4 + 2 * index
    if offset >= struct.unpack_from("<H", metadata, vtable)[0]:
        return 0
    field = struct.unpack_from("<H", metadata, vtable + offset)[0]
    return table + field if field else 0


def _compressed(message: pa.ipc.Message) -> bool:
    """Whether a record or dictionary batch's body is compressed (Arrow's ``RecordBatch.compression``)."""
    metadata = message.metadata.to_pybytes()
    root = struct.unpack_from("<I", metadata, 0)[0]
    header = _table_field(metadata, root, 2)  # Message.header
    if not header:
        return False
    batch = header + struct.unpack_from("<I", metadata, header)[0]
    if message.type == "dictionary batch":
        data = _table_field(metadata, batch, 1)  # DictionaryBatch.data
        if not data:
            return False
        batch = data + struct.unpack_from("<I", metadata, data)[0]
    return _table_field(metadata, batch, 3) != 0  # RecordBatch.compression


def _arrow_table(data: bytes) -> pa.Table:
    """The table of an Arrow IPC stream this module wrote. Compressed bodies are refused: this app never writes
    them, and a few kilobytes of compressed bytes could decode into gigabytes."""
    try:
        for message in pa.ipc.MessageReader.open_stream(pa.py_buffer(data)):
            if message.type in ("record batch", "dictionary batch") and _compressed(message):
                raise CodecError("a compressed Arrow stream")
        return pa.ipc.open_stream(pa.py_buffer(data)).read_all()
    except (pa.ArrowInvalid, OSError, struct.error, IndexError) as error:
        raise CodecError("not an Arrow stream") from error


class _Encoder:
    def __init__(self) -> None:
        self.blobs: list[bytes] = []

    def blob(self, data: bytes) -> int:
        self.blobs.append(data)
        return len(self.blobs) - 1

    def value(self, value: Any) -> Any:
        if value is None or type(value) in (bool, int, float, str):  # not numpy's subclasses: they keep their type
            return value
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, tuple):
            return {"~tuple": [self.value(v) for v in value]}
        if isinstance(value, dict):
            if not all(isinstance(k, str) for k in value):
                raise TypeError("a mapping with keys that are not text")
            return {"~dict": {k: self.value(v) for k, v in value.items()}}
        if dataclasses.is_dataclass(value) and TYPES.get(type(value).__name__) is type(value):
            fields = {f.name: self.value(getattr(value, f.name)) for f in dataclasses.fields(value)}
            return {"~type": type(value).__name__, "fields": fields}
        if isinstance(value, pd.DataFrame):
            return {"~frame": self.blob(_arrow_bytes(pa.Table.from_pandas(value, preserve_index=False)))}
        if isinstance(value, datetime) and not isinstance(value, pd.Timestamp):
            return {"~datetime": value.isoformat()}
        if isinstance(value, ARROW_SCALARS) or type(value).__module__.split(".")[0] in ("numpy", "pandas"):
            column = pa.array(pd.Series([value]))
            return {"~scalar": self.blob(_arrow_bytes(pa.table({"v": column})))}
        raise TypeError(f"cannot keep a {type(value).__name__}")


class _Decoder:
    def __init__(self, blobs: list[bytes]) -> None:
        self.blobs = blobs

    def blob(self, index: object) -> bytes:
        if not isinstance(index, int) or not 0 <= index < len(self.blobs):
            raise CodecError("a reference to no stored value")
        return self.blobs[index]

    def value(self, value: Any) -> Any:
        if value is None or isinstance(value, bool | int | float | str):
            return value
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if not isinstance(value, dict) or len(value) not in (1, 2):
            raise CodecError("an unknown value")
        if "~tuple" in value:
            return tuple(self.value(v) for v in _list(value["~tuple"]))
        if "~dict" in value:
            mapping = value["~dict"]
            if not isinstance(mapping, dict):
                raise CodecError("an unknown mapping")
            return {str(k): self.value(v) for k, v in mapping.items()}
        if "~type" in value:
            return self.instance(value)
        if "~frame" in value:
            return _arrow_table(self.blob(value["~frame"])).to_pandas()
        if "~datetime" in value:
            return datetime.fromisoformat(str(value["~datetime"]))
        if "~scalar" in value:
            return _arrow_table(self.blob(value["~scalar"])).column("v").to_pandas().iloc[0]
        raise CodecError("an unknown value")

    def instance(self, value: dict) -> Any:
        cls = TYPES.get(str(value.get("~type")))
        fields = value.get("fields")
        if cls is None or not isinstance(fields, dict):
            raise CodecError("an unknown kind of record")
        known = {f.name for f in dataclasses.fields(cls)}
        if not set(fields) <= known:
            raise CodecError(f"unknown fields in a {cls.__name__}")
        return cls(**{name: self.value(v) for name, v in fields.items()})


def _list(value: object) -> list:
    if not isinstance(value, list):
        raise CodecError("a list was expected")
    return value


def _pack(head: Any, blobs: list[bytes]) -> bytes:
    header = json.dumps(head, ensure_ascii=False, separators=(",", ":")).encode()
    sizes = struct.pack(f"<I{len(blobs)}Q", len(blobs), *(len(b) for b in blobs))
    return b"".join([MAGIC, struct.pack("<Q", len(header)), header, sizes, *blobs])


def _unpack(data: bytes) -> tuple[Any, list[bytes]]:
    try:
        if data[:4] != MAGIC:
            raise CodecError("not a kept answer or conversation")
        (header_size,) = struct.unpack_from("<Q", data, 4)
        start = 12 + header_size
        head = json.loads(data[12:start])
        (count,) = struct.unpack_from("<I", data, start)
        sizes = struct.unpack_from(f"<{count}Q", data, start + 4)
    except (struct.error, ValueError, UnicodeDecodeError, OverflowError, RecursionError) as error:
        raise CodecError("damaged") from error
    offset, blobs = start + 4 + 8 * count, []
    for size in sizes:
        blobs.append(bytes(data[offset : offset + size]))
        offset += size
    if offset != len(data):
        raise CodecError("damaged")
    return head, blobs


def encode_answer(answer: Answer) -> bytes:
    """The answer as bytes; ``TypeError`` or an Arrow error when it holds something that cannot be kept."""
    encoder = _Encoder()
    head = encoder.value(answer)
    return _pack(head, encoder.blobs)


def decode_answer(data: bytes) -> Answer:
    """An answer from ``encode_answer``'s bytes; ``CodecError`` for anything else."""
    head, blobs = _unpack(data)
    try:
        answer = _Decoder(blobs).value(head)
    except (TypeError, ValueError, KeyError, RecursionError, pa.ArrowException) as error:
        if isinstance(error, CodecError):
            raise
        raise CodecError("damaged") from error
    if not isinstance(answer, Answer):
        raise CodecError("not an answer")
    return answer


def encode_conversation(saved: SavedConversation) -> bytes:
    """A whole saved conversation (its answers already encoded, its tables, saved tables and notes) as bytes."""
    blobs = [*saved.answers, *(_arrow_bytes(t.data) for t in saved.tables)]
    head = {
        "answers": len(saved.answers),
        "tables": [t.name for t in saved.tables],
        "tables_left_out": list(saved.tables_left_out),
        "answers_left_out": saved.answers_left_out,
        "views": [[v.name, v.query, [list(c) for c in v.columns], v.rows, v.description, v.fresh] for v in saved.views],
    }
    return _pack(head, blobs)


def decode_conversation(data: bytes) -> SavedConversation:
    """A saved conversation from ``encode_conversation``'s bytes; ``CodecError`` for anything else."""
    head, blobs = _unpack(data)
    try:
        answers = int(head["answers"])
        names = [str(n) for n in _list(head["tables"])]
        if answers + len(names) != len(blobs):
            raise CodecError("damaged")
        tables = tuple(StoredTable(n, _arrow_table(b)) for n, b in zip(names, blobs[answers:], strict=True))
        views = tuple(
            SavedView(
                str(name),
                str(query),
                tuple((str(c), str(t)) for c, t in _list(columns)),
                None if rows is None else int(rows),
                None if description is None else str(description),
                bool(fresh),
            )
            for name, query, columns, rows, description, fresh in _list(head["views"])
        )
        return SavedConversation(
            tuple(blobs[:answers]),
            tables,
            tuple(str(n) for n in _list(head["tables_left_out"])),
            int(head["answers_left_out"]),
            views,
        )
    except (KeyError, TypeError, ValueError, RecursionError, pa.ArrowException) as error:
        if isinstance(error, CodecError):
            raise
        raise CodecError("damaged") from error
