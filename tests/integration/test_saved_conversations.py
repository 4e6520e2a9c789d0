"""Saving a session's conversation and loaded tables, and restoring them into a new session, on real DuckDB."""

from __future__ import annotations

from dataclasses import replace

import pyarrow as pa
import pytest

from analyst.answer import DONE, RUNNING, Answer, NoticePart, SqlPart, TablePart, TextPart
from analyst.schema import describe_tables
from conversations.memory_store import MemoryConversations
from conversations.snapshot import (
    INTERRUPTED,
    TOO_LARGE,
    ConversationSnapshots,
    RestoreNote,
    restore_answers,
    restore_tables,
)
from conversations.store import MAX_CONVERSATION_BYTES, Saved, StoreLimits, new_conversation_id
from sandbox.database import MAX_SAVED_VIEWS, SessionDatabase
from sandbox.saved_views import SaveError, save_as_view

BY_TYPE = 'SELECT "magType", count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY n DESC'
EVERY_ROW = "SELECT * FROM earthquakes"
STATIONS = pa.table({"station": ["Zermatt", "Davos", "Sion"], "height_m": [1608, 1560, 482]})


def answered(db: SessionDatabase, question: str, sql: str) -> Answer:
    result = db.run_query(sql)
    parts = [TextPart(f"{question}: {result.total_rows} rows"), TablePart(result.frame, result.total_rows, sql)]
    return Answer(question, [*parts, SqlPart(sql, 0)])


def big_table(rows: int = 200_000) -> pa.Table:
    return pa.table({"n": pa.array(range(rows), pa.int64()), "label": [f"row {i}" for i in range(rows)]})


def test_a_restored_conversation_is_the_same_conversation_in_new_objects(db: SessionDatabase) -> None:
    history = [answered(db, "Which magnitude type?", BY_TYPE), answered(db, "Every row", EVERY_ROW)]
    saved = ConversationSnapshots().build(new_conversation_id(), history, db, MAX_CONVERSATION_BYTES)
    first, second = restore_answers(saved), restore_answers(saved)
    assert [a.question for a in first] == ["Which magnitude type?", "Every row"]
    assert first[0].table.frame.equals(history[0].table.frame)
    assert first[1].table.total_rows == 1707 and first[1].status == DONE
    assert first[0] is not history[0] and first[0].table.frame is not second[0].table.frame
    first[0].parts.clear()  # one restored session changing its copy changes nobody else's
    assert len(second[0].parts) == 3 and len(history[0].parts) == 3


def test_loaded_tables_come_back_in_a_new_session_and_the_bundled_week_is_not_copied(db: SessionDatabase) -> None:
    snapshots = ConversationSnapshots()
    assert snapshots.build(new_conversation_id(), [], db, MAX_CONVERSATION_BYTES).is_empty  # nothing of the person's
    db.add_table("stations", STATIONS)
    db.add_table("earthquakes", db.run_query("SELECT * FROM earthquakes WHERE mag >= 4").frame, replace=True)
    saved = snapshots.build(new_conversation_id(), [], db, MAX_CONVERSATION_BYTES)
    assert sorted(t.name for t in saved.tables) == ["earthquakes", "stations"]

    fresh = SessionDatabase()
    assert restore_tables(saved, fresh) == []
    assert fresh.run_query("SELECT station FROM stations ORDER BY height_m").frame["station"].tolist() == [
        "Sion",
        "Davos",
        "Zermatt",
    ]
    strong = db.run_query("SELECT count(*) AS n FROM earthquakes").frame["n"][0]
    assert fresh.run_query("SELECT count(*) AS n FROM earthquakes").frame["n"][0] == strong < 1707
    assert fresh.loaded_tables == {"earthquakes", "stations"}  # saved again on the next change
    assert "stations" not in SessionDatabase().table_names()  # and only in the session that restored it


