"""Exporting a conversation: the Markdown report, and a script that reproduces every query and chart when run."""

from __future__ import annotations

import base64
import io
import json
import re
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from analyst.answer import ATTACHMENT_MARK, Answer, ChartPart, SqlPart, TextPart, conversation_totals
from analyst.pipeline import answer_question
from evaluation.results import results_equal
from exports import bundle
from exports.bundle import load_bundle, load_markdown_file, split_exportable, tables_used
from providers.client import ModelClient
from providers.endpoint_types import EndpointType
from providers.settings import ProviderSettings
from sandbox.database import SessionDatabase
from sources.bundled import EARTHQUAKES_PARQUET
from tests.conftest import FAST_RETRIES
from tests.support.fake_endpoint import FakeEndpoint
from tests.support.scripted_model import ScriptedModel, fenced

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
HOSTILE_QUESTION = 'strings\nimport pathlib; pathlib.Path("pwned").touch()  # a question is never code'
SCRIPTED = {
    "magnitude type": fenced(
        'SELECT "magType", count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY n DESC', "bar x=magType y=n"
    ),
    "each day": fenced("SELECT time::DATE AS day, count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY 1"),
    "map": fenced("SELECT latitude, longitude, mag, place FROM earthquakes WHERE mag >= 4"),
    "average": fenced("SELECT round(avg(mag), 3) AS avg_mag FROM earthquakes"),
    "places": fenced("SELECT place, count(*) AS n FROM earthquakes GROUP BY 1"),
    "stations are highest": fenced("SELECT s.name, s.elevation FROM Stations AS s ORDER BY s.elevation DESC"),
    "strings": fenced("SELECT '\"\"\"; import os' AS s, 'back\\\\slash' AS t"),
    "broken": fenced("SELECT nothing FROM earthquake"),
    "strongest": fenced("SELECT max(magnitude) AS strongest FROM earthquakes"),
    "rejected that query": lambda body: (
        fenced("SELECT max(mag) AS strongest FROM earthquakes") if "magnitude" in json.dumps(body) else "Sorry."
    ),
}
QUESTIONS = [
    "Which magnitude type is most common?",
    "How many happened each day?",
    "Show a map of strong ones",
    "What is the average magnitude?",
    "Which places are most common?",
    "Which stations are highest?",
    HOSTILE_QUESTION,
    "What is the capital of France?",
    "broken one",
    "How strong was the strongest?",
]


@pytest.fixture(scope="module")
def conversation() -> tuple[list[Answer], SessionDatabase]:
    """A real conversation through the loopback endpoint: charts of every kind, a metric, an upload, a
    question with no SQL, a failed query, an attachment record and a question written to inject code."""
    endpoint = FakeEndpoint()
    try:
        model = ScriptedModel()
        for fragment, reply in SCRIPTED.items():
            model.on(fragment, reply)
        endpoint.responder = model
        settings = ProviderSettings(
            EndpointType.DEDICATED, "tgi", api_key="hf_ExportTest00001", endpoint_url=endpoint.url
        )
        client = ModelClient(settings, policy=FAST_RETRIES)
        db = SessionDatabase()
        db.add_table("stations", pd.DataFrame({"name": ["A|B", "C"], "elevation": [1200.5, 30.0]}))
        db.add_table("unused", pd.DataFrame({"x": [1]}))
        history: list[Answer] = []
        for question in QUESTIONS:
            history.append(answer_question(question, history, db, client))
            if question.startswith("Which stations"):
                history.append(Answer(f"{ATTACHMENT_MARK}stations.csv", [TextPart("Loaded stations (2 rows).")]))
        return history, db
    finally:
        endpoint.stop()


def unpack(archive: bytes, into: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        zipped.extractall(into)
    return into


def run_script(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "reproduce.py"], cwd=folder, capture_output=True, text=True, timeout=120)


def test_the_conversation_covers_what_an_export_must_handle(conversation) -> None:
    history, _ = conversation
    kinds = [c.kind for a in history for c in a.of_type(ChartPart)]
    assert {"bar", "line", "map"} <= set(kinds)
    assert history[3].of_type(ChartPart) == [] and history[3].table.total_rows == 1
    assert history[8].table is None and history[9].error  # no SQL; the query that kept failing
    assert conversation_totals(history).questions == len(QUESTIONS)
    assert history[10].table is not None and [p.error is not None for p in history[10].of_type(SqlPart)] == [
        True,
        False,
    ]


