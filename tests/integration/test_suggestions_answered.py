"""Every suggested question is answered: asked through the real pipeline (the OpenAI SDK over HTTP to the
loopback endpoint, whose model replies with the suggestion's own SQL) on the bundled data and on three
differently shaped uploads, each gives a table with rows and no error; so do the follow-ups of its answers."""

from __future__ import annotations

import pytest

from analyst.answer import Answer, ErrorPart
from analyst.pipeline import answer_question
from providers.client import ModelClient
from sandbox.database import SessionDatabase
from suggestions.questions import Suggestion, follow_up_questions, starter_questions
from tests.support.fake_endpoint import FakeEndpoint
from tests.support.scripted_model import ScriptedModel, fenced
from tests.support.upload_files import upload

DATASETS = [None, "sales.csv", "books.json", "weather stations.csv"]  # None: the bundled week alone


def scripted(suggestions: list[Suggestion]) -> ScriptedModel:
    """A model that replies to each question with its suggestion's SQL (longest questions matched first)."""
    model = ScriptedModel()
    for suggestion in sorted(suggestions, key=lambda s: -len(s.question)):
        model.on(suggestion.question, fenced(suggestion.sql))
    return model


def ask(question: str, history: list[Answer], db: SessionDatabase, client: ModelClient) -> Answer:
    answer = answer_question(question, history, db, client)
    assert not answer.of_type(ErrorPart), (question, answer.error)
    assert answer.table is not None and answer.table.total_rows > 0, question
    assert not answer.table.frame.empty, question
    return answer


@pytest.mark.parametrize("file_name", DATASETS, ids=["bundled", "sales", "books", "stations"])
def test_every_suggestion_gives_a_table_through_the_pipeline(
    file_name: str | None, endpoint: FakeEndpoint, client: ModelClient
) -> None:
    db = SessionDatabase()
    table = upload(db, file_name) if file_name else "earthquakes"
    starters = starter_questions(db)
    assert len(starters) == 6 and any(f"FROM {table}" in s.sql for s in starters)
    model = scripted(starters)
    endpoint.responder = model
    follow_ups_asked = 0
    for starter in starters:
        answer = ask(starter.question, [], db, client)
        assert answer.final_sql == starter.sql  # what ran is the suggestion's own SQL, unchanged
        follow_ups = follow_up_questions(db, answer)
        assert 2 <= len(follow_ups) <= 3, starter.question
        model.rules[:0] = scripted(follow_ups).rules  # follow-ups first: a starter may be part of one
        for follow_up in follow_ups:
            asked = ask(follow_up.question, [answer], db, client)
            assert asked.final_sql == follow_up.sql
            follow_ups_asked += 1
    assert follow_ups_asked >= 2 * len(starters)
    sql_requests = [r for r in endpoint.chat_requests() if not r.body["messages"][0]["content"].startswith("You")]
    assert len(sql_requests) == len(starters) + follow_ups_asked  # one model call for SQL each, no repairs
