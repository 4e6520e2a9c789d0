"""What real small models send, replayed through the loopback endpoint: every answer still works."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from analyst.answer import ChartPart, SqlPart, TablePart, TextPart
from analyst.pipeline import answer_question
from tests.support.scripted_model import SMALL_MODEL_HABITS, ScriptedModel, chart_template_copied, fenced

BY_TYPE = 'SELECT "magType", count(*) AS count FROM earthquakes GROUP BY "magType" ORDER BY count DESC'


@pytest.mark.parametrize("habit", SMALL_MODEL_HABITS, ids=lambda h: h.__name__)
def test_a_chart_line_inside_the_fence_is_answered_on_the_first_try(
    endpoint, db, client, habit: Callable[[str, str], str]
) -> None:
    endpoint.responder = ScriptedModel(default=habit(BY_TYPE, "bar x=magType y=count"))
    answer = answer_question("How many events per magnitude type?", [], db, client)
    attempts = answer.of_type(SqlPart)
    assert [(a.sql, a.error) for a in attempts] == [(BY_TYPE, None)]
    chart = answer.of_type(ChartPart)[0]
    assert (chart.source, chart.kind) == ("model", "bar")
    assert [c.purpose for c in answer.calls] == ["sql", "insight"]


def test_a_copied_chart_template_is_cut_and_an_automatic_chart_drawn(endpoint, db, client) -> None:
    endpoint.responder = ScriptedModel(default=chart_template_copied(BY_TYPE, "bar x=magType y=count"))
    answer = answer_question("How many events per magnitude type?", [], db, client)
    assert [(a.sql, a.error) for a in answer.of_type(SqlPart)] == [(BY_TYPE, None)]
    assert answer.of_type(ChartPart)[0].source == "auto"


def test_a_repair_that_repeats_the_failing_query_is_not_rerun_and_the_next_repair_asks_differently(
    endpoint, db, client
) -> None:
    wrong = "SELECT magnitude_type, count(*) AS n FROM earthquakes GROUP BY 1"
    model = ScriptedModel(default=fenced(wrong))  # the first reply, and the same again on a normal repair
    model.on("must not be sent again", fenced(BY_TYPE))
    endpoint.responder = model
    answer = answer_question("How many events per magnitude type?", [], db, client)
    attempts = answer.of_type(SqlPart)
    assert [a.sql for a in attempts] == [wrong, wrong, BY_TYPE]
    assert "not rerun" in attempts[1].error and attempts[2].error is None
    fresh = model.seen[2]["messages"]
    assert [m["role"] for m in fresh] == ["system", "user"]  # a new, short conversation
    assert "The error is in this line" in fresh[-1]["content"] and wrong in fresh[-1]["content"]
    assert "How many events per magnitude type?" in fresh[-1]["content"]
    assert answer.error is None and answer.table is not None and answer.table.total_rows == 7


def test_the_same_failing_query_every_time_ends_with_a_clear_error(endpoint, db, client) -> None:
    endpoint.responder = ScriptedModel(default=fenced("SELECT nope FROM earthquakes"))
    answer = answer_question("anything", [], db, client)
    assert len(answer.of_type(SqlPart)) == 3
    assert answer.error.startswith("The query still failed after 2 repairs: Binder Error")


@pytest.mark.parametrize(
    ("sql", "chart"),
    [
        ('SELECT "magType", max(mag) FROM earthquakes GROUP BY "magType"', "bar x=magType y=max(mag)"),
        ('SELECT "magType", max(mag) FROM earthquakes GROUP BY "magType"', ""),
        ("SELECT time::DATE, count(*) FROM earthquakes GROUP BY 1 ORDER BY 1", ""),
        ("SELECT net, avg(mag), count(*) FROM earthquakes GROUP BY net", "bar x=net y=avg(mag)"),
        ('SELECT round(avg(depth), 1) AS "depth.avg [km]", net FROM earthquakes GROUP BY net', ""),
        ('SELECT mag AS "a:b", depth AS "c<d" FROM earthquakes LIMIT 50', "point x=a:b y=c<d"),
    ],
)
def test_unaliased_aggregates_and_odd_column_names_never_break_an_answer(endpoint, db, client, sql, chart) -> None:
    endpoint.responder = ScriptedModel(default=fenced(sql, chart))
    answer = answer_question("Anything", [], db, client)
    assert answer.error is None
    assert answer.of_type(TablePart)
    assert answer.of_type(ChartPart), "an automatic or suggested chart is drawn"


def test_a_reply_with_only_a_chart_line_is_asked_again_for_the_sql(endpoint, db, client) -> None:
    model = ScriptedModel(default="chart: bar x=updated y=n (or line, point, area, map, none).")
    model.on("has no sql", fenced(BY_TYPE, "bar x=magType y=count"))
    endpoint.responder = model
    answer = answer_question("How many events per magnitude type?", [], db, client)
    assert [c.purpose for c in answer.calls] == ["sql", "repair", "insight"]
    assert answer.error is None and answer.table is not None and answer.table.total_rows == 7


def test_a_reply_that_declines_in_words_is_not_asked_again(endpoint, db, client) -> None:
    endpoint.responder = ScriptedModel(default="The tables hold no weather data, so I cannot answer that.")
    answer = answer_question("What will the weather be in Paris tomorrow?", [], db, client)
    assert [c.purpose for c in answer.calls] == ["sql"]
    assert answer.table is None and answer.error is None


def test_a_missing_column_repair_names_the_columns_to_use_instead(endpoint, db, client) -> None:
    model = ScriptedModel(default=fenced("SELECT magnitude_type, count(*) AS n FROM earthquakes GROUP BY ALL"))
    model.on("use one of these columns instead", fenced(BY_TYPE))
    endpoint.responder = model
    answer = answer_question("How many events per magnitude type?", [], db, client)
    assert (
        "There is no column magnitude_type. Use one of these columns instead:"
        in model.seen[1]["messages"][-1]["content"]
    )
    assert answer.error is None and answer.table is not None


@pytest.mark.parametrize(
    ("made_up", "fixed"),
    [
        (
            "SELECT place, depth_km, mag FROM earthquakes ORDER BY depth_km DESC LIMIT 1",
            "SELECT place, depth, mag FROM earthquakes ORDER BY depth DESC LIMIT 1",
        ),
        (
            "SELECT place, magnitude FROM earthquakes WHERE alert IS NOT NULL",
            "SELECT place, mag FROM earthquakes WHERE alert IS NOT NULL",
        ),
        (
            "SELECT 'depth_km' AS label, max(depth_km) AS deepest FROM earthquakes",
            "SELECT 'depth_km' AS label, max(depth) AS deepest FROM earthquakes",
        ),
    ],
)
def test_a_made_up_column_with_one_close_name_is_corrected_by_the_app_without_a_model_call(
    endpoint, db, client, made_up: str, fixed: str
) -> None:
    endpoint.responder = ScriptedModel(default=fenced(made_up))
    answer = answer_question("Which events were the deepest?", [], db, client)
    attempts = answer.of_type(SqlPart)
    assert [(a.sql, a.error is None) for a in attempts] == [(made_up, False), (fixed, True)]
    assert "the app used" in attempts[1].note
    assert [c.purpose for c in answer.calls] == ["sql", "insight"]


def test_a_column_name_without_one_close_match_goes_to_the_model(endpoint, db, client) -> None:
    wrong = 'SELECT "Magnitude_Type", count(*) FROM earthquakes GROUP BY 1'
    endpoint.responder = ScriptedModel(default=fenced(wrong))
    answer = answer_question("anything", [], db, client)
    assert all(a.note is None for a in answer.of_type(SqlPart))
    assert [c.purpose for c in answer.calls] == ["sql", "repair", "repair"]


def test_a_grouping_error_repair_says_how_to_list_rows(endpoint, db, client) -> None:
    grouped = "SELECT place, mag, count(*) AS n FROM earthquakes WHERE alert IS NOT NULL GROUP BY place"
    model = ScriptedModel(default=fenced(grouped))
    model.on("to list rows, remove group by", fenced("SELECT place, mag FROM earthquakes WHERE alert IS NOT NULL"))
    endpoint.responder = model
    answer = answer_question("List every event with an alert", [], db, client)
    assert [c.purpose for c in answer.calls] == ["sql", "repair", "insight"]
    assert answer.error is None and answer.table is not None and answer.table.total_rows == 12


def test_a_group_by_on_a_list_of_rows_is_removed_by_the_app_without_a_model_call(endpoint, db, client) -> None:
    endpoint.responder = ScriptedModel(
        default=fenced("SELECT place, mag FROM earthquakes WHERE alert IS NOT NULL GROUP BY place ORDER BY mag DESC")
    )
    answer = answer_question("List every event with an alert", [], db, client)
    assert [c.purpose for c in answer.calls] == ["sql", "insight"]
    assert answer.table is not None and answer.table.total_rows == 12
    assert "removed a GROUP BY" in answer.of_type(SqlPart)[-1].note


def test_rounding_asked_for_and_an_unasked_limit_are_fitted_on_the_first_try(endpoint, db, client) -> None:
    endpoint.responder = ScriptedModel(
        default=fenced("SELECT net, avg(mag) AS avg_mag FROM earthquakes GROUP BY net ORDER BY avg_mag DESC LIMIT 10")
    )
    question = "What is the average magnitude per network, rounded to 2 decimal places?"
    answer = answer_question(question, [], db, client)
    assert [c.purpose for c in answer.calls] == ["sql", "insight"]
    frame = answer.table.frame
    assert len(frame) == 12 and (frame["avg_mag"] == frame["avg_mag"].round(2)).all()
    note = answer.of_type(SqlPart)[-1].note
    assert "rounded avg_mag to 2 decimal places" in note and "removed LIMIT 10" in note


def test_a_follow_up_keeps_the_limit_its_earlier_question_asked_for(endpoint, db, client) -> None:
    top = "SELECT place, count(*) AS n FROM earthquakes GROUP BY place ORDER BY n DESC LIMIT 3"
    model = ScriptedModel().on("top 3", fenced(top))
    model.on("only above", fenced(top.replace("GROUP BY", "WHERE mag > 4 GROUP BY")))
    endpoint.responder = model
    first = answer_question("Top 3 places by number of events", [], db, client)
    answer = answer_question("Now only above magnitude 4", [first], db, client)
    assert answer.table.total_rows == 3 and answer.of_type(SqlPart)[-1].note is None


def test_a_bare_number_instead_of_sql_is_asked_again_for_the_query(endpoint, db, client) -> None:
    model = ScriptedModel(default="0.93%")
    model.on("has no sql", fenced("SELECT round(100.0 * avg((status = 'reviewed')::INT), 1) AS pct FROM earthquakes"))
    endpoint.responder = model
    answer = answer_question("What percentage of events are reviewed?", [], db, client)
    assert [c.purpose for c in answer.calls] == ["sql", "repair", "insight"]
    assert answer.table is not None and answer.error is None


def test_a_date_in_words_reaches_the_model_with_its_iso_form(endpoint, db, client) -> None:
    model = ScriptedModel(default=fenced("SELECT count(*) AS n FROM earthquakes"))
    endpoint.responder = model
    answer_question("How many events on 4 February 2018?", [], db, client)
    assert model.seen[0]["messages"][-1]["content"] == "How many events on 4 February 2018 (2018-02-04)?"


def test_another_dialects_operator_gets_duckdbs_spelling_in_the_repair(endpoint, db, client) -> None:
    model = ScriptedModel(default=fenced("SELECT count(*) AS n FROM earthquakes WHERE place REGEXP 'Ridge'"))
    model.on("regexp_matches", fenced("SELECT count(*) AS n FROM earthquakes WHERE regexp_matches(place, 'Ridge')"))
    endpoint.responder = model
    answer = answer_question("How many events in a place with Ridge in the name?", [], db, client)
    assert [c.purpose for c in answer.calls] == ["sql", "repair", "insight"]
    assert answer.error is None and answer.table is not None


@pytest.mark.parametrize(
    ("wrong", "fixed", "note"),
    [
        (
            """SELECT round(avg(mag), 2) AS avg_mag FROM earthquakes WHERE "magType" = 'quarry blast'""",
            "SELECT round(avg(mag), 2) AS avg_mag FROM earthquakes WHERE type = 'quarry blast'",
            "'quarry blast' is a value of type, not of magType",
        ),
        (
            "SELECT count(*) AS n FROM earthquakes WHERE type = 'Quarry Blast'",
            "SELECT count(*) AS n FROM earthquakes WHERE type = 'quarry blast'",
            "the app used the stored spelling 'quarry blast'",
        ),
        (
            "SELECT count(*) AS n FROM earthquakes WHERE place LIKE '%alaska%'",
            "SELECT count(*) AS n FROM earthquakes WHERE place ILIKE '%alaska%'",
            "matched it in any case",
        ),
        (
            "SELECT place FROM earthquakes WHERE status = 'Reviewed' AND mag > 4",
            "SELECT place FROM earthquakes WHERE status = 'reviewed' AND mag > 4",
            "stored spelling",
        ),
    ],
)
def test_text_compared_with_the_wrong_column_or_spelling_is_corrected_when_nothing_was_found(
    endpoint, db, client, wrong: str, fixed: str, note: str
) -> None:
    endpoint.responder = ScriptedModel(default=fenced(wrong))
    answer = answer_question("How many quarry blasts, reviewed events or events in Alaska?", [], db, client)
    attempts = answer.of_type(SqlPart)
    assert [a.sql for a in attempts] == [wrong, fixed]
    assert note in attempts[-1].note
    assert answer.table is not None and answer.table.sql == fixed and answer.table.total_rows > 0


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT count(*) AS n FROM earthquakes WHERE mag > 100",
        "SELECT place FROM earthquakes WHERE \"magType\" = 'PAGER'",
        "SELECT place FROM earthquakes WHERE place = 'Atlantis'",
    ],
)
def test_an_empty_result_that_is_a_fact_about_the_data_stays_empty(endpoint, db, client, sql: str) -> None:
    endpoint.responder = ScriptedModel(default=fenced(sql))
    answer = answer_question("anything", [], db, client)
    assert [a.sql for a in answer.of_type(SqlPart)] == [sql]


def test_a_repair_after_an_app_correction_shows_the_model_the_query_that_failed(endpoint, db, client) -> None:
    made_up = "SELECT place, nope FROM earthquakes WHERE depth_km > 1"  # depth_km is corrected, nope is not
    endpoint.responder = ScriptedModel(default=fenced(made_up))
    answer_question("anything", [], db, client)
    repair = endpoint.chat_requests()[1].body["messages"]
    assert "SELECT place, nope FROM earthquakes WHERE depth > 1" in repair[-2]["content"]
    assert 'column "nope"' in repair[-1]["content"]


def test_a_filter_copied_from_the_prompts_worked_example_is_removed(endpoint, db, client) -> None:
    model = ScriptedModel(default="")
    endpoint.responder = model

    def copy_the_example(body: dict) -> str:  # the worked example's condition, as the 0.5B model copies it
        system = body["messages"][0]["content"]
        condition = system.split("WHERE ", 1)[1].split("\n", 1)[0]
        return fenced(f"SELECT round(avg(mag), 2) AS avg_mag FROM earthquakes WHERE {condition}")

    model.on("average magnitude", copy_the_example)
    answer = answer_question("What is the average magnitude, rounded to 2 decimal places?", [], db, client)
    assert (
        answer.table.frame["avg_mag"][0] == db.run_query("SELECT round(avg(mag), 2) FROM earthquakes").frame.iloc[0, 0]
    )
    assert "it comes from the prompt's example" in answer.of_type(SqlPart)[-1].note


def test_a_query_on_a_table_that_is_not_loaded_says_the_data_is_not_here_without_repairs(endpoint, db, client) -> None:
    endpoint.responder = ScriptedModel(default=fenced("SELECT name FROM teams WHERE year = 2018 LIMIT 1"))
    answer = answer_question("Who won the 2018 FIFA World Cup?", [], db, client)
    assert [c.purpose for c in answer.calls] == ["sql"]
    assert answer.error is None and answer.table is None
    text = answer.of_type(TextPart)[0].text
    assert text.startswith("The loaded tables (earthquakes) hold no table like teams")


def test_a_misspelled_table_is_still_repaired(endpoint, db, client) -> None:
    model = ScriptedModel(default=fenced("SELECT count(*) AS n FROM earthquake"))
    model.on("not one of the loaded tables", fenced("SELECT count(*) AS n FROM earthquakes"))
    endpoint.responder = model
    answer = answer_question("How many events?", [], db, client)
    assert [c.purpose for c in answer.calls] == ["sql", "repair", "insight"]
    assert answer.table is not None and answer.table.frame["n"][0] == 1707


@pytest.mark.parametrize(
    "where", ["date_trunc('month', time) = '2018'", "time = '2018' AND id IS NOT NULL", "'2018' = time::DATE"]
)
def test_a_year_compared_with_a_date_is_corrected_by_the_app_without_a_model_call(
    endpoint, db, client, where: str
) -> None:
    endpoint.responder = ScriptedModel(default=fenced(f"SELECT count(*) AS n FROM earthquakes WHERE {where}"))
    answer = answer_question("How many events during 2018?", [], db, client)
    assert [c.purpose for c in answer.calls] == ["sql", "insight"]
    assert answer.table.frame["n"][0] == 1707
    attempts = answer.of_type(SqlPart)
    assert "2018" in attempts[0].error and "Conversion Error" in attempts[0].error
    assert '"year"(' in attempts[1].sql and "'2018' is a year, not a date" in attempts[1].note


def test_a_date_that_is_not_a_year_gets_the_date_format_in_the_repair(endpoint, db, client) -> None:
    wrong = "SELECT count(*) AS n FROM earthquakes WHERE time::DATE = '4 Feb 2018'"
    model = ScriptedModel(default=fenced(wrong))
    model.on("write dates as 'yyyy-mm-dd'", fenced(wrong.replace("4 Feb 2018", "2018-02-04")))
    endpoint.responder = model
    answer = answer_question("How many events on 4 Feb 2018?", [], db, client)
    assert [c.purpose for c in answer.calls] == ["sql", "repair", "insight"]
    assert answer.table is not None and answer.error is None


def test_a_follow_up_keeps_a_filter_the_conversation_set_even_when_the_prompts_example_uses_it(
    endpoint, db, client
) -> None:
    """The real 1.5B model's conversation: "per day", "now only in Alaska", "which day was busiest?", "and per
    hour?". The Alaska filter is also in the prompt's worked example; it was asked two questions before, and the
    answer before carried it, so it stays, and the "Computed:" line shows it."""
    alaska = "WHERE place ILIKE '%alaska%'"
    model = ScriptedModel()
    model.on("per day", fenced("SELECT time::DATE AS day, count(*) AS n FROM earthquakes GROUP BY ALL ORDER BY day"))
    model.on(
        "only in alaska", fenced(f"SELECT time::DATE AS day, count(*) AS n FROM earthquakes {alaska} GROUP BY ALL")
    )
    model.on("busiest", fenced(f"SELECT time::DATE AS day, count(*) AS n FROM earthquakes {alaska} GROUP BY ALL "
                               "ORDER BY n DESC LIMIT 1"))  # fmt: skip
    model.on("per hour", fenced(f"SELECT hour(time) AS hour, count(*) AS n FROM earthquakes {alaska} GROUP BY ALL"))
    endpoint.responder = model
    history = []
    for question in ("How many earthquakes per day?", "Now only in Alaska", "Which day was busiest?"):
        history.append(answer_question(question, list(history), db, client))
    answer = answer_question("And per hour?", history, db, client)
    expected = db.run_query(f"SELECT hour(time) AS hour, count(*) AS n FROM earthquakes {alaska} GROUP BY ALL")
    assert sorted(answer.table.frame["n"]) == sorted(expected.frame["n"])
    assert answer.of_type(SqlPart)[-1].note is None
    assert "alaska" in answer.table.computed.lower()


def test_now_in_a_query_over_old_data_is_the_data_s_end_and_an_empty_result_says_what_the_data_covers(
    endpoint, db, client
) -> None:
    """The real 1.5B model's "in the last 3 days": ``now() - INTERVAL 3 DAY`` over data from 2018."""
    last_days = "SELECT count(*) AS n FROM earthquakes WHERE time >= now() - INTERVAL '3 days'"
    endpoint.responder = ScriptedModel(default=fenced(last_days))
    answer = answer_question("How many earthquakes in the last 3 days?", [], db, client)
    end = db.run_query("SELECT max(time) AS e FROM earthquakes").frame["e"][0]
    expected = db.run_query(f"SELECT count(*) AS n FROM earthquakes WHERE time >= TIMESTAMP '{end}' - INTERVAL 3 DAY")
    assert answer.table.frame["n"][0] == expected.frame["n"][0] > 0
    assert "set “now” to the data's end, 2018-02-07 01:26" in answer.of_type(SqlPart)[-1].note

    endpoint.responder = ScriptedModel(default=fenced("SELECT * FROM earthquakes WHERE time > TIMESTAMP '2024-01-01'"))
    answer = answer_question("Any earthquakes since 2024?", [], db, client)
    assert "The data covers 2018-01-31 to 2018-02-07." in answer.of_type(TextPart)[0].text


