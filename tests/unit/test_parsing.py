"""Reading SQL out of replies in the styles real models send."""

from __future__ import annotations

import pytest

from analyst.parsing import parse_reply
from analyst.prompts import repair_hint
from charts.hint import ChartHint

REPLIES: list[tuple[str, str | None]] = [
    ("```sql\nSELECT count(*) FROM earthquakes;\n```", "SELECT count(*) FROM earthquakes"),
    ("```SQL\nSELECT avg(mag) FROM earthquakes\n```", "SELECT avg(mag) FROM earthquakes"),
    ("```duckdb\nSELECT max(mag) FROM earthquakes;\n```", "SELECT max(mag) FROM earthquakes"),
    ("```\nSELECT min(depth) FROM earthquakes\n```", "SELECT min(depth) FROM earthquakes"),
    ("```sql SELECT-only\nSELECT 1\n```", "SELECT 1"),
    (
        "Sure! Here is the query:\n\n```sql\nSELECT place FROM earthquakes ORDER BY mag DESC LIMIT 5;\n```\n\nIt lists them.",
        "SELECT place FROM earthquakes ORDER BY mag DESC LIMIT 5",
    ),
    (
        '{"sql": "SELECT count(*) AS n FROM earthquakes", "explanation": "counts rows"}',
        "SELECT count(*) AS n FROM earthquakes",
    ),
    (
        '```json\n{"query": "SELECT \\"magType\\", count(*) FROM earthquakes GROUP BY 1"}\n```',
        'SELECT "magType", count(*) FROM earthquakes GROUP BY 1',
    ),
    ('Answer: {"sql_query": "SELECT 42 AS answer;"}', "SELECT 42 AS answer"),
    ("You can run SELECT avg(mag) FROM earthquakes; to get the average.", "SELECT avg(mag) FROM earthquakes"),
    ("SELECT count(*) FROM earthquakes WHERE mag >= 4", "SELECT count(*) FROM earthquakes WHERE mag >= 4"),
    (
        "The query:\nWITH daily AS (SELECT time::DATE AS day, count(*) AS n FROM earthquakes GROUP BY 1)\n"
        "SELECT * FROM daily ORDER BY day\n\nThis shows each day.",
        "WITH daily AS (SELECT time::DATE AS day, count(*) AS n FROM earthquakes GROUP BY 1)\nSELECT * FROM daily ORDER BY day",
    ),
    (
        "```sql\n-- strongest first\nSELECT place, mag FROM earthquakes /* all */ ORDER BY mag DESC\n```",
        "-- strongest first\nSELECT place, mag FROM earthquakes /* all */ ORDER BY mag DESC",
    ),
    (
        "```sql\nSELECT 'a;b' AS s, count(*) FROM earthquakes WHERE place LIKE '%;%'\n```",
        "SELECT 'a;b' AS s, count(*) FROM earthquakes WHERE place LIKE '%;%'",
    ),
    ("```sql\nSELECT 'it`s' AS s, `mag` FROM earthquakes\n```", "SELECT 'it`s' AS s, `mag` FROM earthquakes"),
    ("```sql\nSELECT 1\n```\nOr better:\n```sql\nSELECT 2\n```", "SELECT 2"),
    ("```sql\nSELECT 1;\nSELECT 3;\n```", "SELECT 3"),
    ("<think>Maybe SELECT * FROM x? No.</think>\n```sql\nSELECT 4\n```", "SELECT 4"),
    ("<think>I should count rows with SELECT count(*)", None),
    ("I can only answer questions about the earthquake data.", None),
    ("", None),
    ('{"name": "run_sql", "arguments": "{\\"sql\\": \\"SELECT 5\\"}"}', "SELECT 5"),
    (
        '```json\n{"sql": "SELECT 6", "chart": {"mark": "bar", "x": "a", "y": "b"}}\n```\n```sql\nSELECT 7\n```',
        "SELECT 6",
    ),
    ("```python\nprint('SELECT 1')\n```\n```sql\nSELECT 8\n```", "SELECT 8"),
    ('```sql\nselect "magType" as mt from earthquakes\n```', 'select "magType" as mt from earthquakes'),
    ("```sql\nSELECT count(*) FROM earthquakes WHERE mag >", "SELECT count(*) FROM earthquakes WHERE mag >"),
    ("Here:\n```sql\nFROM earthquakes SELECT count(*)\n```", "FROM earthquakes SELECT count(*)"),
    ("```sql\nSUMMARIZE earthquakes\n```", "SUMMARIZE earthquakes"),
    (
        "```sql\nSELECT \"place\" FROM earthquakes WHERE place = 'O''Higgins'\n```",
        "SELECT \"place\" FROM earthquakes WHERE place = 'O''Higgins'",
    ),
]


