"""Hostile questions files on the Accuracy tab (issue 25, item 7), each probe with its outcome.

The probe: a 37 KB file of 200 heavy reference queries ran them all at upload (about 15 minutes, on after the tab
closed, slowing other visitors), and ``[`` x 200,000 raised an uncaught RecursionError. Now an upload is only
read: capped in bytes, nesting depth (measured before ``json.loads`` can recurse), questions and text lengths, and
the guard parses each reference query; nothing runs. The score runs only when started, one question and one query
at a time under the sandbox's time limit, and it stops on Stop, on a retry's wait, and when the session ends.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from evaluation.accuracy import EvalQuestion, load_questions
from evaluation.question_files import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_FILE_SQL_CHARS,
    MAX_QUESTIONS,
    MAX_SQL_CHARS,
    QuestionFileError,
    parse_questions_file,
    read_questions_file,
)
from evaluation.score_run import DONE, FAILED, SCORE_LIMITS, SESSION_ENDED, STOPPED, ScoreRun
from providers.client import EndpointState, ModelClient
from providers.endpoint_types import EndpointType
from providers.retry import RetryPolicy
from providers.settings import ProviderSettings
from sandbox.database import SandboxLimits
from tests.conftest import FAST_RETRIES
from tests.support.apptest import open_app, texts
from tests.support.fake_endpoint import FakeEndpoint
from tests.support.scripted_model import ScriptedModel, fenced
from ui.state import ACCURACY_REPORT, QUESTIONS_UPLOAD

TOKEN = "hf_HostileQuestionFiles01"
# 10^10 pairs: far past any time limit, and the guard reads it as a plain query over range().
HEAVY = "SELECT count(*) AS n FROM range(100000) AS a(x), range(100000) AS b(y) WHERE (x * y) % 7 = {k}"
WAIT_S = 10  # bound on each wait for the run to react (it reacts in well under a second)


def encoded(items: object) -> bytes:
    return json.dumps(items).encode()


def question(**fields: object) -> dict[str, object]:
    return {"id": "q1", "question": "How many?", "reference_sql": "SELECT count(*) FROM earthquakes", **fields}


def heavy_file() -> bytes:
    """The probe's file: 200 heavy reference queries, about 40 KB. The first one fails as soon as DuckDB binds
    it, so a file that is accepted shows that none of them ran at upload."""
    items = [question(id="heavy-000", question="How many pairs?", reference_sql=HEAVY.format(k="nope"))]
    items += [
        question(id=f"heavy-{i:03d}", question=f"How many pairs leave {i % 7}?", reference_sql=HEAVY.format(k=i % 7))
        for i in range(1, MAX_QUESTIONS)
    ]
    return json.dumps(items, indent=1).encode()


def client_for(endpoint: FakeEndpoint, policy: RetryPolicy = FAST_RETRIES) -> ModelClient:
    settings = ProviderSettings(EndpointType.DEDICATED, "tgi", api_key=TOKEN, endpoint_url=endpoint.url)
    return ModelClient(settings, state=EndpointState(), policy=policy)


def wait_for_requests(endpoint: FakeEndpoint, count: int) -> int:
    deadline = time.monotonic() + WAIT_S
    while len(endpoint.chat_requests()) < count:
        assert time.monotonic() < deadline, f"fewer than {count} model requests arrived"
        time.sleep(0.02)
    return len(endpoint.chat_requests())


# Reading the file --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"[{", "The file is not valid JSON (line 1, column 3)."),
        (b"\xff\xfe[]", "The file is not UTF-8 text."),
        (b"[" + b"7" * 5_000 + b"]", "The file holds a number too long to read (more than 4,300 digits)."),
        (encoded({"id": "q1"}), "The file must hold a JSON list of questions, like bench/questions.json."),
        (encoded([]), "The file must hold a JSON list of questions, like bench/questions.json."),
        (encoded(["SELECT 1"]), "Question 1 is not an object with id, question and reference_sql."),
        (encoded([{"question": "How many?"}]), "Question 1: id is missing."),
        (encoded([question(reference_sql=None)]), "Question 'q1': reference_sql must be text."),
        (encoded([question(reference_sql="")]), "Question 'q1': reference_sql is missing."),
        (encoded([question(question=["a"])]), "Question 'q1': question must be text."),
        (encoded([question(tables=["/etc/passwd"])]), "Question 'q1': no bundled sample named '/etc/passwd'."),
        (encoded([question(history="earlier")]), "Question 'q1': history must be a list of texts."),
        (encoded([question(history=["a"] * 11)]), "Question 'q1': history has 11 entries; at most 10 are allowed."),
        (encoded([question(expect="anything")]), "Question 'q1': expect must be one of rows, no_sql."),
        (encoded([question(sql="x")]), "Question 1: unknown field 'sql'."),
        (encoded([question(), question()]), "Question id 'q1' appears more than once."),
    ],
)
def test_a_malformed_file_is_refused_with_the_reason(data: bytes, message: str) -> None:
    with pytest.raises(QuestionFileError) as refused:
        parse_questions_file(data)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"[" * 200_000,
            f"The file nests lists and objects 200,000 levels deep; a questions file may nest them at most {MAX_DEPTH} "
            "deep (it needs 3).",
        ),
        (
            b'{"a":' * 100_000,
            f"The file nests lists and objects 100,000 levels deep; a questions file may nest them at most {MAX_DEPTH} "
            "deep (it needs 3).",
        ),
        (
            encoded([question(tags=[[[[["deep"]]]]])]),
            f"The file nests lists and objects 7 levels deep; a questions file may nest them at most {MAX_DEPTH} "
            "deep (it needs 3).",
        ),
    ],
)
def test_deep_nesting_is_refused_before_json_reads_it(data: bytes, message: str) -> None:
    with pytest.raises(QuestionFileError) as refused:  # not RecursionError
        parse_questions_file(data)
    assert str(refused.value) == message


def test_brackets_and_escaped_quotes_inside_texts_are_not_nesting() -> None:
    text = '[[[[[[[[ {{{{{{ \\" [[[[ "quoted [" \\\\'
    items = [question(question=text, reference_sql="SELECT '[[[[[[[[[[{{{{{{' AS s", tags=["[[[[[["])]
    assert parse_questions_file(encoded(items))[0].question == text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b" " * (MAX_FILE_BYTES + 1),
            f"The file has {MAX_FILE_BYTES + 1:,} bytes; a questions file may have at most {MAX_FILE_BYTES:,} (1 MB).",
        ),
        (
            encoded([question(id=f"q{n}") for n in range(MAX_QUESTIONS + 1)]),
            f"The file has {MAX_QUESTIONS + 1} questions; a questions file may have at most {MAX_QUESTIONS}.",
        ),
        (
            encoded([question(question="x" * 2_001)]),
            "Question 'q1': question has 2,001 characters; at most 2,000 are allowed.",
        ),
        (
            encoded([question(reference_sql="SELECT 1" + " " * MAX_SQL_CHARS)]),
            f"Question 'q1': reference_sql has {MAX_SQL_CHARS + 8:,} characters; at most {MAX_SQL_CHARS:,} are allowed.",
        ),
        (
            encoded([question(id=f"q{n}", reference_sql="SELECT 1" + " " * 9_000) for n in range(12)]),
            f"The reference queries have {12 * 9_008:,} characters in all; a questions file may have at most "
            f"{MAX_FILE_SQL_CHARS:,}.",
        ),
    ],
)
def test_a_file_over_a_limit_is_refused_naming_the_limit(data: bytes, message: str) -> None:
    with pytest.raises(QuestionFileError) as refused:
        parse_questions_file(data)
    assert str(refused.value) == message


def test_a_question_the_data_cannot_answer_needs_no_reference_sql() -> None:
    parsed = read_questions_file(encoded([question(reference_sql="", expect="no_sql")]))
    assert parsed[0].expect == "no_sql" and parsed[0].reference_sql == ""


@pytest.mark.parametrize(
    "sql",
    [
        "COPY (SELECT 1 AS x) TO '{target}'",
        "COPY earthquakes TO '{target}' (FORMAT csv)",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/hostname')",
        "SELECT * FROM duckdb_settings()",
        "SELECT current_setting('home_directory')",
        "INSERT INTO earthquakes (id) VALUES ('x')",
        "DROP TABLE earthquakes",
        "ATTACH '{target}' AS other",
        "SELECT 1; COPY (SELECT 1) TO '{target}'",
        "EXPLAIN ANALYZE COPY (SELECT 1) TO '{target}'",
        "SELECT * FROM information_schema.tables",
        "SELECT * FROM salaries",
        "SELECT 1 +",
        "SELECT " + "+".join(["1"] * 1_500),
    ],
)
def test_reference_sql_the_guard_refuses_is_refused_at_upload(sql: str, tmp_path: Path) -> None:
    target = tmp_path / "written.csv"
    data = encoded([question(id="fine"), question(id="hostile", reference_sql=sql.format(target=target))])
    parse_questions_file(data)  # the format is fine: the guard decides on the SQL
    with pytest.raises(QuestionFileError) as refused:
        read_questions_file(data)
    assert str(refused.value).startswith("Question 'hostile': its reference SQL does not run here: ")
    assert not target.exists()


def test_a_sound_file_with_sample_tables_and_history_is_accepted() -> None:
    items = [
        question(),
        question(
            id="m1",
            question="Days of each weather type?",
            reference_sql="SELECT weather, count(*) AS n FROM seattle_weather GROUP BY weather",
            tables=["seattle-weather"],
            history=["How many days are there?"],
            tags=["rated"],
        ),
    ]
    questions = read_questions_file(encoded(items))
    assert [(q.id, q.tables, q.history) for q in questions] == [
        ("q1", (), ()),
        ("m1", ("seattle-weather",), ("How many days are there?",)),
    ]


def test_the_bundled_question_sets_pass_the_upload_check() -> None:
    bench = Path(__file__).resolve().parents[2] / "bench"
    for name in ("questions.json", "questions_more.json"):
        assert read_questions_file((bench / name).read_bytes())


# Uploading runs nothing ---------------------------------------------------------------------------------------
def test_uploading_200_heavy_queries_runs_none_of_them(endpoint: FakeEndpoint) -> None:
    data = heavy_file()
    assert 30_000 < len(data) < 50_000
    assert len(read_questions_file(data)) == MAX_QUESTIONS  # heavy-000 would have failed had it run

    secrets = {"HUGGINGFACE_API_KEY": TOKEN, "HUGGINGFACE_ENDPOINT_URL": endpoint.url, "HUGGINGFACE_MODEL": "tgi"}
    at = open_app(secrets=secrets).run().switch_page("pages/endpoints.py").run()
    at.file_uploader(key=QUESTIONS_UPLOAD).set_value(("heavy.json", data, "application/json")).run()
    assert not at.exception and not at.error
    assert "200 questions from heavy.json." in " ".join(texts(at.caption))
    assert ACCURACY_REPORT not in at.session_state  # no score was started
    assert not next(b for b in at.button if b.label == "Run accuracy score").disabled
    assert endpoint.requests == []


def test_the_deep_file_is_refused_on_the_page(endpoint: FakeEndpoint) -> None:
    secrets = {"HUGGINGFACE_API_KEY": TOKEN, "HUGGINGFACE_ENDPOINT_URL": endpoint.url, "HUGGINGFACE_MODEL": "tgi"}
    at = open_app(secrets=secrets).run().switch_page("pages/endpoints.py").run()
    at.file_uploader(key=QUESTIONS_UPLOAD).set_value(("deep.json", b"[" * 200_000, "application/json")).run()
    assert not at.exception
    assert texts(at.error)[0].startswith("This questions file cannot be used: The file nests lists and objects 200,000")
    assert next(b for b in at.button if b.label == "Run accuracy score").disabled


# The score ---------------------------------------------------------------------------------------------------
def test_a_score_uses_the_usual_time_limit_and_one_thread() -> None:
    assert SCORE_LIMITS.time_limit_s == SandboxLimits().time_limit_s
    assert SCORE_LIMITS.threads == 1


def test_a_started_score_of_heavy_queries_ends_at_the_first_one_over_the_time_limit(endpoint: FakeEndpoint) -> None:
    questions = read_questions_file(heavy_file())[1:]
    run = ScoreRun(client_for(endpoint), questions, limits=SandboxLimits(time_limit_s=0.5, threads=1)).start()
    assert run.join(WAIT_S)
    status = run.status()
    assert status.state == FAILED and status.scored == 0
    assert status.message.startswith(
        "Question 'heavy-001': its reference SQL does not run here: The query ran longer than 0.5 s and was stopped."
    )
    assert endpoint.requests == []  # the reference query runs first: no model call for a question it cannot score


def test_stop_ends_a_started_score_with_no_model_request_after_it(endpoint: FakeEndpoint) -> None:
    endpoint.responder = ScriptedModel(default=fenced("SELECT count(*) FROM earthquakes"))
    endpoint.delay = 0.2
    questions = load_questions()
    run = ScoreRun(client_for(endpoint), questions).start()
    sent_before = wait_for_requests(endpoint, 2)
    run.stop()
    assert run.join(WAIT_S)
    status = run.status()
    assert (status.state, status.message) == (STOPPED, "Stopped.")
    assert len(endpoint.chat_requests()) <= sent_before + 1  # at most the request that was on its way
    assert status.scored < len(questions)


def test_stop_cuts_a_retry_wait_short(endpoint: FakeEndpoint) -> None:
    endpoint.fail_always(503, body={"error": "loading", "estimated_time": 60})
    patient = RetryPolicy(max_retries=5, base_wait_s=60, max_wait_s=60, jitter_s=0)
    run = ScoreRun(client_for(endpoint, patient), load_questions()).start()
    wait_for_requests(endpoint, 1)
    run.stop()
    assert run.join(WAIT_S)  # not after the minute's wait
    assert run.status().state == STOPPED
    assert len(endpoint.chat_requests()) == 1


def test_stop_interrupts_the_running_query(endpoint: FakeEndpoint) -> None:
    heavy = [EvalQuestion("slow", "How many pairs?", HEAVY.format(k=3))]
    run = ScoreRun(client_for(endpoint), heavy, limits=SandboxLimits(time_limit_s=600, threads=1)).start()
    time.sleep(1.0)  # the reference query is under way (its database takes a few milliseconds to make)
    run.stop()
    assert run.join(WAIT_S)  # long before the query's own limit
    assert run.status().state == STOPPED
    assert endpoint.requests == []


def test_a_score_stops_when_its_session_ends(endpoint: FakeEndpoint) -> None:
    endpoint.responder = ScriptedModel(default=fenced("SELECT count(*) FROM earthquakes"))
    endpoint.delay = 0.2
    session = threading.Event()
    session.set()
    run = ScoreRun(client_for(endpoint), load_questions(), alive=session.is_set, check_every_s=0.05).start()
    sent_before = wait_for_requests(endpoint, 2)
    session.clear()  # the tab closed
    assert run.join(WAIT_S)
    status = run.status()
    assert (status.state, status.message) == (STOPPED, SESSION_ENDED)
    assert len(endpoint.chat_requests()) <= sent_before + 1


def test_a_score_left_alone_finishes(endpoint: FakeEndpoint) -> None:
    endpoint.responder = ScriptedModel(default=fenced("SELECT count(*) FROM earthquakes"))
    questions = load_questions()[:3]
    run = ScoreRun(client_for(endpoint), questions, check_every_s=0.05).start()
    assert run.join(WAIT_S)
    assert run.status().state == DONE and run.status().scored == 3
    assert len(endpoint.chat_requests()) == 3  # one at a time, one call each
    assert [s.id for s in run.report.scores] == [q.id for q in questions]