def test_a_map_question_answered_with_names_alone_gets_every_matching_row_with_its_coordinates(
    endpoint, db, client
) -> None:
    """The real 1.5B model's "on a map where the earthquakes of magnitude 4 or more happened": the top 10 by
    magnitude, names only. "4 or more" is a threshold, not a number of rows; a map needs coordinates."""
    endpoint.responder = ScriptedModel(
        default=fenced("SELECT place, mag FROM earthquakes WHERE mag >= 4 ORDER BY mag DESC LIMIT 10")
    )
    answer = answer_question("Show me on a map where the earthquakes of magnitude 4 or more happened", [], db, client)
    expected = db.run_query("SELECT count(*) AS n FROM earthquakes WHERE mag >= 4").frame["n"][0]
    assert answer.table.total_rows == expected > 10
    assert {"latitude", "longitude"} <= set(answer.table.frame.columns)
    assert answer.of_type(ChartPart)[0].kind == "map"


@pytest.mark.parametrize(
    ("question", "sql"),
    [
        (
            "Count per magType for magnitude 3 and above",
            'SELECT "magType", count(*) AS n FROM earthquakes WHERE mag >= 3 GROUP BY 1 LIMIT 3',
        ),  # fmt: skip
        (
            "Earthquakes of magnitude 5 or more per day in 2018",
            "SELECT time::DATE AS d, count(*) AS n FROM earthquakes WHERE mag >= 5 GROUP BY 1 ORDER BY 1 LIMIT 2",
        ),  # fmt: skip
    ],
)
def test_a_year_or_a_threshold_in_the_question_is_not_a_number_of_rows(endpoint, db, client, question, sql):  # type: ignore[no-untyped-def]
    endpoint.responder = ScriptedModel(default=fenced(sql))
    answer = answer_question(question, [], db, client)
    every_group = db.run_query(sql.rsplit(" LIMIT ", 1)[0]).total_rows
    assert answer.table.total_rows == every_group > int(sql.rsplit(" ", 1)[1])
    assert "removed LIMIT" in answer.of_type(SqlPart)[-1].note


