"""Reading SQL out of replies in the styles real models send."""

from __future__ import annotations

import pytest

from analyst.parsing import ChartHint, parse_reply

REPLIES: list[tuple[str, str | None]] = [
    ("```sql\nSELECT count(*) FROM earthquakes;\n```", "SELECT count(*) FROM earthquakes"),
    ("```SQL\nSELECT avg(mag) FROM earthquakes\n```", "SELECT avg(mag) FROM earthquakes"),
    ("```duckdb\nSELECT max(mag) FROM earthquakes;\n```", "SELECT max(mag) FROM earthquakes"),
    ("```\nSELECT min(depth) FROM earthquakes\n```", "SELECT min(depth) FROM earthquakes"),
    ("```sql SELECT-only\nSELECT 1\n```", "SELECT 1"),
    ("Sure! Here is the query:\n\n```sql\nSELECT place FROM earthquakes ORDER BY mag DESC LIMIT 5;\n```\n\nIt lists them.",
     "SELECT place FROM earthquakes ORDER BY mag DESC LIMIT 5"),
    ('{"sql": "SELECT count(*) AS n FROM earthquakes", "explanation": "counts rows"}',
     "SELECT count(*) AS n FROM earthquakes"),
    ('```json\n{"query": "SELECT \\"magType\\", count(*) FROM earthquakes GROUP BY 1"}\n```',
     'SELECT "magType", count(*) FROM earthquakes GROUP BY 1'),
    ('Answer: {"sql_query": "SELECT 42 AS answer;"}', "SELECT 42 AS answer"),
    ("You can run SELECT avg(mag) FROM earthquakes; to get the average.", "SELECT avg(mag) FROM earthquakes"),
    ("SELECT count(*) FROM earthquakes WHERE mag >= 4", "SELECT count(*) FROM earthquakes WHERE mag >= 4"),
    ("The query:\nWITH daily AS (SELECT time::DATE AS day, count(*) AS n FROM earthquakes GROUP BY 1)\n"
     "SELECT * FROM daily ORDER BY day\n\nThis shows each day.",
     "WITH daily AS (SELECT time::DATE AS day, count(*) AS n FROM earthquakes GROUP BY 1)\nSELECT * FROM daily ORDER BY day"),
    ("```sql\n-- strongest first\nSELECT place, mag FROM earthquakes /* all */ ORDER BY mag DESC\n```",
     "-- strongest first\nSELECT place, mag FROM earthquakes /* all */ ORDER BY mag DESC"),
    ("```sql\nSELECT 'a;b' AS s, count(*) FROM earthquakes WHERE place LIKE '%;%'\n```",
     "SELECT 'a;b' AS s, count(*) FROM earthquakes WHERE place LIKE '%;%'"),
    ("```sql\nSELECT 'it`s' AS s, `mag` FROM earthquakes\n```", "SELECT 'it`s' AS s, `mag` FROM earthquakes"),
    ("```sql\nSELECT 1\n```\nOr better:\n```sql\nSELECT 2\n```", "SELECT 2"),
    ("```sql\nSELECT 1;\nSELECT 3;\n```", "SELECT 3"),
    ("<think>Maybe SELECT * FROM x? No.</think>\n```sql\nSELECT 4\n```", "SELECT 4"),
    ("<think>I should count rows with SELECT count(*)", None),
    ("I can only answer questions about the earthquake data.", None),
    ("", None),
    ('{"name": "run_sql", "arguments": "{\\"sql\\": \\"SELECT 5\\"}"}', "SELECT 5"),
    ('```json\n{"sql": "SELECT 6", "chart": {"mark": "bar", "x": "a", "y": "b"}}\n```\n```sql\nSELECT 7\n```', "SELECT 6"),
    ("```python\nprint('SELECT 1')\n```\n```sql\nSELECT 8\n```", "SELECT 8"),
    ("```sql\nselect \"magType\" as mt from earthquakes\n```", 'select "magType" as mt from earthquakes'),
    ("```sql\nSELECT count(*) FROM earthquakes WHERE mag >", "SELECT count(*) FROM earthquakes WHERE mag >"),
    ("Here:\n```sql\nFROM earthquakes SELECT count(*)\n```", "FROM earthquakes SELECT count(*)"),
    ("```sql\nSUMMARIZE earthquakes\n```", "SUMMARIZE earthquakes"),
    ('```sql\nSELECT "place" FROM earthquakes WHERE place = \'O\'\'Higgins\'\n```',
     "SELECT \"place\" FROM earthquakes WHERE place = 'O''Higgins'"),
]  # fmt: skip


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
