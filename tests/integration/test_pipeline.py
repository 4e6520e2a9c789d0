"""The question pipeline with the real SDK, the loopback endpoint and real DuckDB."""

from __future__ import annotations

import re

import pytest

from analyst.answer import ChartPart, MetricPart, NoticePart, SqlPart, TablePart, TextPart
from analyst.pipeline import LEFT_OUT, NO_ROWS, NOT_ABOUT_THE_DATA, Events, PipelineOptions, answer_question, rerun_sql
from tests.support.fake_endpoint import Failure
from tests.support.scripted_model import ScriptedModel, fenced

BY_TYPE = 'SELECT "magType", count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY n DESC'


def test_a_question_gets_sql_table_chart_and_insight_in_two_calls(endpoint, db, client) -> None:
    endpoint.responder = ScriptedModel().on("magnitude type", fenced(BY_TYPE, "bar x=magType y=n"))
    stages: list[str] = []
    streamed: list[str] = []
    answer = answer_question(
        "Which magnitude type is most common?",
        [],
        db,
        client,
        events=Events(on_stage=stages.append, on_insight=streamed.append),
    )
    kinds = [type(p) for p in answer.parts]
    assert kinds == [TextPart, ChartPart, TablePart, SqlPart]
    assert answer.of_type(TextPart)[0].text == "The result has 7 rows."
    assert "".join(streamed) == "The result has 7 rows."
    assert answer.table.frame["n"].tolist()[0] == 1063
    assert answer.of_type(ChartPart)[0].source == "model"
    assert [c.purpose for c in answer.calls] == ["sql", "insight"]
    assert stages == ["Writing SQL…", "Running the query…", "Drawing the chart…", "Writing the insight…"]
    assert answer.prompt_tokens > 0 and answer.model == "tgi"


def test_the_prompt_describes_the_live_tables(endpoint, db, client) -> None:
    model = ScriptedModel().on("count", fenced("SELECT count(*) AS n FROM earthquakes"))
    endpoint.responder = model
    answer_question("count them", [], db, client)
    system = model.seen[0]["messages"][0]["content"]
    assert "Table earthquakes (1,707 rows)" in system
    assert '"magType" VARCHAR values ml, md, mb' in system
    assert "time TIMESTAMP 2018-01-31..2018-02-07 UTC" in system
    assert "depth DOUBLE -2.79..574 km" in system
    assert "place VARCHAR e.g. '" in system
    assert "\nid VARCHAR\n" in system  # no example for an identifier
    assert "date_trunc" in system