def test_an_upload_too_large_for_the_cap_is_not_kept_and_the_restore_says_so(db: SessionDatabase) -> None:
    db.add_table("stations", STATIONS)
    db.add_table("big", big_table())
    history = [answered(db, "Which magnitude type?", BY_TYPE)]
    saved = ConversationSnapshots().build(new_conversation_id(), history, db, 1_000_000)
    assert [t.name for t in saved.tables] == ["stations"]
    assert saved.tables_left_out == ("big",)
    kept = MemoryConversations(StoreLimits(max_conversation_bytes=1_000_000)).save(
        new_conversation_id(), saved, owner="browser:a"
    )
    assert saved.size_bytes <= 1_000_000 and kept.outcome is Saved.KEPT

    fresh = SessionDatabase()
    notes = restore_tables(saved, fresh)
    assert notes == [
        RestoreNote(
            "The conversation was restored; uploaded table big was too large to keep — load it again to ask about it.",
            "big",
        )
    ]
    assert "big" not in fresh.table_names() and "stations" in fresh.table_names()
    assert [a.question for a in restore_answers(saved)] == ["Which magnitude type?"]


def test_answers_come_first_and_a_table_gets_only_the_room_left(db: SessionDatabase) -> None:
    history = [answered(db, "Every row", EVERY_ROW)]
    db.add_table("stations", STATIONS)
    snapshots = ConversationSnapshots()
    answers_only = snapshots.build(new_conversation_id(), history, db, MAX_CONVERSATION_BYTES)
    room = answers_only.size_bytes - STATIONS.nbytes  # the answer fits, the table no longer does
    saved = snapshots.build(new_conversation_id(), history, db, room)
    assert len(saved.answers) == 1 and saved.answers_left_out == 0
    assert saved.tables == () and saved.tables_left_out == ("stations",)


def test_an_answer_too_large_to_keep_comes_back_as_its_question_with_retry(db: SessionDatabase) -> None:
    history = [answered(db, "Which magnitude type?", BY_TYPE), answered(db, "Every row", EVERY_ROW)]
    saved = ConversationSnapshots().build(new_conversation_id(), history, db, 100_000)
    restored = restore_answers(saved)
    assert [a.question for a in restored] == ["Which magnitude type?", "Every row"]
    assert restored[0].table is not None and not restored[0].stopped
    assert restored[1].parts == [NoticePart(TOO_LARGE)] and restored[1].stopped  # the page offers Retry
    notes = restore_tables(saved, SessionDatabase())
    assert notes == [RestoreNote("The conversation was restored; 1 answer was too large to keep — Retry asks again.")]


def test_an_unfinished_answer_comes_back_stopped_with_what_it_had_finished(db: SessionDatabase) -> None:
    running = Answer("Every row", [SqlPart(EVERY_ROW, 0)], status=RUNNING)
    history = [answered(db, "Which magnitude type?", BY_TYPE), running]
    restored = restore_answers(ConversationSnapshots().build(new_conversation_id(), history, db, 10**7))
    assert restored[1].status == DONE and restored[1].stopped
    assert restored[1].parts == [NoticePart(INTERRUPTED), SqlPart(EVERY_ROW, 0)]
    assert running.status == RUNNING and len(running.parts) == 1  # the live answer itself is left alone


def test_a_snapshot_is_built_again_only_when_something_changed(db: SessionDatabase) -> None:
    snapshots, conversation_id = ConversationSnapshots(), new_conversation_id()
    history = [answered(db, "Which magnitude type?", BY_TYPE)]
    assert snapshots.changed(conversation_id, history, db)
    snapshots.build(conversation_id, history, db, MAX_CONVERSATION_BYTES)
    assert not snapshots.changed(conversation_id, history, db)
    assert snapshots.changed(new_conversation_id(), history, db)  # a new conversation

    history.append(answered(db, "Every row", EVERY_ROW))
    assert snapshots.changed(conversation_id, history, db)
    snapshots.build(conversation_id, history, db, MAX_CONVERSATION_BYTES)
    history[1].parts = [*history[1].parts, NoticePart("edited")]  # parts are replaced whenever an answer changes
    assert snapshots.changed(conversation_id, history, db)
    snapshots.build(conversation_id, history, db, MAX_CONVERSATION_BYTES)
    db.add_table("stations", STATIONS)
    assert snapshots.changed(conversation_id, history, db)
    saved = snapshots.build(conversation_id, history, db, MAX_CONVERSATION_BYTES)
    assert [t.name for t in saved.tables] == ["stations"]
    assert restore_answers(saved)[1].parts[-1] == NoticePart("edited")