def test_a_direction_word_read_backwards_is_sorted_the_way_it_asks(endpoint, db, client) -> None:
    endpoint.responder = ScriptedModel(
        default=fenced("SELECT place, latitude FROM earthquakes ORDER BY latitude ASC LIMIT 5")
    )
    answer = answer_question("Which are the 5 northernmost earthquakes?", [], db, client)
    top = db.run_query("SELECT max(latitude) AS m FROM earthquakes").frame["m"][0]
    assert answer.table.frame["latitude"].iloc[0] == top
    assert "“northernmost”" in answer.of_type(SqlPart)[-1].note


def test_a_map_written_with_spatial_functions_gets_plain_coordinates_without_a_model_call(endpoint, db, client) -> None:
    """The real 1.5B model draws maps with PostGIS functions, which the sandbox does not have."""
    spatial = "SELECT ST_SetSRID(ST_MakePoint(longitude, latitude), 4326) AS geom FROM earthquakes WHERE mag >= 4"
    endpoint.responder = ScriptedModel(default=fenced(spatial))
    answer = answer_question("Show on a map where the earthquakes of magnitude 4 or more happened", [], db, client)
    attempts = answer.of_type(SqlPart)
    assert [a.sql for a in attempts][0] == spatial and attempts[-1].error is None
    assert "no spatial functions" in attempts[-1].note
    assert [c.purpose for c in answer.calls] == ["sql", "insight"]
    assert answer.table.total_rows == db.run_query("SELECT 1 FROM earthquakes WHERE mag >= 4").total_rows
    assert answer.of_type(ChartPart)[0].kind == "map"

    within = "SELECT place FROM earthquakes WHERE ST_Distance(ST_Point(longitude, latitude), ST_Point(0, 0)) < 10"
    plain = "SELECT place, latitude, longitude FROM earthquakes WHERE mag >= 4"
    endpoint.responder = ScriptedModel(default=fenced(within)).on("no spatial (st_) functions", fenced(plain))
    answer = answer_question("Show on a map where the earthquakes near 0, 0 happened", [], db, client)
    assert answer.final_sql == plain  # a spatial filter is the model's to repair, told what to use