@pytest.mark.parametrize(("reply", "expected"), REPLIES)
def test_sql_is_found_in_realistic_replies(reply: str, expected: str | None) -> None:
    assert parse_reply(reply).sql == expected


def test_there_are_at_least_25_reply_styles() -> None:
    assert len(REPLIES) >= 25


def test_a_reply_without_sql_keeps_its_text() -> None:
    parsed = parse_reply("That question is not about the data: I can only answer about earthquakes.")
    assert parsed.sql is None
    assert parsed.text.startswith("That question is not about the data")


def test_the_chart_line_is_read() -> None:
    parsed = parse_reply("```sql\nSELECT 1 AS a, 2 AS b\n```\nchart: line x=a y=b color=c")
    assert parsed.chart == ChartHint("line", "a", "b", "c")
    assert "chart:" not in parsed.text


def test_a_json_chart_suggestion_is_read() -> None:
    parsed = parse_reply('{"sql": "SELECT 1", "chart": {"mark": "Bar", "x": "a", "y": "b"}}')
    assert parsed.chart == ChartHint("bar", "a", "b", None)


def test_a_vega_lite_spec_is_kept_for_validation() -> None:
    spec = '{"sql": "SELECT 1 AS a", "chart": {"mark": "bar", "encoding": {"x": {"field": "a"}}}}'
    parsed = parse_reply(spec)
    assert isinstance(parsed.chart, dict) and parsed.chart["mark"] == "bar"


def test_an_unknown_chart_mark_is_ignored() -> None:
    assert parse_reply("```sql\nSELECT 1\n```\nchart: hologram x=a y=b").chart is None


# Habits of real small models (Qwen2.5-Coder 1.5B/0.5B): the chart line inside the fence, after the `;`,
# on the statement's own line; prose after the statement; a write statement in prose.
GROUPED = "SELECT magType, count(*) AS count FROM earthquakes GROUP BY magType ORDER BY count DESC"
CHART_HABITS = [
    f"```sql\n{GROUPED};\nchart: bar x=magType y=count\n```",
    f"```sql\n{GROUPED}\nchart: bar x=magType y=count\n```",
    f"```sql\n{GROUPED}; chart: bar x=magType y=count\n```",
    f"```sql\n{GROUPED} chart: bar x=magType y=count\n```",
    f"```sql\n{GROUPED};\n**chart:** bar x=magType y=count\n```",
    f"```SQL\n{GROUPED};  Chart: bar x=magType, y=count\n```\nThis counts events per type.",
    f"{GROUPED}; chart: bar x=magType y=count",
    f'{{"sql": "{GROUPED}; chart: bar x=magType y=count"}}',
]


@pytest.mark.parametrize("reply", CHART_HABITS)
def test_a_chart_line_never_reaches_duckdb_and_is_still_read(reply: str) -> None:
    parsed = parse_reply(reply)
    assert parsed.sql == GROUPED
    assert parsed.chart == ChartHint("bar", "magType", "count")


def test_a_chart_hint_inside_a_string_literal_is_data() -> None:
    parsed = parse_reply("```sql\nSELECT 'chart: bar x=a y=b' AS s\n```")
    assert parsed.sql == "SELECT 'chart: bar x=a y=b' AS s"
    assert parsed.chart is None