def test_the_script_reproduces_every_query_and_chart(conversation, tmp_path: Path) -> None:
    history, db = conversation
    folder = unpack(load_bundle(history, db, NOW), tmp_path)
    assert sorted(p.name for p in (folder / "data").iterdir()) == ["earthquakes.parquet", "stations.parquet"]
    assert not [p for p in folder.rglob("*") if p.is_file() and b"hf_ExportTest00001" in p.read_bytes()]
    done = run_script(folder)
    assert done.returncode == 0, done.stderr
    assert not (folder / "pwned").exists()
    questions = [a for a in history if not a.is_attachment]
    for number, answer in enumerate(questions, start=1):
        if answer.table is None:
            assert f"Answer {number}:" not in done.stdout
            continue
        rows = f"{answer.table.total_rows:,} row" + ("" if answer.table.total_rows == 1 else "s")
        assert f"Answer {number}: {rows} (as in the conversation)" in done.stdout
        again = pd.read_csv(folder / "output" / f"answer-{number}.csv")
        expected = pd.read_csv(io.StringIO(answer.table.frame.to_csv(index=False)))
        assert results_equal(again, expected), number
        for chart in answer.of_type(ChartPart):
            assert (folder / "output" / f"answer-{number}.png").read_bytes().startswith(b"\x89PNG")
            html = (folder / "output" / f"answer-{number}.html").read_text()
            assert "cdn.jsdelivr" not in html and "vegaEmbed" in html  # opens offline
            rebuilt = json.loads(re.search(r"const spec = (\{.*?\});\n", html).group(1))
            for key in ("encoding", "mark", "transform", "projection"):
                assert rebuilt.get(key) == chart.spec.get(key), (number, key)
            if "layer" in chart.spec:  # the map: land outline and points, no URL anywhere
                assert [layer["mark"] for layer in rebuilt["layer"]] == [layer["mark"] for layer in chart.spec["layer"]]
                land = rebuilt["layer"][0]["data"]
                assert land == chart.spec["layer"][0]["data"]  # the outline's own rows came back
            assert "url" not in json.dumps(rebuilt)
            data = rebuilt["datasets"][rebuilt["data"]["name"]]
            assert len(data) == answer.table.total_rows


def test_the_report_has_questions_insights_sql_previews_and_chart_images(conversation, tmp_path: Path) -> None:
    history, db = conversation
    folder = unpack(load_bundle(history, db, NOW), tmp_path)
    report = (folder / "conversation.md").read_text()
    assert report.startswith("# Chat with your data\n\nExported 2026-11-26 09:30 UTC · 10 questions")
    assert "## 1. Which magnitude type is most common?" in report
    assert "The result has 7 rows." in report and "*7 rows.*" in report
    assert '```sql\nSELECT "magType", count(*) AS n FROM earthquakes' in report
    assert "| magType | n |\n|---|---|\n| ml | 1063 |" in report
    assert "| A\\|B | 1200.5 |" in report  # a pipe in a value does not break the table
    assert "## 7. strings import pathlib;" in report  # the question stays on its heading line
    assert f"*{ATTACHMENT_MARK}stations.csv: Loaded stations (2 rows).*" in report
    assert (
        "> **Error:** The model did not send a corrected query. DuckDB said: Table earthquake is not one of the loaded"
        in report
    )
    assert "**avg\\_mag: " in report  # Markdown in a label stays text
    first = history[2].table.frame.iloc[0]
    assert f"| {first.latitude} | {first.longitude} |" in report  # coordinates keep every digit
    repaired = report.split("## 10. How strong was the strongest?")[1]
    assert "*Attempt 1 failed:* Binder Error" in repaired and "SELECT max(magnitude) AS strongest" in repaired
    assert repaired.index("SELECT max(mag) AS strongest") < repaired.index("*Attempt 1 failed:*")
    images = re.findall(r"!\[[^\]]*\]\((charts/answer-\d+\.png)\)", report)
    assert len(images) == 5
    for image in images:
        assert (folder / image).read_bytes().startswith(b"\x89PNG")


def test_the_single_markdown_file_embeds_its_charts(conversation) -> None:
    history, db = conversation
    report = load_markdown_file(history, db, NOW)
    images = re.findall(r"\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", report)
    assert len(images) == 5 and all(base64.b64decode(i).startswith(b"\x89PNG") for i in images)
    assert "http" not in report.replace("https://vega.github.io", "")


def test_unpacked_files_are_readable_by_everyone(conversation) -> None:
    history, db = conversation
    with zipfile.ZipFile(io.BytesIO(load_bundle(history[:1], db, NOW))) as zipped:
        assert {entry.external_attr >> 16 for entry in zipped.infolist()} == {0o644}


def test_only_the_tables_the_queries_read_are_exported(conversation) -> None:
    history, db = conversation
    assert tables_used(history, db) == ["earthquakes", "stations"]


def test_a_table_too_big_to_export_is_named_and_the_script_says_where_to_put_it(
    conversation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history, db = conversation
    monkeypatch.setattr(bundle, "MAX_EXPORT_ROWS", 1000)
    folder = unpack(load_bundle(history[:2], db, NOW), tmp_path)
    done = run_script(folder)
    assert done.returncode == 1
    assert "Table earthquakes was not exported (1,707 rows, more than the 1,000 an export copies)" in done.stderr
    (folder / "data").mkdir(exist_ok=True)
    (folder / "data" / "earthquakes.parquet").write_bytes(EARTHQUAKES_PARQUET.read_bytes())
    assert run_script(folder).returncode == 0


def test_the_owners_large_parquet_file_is_named_not_copied(tmp_path: Path) -> None:
    owners = tmp_path / "catalog.parquet"
    owners.write_bytes(EARTHQUAKES_PARQUET.read_bytes())
    db = SessionDatabase(earthquakes=owners)
    exported, missing = split_exportable(["earthquakes"], db)
    assert exported == [] and missing == {"earthquakes": "it is the app owner's Parquet file catalog.parquet"}