def test_a_map_grouped_by_its_spatial_alias_is_grouped_by_the_coordinates(endpoint, db, client) -> None:
    """The real 1.5B model's map in a conversation: a GeoJSON point per place, grouped and ordered by its alias."""
    spatial = (
        "SELECT ST_AsGeoJSON(ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)) AS geom FROM earthquakes "
        "WHERE mag >= 4 GROUP BY geom ORDER BY count(*) DESC LIMIT 10"
    )
    endpoint.responder = ScriptedModel(default=fenced(spatial))
    answer = answer_question("Show me on a map where the earthquakes of magnitude 4 or more happened", [], db, client)
    attempts = answer.of_type(SqlPart)
    assert [c.purpose for c in answer.calls] == ["sql", "insight"] and attempts[-1].error is None
    places = db.run_query("SELECT DISTINCT longitude, latitude FROM earthquakes WHERE mag >= 4").total_rows
    assert answer.table.total_rows == places > 10  # every place, not the model's ten
    assert answer.of_type(ChartPart)[0].kind == "map"


def test_a_follow_up_that_narrows_an_answer_of_every_row_keeps_every_row(endpoint, db, client) -> None:
    """The real 1.5B model's "Now only in Alaska" after "which day had the most" and "and per hour?": it kept the
    first answer's LIMIT 1, so a table of hours became one hour."""
    model = ScriptedModel()
    model.on(
        "which day",
        fenced("SELECT time::DATE AS day, count(*) AS n FROM earthquakes GROUP BY ALL ORDER BY n DESC LIMIT 1"),
    )
    model.on(
        "per hour", fenced('SELECT hour(time) AS "hour", count(*) AS n FROM earthquakes GROUP BY ALL ORDER BY n DESC')
    )
    model.on(
        "only in alaska",
        fenced(
            "SELECT hour(time) AS \"hour\", count(*) AS n FROM earthquakes WHERE place ILIKE '%alaska%' "
            "GROUP BY ALL ORDER BY n DESC LIMIT 1"
        ),
    )
    endpoint.responder = model
    history: list = []
    for question in ("Which day had the most earthquakes?", "and per hour?", "Now only in Alaska"):
        history.append(answer_question(question, list(history), db, client))
    hours = db.run_query("SELECT DISTINCT hour(time) FROM earthquakes WHERE place ILIKE '%alaska%'").total_rows
    assert history[0].table.total_rows == 1 and history[1].table.total_rows == 24
    assert history[2].table.total_rows == hours > 1
    assert "only narrows it" in history[2].of_type(SqlPart)[-1].note


