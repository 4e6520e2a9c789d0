"""Rated answers through the real pipeline (loopback endpoint, real SDK, real DuckDB): an answer marked right is
an example in the next question's system prompt; the rated answers' questions file scores through
``python -m bench.eval --questions``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyst.answer import RIGHT, WRONG, Answer
from analyst.pipeline import answer_question
from analyst.prompt_context import load_schema_context
from analyst.prompts import build_sql_system
from bench import eval as bench_eval
from bench.tokens import count_messages
from conversations.snapshot import ConversationSnapshots, restore_answers
from conversations.store import MAX_CONVERSATION_BYTES, new_conversation_id
from evaluation.rated_questions import build_rated_questions, find_sample_tables, to_questions_file
from providers.client import ModelClient
from providers.endpoint_types import EndpointType
from providers.settings import ProviderSettings
from sandbox.database import SessionDatabase
from sources.samples import load_sample_dataset
from tests.support.fake_endpoint import FakeEndpoint
from tests.support.scripted_model import ScriptedModel, fenced

TOKEN = "hf_RatedAnswers000000001"
BY_TYPE = 'SELECT "magType", count(*) AS events FROM earthquakes GROUP BY ALL ORDER BY events DESC'
REVIEWED = BY_TYPE.replace("GROUP BY", "WHERE status = 'reviewed' GROUP BY")
STRONGEST = "SELECT max(mag) AS strongest FROM earthquakes"
FIRST = "How many events per magnitude type?"
SECOND = "Which magnitude type has the strongest events?"


def model() -> ScriptedModel:
    scripted = ScriptedModel()
    scripted.on("only reviewed", fenced(REVIEWED, "bar x=magType y=events"))
    scripted.on("per magnitude type", fenced(BY_TYPE, "bar x=magType y=events"))
    scripted.on("strongest", fenced(STRONGEST))
    scripted.on("origin", fenced('SELECT "Origin", count(*) AS n FROM cars GROUP BY ALL'))
    scripted.on("stations", fenced("SELECT count(*) AS n FROM stations"))
    return scripted


def sql_system_prompts(endpoint: FakeEndpoint) -> list[str]:
    """The system prompt of every SQL request the endpoint received (not the insight's)."""
    systems = [str(r.body["messages"][0]["content"]) for r in endpoint.chat_requests()]
    return [s for s in systems if s.startswith("Write one DuckDB SELECT query")]


def test_an_answer_rated_right_is_an_example_in_the_next_questions_prompt(endpoint, db, client) -> None:
    endpoint.responder = model()
    first = answer_question(FIRST, [], db, client)
    first.rating = RIGHT
    answer_question(SECOND, [first], db, client)
    system = sql_system_prompts(endpoint)[-1]
    assert f"\nQ: {FIRST}\n```sql\n{BY_TYPE}\n```\nchart: bar x=magType y=events\n" in system
    assert system.index(f"Q: {FIRST}") < system.index("Q: How many rows per day?")  # before the generic ones
    assert system.count("\nQ: ") == 3  # one generic example made room for it


def test_an_answer_rated_wrong_or_not_rated_leaves_the_prompt_as_it_was(endpoint, db, client) -> None:
    endpoint.responder = model()
    first = answer_question(FIRST, [], db, client)
    for rating in (WRONG, None):
        first.rating = rating
        answer_question(SECOND, [first], db, client)
        system = sql_system_prompts(endpoint)[-1]
        assert BY_TYPE not in system
        assert system == build_sql_system(load_schema_context(db, SECOND))  # today's prompt, byte for byte


def test_rated_examples_add_few_tokens_on_the_bundled_data(endpoint, db, client) -> None:
    endpoint.responder = model()
    first = answer_question(FIRST, [], db, client)
    reviewed = answer_question("Events per magnitude type, only reviewed ones", [first], db, client)
    answer_question(SECOND, [first, reviewed], db, client)
    for answer in (first, reviewed):
        answer.rating = RIGHT
    answer_question(SECOND, [first, reviewed], db, client)
    plain, rated = [r.body["messages"] for r in endpoint.chat_requests() if "Q: How" in str(r.body)][-2:]
    assert plain[0]["content"].count("\nQ: ") == rated[0]["content"].count("\nQ: ") == 3
    assert REVIEWED in rated[0]["content"] and BY_TYPE in rated[0]["content"]  # both replaced generic examples
    assert count_messages(rated) - count_messages(plain) <= 60


def test_the_rated_questions_file_scores_with_bench_eval(
    endpoint: FakeEndpoint, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoint.responder = model()
    db = SessionDatabase()
    db.add_table("cars", load_sample_dataset("cars"))
    db.add_table("stations", load_sample_dataset("iris"))  # an upload: the evaluation cannot load it
    client = ModelClient(ProviderSettings(EndpointType.DEDICATED, "tgi", api_key=TOKEN, endpoint_url=endpoint.url))
    history: list[Answer] = []
    for question, rating in (
        (FIRST, RIGHT),
        ("Now only reviewed ones", RIGHT),
        (SECOND, WRONG),
        ("Cars per origin?", RIGHT),
        ("How many stations?", RIGHT),
    ):
        answer = answer_question(question, list(history), db, client)
        answer.rating = rating
        history.append(answer)
    samples = find_sample_tables(db)
    assert samples == {"cars": "cars"}
    rated = build_rated_questions(history, samples)
    assert rated.left_out == ["'How many stations?' reads stations, which the evaluation cannot load"]
    path = tmp_path / "rated-questions.json"
    path.write_text(to_questions_file(history, samples), encoding="utf-8")
    items = json.loads(path.read_text())
    assert [i["question"] for i in items] == [FIRST, "Now only reviewed ones", "Cars per origin?"]
    assert items[1]["history"] == [FIRST] and items[2]["tables"] == ["cars"]

    endpoint.requests.clear()
    monkeypatch.setenv("HUGGINGFACE_API_KEY", TOKEN)
    argv = ["--url", endpoint.url, "--model", "tgi", "--questions", str(path), "--json", str(tmp_path / "r.json")]
    assert bench_eval.main(argv) == 0
    out = capsys.readouterr().out
    assert "3 questions against" in out
    assert "execution accuracy   100.0% (3/3)" in out
    assert TOKEN not in out
    # each question is asked after the questions the model saw before it in the chat (its history)
    users = [r.last_user_message for r in endpoint.chat_requests()]
    reviewed = "Now only reviewed ones"
    assert users == [FIRST, FIRST, reviewed, FIRST, reviewed, SECOND, "Cars per origin?"]


def test_a_rating_alone_is_kept_for_a_reload(endpoint, db, client) -> None:
    endpoint.responder = model()
    history = [answer_question(FIRST, [], db, client)]
    snapshots, conversation_id = ConversationSnapshots(), new_conversation_id()
    snapshots.build(conversation_id, history, db, MAX_CONVERSATION_BYTES)
    assert not snapshots.changed(conversation_id, history, db)
    history[0].rating = RIGHT
    assert snapshots.changed(conversation_id, history, db)
    restored = restore_answers(snapshots.build(conversation_id, history, db, MAX_CONVERSATION_BYTES))
    assert restored[0].rating == RIGHT and restored[0].id == history[0].id  # the thumbs come back with the answer
