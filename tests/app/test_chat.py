"""The chat page in AppTest: a whole conversation against the loopback endpoint and real DuckDB."""

from __future__ import annotations

import re
import time

import pytest
from streamlit.testing.v1 import AppTest

from analyst.answer import Answer
from tests.support.apptest import ask, open_app, settle, texts
from tests.support.fake_endpoint import FakeEndpoint
from tests.support.scripted_model import ScriptedModel, fenced
from ui.state import CONVERSATION

TOKEN = "hf_ChatPageToken000000001"
BY_TYPE = 'SELECT "magType", count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY n DESC'
BY_DAY = "SELECT time::DATE AS day, count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY 1"


def chat_app(endpoint: FakeEndpoint) -> AppTest:
    secrets = {"HUGGINGFACE_API_KEY": TOKEN, "HUGGINGFACE_ENDPOINT_URL": endpoint.url, "HUGGINGFACE_MODEL": "tgi"}
    return open_app(secrets=secrets).run()


def messages(at: AppTest) -> list[str]:
    return [m.markdown[0].value if m.markdown else "" for m in at.chat_message]


@pytest.fixture
def model(endpoint: FakeEndpoint) -> ScriptedModel:
    scripted = ScriptedModel()
    scripted.on("rejected", fenced(BY_TYPE, "bar x=magType y=n"))
    scripted.on("broken", fenced("SELECT magnitude_type, count(*) FROM earthquakes GROUP BY 1"))
    scripted.on("only reviewed", fenced(BY_TYPE.replace("GROUP BY", "WHERE status = 'reviewed' GROUP BY")))
    scripted.on("magnitude type", fenced(BY_TYPE, "bar x=magType y=n"))
    scripted.on("each day", fenced(BY_DAY))
    endpoint.responder = scripted
    return scripted


def test_without_a_key_the_page_opens_and_says_what_to_configure() -> None:
    at = open_app().run()
    assert not at.exception
    info = texts(at.info)[0]
    assert info.startswith("HuggingFace API key required. Configure a model endpoint in the sidebar")
    assert "earthquakes (1,707 rows)" in texts(at.caption)[0]
    assert any(e.label == "Preview the data" for e in at.expander) and not at.dataframe  # read when opened
    at.session_state["preview_data"] = True
    at.run()
    assert len(at.dataframe[0].value) == 100 and "magType" in at.dataframe[0].value.columns
    examples = [b.label for b in at.button if b.key and b.key.startswith("example_")]
    assert "How many earthquakes are there for each magType?" in examples  # built from the data
    assert "Show the earthquakes on a map" in examples
    at.button(key="example_0").click().run()
    assert texts(at.error)[0].startswith("HuggingFace API key required")
    assert messages(at)[0] == "How many earthquakes happened each day?"


def test_a_whole_conversation(endpoint: FakeEndpoint, model: ScriptedModel) -> None:
    at = chat_app(endpoint)
    ask(at, "Which magnitude type is most common?")
    assert not at.exception
    assert messages(at) == ["Which magnitude type is most common?", "The result has 7 rows."]
    assert len(at.get("vega_lite_chart")) == 1
    assert [t.label for t in at.tabs] == ["Result (7 rows)", "SQL"]
    assert at.dataframe[0].value["n"].tolist()[0] == 1063
    assert at.code[0].value == BY_TYPE
    assert "Computed: earthquakes · count (n) per magType · sorted by n, highest first" in texts(at.caption)
    meta = [c for c in texts(at.caption) if "tokens" in c]
    assert meta and meta[0].startswith("tgi · answered in ") and "2 model calls" in meta[0]
    assert re.search(r"[\d,]+ in \+ [\d,]+ out tokens$", meta[0])

    ask(at, "Now only reviewed events")
    follow_up = model.seen[-2]["messages"]
    assert follow_up[1]["content"] == "Which magnitude type is most common?"
    assert BY_TYPE in follow_up[2]["content"]
    assert len(at.get("vega_lite_chart")) == 2

    ask(at, "This one is broken")
    attempts = [e.label for e in at.expander if e.label.startswith("Attempts")]
    assert attempts == ["Attempts (2)"]
    assert any("magnitude_type" in e for e in texts(at.error))
    assert len(at.get("vega_lite_chart")) == 3

    endpoint.fail_next(1, 503, body={"error": "Model is currently loading", "estimated_time": 0.01})
    ask(at, "How many happened each day?")
    assert len(at.get("vega_lite_chart")) == 4
    assert "Computed: earthquakes · count (n) per day of time · sorted by day, lowest first" in texts(at.caption)
    assert any("1 retry" in c for c in texts(at.caption))

    endpoint.fail_always(401)
    ask(at, "Which magnitude type again?")
    assert texts(at.error)[-1].startswith("Invalid API key")
    assert len(at.chat_message) == 10
    assert len(at.get("vega_lite_chart")) == 4  # earlier answers survive the error
    assert TOKEN not in str(at._tree)