def test_the_bundled_tables_time_column_written_on_another_table_is_repaired_to_its_own(endpoint, db, client) -> None:
    """The real 1.5B model writes ``time`` on a readings table whose clock is ``taken_at``."""
    db.add_table("readings", pd.DataFrame({"taken_at": pd.to_datetime(["2023-03-01 10:00", "2023-03-02 11:00"]),
                                           "temperature_c": [5.5, 7.0]}))  # fmt: skip
    wrong = "SELECT time::DATE AS day, max(temperature_c) AS highest FROM readings GROUP BY 1"
    right = "SELECT taken_at::DATE AS day, max(temperature_c) AS highest FROM readings GROUP BY 1"
    endpoint.responder = ScriptedModel(default=fenced(wrong)).on("time column is taken_at", fenced(right))
    answer = answer_question("What was the highest temperature each day?", [], db, client)
    assert answer.final_sql == right and answer.table.total_rows == 2


def test_a_grain_switched_with_instead_drops_the_earlier_key_the_model_kept(endpoint, db, client) -> None:
    """The real 1.5B model's "Now per day instead" after "per magType": grouped by day and magType (40 rows)."""
    model = ScriptedModel()
    model.on("per magtype", fenced('SELECT "magType", avg(mag) AS avg_mag FROM earthquakes GROUP BY 1'))
    model.on("per day instead", fenced('SELECT time::DATE AS day, "magType", avg(mag) AS avg_mag FROM earthquakes '
                                       "GROUP BY 1, 2 ORDER BY 1, 2"))  # fmt: skip
    endpoint.responder = model
    first = answer_question("What is the average magnitude per magType?", [], db, client)
    answer = answer_question("Now per day instead", [first], db, client)
    expected = db.run_query("SELECT time::DATE AS day, avg(mag) AS avg_mag FROM earthquakes GROUP BY 1")
    assert answer.table.total_rows == expected.total_rows == 8
    assert list(answer.table.frame.columns) == ["day", "avg_mag"]
    assert "“instead”" in answer.of_type(SqlPart)[-1].note


