"""Suggested questions on the chat page (AppTest, loopback endpoint, real DuckDB): starters built from the data
on the empty chat, follow-ups under the last answer; a click answers the question with the SQL the app checked it
with (no model call for the SQL), and the model writes the insight."""

from __future__ import annotations

import pyarrow as pa
from streamlit.testing.v1 import AppTest

from analyst.answer import Answer, SqlPart
from analyst.model_text import escape_markdown
from analyst.pipeline import SUGGESTED
from sandbox.database import SessionDatabase
from suggestions.questions import follow_up_questions, starter_questions
from tests.support.apptest import ask, open_app, settle
from tests.support.fake_endpoint import FakeEndpoint
from tests.support.scripted_model import ScriptedModel
from ui.state import CONVERSATION, DATABASE

SECRETS = {"HUGGINGFACE_API_KEY": "hf_SuggestionsPage00001", "HUGGINGFACE_MODEL": "tgi"}


def chat_app(endpoint: FakeEndpoint, db: SessionDatabase | None = None) -> AppTest:
    at = open_app(secrets={**SECRETS, "HUGGINGFACE_ENDPOINT_URL": endpoint.url})
    if db is not None:
        at.session_state[DATABASE] = db  # the session's database with an upload already in it
    return at.run()


def buttons(at: AppTest, prefix: str) -> list[str]:
    """The labels of the buttons whose keys start with ``prefix``, in the order of their numbers."""
    found = {int(b.key.rsplit("_", 1)[1]): b.label for b in at.button if b.key and b.key.startswith(prefix)}
    return [found[n] for n in sorted(found)]


def conversation(at: AppTest) -> list[Answer]:
    return at.session_state[CONVERSATION]


def questions_sent(model: ScriptedModel) -> list[str]:
    return [b["messages"][-1]["content"] for b in model.seen if b["messages"][0]["content"].startswith("Write")]


def test_starters_and_follow_ups_are_built_from_the_data_and_answered_with_their_checked_sql(
    endpoint: FakeEndpoint,
) -> None:
    model = ScriptedModel(insight="Counted.")  # it is never asked for SQL: no rule would answer that
    endpoint.responder = model
    at = chat_app(endpoint)
    db = at.session_state[DATABASE]
    starters = starter_questions(db)
    assert buttons(at, "example_") == [s.question for s in starters]  # plain words: nothing to escape here
    assert buttons(at, "example_")[:2] == [
        "How many earthquakes happened each day?",
        "How many earthquakes are there for each magType?",
    ]
    assert not buttons(at, "follow_up_")

    at.button(key="example_1").click().run()
    settle(at)
    assert not at.exception
    assert questions_sent(model) == []
    first = conversation(at)[0]
    assert first.final_sql == starters[1].sql and first.table is not None
    assert [c.purpose for c in first.calls] == ["insight"] and first.of_type(SqlPart)[0].note == SUGGESTED
    assert not buttons(at, "example_")  # the starters leave once the chat has begun
    follow_ups = follow_up_questions(db, first)
    assert buttons(at, "follow_up_0_") == [escape_markdown(f.question) for f in follow_ups]
    assert [f.question for f in follow_ups] == [
        "Now only magType 'ml', per day",
        "Put magType 'ml' on a map",
        "Compare magType 'ml' with the rest",
    ]

    at.button(key="follow_up_0_2").click().run()
    settle(at)
    assert not at.exception and not at.error
    assert questions_sent(model) == []
    second = conversation(at)[1]
    assert second.final_sql == follow_ups[2].sql and [c.purpose for c in second.calls] == ["insight"]
    assert second.table is not None and second.table.frame["n"].tolist() == [1063, 644]
    assert "Compare magType 'ml' with the rest" in model.seen[-1]["messages"][-1]["content"]  # the insight's
    assert not buttons(at, "follow_up_0_")  # only the last answer offers follow-ups
    assert len(buttons(at, "follow_up_1_")) >= 2


def test_a_failed_answer_offers_no_follow_ups(endpoint: FakeEndpoint) -> None:
    endpoint.responder = ScriptedModel()  # no SQL for anything
    at = ask(chat_app(endpoint), "How many earthquakes happened each day?")
    assert conversation(at)[0].table is None
    assert not buttons(at, "follow_up_")


def test_values_from_an_upload_are_shown_inert_on_the_buttons(endpoint: FakeEndpoint) -> None:
    db = SessionDatabase()
    db.add_table("tags", pa.table({"tag": ["![i](http://x.y)"] * 4 + ["plain"] * 2}))
    model = ScriptedModel()
    endpoint.responder = model
    at = chat_app(endpoint, db)
    assert buttons(at, "example_")[0] == "How many tags are there for each tag?"  # the upload's questions first
    at.button(key="example_0").click().run()
    settle(at)
    follow_ups = follow_up_questions(db, conversation(at)[0])
    compare = "Compare tag '![i](http://x.y)' with the rest"
    assert compare in [f.question for f in follow_ups]
    labels = buttons(at, "follow_up_0_")
    assert escape_markdown(compare) in labels and compare not in labels
    label = next(label for label in labels if label.startswith("Compare"))
    assert "![" not in label and "\\[i\\](" in label  # brackets escaped: no image or link for the button's Markdown
    at.button(key=f"follow_up_0_{[f.question for f in follow_ups].index(compare)}").click().run()
    settle(at)
    assert conversation(at)[1].question == compare  # the question itself is asked as it is
    assert conversation(at)[1].table is not None and not at.error