def test_a_chart_hint_in_a_sql_comment_is_read_and_harmless() -> None:
    parsed = parse_reply("```sql\n-- chart: line x=day y=n\nSELECT 1 AS day, 2 AS n\n```")
    assert parsed.chart == ChartHint("line", "day", "n")
    assert parsed.sql is not None and parsed.sql.endswith("SELECT 1 AS day, 2 AS n")


def test_prefix_alias_syntax_is_not_mistaken_for_a_chart_hint() -> None:
    assert parse_reply("```sql\nSELECT chart: 1\n```").sql == "SELECT chart: 1"


def test_prose_after_the_statement_inside_the_fence_is_dropped_where_duckdb_ends_it() -> None:
    assert parse_reply("```sql\nSELECT 1 AS a;\nThis query counts things.\n```").sql == "SELECT 1 AS a"


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("DELETE FROM earthquakes WHERE mag < 2;", "DELETE FROM earthquakes WHERE mag < 2"),
        ("You could run DELETE FROM earthquakes WHERE mag < 2; to clean up.", "DELETE FROM earthquakes WHERE mag < 2"),
        ("```sql\nSELECT 1; DROP TABLE earthquakes;\n```", "DROP TABLE earthquakes"),
        ("```sql\nUPDATE earthquakes SET mag = 0 WHERE mag < 1\n```", "UPDATE earthquakes SET mag = 0 WHERE mag < 1"),
    ],
)
def test_a_write_statement_is_kept_whole_for_the_guard_to_refuse(reply: str, expected: str) -> None:
    assert parse_reply(reply).sql == expected


def test_unparseable_sql_is_passed_on_whole_so_duckdb_can_explain_it() -> None:
    sql = "SELECT count(*) FROM earthquakes WHERE mag >\nGROUP BY 1"
    assert parse_reply(f"```sql\n{sql}\n```").sql == sql


def test_a_copied_chart_template_inside_the_fence_is_cut_because_duckdb_cannot_parse_it() -> None:
    reply = "```sql\nSELECT count(*) AS n FROM earthquakes\nchart: bar|line|point|area|map|none x=type y=n\n```"
    assert parse_reply(reply).sql == "SELECT count(*) AS n FROM earthquakes"
    assert parse_reply("```sql\nSELECT\n  chart: 1\n```").sql == "SELECT\n  chart: 1"


@pytest.mark.parametrize(
    ("wrong", "candidates", "expected"),
    [
        ("region", '"dmin", "detail", "longitude"', "nor one with a similar name"),
        ("month", '"longitude", "dmin", "depth"', "Use month(date_column) or date_trunc('month', date_column)"),
        ("depth_km", '"depth", "dmin"', "Use one of these columns instead: depth."),
    ],
)
def test_a_missing_column_repair_names_only_columns_that_are_close(wrong: str, candidates: str, expected: str) -> None:
    error = f'Binder Error: Referenced column "{wrong}" not found in FROM clause!\nCandidate bindings: {candidates}'
    hint = repair_hint(error)
    assert expected in hint
    assert "longitude" not in hint and "dmin" not in hint


@pytest.mark.parametrize("ending", [" MAP", "\nmap;", " Bar"])
def test_a_chart_kind_written_after_the_statement_is_cut_and_read(ending: str) -> None:
    """The real 0.5B model's "... ORDER BY mag DESC LIMIT 10 MAP" for a map question."""
    parsed = parse_reply(f"```sql\n{GROUPED} LIMIT 10{ending}\n```")
    assert parsed.sql == f"{GROUPED} LIMIT 10"
    assert parsed.chart == ChartHint(ending.strip(" \n;").lower())


def test_a_chart_kind_that_is_an_alias_stays() -> None:
    assert parse_reply("```sql\nSELECT mag AS line FROM earthquakes\n```").sql == "SELECT mag AS line FROM earthquakes"
    assert parse_reply("```sql\nSELECT mag line FROM earthquakes\n```").sql == "SELECT mag line FROM earthquakes"