def test_a_narrowing_follow_up_keeps_the_groups_the_model_dropped(endpoint, db, client) -> None:
    """The real 1.5B model's "Only in the West region" after "online and store orders, each": one total row."""
    by_type = 'SELECT "magType", count(*) AS n, avg(mag) AS avg_mag FROM earthquakes GROUP BY 1'
    model = ScriptedModel().on("each magtype", fenced(by_type))
    model.on("only in alaska", fenced("SELECT count(*) AS n, avg(mag) AS avg_mag FROM earthquakes "
                                      "WHERE place ILIKE '%alaska%'"))  # fmt: skip
    model.on("just the total", fenced("SELECT count(*) AS n FROM earthquakes WHERE place ILIKE '%alaska%'"))
    endpoint.responder = model
    first = answer_question("How many events and what average magnitude for each magType?", [], db, client)
    answer = answer_question("Only in Alaska", [first], db, client)
    expected = db.run_query(by_type.replace("GROUP BY", "WHERE place ILIKE '%alaska%' GROUP BY"))
    assert answer.table.total_rows == expected.total_rows > 1
    assert "kept the grouping by magtype" in answer.of_type(SqlPart)[-1].note
    total = answer_question("Now just the total", [first, answer], db, client)
    assert total.table.total_rows == 1  # a narrowing that asks for one figure keeps it one


def test_a_narrowing_follow_up_keeps_the_earlier_filter_the_model_dropped(endpoint, db, client) -> None:
    """The real 1.5B model's "Now only those deeper than 50 km" after "magnitude 4 or more": 130 rows, not 41."""
    model = ScriptedModel()
    model.on("4 or more", fenced("SELECT place, latitude, longitude FROM earthquakes WHERE mag >= 4"))
    model.on("deeper than", fenced("SELECT place, latitude, longitude FROM earthquakes WHERE depth > 50"))
    model.on("magnitude 5", fenced("SELECT place, latitude, longitude FROM earthquakes WHERE mag >= 5"))
    endpoint.responder = model
    first = answer_question("Show on a map the earthquakes of magnitude 4 or more", [], db, client)
    answer = answer_question("Now only those deeper than 50 km", [first], db, client)
    expected = db.run_query("SELECT 1 FROM earthquakes WHERE mag >= 4 AND depth > 50").total_rows
    assert answer.table.total_rows == expected and "kept the earlier filter on mag" in answer.of_type(SqlPart)[-1].note
    replaced = answer_question("Now only magnitude 5 or more", [first], db, client)  # a new bound on the same column
    assert replaced.table.total_rows == db.run_query("SELECT 1 FROM earthquakes WHERE mag >= 5").total_rows


def test_a_narrowing_follow_up_keeps_the_grain_the_conversation_switched_to(endpoint, db, client) -> None:
    """The real 1.5B model's "Only for magnitudes above 2" after "per magType", then "per day instead": grouped
    by magType again."""
    model = ScriptedModel()
    model.on("per magtype", fenced('SELECT "magType", avg(mag) AS avg_mag FROM earthquakes GROUP BY 1'))
    model.on("per day instead", fenced("SELECT time::DATE AS day, avg(mag) AS avg_mag FROM earthquakes GROUP BY 1"))
    model.on("above 2", fenced('SELECT "magType", avg(mag) AS avg_mag FROM earthquakes WHERE mag > 2 GROUP BY 1'))
    endpoint.responder = model
    history = []
    for question in ("What is the average magnitude per magType?", "Now per day instead"):
        history.append(answer_question(question, list(history), db, client))
    answer = answer_question("Only for magnitudes above 2", history, db, client)
    expected = db.run_query("SELECT time::DATE AS day, avg(mag) AS a FROM earthquakes WHERE mag > 2 GROUP BY 1")
    assert answer.table.total_rows == expected.total_rows == 8 and "day" in answer.table.frame.columns
    assert "kept the grouping by time" in answer.of_type(SqlPart)[-1].note


def test_the_highest_value_per_group_is_every_group_s_max_not_one_group(endpoint, db, client) -> None:
    """The real 1.5B model's "What was the highest humidity per station?": max() per station, then LIMIT 1."""
    endpoint.responder = ScriptedModel(
        default=fenced(
            'SELECT "magType", max(mag) AS highest FROM earthquakes GROUP BY 1 ORDER BY highest DESC LIMIT 1'
        )
    )
    answer = answer_question("What was the highest magnitude per magType?", [], db, client)
    assert answer.table.total_rows == 7 and "removed LIMIT 1" in answer.of_type(SqlPart)[-1].note
    answer = answer_question("Which magType has the highest magnitude?", [], db, client)  # a ranking: one row
    assert answer.table.total_rows == 1


def test_an_earlier_ranking_word_does_not_keep_a_limit_the_answer_before_did_not_have(endpoint, db, client) -> None:
    """In Chromium with the real 1.5B model: "the last 24 hours", then a map of "magnitude 4 or more" kept the
    model's LIMIT 100 because "last" counted as a ranking asked for."""
    model = ScriptedModel()
    model.on("last 24 hours", fenced("SELECT count(*) AS n FROM earthquakes WHERE time >= now() - INTERVAL 1 DAY"))
    model.on(
        "on a map", fenced("SELECT latitude, longitude FROM earthquakes WHERE mag >= 4 ORDER BY time DESC LIMIT 5")
    )
    endpoint.responder = model
    first = answer_question("How many earthquakes happened in the last 24 hours?", [], db, client)
    answer = answer_question(
        "Show me on a map where the earthquakes of magnitude 4 or more happened", [first], db, client
    )
    assert answer.table.total_rows == db.run_query("SELECT 1 FROM earthquakes WHERE mag >= 4").total_rows


def test_a_value_per_group_answered_with_one_value_gets_its_groups(endpoint, db, client) -> None:
    """The real 0.5B model's "average temperature per station": one average over every row."""
    endpoint.responder = ScriptedModel(default=fenced("SELECT avg(mag) AS avg_mag FROM earthquakes"))
    answer = answer_question("What is the average magnitude per magType?", [], db, client)
    assert answer.table.total_rows == 7 and "grouped by magType" in answer.of_type(SqlPart)[-1].note
    endpoint.responder = ScriptedModel(default=fenced("SELECT count(*) / 8 AS n FROM earthquakes"))
    answer = answer_question("What is the average number of earthquakes per day?", [], db, client)
    assert answer.table.total_rows == 1  # a rate is one value


def test_a_direction_word_of_weather_or_crowds_ranks_the_right_way(endpoint, db, client) -> None:
    endpoint.responder = ScriptedModel(
        default=fenced('SELECT "magType", count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY "magType" DESC LIMIT 1')
    )
    answer = answer_question("Which magType was the busiest?", [], db, client)
    assert answer.table.frame["magType"].iloc[0] == "ml"


