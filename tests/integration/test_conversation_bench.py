"""The conversation benchmark's runner, through the loopback endpoint: every turn is asked after the turns before it,
its own files are loaded as uploads, and each turn is scored against its own reference."""

from __future__ import annotations

from evaluation.accuracy import EVAL_OPTIONS
from evaluation.conversations import (
    CONVERSATIONS_FILE,
    HELD_OUT_FILE,
    conversation_database,
    load_conversations,
    run_conversations,
)
from tests.support.scripted_model import ScriptedModel, fenced


def test_every_reference_of_both_sets_runs_and_finds_rows() -> None:
    for path in (CONVERSATIONS_FILE, HELD_OUT_FILE):
        conversations = load_conversations(path)
        for conversation in conversations:
            db = conversation_database(conversation)
            try:
                for turn in conversation.turns:
                    assert db.run_query(turn.reference_sql).total_rows > 0, turn.id
            finally:
                db.close()
    main, held_out = load_conversations(CONVERSATIONS_FILE), load_conversations(HELD_OUT_FILE)
    assert len(main) >= 12 and all(2 <= len(c.turns) <= 4 for c in main + held_out)
    own = {name for c in main for name in c.files}
    assert {"orders.csv", "readings.json", "loans.csv"} <= own
    assert not {t.question for c in held_out for t in c.turns} & {t.question for c in main for t in c.turns}


def test_turns_are_asked_in_order_with_their_history_and_scored_each(endpoint, client) -> None:  # type: ignore[no-untyped-def]
    conversation = next(c for c in load_conversations(CONVERSATIONS_FILE) if c.id == "c06")
    model = ScriptedModel()
    first, second, third = conversation.turns
    model.on(first.question, fenced(first.reference_sql))
    model.on(second.question, fenced(second.reference_sql.replace("'online'", "'store'")))  # the wrong channel
    model.on(third.question, fenced(third.reference_sql))
    endpoint.responder = model
    report = run_conversations(client, [conversation], options=EVAL_OPTIONS)
    assert [(s.id, s.correct) for s in report.scores] == [("c06.1", True), ("c06.2", False), ("c06.3", True)]
    asked = [b["messages"] for b in model.seen]
    assert [m["content"] for m in asked[2][1:-1:2]] == [first.question, second.question]  # the turns before it


def test_a_conversation_reads_the_tables_saved_before_it_and_the_model_sees_what_their_rows_are(
    endpoint, client
) -> None:  # type: ignore[no-untyped-def]
    """The saved-table conversation: its view exists, and the prompt says a total over it sums a column (the 1.5B
    model counted the view's rows in Chromium)."""
    conversation = next(c for c in load_conversations(CONVERSATIONS_FILE) if c.saved)
    model = ScriptedModel()
    for turn in conversation.turns:
        model.on(turn.question, fenced(turn.reference_sql))
    endpoint.responder = model
    report = run_conversations(client, [conversation], options=EVAL_OPTIONS)
    assert all(s.correct for s in report.scores)
    system = model.seen[0]["messages"][0]["content"]
    assert "A saved answer: earthquakes · count (n) per day of time" in system and "sums a column" in system


def test_another_labelling_of_the_same_answer_listed_as_also_right_scores_right(endpoint, client) -> None:  # type: ignore[no-untyped-def]
    conversation = next(c for c in load_conversations(CONVERSATIONS_FILE) if c.id == "c07")
    first, second = conversation.turns
    assert second.also_right
    model = ScriptedModel().on(first.question, fenced(first.reference_sql))
    model.on(second.question, fenced(second.also_right[0]))
    endpoint.responder = model
    assert [s.correct for s in run_conversations(client, [conversation], options=EVAL_OPTIONS).scores] == [True, True]
    model.on(second.question, fenced(second.also_right[0].replace("'Lamp'", "'Desk'")))
    model.rules.reverse()  # the wrong product first
    assert [s.correct for s in run_conversations(client, [conversation], options=EVAL_OPTIONS).scores] == [True, False]
