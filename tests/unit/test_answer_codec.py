"""Answers and conversations become bytes a database may hold and come back equal; bytes that this app did not
write (a pickle, a record of another type, a damaged blob) are refused and never run."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

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
from conversations.answer_codec import (
    CodecError,
    _pack,
    _unpack,
    decode_answer,
    decode_conversation,
    encode_answer,
    encode_conversation,
)
from conversations.store import SavedConversation, StoredTable
from sandbox.database import SavedView


def full_answer() -> Answer:
    frame = pd.DataFrame(
        {
            "day": pd.to_datetime(["2018-02-01", "2018-02-02"]),
            "n": np.array([14, 301], dtype="int64"),
            "mag": [4.5, None],
            "place": ["Alaska", "Chile"],
        }
    )
    return Answer(
        "How many per day?",
        [
            NoticePart("Shared"),
            SqlPart("SELECT 1", 0, error=None, note="limit kept"),
            TablePart(frame, 2, "SELECT 1", computed="count per day"),
            ChartPart(
                {"mark": "bar", "encoding": {"x": {"field": "day"}}, "data": {"values": [{"day": 1}]}}, "bar", "app"
            ),
            MetricPart("n", np.int64(301), about="day 2018-02-02"),
            MetricPart("total", Decimal("12.50")),
            MetricPart("first", pd.Timestamp("2018-02-01")),
            MetricPart("on", date(2018, 2, 1)),
            TextPart("**Most** were *small*.", by_model=True),
            ErrorPart("Binder Error", endpoint=False),
        ],
        [CallRecord("sql", "tgi", 0.5, 300, 20, 1, [{"role": "user", "content": "How many per day?"}])],
        asked_at=datetime(2026, 12, 6, 12, 0, tzinfo=UTC),
        total_s=1.25,
        stopped=True,
        rating="right",
    )


def test_an_answer_comes_back_equal_with_its_values_kinds() -> None:
    answer = full_answer()
    again = decode_answer(encode_answer(answer))
    assert again.question == answer.question and again.id == answer.id and again.asked_at == answer.asked_at
    assert (again.stopped, again.rating, again.total_s) == (True, "right", 1.25)
    assert again.calls == answer.calls
    table = again.parts[2]
    assert isinstance(table, TablePart)
    pd.testing.assert_frame_equal(table.frame, answer.parts[2].frame)  # type: ignore[union-attr]
    assert [type(p) for p in again.parts] == [type(p) for p in answer.parts]
    metrics = again.of_type(MetricPart)
    assert metrics[0].value == 301 and isinstance(metrics[0].value, np.integer)
    assert metrics[1].value == Decimal("12.50")
    assert metrics[2].value == pd.Timestamp("2018-02-01")
    assert metrics[3].value == date(2018, 2, 1)
    assert again.parts[3] == answer.parts[3] and again.parts[8] == answer.parts[8]


def test_a_notice_keeps_its_kind_and_one_kept_before_notices_had_kinds_comes_back_plain() -> None:
    answer = Answer("q", [NoticePart("No month column; showing an automatic chart.", NoticePart.CHART_FALLBACK)])
    assert decode_answer(encode_answer(answer)).parts == answer.parts
    head, blobs = _unpack(encode_answer(answer))
    del head["fields"]["parts"][0]["fields"]["kind"]  # as kept before notices had a kind
    assert decode_answer(_pack(head, blobs)).parts == [NoticePart("No month column; showing an automatic chart.")]


def test_a_conversation_comes_back_with_its_tables_and_saved_tables() -> None:
    conversation = SavedConversation(
        (encode_answer(full_answer()),),
        (StoredTable("stations", pa.table({"station": ["Zermatt"], "height_m": [1608]})),),
        ("big",),
        1,
        (SavedView("high", "SELECT * FROM stations", (("station", "VARCHAR"),), 1, "A saved answer", False),),
    )
    again = decode_conversation(encode_conversation(conversation))
    assert again.answers == conversation.answers and again.views == conversation.views
    assert again.tables[0].name == "stations" and again.tables[0].data.equals(conversation.tables[0].data)
    assert (again.tables_left_out, again.answers_left_out) == (("big",), 1)


class Boom:
    ran = False

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Boom.run, ())

    @staticmethod
    def run() -> None:
        Boom.ran = True


def test_a_pickle_or_a_damaged_blob_is_refused_and_never_runs() -> None:
    hostile = pickle.dumps(Answer("q", [TextPart("x")]) and Boom())
    deep = b"[" * 100_000 + b"]" * 100_000  # valid JSON, too deep for any decoder
    nested = b"CWD1" + len(deep).to_bytes(8, "little") + deep + (0).to_bytes(4, "little")
    huge_header = b"CWD1" + (2**63 - 1).to_bytes(8, "little") + b"{}"
    damaged = (hostile, b"", b"CWD1", encode_answer(full_answer())[:-3], b"CWD1" + b"\xff" * 40, nested, huge_header)
    for data in damaged:
        with pytest.raises(CodecError):
            decode_answer(data)
        with pytest.raises(CodecError):
            decode_conversation(data)
    assert not Boom.ran


def test_only_the_app_s_own_record_types_are_built() -> None:
    head, blobs = _unpack(encode_answer(Answer("q", [TextPart("x")])))
    part = head["fields"]["parts"][0]
    for forged in ({"~type": "Popen", "fields": {"args": "x"}}, {**part, "fields": {"text": "x", "__class__": 1}}):
        head["fields"]["parts"][0] = forged
        with pytest.raises(CodecError):
            decode_answer(_pack(head, blobs))
    with pytest.raises(CodecError):  # a conversation is not an answer
        decode_answer(encode_conversation(SavedConversation()))


def test_a_value_it_cannot_keep_is_refused_when_encoding() -> None:
    with pytest.raises(TypeError):
        encode_answer(Answer("q", [MetricPart("x", object())]))


def test_a_compressed_table_that_would_decode_into_gigabytes_is_refused_unread() -> None:
    zeros = pa.table({"n": pa.array(np.zeros(2_000_000, dtype="int64"))})  # 16 MB, a few kB as zstd
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, zeros.schema, options=pa.ipc.IpcWriteOptions(compression="zstd")) as writer:
        writer.write_table(zeros)
    bomb = sink.getvalue().to_pybytes()
    assert len(bomb) < 100_000
    kept = encode_conversation(SavedConversation(tables=(StoredTable("t", pa.table({"n": [1]})),)))
    head, blobs = _unpack(kept)
    with pytest.raises(CodecError, match="compressed"):
        decode_conversation(_pack(head, [bomb]))
    categories = pa.table({"c": pa.array(["a", "b", "a"]).dictionary_encode()})  # a dictionary batch, uncompressed
    again = decode_conversation(encode_conversation(SavedConversation(tables=(StoredTable("c", categories),))))
    assert again.tables[0].data.equals(categories)