def test_a_regrouping_follow_up_keeps_the_earlier_filter(endpoint, db, client) -> None:
    """The real 0.5B model's "Per day instead" after "magnitude 3 or more": every event per day."""
    model = ScriptedModel()
    model.on("3 or more", fenced('SELECT "magType", count(*) AS n FROM earthquakes WHERE mag >= 3 GROUP BY 1'))
    model.on("per day instead", fenced("SELECT time::DATE AS day, count(*) AS n FROM earthquakes GROUP BY ALL"))
    endpoint.responder = model
    first = answer_question("How many per magType, magnitude 3 or more?", [], db, client)
    answer = answer_question("Per day instead", [first], db, client)
    expected = db.run_query("SELECT time::DATE AS day, count(*) AS n FROM earthquakes WHERE mag >= 3 GROUP BY ALL")
    assert sorted(answer.table.frame["n"]) == sorted(expected.frame["n"])


def test_a_ranking_by_the_aggregate_the_wrong_way_is_turned(endpoint, db, client) -> None:
    """The real 0.5B model's "the coldest station on average": ordered by the average, highest first."""
    endpoint.responder = ScriptedModel(
        default=fenced('SELECT "magType", avg(mag) AS a FROM earthquakes GROUP BY 1 ORDER BY avg(mag) DESC LIMIT 1')
    )
    answer = answer_question("Which magType has the weakest earthquakes on average?", [], db, client)
    weakest = db.run_query('SELECT "magType" FROM earthquakes GROUP BY 1 ORDER BY avg(mag) LIMIT 1').frame.iloc[0, 0]
    assert answer.table.frame["magType"].iloc[0] == weakest


def test_a_follow_up_naming_one_new_grain_drops_the_earlier_grain_of_the_same_clock(endpoint, db, client) -> None:
    """The real 0.5B model's "And per hour of the day?" after "per day": grouped by day and hour (169 rows)."""
    model = ScriptedModel()
    model.on("there per day", fenced("SELECT time::DATE AS day, count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY 1"))
    model.on("hour", fenced("SELECT time::DATE AS day, hour(time) AS hour, count(*) AS n FROM earthquakes "
                                "GROUP BY ALL ORDER BY day, hour"))  # fmt: skip
    endpoint.responder = model
    first = answer_question("How many earthquakes were there per day?", [], db, client)
    answer = answer_question("And per hour of the day?", [first], db, client)
    assert list(answer.table.frame.columns) == ["hour", "n"] and answer.table.total_rows == 24
    assert "names one grain" in answer.of_type(SqlPart)[-1].note
    both = answer_question("And per day and hour?", [first], db, client)  # both grains named: both kept
    assert both.table.total_rows > 24


def test_a_comparison_written_as_a_union_over_a_made_up_column_gives_one_labelled_row_per_value(
    endpoint, db, client
) -> None:
    """The real 0.5B model's "Compare online and store orders": a UNION of one query per value, each filtering a
    column it made up (``order_type``; the values are the ``channel`` column's). Then a narrowing follow-up keeps
    the groups."""
    branch = "SELECT count(*) AS n, avg(mag) AS a FROM earthquakes WHERE kind = '{}'"
    model = ScriptedModel()
    model.on("compare", fenced(f"{branch.format('ml')} UNION {branch.format('md')}"))
    model.on("only magnitude", fenced("SELECT count(*) AS n, avg(mag) AS a FROM earthquakes WHERE mag >= 2"))
    endpoint.responder = model
    answer = answer_question("Compare ml and md events: how many and what average magnitude?", [], db, client)
    expected = db.run_query(
        "SELECT \"magType\", count(*) AS n FROM earthquakes WHERE \"magType\" IN ('ml', 'md') GROUP BY 1"
    )
    assert sorted(answer.table.frame["magType"]) == ["md", "ml"]
    assert sorted(answer.table.frame["n"]) == sorted(expected.frame["n"])
    notes = [a.note or "" for a in answer.of_type(SqlPart)]
    assert any("values of magType" in n for n in notes) and "one row per compared magType" in notes[-1]
    narrowed = answer_question("Only magnitude 2 or more", [answer], db, client)
    assert sorted(narrowed.table.frame["magType"]) == ["md", "ml"]


def test_how_many_of_a_numeric_column_counted_as_rows_becomes_its_sum(endpoint, db, client) -> None:
    """The real 0.5B model's "How many units of Lamp were sold per quarter?": ``count(*)`` per quarter."""
    db.add_table("orders", pd.DataFrame({"product": ["Lamp", "Desk", "Lamp"], "units": [1, 2, 3],
                                         "order_date": pd.to_datetime(["2024-01-02", "2024-05-01", "2024-01-09"])}))  # fmt: skip
    endpoint.responder = ScriptedModel(
        default=fenced(
            "SELECT date_trunc('quarter', order_date) AS quarter, count(*) AS n FROM orders "
            "WHERE product = 'Lamp' GROUP BY ALL ORDER BY quarter"
        )  # fmt: skip
    )
    answer = answer_question("How many units of Lamp were sold per quarter?", [], db, client)
    assert answer.table.frame["n"].tolist() == [4]
    assert "summed units" in answer.of_type(SqlPart)[-1].note
    answer = answer_question("How many orders of Lamp were there per quarter?", [], db, client)
    assert answer.table.frame["n"].tolist() == [2]  # orders are rows: counted


def test_a_value_the_question_names_but_the_query_ignores_becomes_a_filter(endpoint, db, client) -> None:
    """The real 0.5B model's "What was the highest temperature at Hill on each day?": every station, per day."""
    db.add_table("readings", pd.DataFrame({"station": ["Hill", "Harbor", "Hill"], "temperature_c": [1.0, 9.0, 3.0],
                                           "taken_at": pd.to_datetime(["2023-03-01", "2023-03-01", "2023-03-02"])}))  # fmt: skip
    endpoint.responder = ScriptedModel(
        default=fenced(
            "SELECT taken_at::DATE AS day, station, max(temperature_c) AS highest FROM readings "
            "GROUP BY ALL ORDER BY day"
        )  # fmt: skip
    )
    answer = answer_question("What was the highest temperature at Hill on each day?", [], db, client)
    assert answer.table.frame["highest"].tolist() == [1.0, 3.0]
    assert "kept only station Hill" in answer.of_type(SqlPart)[-1].note
    answer = answer_question("What was the highest temperature in January on each day?", [], db, client)
    assert answer.table.total_rows == 3  # not a value of the table: nothing added