def test_a_follow_up_carries_the_previous_question_and_sql(endpoint, db, client) -> None:
    model = ScriptedModel().on("alaska", fenced("SELECT count(*) AS n FROM earthquakes WHERE place ILIKE '%alaska%'"))
    model.on("how many", fenced("SELECT count(*) AS n FROM earthquakes"))
    endpoint.responder = model
    first = answer_question("How many earthquakes?", [], db, client)
    second = answer_question("Now only in Alaska", [first], db, client)
    sent = model.seen[-2]["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]
    assert sent[1]["content"] == "How many earthquakes?"
    assert "SELECT count(*) AS n FROM earthquakes" in sent[2]["content"]
    assert second.table.frame["n"][0] < first.table.frame["n"][0]


def test_a_failing_query_is_repaired_and_each_attempt_is_kept(endpoint, db, client) -> None:
    model = ScriptedModel().on("rejected", fenced(BY_TYPE))
    model.on("types", fenced("SELECT magnitude_type, count(*) FROM earthquakes GROUP BY 1"))
    endpoint.responder = model
    answer = answer_question("How many of each magnitude types?", [], db, client)
    attempts = answer.of_type(SqlPart)
    assert [a.attempt for a in attempts] == [0, 1]
    assert "magnitude_type" in attempts[0].sql and attempts[0].error.startswith("Binder Error")
    assert attempts[1].error is None
    repair_prompt = model.seen[1]["messages"][-1]["content"]
    assert "DuckDB rejected that query" in repair_prompt and "magnitude_type" in repair_prompt
    assert [c.purpose for c in answer.calls] == ["sql", "repair", "insight"]
    assert answer.error is None


def test_repairs_are_bounded_and_the_final_error_is_shown(endpoint, db, client) -> None:
    endpoint.responder = ScriptedModel(default=fenced("SELECT nope FROM earthquakes"))
    answer = answer_question("anything", [], db, client)
    assert len(answer.of_type(SqlPart)) == 3
    assert answer.error.startswith("The query still failed after 2 repairs: Binder Error")
    assert len(endpoint.chat_requests()) == 3


def test_a_refused_statement_is_sent_back_for_repair(endpoint, db, client) -> None:
    model = ScriptedModel().on("rejected", fenced("SELECT count(*) AS n FROM earthquakes"))
    model.on("delete", fenced("DELETE FROM earthquakes"))
    endpoint.responder = model
    answer = answer_question("delete everything", [], db, client)
    assert answer.of_type(SqlPart)[0].error.startswith("Refused")
    assert db.internal_query("SELECT count(*) FROM earthquakes")[0][0] == 1707


def test_a_reply_without_sql_is_a_text_answer_that_says_what_to_ask_instead(endpoint, db, client) -> None:
    endpoint.responder = ScriptedModel(default="That is not about the loaded data; ask about earthquakes.")
    answer = answer_question("What is the capital of France?", [], db, client)
    assert [type(p) for p in answer.parts] == [TextPart, NoticePart]
    assert answer.parts[0].text.startswith("That is not about the loaded data")
    assert answer.parts[1].text == NOT_ABOUT_THE_DATA and "Explore page" in NOT_ABOUT_THE_DATA
    assert answer.error is None and len(answer.calls) == 1


def test_model_text_cannot_make_the_page_fetch_an_image(endpoint, db, client) -> None:
    tracking = "![chart](https://evil.example/p.png?d=1) and <img src='https://evil.example/q.png'> done"
    endpoint.responder = ScriptedModel(default=tracking)
    answer = answer_question("What is the capital of France?", [], db, client)
    assert answer.parts[0].text == "[chart](https://evil.example/p.png?d=1) and  done"  # a link loads nothing
    endpoint.responder = ScriptedModel(default=fenced("SELECT count(*) AS n FROM earthquakes"), insight=tracking)
    answer = answer_question("how many?", [], db, client)
    insight = " ".join(p.text for p in answer.of_type(TextPart))
    assert "evil.example" in insight and "![" not in insight and "<img" not in insight
    # DuckDB quotes the model's identifiers back in its errors, and errors are shown as Markdown too.
    endpoint.responder = ScriptedModel(default=fenced('SELECT * FROM "![earthquakes](https://evil.example/t.png)"'))
    answer = answer_question("which table?", [], db, client)
    shown = [answer.error, *(p.error for p in answer.of_type(SqlPart))]
    assert all(text and "evil.example" in text and "![" not in text for text in shown), shown
    # ... and so are table names in "the loaded tables hold no table like ..."
    endpoint.responder = ScriptedModel(default=fenced('SELECT * FROM "![x](https://evil.example/t.png)"'))
    answer = answer_question("which table?", [], db, client)
    said = answer.of_type(TextPart)[0]  # the app's sentence: kept as written, shown inert (no link from the name)
    assert "hold no table like" in said.text and "![" not in said.text and not said.by_model
    assert "\\[x\\](https\u2060://evil.example" in said.markdown


def test_no_rows_says_what_to_try_and_skips_the_insight_call(endpoint, db, client) -> None:
    endpoint.responder = ScriptedModel(default=fenced("SELECT * FROM earthquakes WHERE mag > 9"))
    answer = answer_question("giant ones", [], db, client)
    assert answer.of_type(TextPart)[0].text == f"{NO_ROWS} The data covers 2018-01-31 to 2018-02-07."
    assert len(answer.calls) == 1


def test_a_single_value_is_a_metric(endpoint, db, client) -> None:
    endpoint.responder = ScriptedModel(default=fenced("SELECT round(avg(mag), 2) AS avg_mag FROM earthquakes"))
    answer = answer_question("average magnitude", [], db, client)
    metric = answer.of_type(MetricPart)[0]
    assert metric.label == "avg_mag" and metric.value == pytest.approx(1.6, abs=0.2) and metric.about == ""


def test_a_one_row_result_with_a_key_shows_the_key_beside_its_value(endpoint, db, client) -> None:
    """Real use: "the busiest day" showed as a big "n 301" that hid the day; a HUGEINT total is a value too."""
    endpoint.responder = ScriptedModel(
        default=fenced(
            "SELECT time::DATE AS day, sum(nst) AS stations FROM earthquakes GROUP BY 1 ORDER BY 2 DESC LIMIT 1"
        )
    )
    metric = answer_question("Which day had the most stations reporting?", [], db, client).of_type(MetricPart)[0]
    assert metric.label == "stations" and metric.about.startswith("day 2018-02-0") and int(metric.value) > 1000


def test_an_endpoint_error_becomes_a_message_in_the_answer(endpoint, db, client) -> None:
    endpoint.fail_always(401)
    answer = answer_question("anything", [], db, client)
    assert answer.error.startswith("Invalid API key")
    assert db.table_names() == ["earthquakes"]


def test_a_cold_start_is_retried_and_reported(endpoint, db, client) -> None:
    endpoint.responder = ScriptedModel(default=fenced("SELECT count(*) AS n FROM earthquakes"))
    endpoint.fail_next(2, 503)
    notices = []
    answer = answer_question("count", [], db, client, events=Events(on_retry=notices.append))
    assert [n.attempt for n in notices] == [1, 2]
    assert answer.retries == 2 and answer.error is None


def test_an_insight_failure_keeps_the_result(endpoint, db, client) -> None:
    endpoint.responder = ScriptedModel(default=fenced("SELECT count(*) AS n FROM earthquakes"))
    endpoint.fail_if = lambda body: Failure(500) if body.get("stream") else None
    answer = answer_question("count", [], db, client)
    assert answer.table is not None and answer.table.frame["n"][0] == 1707
    assert answer.error is None
    assert any(
        p.text.startswith("Could not write the insight: Internal server error") for p in answer.of_type(NoticePart)
    )


def test_rows_are_not_shared_when_the_person_says_so(endpoint, db, client) -> None:
    model = ScriptedModel().on("types", fenced(BY_TYPE))
    endpoint.responder = model
    answer_question("types", [], db, client, PipelineOptions(share_rows=False))
    insight_prompt = model.seen[-1]["messages"][-1]["content"]
    assert "chose not to share result rows" in insight_prompt
    assert "ml,1063" not in insight_prompt
    answer_question("types", [], db, client, PipelineOptions(share_rows=True))
    assert "ml,1063" in model.seen[-1]["messages"][-1]["content"]


def test_the_insight_sees_at_most_20_rows(endpoint, db, client) -> None:
    model = ScriptedModel(default=fenced("SELECT id, mag FROM earthquakes ORDER BY mag DESC"))
    endpoint.responder = model
    answer_question("all", [], db, client)
    insight_prompt = model.seen[-1]["messages"][-1]["content"]
    csv_lines = insight_prompt.split("(CSV):\n", 1)[1].splitlines()
    assert len(csv_lines) == 21  # header + 20 rows
    assert "Column statistics" in insight_prompt


def test_invented_numbers_in_the_insight_are_left_out(endpoint, db, client) -> None:
    endpoint.responder = ScriptedModel(default=fenced(BY_TYPE), insight="ml leads with 1,063 events. It has 987 more.")
    answer = answer_question("types", [], db, client)
    notes = [p.text for p in answer.of_type(NoticePart)]
    assert any("987" in n and n.startswith(LEFT_OUT) for n in notes)
    assert not any("1,063" in n for n in notes)
    assert [p.text for p in answer.of_type(TextPart)] == ["ml leads with 1,063 events."]


PER_DAY = "SELECT time::DATE AS day, count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY 1"


def test_the_row_count_read_as_a_value_and_a_distance_read_as_a_depth_are_left_out(endpoint, db, client) -> None:
    """Two habits of the real 1.5B model: the number of days stated as a count of events, and the distance
    inside a place name stated as a depth. The true sentences stay."""
    endpoint.responder = ScriptedModel(
        default=fenced(PER_DAY),
        insight="There were 8 earthquakes recorded per day. The busiest day was February 4 with 301.",
    )
    answer = answer_question("How many earthquakes per day?", [], db, client)
    assert [p.text for p in answer.of_type(TextPart)] == ["The busiest day was February 4 with 301."]
    assert any("8 earthquakes" in p.text for p in answer.of_type(NoticePart))

    strongest = "SELECT place, mag FROM earthquakes ORDER BY mag DESC LIMIT 3"
    endpoint.responder = ScriptedModel(
        default=fenced(strongest),
        insight="The strongest, 6.4, struck 22km NNE of Hualian, Taiwan. They were at depths of 22 km and 35 km.",
    )
    answer = answer_question("The 3 strongest earthquakes?", [], db, client)
    assert [p.text for p in answer.of_type(TextPart)] == ["The strongest, 6.4, struck 22km NNE of Hualian, Taiwan."]
    said = " ".join(p.text for p in answer.of_type(NoticePart))
    assert "22" in said and "depth" in said


def test_a_time_of_day_with_fractional_seconds_is_the_table_s_and_a_wholly_unsupported_insight_is_said(
    endpoint, db, client
) -> None:
    """The real 1.5B model's "5 deepest earthquakes": each with its time to the millisecond, which is in the table;
    an insight none of which the table supports is said to be left out, not said never to have been written."""
    deepest = "SELECT time, depth FROM earthquakes ORDER BY depth DESC LIMIT 2"
    first = db.run_query(deepest).frame.iloc[0]
    when = f"{first['time']:%H:%M:%S}.{first['time'].microsecond // 1000:03d}"
    true = f"The deepest was at {when} with a depth of {first['depth']:g} km."
    endpoint.responder = ScriptedModel(default=fenced(deepest), insight=true)
    answer = answer_question("What are the 2 deepest earthquakes?", [], db, client)
    assert [p.text for p in answer.of_type(TextPart)] == [true] and not answer.of_type(NoticePart)

    endpoint.responder = ScriptedModel(default=fenced(deepest), insight="The deepest was 987.6 km down.")
    answer = answer_question("What are the 2 deepest earthquakes?", [], db, client)
    notes = [p.text for p in answer.of_type(NoticePart)]
    assert not answer.of_type(TextPart) and notes[-1].startswith("Nothing of the model's insight could be kept")


def test_a_broken_insight_stream_keeps_what_arrived(endpoint, db, client) -> None:
    endpoint.responder = ScriptedModel(default=fenced(BY_TYPE), insight="ml is the most common type by far, " * 4)
    endpoint.break_stream_after = 2
    answer = answer_question("types", [], db, client)
    text = answer.of_type(TextPart)[0]
    assert text.text and text.interrupted and "cut off" in text.interrupted


def test_edited_sql_is_rerun_in_the_sandbox(endpoint, db, client) -> None:
    endpoint.responder = ScriptedModel(default=fenced(BY_TYPE))
    answer = answer_question("types", [], db, client)
    edited = rerun_sql(answer, "SELECT type, count(*) AS n FROM earthquakes GROUP BY 1", db)
    assert edited.table.frame.shape == (3, 2)
    assert edited.of_type(SqlPart)[-1].attempt == -1
    assert len(edited.calls) == len(answer.calls)
    refused = rerun_sql(edited, "DROP TABLE earthquakes", db)
    assert refused.of_type(SqlPart)[-1].error.startswith("Refused")
    assert refused.table.frame.shape == (3, 2)  # the failed edit keeps the last result
    assert db.table_names() == ["earthquakes"]


@pytest.mark.parametrize(
    "reply",
    [
        "DELETE FROM earthquakes WHERE mag < 2;",
        "You could run DELETE FROM earthquakes WHERE mag < 2; to clean up.",
        "```sql\nUPDATE earthquakes SET mag = 0\n```",
        "```sql\nCOPY earthquakes TO '/tmp/x.csv'\n```",
    ],
)
def test_a_proposed_change_is_never_carved_or_repaired_into_a_query(endpoint, db, client, reply: str) -> None:  # type: ignore[no-untyped-def]
    endpoint.responder = ScriptedModel(default=reply)
    answer = answer_question("Remove the small ones", [], db, client)
    assert [c.purpose for c in answer.calls] == ["sql"]  # no repair turns it into something else
    assert answer.error is not None and answer.error.startswith("The model proposed a change to the data (")
    assert "Nothing ran" in answer.error and answer.table is None
    attempt = answer.of_type(SqlPart)[0]
    assert attempt.error.startswith("Refused: ") and attempt.sql.split()[0] in ("DELETE", "UPDATE", "COPY")
    assert db.run_query("SELECT count(*) AS n FROM earthquakes").frame["n"][0] == 1707


def test_a_single_row_reaches_the_insight_as_named_values_not_as_a_row_count(endpoint, db, client) -> None:
    """Small models read "Result: 1 rows" next to a count of 1,707 as "there is 1 earthquake"."""
    model = ScriptedModel(default=fenced("SELECT count(*) AS n, round(avg(mag), 2) AS avg_mag FROM earthquakes"))
    endpoint.responder = model
    answer_question("How many earthquakes, and how strong on average?", [], db, client)
    insight_prompt = model.seen[-1]["messages"][-1]["content"]
    assert "Result: a single row.\nn = 1707\navg_mag = 1.53" in insight_prompt
    assert "1 rows" not in insight_prompt


def test_large_numbers_reach_the_insight_without_exponents(endpoint, db, client) -> None:
    model = ScriptedModel(default=fenced("SELECT net, sum(depth) * 100 AS total FROM earthquakes GROUP BY net"))
    endpoint.responder = model
    answer_question("Total depth per network", [], db, client)
    insight_prompt = model.seen[-1]["messages"][-1]["content"]
    assert "e+" not in insight_prompt and re.search(r"\n\w+,\d{5,}\n", insight_prompt)


def test_an_empty_insight_is_said_not_dropped_silently(endpoint, db, client) -> None:
    endpoint.responder = ScriptedModel(default=fenced(BY_TYPE), insight="")
    answer = answer_question("types", [], db, client)
    assert answer.table is not None and not answer.of_type(TextPart)
    assert any(p.text.startswith("The model wrote no insight") for p in answer.of_type(NoticePart))


def test_a_chart_hint_that_does_not_fit_a_single_value_claims_no_automatic_chart(endpoint, db, client) -> None:
    """The real 1.5B model's "last 3 days" count came with a line chart hint: the answer is a value, not a chart,
    and the notice says only why the hint was not used."""
    endpoint.responder = ScriptedModel(default=fenced("SELECT count(*) AS n FROM earthquakes", "line x=day y=n"))
    answer = answer_question("How many earthquakes?", [], db, client)
    notes = answer.of_type(NoticePart)
    assert not answer.of_type(ChartPart) and answer.of_type(MetricPart)
    assert [n.kind for n in notes] == [NoticePart.PLAIN]
    assert (
        notes[0].text.startswith("The model's chart suggestion did not fit") and "automatic chart" not in notes[0].text
    )

    endpoint.responder = ScriptedModel(default=fenced(BY_TYPE, "line x=month y=n"))
    answer = answer_question("types", [], db, client)
    notes = answer.of_type(NoticePart)
    assert answer.of_type(ChartPart) and [n.kind for n in notes] == [NoticePart.CHART_FALLBACK]
    assert notes[0].text.endswith("; showing an automatic chart.")