def test_what_the_model_saw_is_shown(endpoint: FakeEndpoint, model: ScriptedModel) -> None:
    at = ask(chat_app(endpoint), "Which magnitude type is most common?")
    assert any(e.label == "What the model saw" for e in at.expander)
    shown = "\n".join(c.value for c in at.code)
    assert "Write one DuckDB SELECT query" in shown and "You explain query results" in shown


def test_edited_sql_reruns_and_redraws(endpoint: FakeEndpoint, model: ScriptedModel) -> None:
    at = ask(chat_app(endpoint), "Which magnitude type is most common?")
    at.text_area(key="sql_edit_0").input("SELECT type, count(*) AS n FROM earthquakes GROUP BY 1").run()
    at.button(key="sql_run_0").click().run()
    assert not at.exception
    assert [t.label for t in at.tabs][0] == "Result (3 rows)"
    assert any("edited SQL" in c for c in texts(at.caption))
    at.text_area(key="sql_edit_0").input("DROP TABLE earthquakes").run()
    at.button(key="sql_run_0").click().run()
    assert texts(at.error)[-1].startswith("Your edit did not run: Refused: DROP removes data")
    assert [t.label for t in at.tabs][0] == "Result (3 rows)"  # the last good result stays
    assert "earthquakes (1,707 rows)" in texts(at.caption)[0]


def test_row_sharing_can_be_turned_off(endpoint: FakeEndpoint, model: ScriptedModel) -> None:
    at = chat_app(endpoint)
    at.sidebar.toggle(key="share_rows").set_value(False).run()
    ask(at, "Which magnitude type is most common?")
    assert "chose not to share" in model.seen[-1]["messages"][-1]["content"]


def test_new_conversation_empties_the_chat(endpoint: FakeEndpoint, model: ScriptedModel) -> None:
    at = ask(chat_app(endpoint), "Which magnitude type is most common?")
    assert len(at.chat_message) == 2
    next(b for b in at.sidebar.button if b.label == "New conversation").click().run()
    assert len(at.chat_message) == 0
    assert at.button(key="example_0")


def test_the_session_total_adds_up_every_answer_and_the_export_menu_is_there(
    endpoint: FakeEndpoint, model: ScriptedModel
) -> None:
    at = chat_app(endpoint)
    assert not any(c.startswith("This session:") for c in texts(at.sidebar.caption))
    ask(at, "Which magnitude type is most common?")
    ask(at, "How many happened each day?")
    per_answer = [c for c in texts(at.caption) if c.startswith("tgi · ")]
    spent = sum(
        int(n.replace(",", "")) for c in per_answer for n in re.findall(r"([\d,]+) in \+ ([\d,]+) out tokens", c)[0]
    )
    total = next(c for c in texts(at.sidebar.caption) if c.startswith("This session:"))
    assert total.startswith(f"This session: 2 questions · 4 model calls · {spent:,} tokens (")
    downloads = [b.proto.label for b in at.get("download_button")]
    assert "Markdown report (.md)" in downloads and "Report, Python script and data (.zip)" in downloads


def test_a_question_not_about_the_data_says_what_to_do_next(endpoint: FakeEndpoint, model: ScriptedModel) -> None:
    at = ask(chat_app(endpoint), "What is the capital of France?")
    assert messages(at)[1] == "I can only answer questions about the loaded tables."
    assert any(c.startswith("ℹ️ No query was run: the reply had no SQL.") for c in texts(at.caption))


def test_an_endpoint_that_stays_asleep_is_explained_with_what_to_do(
    endpoint: FakeEndpoint, model: ScriptedModel
) -> None:
    at = chat_app(endpoint)
    endpoint.fail_always(503, body={"error": "Model is currently loading", "estimated_time": 0.01})
    ask(at, "Which magnitude type is most common?")
    assert not at.exception
    error = texts(at.error)[-1]
    assert error.startswith("Model loading or overloaded") and "wake it on the Endpoints page" in error


def wait_for(at: AppTest, condition, timeout: float = 20) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def conversation(at: AppTest) -> list[Answer]:
    return at.session_state[CONVERSATION]


def test_a_question_sent_mid_answer_waits_its_turn_and_loses_nothing(
    endpoint: FakeEndpoint, model: ScriptedModel
) -> None:
    endpoint.delay = 0.5
    at = chat_app(endpoint)
    at.chat_input[0].set_value("Which magnitude type is most common?").run()
    assert not any(b.key and b.key.startswith("example_") for b in at.button)  # the starters left at once
    progress = [c for c in texts(at.caption) if c.startswith("⏳ ")]  # on a loaded machine it may not have started
    assert len(progress) == 1 and (progress[0] == "⏳ Starting…" or progress[0].startswith("⏳ Writing SQL · "))
    at.chat_input[0].set_value("Now only reviewed events").run()  # sent while the first one runs
    at.chat_input[0].set_value("And the strongest?").run()
    assert texts(at.caption).count("⏳ Waiting: answered after the question above.") == 2
    assert [b.label for b in at.button].count("Stop") == 1  # only the running answer is redrawn with its Stop
    settle(at)
    assert messages(at)[0::2] == [
        "Which magnitude type is most common?",
        "Now only reviewed events",
        "And the strongest?",
    ]
    assert len(at.get("vega_lite_chart")) >= 2 and not at.error
    follow_up = next(b for b in model.seen if b["messages"][-1]["content"] == "Now only reviewed events")
    assert follow_up["messages"][1]["content"] == "Which magnitude type is most common?"  # with its context


