"""The benchmark's questions and the zero-latency model that answers them correctly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

INSIGHT_REPLY = "The result answers the question directly. The largest value stands out clearly."


@dataclass(frozen=True)
class BenchQuestion:
    question: str
    sql: str
    chart: str = ""
    broken_sql: str = ""  # sent first, so the answer needs one repair

    def reply(self, repairing: bool) -> str:
        sql = self.broken_sql if self.broken_sql and not repairing else self.sql
        return f"```sql\n{sql}\n```" + (f"\nchart: {self.chart}" if self.chart else "")


QUESTIONS: tuple[BenchQuestion, ...] = (
    BenchQuestion("How many earthquakes are in the table?", "SELECT count(*) AS earthquakes FROM earthquakes"),
    BenchQuestion("What is the average magnitude?", "SELECT round(avg(mag), 2) AS avg_mag FROM earthquakes"),
    BenchQuestion(
        "List the 10 strongest earthquakes with their place and time.",
        "SELECT place, mag, time FROM earthquakes ORDER BY mag DESC LIMIT 10",
        "bar x=place y=mag",
    ),
    BenchQuestion(
        "How many earthquakes happened per day?",
        "SELECT time::DATE AS day, count(*) AS earthquakes FROM earthquakes GROUP BY 1 ORDER BY 1",
        "line x=day y=earthquakes",
    ),
    BenchQuestion(
        "Show earthquake frequency by month, excluding events below magnitude 4.0",
        "SELECT date_trunc('month', time) AS month, count(*) AS earthquakes FROM earthquakes "
        "WHERE mag >= 4 GROUP BY 1 ORDER BY 1",
        "line x=month y=earthquakes",
    ),
    BenchQuestion(
        "How many earthquakes of magnitude 4 or more per magnitude type?",
        'SELECT "magType", count(*) AS earthquakes FROM earthquakes WHERE mag >= 4 GROUP BY 1 ORDER BY 2 DESC',
    ),
    BenchQuestion(
        "Which 5 networks reported the most events?",
        "SELECT net, count(*) AS events FROM earthquakes GROUP BY 1 ORDER BY 2 DESC LIMIT 5",
    ),
    BenchQuestion(
        "How many events were deeper than 300 km?", "SELECT count(*) AS deep FROM earthquakes WHERE depth > 300"
    ),
    BenchQuestion(
        "Show a map of earthquakes of magnitude 5 or more",
        "SELECT latitude, longitude, mag, place, time FROM earthquakes WHERE mag >= 5",
        "map",
    ),
    BenchQuestion(
        "Now only those in Alaska",
        "SELECT latitude, longitude, mag, place, time FROM earthquakes WHERE mag >= 5 AND place ILIKE '%alaska%'",
        "map",
    ),
    BenchQuestion(
        "What is the average depth per event type?",
        "SELECT type, round(avg(depth), 1) AS avg_depth_km FROM earthquakes GROUP BY 1 ORDER BY 2 DESC",
        broken_sql="SELECT event_type, avg(depth_km) FROM earthquakes GROUP BY 1",
    ),
)
REPAIR_QUESTION = QUESTIONS[-1]
BY_TEXT = {q.question: q for q in QUESTIONS}


def model_reply(body: dict[str, Any]) -> str:
    """What a perfect, instant model would say to the app's requests."""
    messages = body.get("messages", [])
    if messages and str(messages[0]["content"]).startswith("You explain"):
        return INSIGHT_REPLY
    users = [m["content"] for m in messages if m["role"] == "user"]
    repairing = users[-1].startswith("DuckDB rejected")
    question = next((u for u in reversed(users) if u in BY_TEXT), None)
    if question is None:
        return "I can only answer questions about the loaded tables."
    return BY_TEXT[question].reply(repairing)
