"""Rating answers in AppTest against the loopback endpoint and real DuckDB: the thumbs under an answer, the
rated answer guiding the next question, the rated questions download, and the Accuracy tab scoring it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from analyst.answer import RIGHT, WRONG
from tests.support.apptest import ask, open_app, texts
from tests.support.fake_endpoint import FakeEndpoint
from tests.support.score import settle_score
from tests.support.scripted_model import ScriptedModel, fenced
from ui.rating import RATED_NOTES
from ui.state import CONVERSATION, QUESTIONS_UPLOAD

TOKEN = "hf_RatingPageToken0000001"
BY_TYPE = 'SELECT "magType", count(*) AS events FROM earthquakes GROUP BY ALL ORDER BY events DESC'
STRONGEST = "SELECT max(mag) AS strongest FROM earthquakes"
FIRST = "How many events per magnitude type?"
SECOND = "Which magnitude type has the strongest events?"
DOWNLOAD = "Download rated questions (.json)"
UP, DOWN = 1, 0  # st.feedback("thumbs") values


@pytest.fixture
def model(endpoint: FakeEndpoint) -> ScriptedModel:
    scripted = ScriptedModel()
    scripted.on("per magnitude type", fenced(BY_TYPE, "bar x=magType y=events"))
    scripted.on("strongest", fenced(STRONGEST))
    scripted.on("capital", "I can only answer questions about the loaded tables.")
    endpoint.responder = scripted
    return scripted


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """What each download button offers, by file name: Streamlit's own media storage, recorded as it stores."""
    stored: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def recording(self: Any, path_or_data: Any, mimetype: str, kind: Any, filename: str | None = None) -> str:
        if filename and isinstance(path_or_data, str | bytes):
            stored[filename] = path_or_data.encode() if isinstance(path_or_data, str) else path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", recording)
    return stored


def chat_app(endpoint: FakeEndpoint) -> AppTest:
    secrets = {"HUGGINGFACE_API_KEY": TOKEN, "HUGGINGFACE_ENDPOINT_URL": endpoint.url, "HUGGINGFACE_MODEL": "tgi"}
    return open_app(secrets=secrets).run()


def download_button(at: AppTest) -> Any:
    return next(b for b in at.get("download_button") if b.proto.label == DOWNLOAD)


def rated_file(downloads: dict[str, bytes]) -> list[dict[str, Any]]:
    name = max(n for n in downloads if n.startswith("rated-questions-"))
    return json.loads(downloads[name])


def test_an_answer_rated_right_guides_the_next_question_and_downloads(
    endpoint: FakeEndpoint, model: ScriptedModel, downloads: dict[str, bytes]
) -> None:
    at = ask(chat_app(endpoint), "What is the capital of France?")  # no result: nothing to rate
    assert len(at.feedback) == 0
    ask(at, FIRST)
    assert len(at.feedback) == 1 and at.feedback[0].value is None
    assert download_button(at).proto.disabled  # nothing rated right yet

    at.feedback[0].set_value(UP).run()
    assert not at.exception
    conversation = at.session_state[CONVERSATION]
    assert conversation[1].rating == RIGHT
    assert RATED_NOTES[RIGHT] in texts(at.caption)
    assert not download_button(at).proto.disabled
    assert rated_file(downloads) == [
        {
            "id": "rated-01",
            "question": FIRST,
            "reference_sql": BY_TYPE,
            "tags": ["rated"],
            "history": ["What is the capital of France?"],
        }
    ]

    ask(at, SECOND)  # answered on the worker thread: the rating reached it through the conversation
    sql_requests = [b for b in model.seen if not b.get("stream")]
    assert f"\nQ: {FIRST}\n```sql\n{BY_TYPE}\n```\n" in sql_requests[-1]["messages"][0]["content"]
    assert at.feedback[0].value == UP  # the rating stays through reruns

    at.feedback[1].set_value(DOWN).run()
    assert [a.rating for a in at.session_state[CONVERSATION]] == [None, RIGHT, WRONG]
    assert RATED_NOTES[WRONG] in texts(at.caption)
    assert [item["question"] for item in rated_file(downloads)] == [FIRST]  # only right answers are references

    at.feedback[0].set_value(None).run()  # the thumbs taken back
    assert not at.exception
    assert at.session_state[CONVERSATION][1].rating is None
    assert download_button(at).proto.disabled


