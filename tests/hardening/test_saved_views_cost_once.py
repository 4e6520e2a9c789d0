"""Saved views are paid for once. The probe: four slow views saved in a conversation made anyone opening its link
wait 55 s, because row counts, schema lines and profiles ran each view again. Here every saved view fails the
moment its query runs, so any run of it during a restore or a page load would show."""

from __future__ import annotations

from conversations.snapshot import ConversationSnapshots
from conversations.store import new_conversation_id
from sandbox.database import SessionDatabase
from tests.support.apptest import open_app, texts
from ui.saved_conversation import URL_PARAM, conversation_store

# Binds (so it can be made again) but fails as soon as a row is read: DuckDB cannot cast a place to a number.
FAILS_WHEN_RUN = "SELECT CAST(place AS INTEGER) AS n, mag FROM earthquakes"


def test_opening_a_link_with_saved_views_runs_none_of_them() -> None:
    db = SessionDatabase()
    for number in range(1, 5):
        description = f"Table costly_{number} (1,707 rows):\nn INTEGER\nmag DOUBLE"
        db.add_view(f"costly_{number}", FAILS_WHEN_RUN, rows=1_707, description=description)
    conversation_id = new_conversation_id()
    saved = ConversationSnapshots().build(conversation_id, [], db, 1_000_000)
    conversation_store().save(conversation_id, saved, owner="browser:sender")

    at = open_app()
    at.query_params[URL_PARAM] = conversation_id
    at.run()
    assert not at.exception and not at.error
    restored = at.session_state["session_database"]
    assert set(restored.saved_views) == {f"costly_{n}" for n in range(1, 5)}
    assert not [t for t in texts(at.info) if "could not be made again" in t]

    at.switch_page("pages/explore.py").run()  # the table list: names and row counts, nothing read
    assert not at.exception and not at.error and not [t for t in texts(at.warning) if "read this table" in t]
    labels = [e.label for e in at.expander]
    assert "**costly_1** — 1,707 rows · 2 columns" in labels

    at.session_state["table_costly_1"] = True  # opening one reads it: its failure is said, not raised
    at.run()
    assert not at.exception
    assert not at.exception
    assert any(t.startswith("Could not read this table") for t in texts(at.warning))