def test_stop_keeps_the_finished_parts_and_retry_asks_again_with_the_same_context(
    endpoint: FakeEndpoint, model: ScriptedModel
) -> None:
    model.insight = "Most of the week's earthquakes were measured with the ml scale. " * 10
    at = chat_app(endpoint)
    ask(at, "How many happened each day?")
    endpoint.token_delay = 0.05
    at.chat_input[0].set_value("Which magnitude type is most common?").run()
    wait_for(at, lambda: conversation(at)[1].table is not None)
    at.run()
    next(b for b in at.button if b.label == "Stop").click().run()
    answer = conversation(at)[1]
    assert answer.stopped and answer.table is not None
    assert any(c.startswith("ℹ️ Stopped before it finished") for c in texts(at.caption))
    lines = [c for c in texts(at.caption) if c.startswith("tgi · ")]
    assert " · stopped after " in lines[-1] and " · answered in " in lines[0]  # each says how it ended
    assert at.dataframe[-1].value["n"].tolist()[0] == 1063  # the finished table is kept
    sent = len(model.seen)
    endpoint.token_delay = 0.0
    at.button(key="retry_1").click().run()
    settle(at)
    again = conversation(at)[1]
    assert again is answer and not again.stopped and again.error is None and len(conversation(at)) == 2
    retried = model.seen[sent]["messages"]
    assert retried[-1]["content"] == "Which magnitude type is most common?"
    assert retried[1]["content"] == "How many happened each day?"  # the same context as the first try
    assert not any(b.key == "retry_1" for b in at.button)


def test_a_failed_answer_offers_retry_and_links_to_the_endpoints_page(
    endpoint: FakeEndpoint, model: ScriptedModel
) -> None:
    endpoint.fail_always(500)
    at = ask(chat_app(endpoint), "Which magnitude type is most common?")
    assert texts(at.error)[0].startswith("Internal server error")
    links = at.get("page_link")
    assert [link.proto.page for link in links] == ["endpoints"]
    endpoint.reset()
    endpoint.responder = model
    at.button(key="retry_0").click().run()
    settle(at)
    assert not at.error and len(at.get("vega_lite_chart")) == 1 and len(at.chat_message) == 2


def test_a_repaired_answer_says_so_and_shows_what_failed(endpoint: FakeEndpoint, model: ScriptedModel) -> None:
    at = ask(chat_app(endpoint), "This one is broken")
    repaired = [e for e in at.expander if e.label.startswith("🔧 Repaired: the first query failed")]
    assert len(repaired) == 1
    assert any("magnitude_type" in c.value for c in repaired[0].code)
    assert any("magnitude_type" in e.value for e in repaired[0].error)  # DuckDB's message, on demand


def test_an_answer_keeps_running_across_a_page_switch(endpoint: FakeEndpoint, model: ScriptedModel) -> None:
    endpoint.delay = 0.5
    at = chat_app(endpoint)
    at.chat_input[0].set_value("Which magnitude type is most common?").run()
    at.switch_page("pages/explore.py").run()  # the person looks at the data meanwhile
    assert "Explore your data" in texts(at.title)
    settle(at)
    at.switch_page("pages/chat.py").run()
    assert messages(at) == ["Which magnitude type is most common?", "The result has 7 rows."]
    assert len(at.get("vega_lite_chart")) == 1 and not at.error


def test_a_chart_suggestion_that_does_not_fit_gives_its_reason_on_demand(endpoint: FakeEndpoint) -> None:
    endpoint.responder = ScriptedModel(default=fenced(BY_TYPE, "line x=month y=n"))
    at = ask(chat_app(endpoint), "Which magnitude type is most common?")
    note = next(c for c in at.caption if c.value.startswith("ℹ️ An automatic chart"))
    assert "no column 'month'" in note.help
    assert len(at.get("vega_lite_chart")) == 1


def test_how_a_notice_is_shown_follows_its_kind_not_its_words() -> None:
    def notices() -> None:
        from analyst.answer import NoticePart
        from ui.answer_view import render_notice

        words = "The model's chart suggestion did not fit the result (no column 'month'); showing an automatic chart."
        render_notice(NoticePart(words))
        render_notice(NoticePart("No column 'month'.", NoticePart.CHART_FALLBACK))

    at = AppTest.from_function(notices, default_timeout=30).run()
    plain, fallback = at.caption
    assert plain.value.startswith("ℹ️ The model's chart suggestion did not fit") and not plain.help
    assert fallback.value.startswith("ℹ️ An automatic chart") and fallback.help == "No column 'month'."
