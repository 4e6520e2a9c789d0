"""Suggested questions on the chat page (AppTest, loopback endpoint, real DuckDB): starters built from the data
on the empty chat, follow-ups under the last answer, and a click asks the question through the model."""

from __future__ import annotations

import pyarrow as pa
from streamlit.testing.v1 import AppTest

from analyst.answer import Answer
from analyst.model_text import escape_markdown
from sandbox.database import SessionDatabase
from suggestions.questions import Suggestion, follow_up_questions, starter_questions
from tests.support.apptest import open_app, settle
from tests.support.fake_endpoint import FakeEndpoint
from tests.support.scripted_model import ScriptedModel, fenced
from ui.state import CONVERSATION, DATABASE

SECRETS = {"HUGGINGFACE_API_KEY": "hf_SuggestionsPage00001", "HUGGINGFACE_MODEL": "tgi"}


def chat_app(endpoint: FakeEndpoint, db: SessionDatabase | None = None) -> AppTest:
    at = open_app(secrets={**SECRETS, "HUGGINGFACE_ENDPOINT_URL": endpoint.url})
    if db is not None:
        at.session_state[DATABASE] = db  # the session's database with an upload already in it
    return at.run()


def scripted(model: ScriptedModel, suggestions: list[Suggestion]) -> None:
    """Teach ``model`` each suggestion's SQL, ahead of what it knew (longest questions matched first)."""
    ordered = sorted(suggestions, key=lambda s: -len(s.question))
    model.rules[:0] = [(s.question.lower(), fenced(s.sql)) for s in ordered]


def buttons(at: AppTest, prefix: str) -> list[str]:
    """The labels of the buttons whose keys start with ``prefix``, in the order of their numbers."""
    found = {int(b.key.rsplit("_", 1)[1]): b.label for b in at.button if b.key and b.key.startswith(prefix)}
    return [found[n] for n in sorted(found)]


def conversation(at: AppTest) -> list[Answer]:
    return at.session_state[CONVERSATION]


def questions_sent(model: ScriptedModel) -> list[str]:
    return [b["messages"][-1]["content"] for b in model.seen if b["messages"][0]["content"].startswith("Write")]


def test_starters_and_follow_ups_are_built_from_the_data_and_asked_when_clicked(endpoint: FakeEndpoint) -> None:
    model = ScriptedModel()
    endpoint.responder = model
    at = chat_app(endpoint)
    db = at.session_state[DATABASE]
    starters = starter_questions(db)
    scripted(model, starters)
    assert buttons(at, "example_") == [s.question for s in starters]  # plain words: nothing to escape here
    assert buttons(at, "example_")[:2] == [
        "How many earthquakes happened each day?",
        "How many earthquakes are there for each magType?",
    ]
    assert not buttons(at, "follow_up_")

    at.button(key="example_1").click().run()
    settle(at)
    assert not at.exception
    assert questions_sent(model) == ["How many earthquakes are there for each magType?"]
    first = conversation(at)[0]
    assert first.final_sql == starters[1].sql and first.table is not None
    assert not buttons(at, "example_")  # the starters leave once the chat has begun
    follow_ups = follow_up_questions(db, first)
    assert buttons(at, "follow_up_0_") == [escape_markdown(f.question) for f in follow_ups]
    assert [f.question for f in follow_ups] == [
        "Now only magType 'ml', per day",
        "Put magType 'ml' on a map",
        "Compare magType 'ml' with the rest",
    ]

    scripted(model, follow_ups)
    at.button(key="follow_up_0_2").click().run()
    settle(at)
    assert not at.exception and not at.error
    assert questions_sent(model)[-1] == "Compare magType 'ml' with the rest"
    second = conversation(at)[1]
    assert second.final_sql == follow_ups[2].sql
    assert second.table is not None and second.table.frame["n"].tolist() == [1063, 644]
    sent = next(b["messages"] for b in model.seen if b["messages"][-1]["content"] == second.question)
    assert sent[1]["content"] == first.question  # asked as a follow-up, with the answer before it
    assert not buttons(at, "follow_up_0_")  # only the last answer offers follow-ups
    assert len(buttons(at, "follow_up_1_")) >= 2


def test_a_failed_answer_offers_no_follow_ups(endpoint: FakeEndpoint) -> None:
    endpoint.responder = ScriptedModel()  # no SQL for anything
    at = chat_app(endpoint)
    at.button(key="example_0").click().run()
    settle(at)
    assert conversation(at)[0].table is None
    assert not buttons(at, "follow_up_")


def test_values_from_an_upload_are_shown_inert_on_the_buttons(endpoint: FakeEndpoint) -> None:
    db = SessionDatabase()
    db.add_table("tags", pa.table({"tag": ["![i](http://x.y)"] * 4 + ["plain"] * 2}))
    model = ScriptedModel()
    endpoint.responder = model
    at = chat_app(endpoint, db)
    starters = starter_questions(db)
    assert buttons(at, "example_")[0] == "How many tags are there for each tag?"  # the upload's questions first
    scripted(model, starters)
    at.button(key="example_0").click().run()
    settle(at)
    follow_ups = follow_up_questions(db, conversation(at)[0])
    compare = "Compare tag '![i](http://x.y)' with the rest"
    assert compare in [f.question for f in follow_ups]
    labels = buttons(at, "follow_up_0_")
    assert escape_markdown(compare) in labels and compare not in labels
    label = next(label for label in labels if label.startswith("Compare"))
    assert "![" not in label and "\\[i\\](" in label  # brackets escaped: no image or link for the button's Markdown
    scripted(model, follow_ups)
    at.button(key=f"follow_up_0_{[f.question for f in follow_ups].index(compare)}").click().run()
    settle(at)
    assert conversation(at)[1].question == compare  # the question itself is asked as it is
    assert conversation(at)[1].table is not None and not at.error