def test_which_group_ranks_highest_answered_with_every_group_unsorted_is_ranked(endpoint, db, client) -> None:
    """The real 0.5B model's "Which day had the most rain?": every day's total, in no order."""
    endpoint.responder = ScriptedModel(
        default=fenced("SELECT date_trunc('day', time) AS day, count(*) FROM earthquakes GROUP BY 1")
    )
    answer = answer_question("Which day had the most earthquakes? Give the day and the count.", [], db, client)
    busiest = db.run_query("SELECT count(*) AS n FROM earthquakes GROUP BY time::DATE ORDER BY n DESC LIMIT 1")
    assert answer.table.total_rows == 1 and answer.table.frame.iloc[0, 1] == busiest.frame["n"][0]
    assert "kept the row with the highest value" in answer.of_type(SqlPart)[-1].note
    answer = answer_question("Which 3 days had the fewest earthquakes?", [], db, client)
    assert answer.table.total_rows == 3 and answer.table.frame.iloc[0, 1] == answer.table.frame.iloc[:, 1].min()
    answer = answer_question("Which days had the most earthquakes?", [], db, client)  # all of them, ranked
    counts = answer.table.frame.iloc[:, 1].tolist()
    assert len(counts) == 8 and counts == sorted(counts, reverse=True)


def test_the_most_of_a_quantity_in_a_year_is_each_key_s_total_over_the_year(endpoint, db, client) -> None:
    """The real 0.5B model's "Which product sold the most units in 2024?": the one biggest order, on one day
    copied from the sample rows (``order_date = '2024-01-05'``)."""
    db.add_table("orders", pd.DataFrame({"product": ["Lamp", "Desk", "Lamp", "Lamp"], "units": [3, 4, 3, 9],
                                         "order_date": pd.to_datetime(["2024-01-05", "2024-05-01", "2024-07-01",
                                                                       "2023-02-01"])}))  # fmt: skip
    endpoint.responder = ScriptedModel(
        default=fenced("SELECT product, units FROM orders WHERE order_date = '2024-01-05' ORDER BY units DESC LIMIT 1")
    )
    answer = answer_question(
        "Which product sold the most units in 2024? Give the product and its units.", [], db, client
    )
    assert answer.table.frame.to_dict("records") == [{"product": "Lamp", "units": 6}]
    note = answer.of_type(SqlPart)[-1].note
    assert "kept all of 2024" in note and "summed units per product" in note
    answer = answer_question("Which product sold the most units on 5 January 2024?", [], db, client)
    assert answer.table.frame.to_dict("records") == [{"product": "Lamp", "units": 3}]  # the day was asked for


def test_a_narrowing_follow_up_that_names_a_filter_column_keeps_the_earlier_groups(endpoint, db, client) -> None:
    """The real 0.5B model's "Only in the West region" after "online and store orders, each": grouped by region,
    which the question names only to filter it."""
    model = ScriptedModel()
    model.on("each magtype", fenced('SELECT "magType", count(*) AS n FROM earthquakes GROUP BY 1'))
    model.on("only in the ak net", fenced("SELECT net, count(*) AS n FROM earthquakes WHERE net = 'ak' GROUP BY net"))
    endpoint.responder = model
    first = answer_question("How many events for each magType?", [], db, client)
    answer = answer_question("Only in the ak net", [first], db, client)
    expected = db.run_query("SELECT \"magType\", count(*) AS n FROM earthquakes WHERE net = 'ak' GROUP BY 1")
    assert sorted(answer.table.frame["n"]) == sorted(expected.frame["n"]) and "magType" in answer.table.frame


def test_counting_the_rows_of_a_saved_table_of_counts_adds_up_its_counts(endpoint, db, client) -> None:
    """The real 0.5B model (and the 1.5B in Chromium) on a saved table of counts per day: ``count(*)`` counts its
    days. A total adds up its count column; "how many days" still counts its rows."""
    db.add_view("daily_counts", "SELECT time::DATE AS day, count(*) AS n FROM earthquakes GROUP BY 1")
    model = ScriptedModel()
    model.on("in total", fenced("SELECT count(*) FROM daily_counts"))
    model.on("the fewest", fenced("SELECT day, count(*) FROM daily_counts GROUP BY day ORDER BY count(*) LIMIT 1"))
    model.on("how many days", fenced("SELECT count(*) AS days FROM daily_counts"))
    endpoint.responder = model
    answer = answer_question("Using daily_counts, how many earthquakes were there in total?", [], db, client)
    assert int(answer.table.frame.iloc[0, 0]) == 1707 and "added up n" in answer.of_type(SqlPart)[-1].note
    answer = answer_question("Which day in daily_counts had the fewest?", [], db, client)
    fewest = db.run_query("SELECT min(n) AS m FROM daily_counts").frame["m"][0]
    assert int(answer.table.frame.iloc[0, 1]) == int(fewest) > 1
    answer = answer_question("How many days are in daily_counts?", [], db, client)
    assert answer.table.frame.iloc[0, 0] == 8


def test_a_distribution_question_answered_with_an_average_gets_the_values_and_their_histogram(
    endpoint, db, client
) -> None:
    """Real use: "How are units distributed?" answered with the average per product: no histogram, no box plot."""
    endpoint.responder = ScriptedModel(default=fenced("SELECT avg(mag) AS avg_mag FROM earthquakes"))
    answer = answer_question("How are magnitudes distributed?", [], db, client)
    assert answer.table.total_rows == 1707 and answer.of_type(ChartPart)[0].kind == "histogram"
    endpoint.responder = ScriptedModel(default=fenced('SELECT "magType", avg(mag) AS a FROM earthquakes GROUP BY 1'))
    answer = answer_question("How is mag spread in each magType?", [], db, client)
    assert answer.of_type(ChartPart)[0].kind == "boxplot"
    answer = answer_question("What is the average mag per magType?", [], db, client)
    assert answer.table.total_rows == 7  # an average asked for stays one
