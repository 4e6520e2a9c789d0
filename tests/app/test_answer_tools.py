"""Share and Save as table in AppTest: a shared link opens its answer with no model call and no token, and a
saved result is a table that the Explore page lists and later questions' prompts describe."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from analyst.model_text import escape_markdown
from tests.support.apptest import ask, open_app, texts
from tests.support.fake_endpoint import FakeEndpoint
from tests.support.scripted_model import ScriptedModel, fenced

TOKEN = "hf_AnswerToolsToken00001"
QUESTION = "Which magnitude type is most common?"
BY_TYPE = 'SELECT "magType", count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY n DESC'
SHARED_NOTE = "ℹ️ Shared answer: the SQL was rerun on this session's data; no model was asked."


def chat_app(endpoint: FakeEndpoint) -> AppTest:
    secrets = {"HUGGINGFACE_API_KEY": TOKEN, "HUGGINGFACE_ENDPOINT_URL": endpoint.url, "HUGGINGFACE_MODEL": "tgi"}
    return open_app(secrets=secrets)


def open_link(at: AppTest, question: str, sql: str) -> AppTest:
    at.query_params["q"] = question
    at.query_params["sql"] = sql
    return at.run()


def messages(at: AppTest) -> list[str]:
    return [m.markdown[0].value if m.markdown else "" for m in at.chat_message]


@pytest.fixture
def model(endpoint: FakeEndpoint) -> ScriptedModel:
    scripted = ScriptedModel()
    scripted.on("magnitude type", fenced(BY_TYPE, "bar x=magType y=n"))
    scripted.on("type_counts", fenced("SELECT * FROM type_counts ORDER BY n"))
    endpoint.responder = scripted
    return scripted


def test_a_shared_link_shows_its_answer_once_without_asking_the_model(
    endpoint: FakeEndpoint, model: ScriptedModel
) -> None:
    at = open_link(chat_app(endpoint), QUESTION, BY_TYPE)
    assert not at.exception
    assert messages(at)[0] == escape_markdown(QUESTION)
    assert SHARED_NOTE in texts(at.caption)
    assert [t.label for t in at.tabs] == ["Result (7 rows)", "SQL"]
    assert at.dataframe[0].value["n"].tolist()[0] == 1063
    assert len(at.get("vega_lite_chart")) == 1
    assert at.code[0].value == BY_TYPE
    assert endpoint.chat_requests() == [] and model.seen == []
    assert "q" not in at.query_params and "sql" not in at.query_params  # cleared: a reload adds nothing
    at.run()
    at.run()
    assert len(at.chat_message) == 2 and not at.exception


def test_a_shared_link_needs_no_token(endpoint: FakeEndpoint) -> None:
    at = open_link(open_app(), QUESTION, BY_TYPE)
    assert not at.exception
    assert texts(at.info)[0].startswith("HuggingFace API key required")
    assert [t.label for t in at.tabs] == ["Result (7 rows)", "SQL"]
    assert not at.error and endpoint.requests == []


def test_a_hostile_link_is_refused_and_stays_text(endpoint: FakeEndpoint) -> None:
    question = "Totals ![x](https://attacker.example/leak.png) <img src=https://attacker.example/a.png>"
    at = open_link(open_app(), question, "COPY earthquakes TO '/tmp/answer-tools-stolen.csv'")
    assert not at.exception
    assert messages(at)[0] == escape_markdown(question)
    refused = (
        "Refused: COPY reads or writes files. Only one read-only query over the loaded tables may run "
        "(SELECT, WITH, DESCRIBE, SUMMARIZE, SHOW TABLES, EXPLAIN, PIVOT)."
    )
    assert set(texts(at.error)) == {refused}  # the answer's error, and the same under its SQL
    assert not any(b.key == "retry_0" for b in at.button)  # nothing to ask a model again
    assert "earthquakes (1,707 rows)" in texts(at.caption)[0]


def test_a_link_to_a_table_this_session_lacks_says_so(endpoint: FakeEndpoint) -> None:
    at = open_link(open_app(), "Stations per region", "SELECT region, count(*) AS n FROM stations GROUP BY 1")
    assert set(texts(at.error)) == {
        "This shared answer uses table stations, which is not loaded in this session "
        "(load the file it came from, then open the link again)."
    }


def test_share_gives_a_link_that_opens_the_same_answer_in_a_fresh_session(
    endpoint: FakeEndpoint, model: ScriptedModel
) -> None:
    at = ask(chat_app(endpoint).run(), QUESTION)
    popovers = [p.proto.popover.label for p in at.main.get("popover")]
    assert popovers == ["Share", "Save as table"]
    link = next(c.value for c in at.code if "sql=" in c.value)
    params = {name: values[-1] for name, values in parse_qs(urlsplit(link).query).items()}
    assert params == {"q": QUESTION, "sql": BY_TYPE}  # nothing else, no token, no session id
    sent = len(endpoint.chat_requests())
    fresh = open_app()
    fresh.query_params.update(params)
    fresh.run()
    assert messages(fresh)[0] == escape_markdown(QUESTION)
    assert fresh.dataframe[0].value.equals(at.dataframe[0].value)
    assert len(endpoint.chat_requests()) == sent


def test_save_as_table_lists_it_on_explore_and_describes_it_to_the_model(
    endpoint: FakeEndpoint, model: ScriptedModel
) -> None:
    at = ask(chat_app(endpoint).run(), QUESTION)
    assert at.text_input(key="save_name_0").value == "magnitude_type_most_common"
    at.text_input(key="save_name_0").input("type_counts").run()
    at.button(key="save_table_0").click().run()
    assert not at.exception
    assert texts(at.success)[0].startswith("Saved as table type_counts (7 rows, 2 columns): later questions")
    assert "type_counts (7 rows)" in texts(at.caption)[0]

    at.button(key="save_table_0").click().run()  # the same name again, without Replace
    assert texts(at.error) == [
        "A saved table named type_counts exists already: tick 'Replace' to overwrite it, or pick another name."
    ]

    ask(at, "What is in type_counts?")
    prompt = next(b for b in model.seen if b["messages"][-1]["content"] == "What is in type_counts?")
    assert "Table type_counts (7 rows):" in prompt["messages"][0]["content"]
    assert at.dataframe[-1].value["n"].tolist()[-1] == 1063  # the question's SQL read the saved table
    assert all(e.startswith("A saved table named type_counts") for e in texts(at.error))  # only the old note

    at.switch_page("pages/explore.py").run()
    assert not at.exception
    titles = [e.label for e in at.expander]
    assert "**type_counts** — 7 rows · 2 columns" in titles


def test_a_bad_name_is_explained_and_nothing_is_saved(endpoint: FakeEndpoint, model: ScriptedModel) -> None:
    at = ask(chat_app(endpoint).run(), QUESTION)
    at.text_input(key="save_name_0").input("earthquakes").run()
    at.button(key="save_table_0").click().run()
    assert texts(at.error) == ["earthquakes is a loaded table: pick another name (saving never replaces loaded data)."]
    assert texts(at.caption)[0].startswith("Tables: earthquakes (1,707 rows).")