def test_tables_saved_from_answers_come_back_over_the_restored_tables(db: SessionDatabase) -> None:
    db.add_table("stations", STATIONS)
    db.add_view("high_stations", "SELECT station FROM stations WHERE height_m > 1000")
    db.add_view("type_counts", BY_TYPE)
    saved = ConversationSnapshots().build(new_conversation_id(), [], db, MAX_CONVERSATION_BYTES)

    fresh = SessionDatabase()
    assert restore_tables(saved, fresh) == []
    assert sorted(fresh.run_query("FROM high_stations").frame["station"]) == ["Davos", "Zermatt"]
    assert fresh.run_query("SELECT sum(n) AS n FROM type_counts").frame["n"][0] == 1707
    assert fresh.saved_views.keys() == {"high_stations", "type_counts"}


def test_a_saved_table_whose_source_was_not_kept_is_named_on_restore(db: SessionDatabase) -> None:
    db.add_table("big", big_table())
    db.add_view("big_rows", "SELECT count(*) AS n FROM big")
    saved = ConversationSnapshots().build(new_conversation_id(), [], db, 64 * 1024)
    fresh = SessionDatabase()
    notes = restore_tables(saved, fresh)
    note = "Saved table big_rows needs table big, which was not kept: load it again to get both back."
    assert RestoreNote(note, "big") in notes
    assert "big_rows" not in fresh.table_names() and "big_rows" in fresh.pending_views  # named, not dropped
    again = ConversationSnapshots().build(new_conversation_id(), [], fresh, 64 * 1024)
    assert [v.name for v in again.views] == ["big_rows"]  # and kept with the conversation meanwhile
    fresh.add_table("big", big_table())  # the person loads the file again: the saved table comes back with it
    assert fresh.run_query("FROM big_rows").frame["n"][0] == big_table().num_rows
    assert fresh.pending_views == {}


def test_a_restored_saved_table_is_not_run_again_to_list_or_describe_it(db: SessionDatabase) -> None:
    save_as_view(db, "strong", "SELECT place, mag FROM earthquakes WHERE mag >= 4.5")
    describe_tables(db)  # described once, here, and kept with the view
    saved = ConversationSnapshots().build(new_conversation_id(), [], db, MAX_CONVERSATION_BYTES)
    (view,) = saved.views
    assert view.rows == 85 and view.description is not None and "mag DOUBLE 4.5..6.4" in view.description
    # What was learnt is used as it was kept: change it in the copy and the restored session shows the copy's.
    marked = replace(saved, views=(replace(view, rows=42, description="Table strong (42 rows):\nmarker DOUBLE"),))
    fresh = SessionDatabase()
    assert restore_tables(marked, fresh) == []
    assert next(t for t in fresh.tables() if t.name == "strong").rows == 42
    assert "marker DOUBLE" in describe_tables(fresh)


def test_saved_tables_are_capped_and_a_loop_of_views_is_refused(db: SessionDatabase) -> None:
    save_as_view(db, "v1", "SELECT place, mag FROM earthquakes")
    save_as_view(db, "v2", "SELECT place FROM v1")
    with pytest.raises(SaveError, match="v1 would read itself through another saved table"):
        save_as_view(db, "v1", "SELECT place, 1.0 AS mag FROM v2", replace=True)  # v1 -> v2 -> v1
    assert {"v1", "v2"} <= set(db.table_names()) and db.run_query("FROM v2").total_rows == 1707
    for number in range(3, MAX_SAVED_VIEWS + 1):
        save_as_view(db, f"v{number}", "SELECT 1 AS one")
    with pytest.raises(SaveError, match=f"at most {MAX_SAVED_VIEWS} saved tables"):
        save_as_view(db, "one_too_many", "SELECT 1 AS one")
    save_as_view(db, "v3", "SELECT 2 AS two", replace=True)  # replacing one is still possible