def test_a_new_answer_inserted_before_keeps_each_rating_with_its_answer(
    endpoint: FakeEndpoint, model: ScriptedModel
) -> None:
    at = ask(chat_app(endpoint), FIRST)
    at.feedback[0].set_value(UP).run()
    rated = at.session_state[CONVERSATION][0]
    ask(at, SECOND)
    at.session_state[CONVERSATION].insert(0, at.session_state[CONVERSATION].pop(1))  # another feature inserts
    at.run()
    assert [f.value for f in at.feedback] == [None, UP]
    assert at.session_state[CONVERSATION][1] is rated and rated.rating == RIGHT


def endpoints_page(endpoint: FakeEndpoint) -> AppTest:
    secrets = {"HUGGINGFACE_API_KEY": TOKEN, "HUGGINGFACE_ENDPOINT_URL": endpoint.url, "HUGGINGFACE_MODEL": "tgi"}
    return open_app(secrets=secrets).run().switch_page("pages/endpoints.py").run()


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    return at.file_uploader(key=QUESTIONS_UPLOAD).set_value((name, data, "application/json")).run()


def run_button(at: AppTest) -> Any:
    return next(b for b in at.button if b.label == "Run accuracy score")


def test_the_downloaded_rated_questions_score_on_the_accuracy_tab(
    endpoint: FakeEndpoint, model: ScriptedModel, downloads: dict[str, bytes]
) -> None:
    at = ask(chat_app(endpoint), FIRST)
    at.feedback[0].set_value(UP).run()
    ask(at, SECOND)
    at.feedback[1].set_value(UP).run()
    name = max(n for n in downloads if n.startswith("rated-questions-"))
    at.switch_page("pages/endpoints.py").run()
    endpoint.requests.clear()
    upload(at, name, downloads[name])
    assert not at.exception and not at.error
    assert any(c.startswith("2 questions from rated") for c in texts(at.caption))
    settle_score(run_button(at).click().run())  # the score runs in the background
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Execution accuracy"] == "100%"
    assert sorted(at.dataframe[0].value["id"].tolist()) == ["rated-01", "rated-02"]
    asked = [r.last_user_message for r in endpoint.chat_requests()]
    assert asked == [FIRST, FIRST, SECOND]  # the second question after its history, as in the chat


@pytest.mark.parametrize(
    ("sql", "said"),
    [
        ("COPY (SELECT 1) TO '/tmp/rated-upload-test.csv'", "COPY reads or writes files"),
        ("SELECT * FROM read_csv('/etc/passwd')", "the table function read_csv() is not allowed"),
    ],
)
def test_a_hostile_uploaded_file_is_refused_before_any_model_call(
    endpoint: FakeEndpoint, model: ScriptedModel, sql: str, said: str
) -> None:
    items = [{"id": "h1", "question": FIRST, "reference_sql": sql}]
    at = upload(endpoints_page(endpoint), "hostile.json", json.dumps(items).encode())
    assert not at.exception
    error = texts(at.error)[0]
    assert error.startswith("This questions file cannot be used") and "its reference SQL does not run here" in error
    assert said in error
    assert run_button(at).disabled
    assert endpoint.chat_requests() == []


def test_a_malformed_uploaded_file_says_what_is_wrong(endpoint: FakeEndpoint, model: ScriptedModel) -> None:
    at = upload(endpoints_page(endpoint), "broken.json", b'[{"id": "q1", "question": "How many?"')
    assert "The file is not valid JSON" in texts(at.error)[0]
    assert run_button(at).disabled


def test_edited_and_shared_answers_cannot_be_rated(endpoint: FakeEndpoint, model: ScriptedModel) -> None:
    """An edit or a link may answer another question than the one shown: it must not become its reference."""
    from analyst.answer import Answer, SqlPart, TablePart
    from sandbox.database import SessionDatabase
    from ui.rating import can_rate

    result = SessionDatabase().run_query(STRONGEST)
    table = TablePart(result.frame, result.total_rows, STRONGEST)
    assert can_rate(Answer(SECOND, [table, SqlPart(STRONGEST, 0)]))
    assert not can_rate(Answer(SECOND, [table, SqlPart(STRONGEST, 0), SqlPart(STRONGEST, -1)]))
    assert not can_rate(Answer(SECOND, [table, SqlPart(STRONGEST, 0)], shared=True))
