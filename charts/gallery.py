"""The chart gallery: one question per result shape, answered on the bundled week, drawn by the app's own
chart choice. ``python -m bench.gallery`` draws them into ``docs/charts.png`` (docs/charts.md shows it); the
tests render every shape and check its spec.
"""

from __future__ import annotations

from charts.choice import ChartChoice, build_chart
from sandbox.database import SessionDatabase

YEARS = "SELECT make_date(y, 1, 1) AS year, 100 + y % 7 * 10 AS n FROM range(2012, 2019) t(y)"
WEEKS = "SELECT date_trunc('week', DATE '2018-01-01' + INTERVAL (w * 7) DAY) AS week, 50 + w AS n FROM range(8) t(w)"

GALLERY: tuple[tuple[str, str], ...] = (
    (
        "How many earthquakes happened each day?",
        "SELECT time::DATE AS day, count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY 1",
    ),
    (
        "How many each hour?",
        "SELECT date_trunc('hour', time) AS hour, count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY 1",
    ),
    (
        "How many each month?",
        "SELECT date_trunc('month', time) AS month, count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY 1",
    ),
    ("Events per week (example data)", WEEKS),
    ("Events per year (example data)", YEARS),
    (
        "At which hour of the day?",
        "SELECT extract(hour FROM time) AS hour, count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY 1",
    ),
    ("Which years? (numbers, example data)", "SELECT y AS year, 90 + y % 5 AS n FROM range(2012, 2019) t(y)"),
    ("On which weekday?", "SELECT dayofweek(time) AS dow, count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY 1"),
    (
        "Which magnitude types are most common?",
        'SELECT "magType", count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY n DESC',
    ),
    (
        "The 10 strongest places",
        "SELECT place, max(mag) AS max_mag FROM earthquakes GROUP BY 1 ORDER BY 2 DESC LIMIT 10",
    ),
    ("Earthquakes per place", "SELECT place, count(*) AS n FROM earthquakes GROUP BY 1"),
    ("Average magnitude per place", "SELECT place, avg(mag) AS avg_mag FROM earthquakes GROUP BY 1"),
    ("Events per network and type", "SELECT net, type, count(*) AS n FROM earthquakes GROUP BY 1, 2"),
    ("Events per magnitude type and network", 'SELECT "magType", net, count(*) AS n FROM earthquakes GROUP BY 1, 2'),
    (
        "Events per day and type",
        "SELECT time::DATE AS day, type, count(*) AS n FROM earthquakes GROUP BY 1, 2 ORDER BY 1",
    ),
    ("Magnitude against depth", "SELECT mag, depth FROM earthquakes"),
    ("Magnitude, depth and RMS", "SELECT mag, depth, rms FROM earthquakes WHERE rms IS NOT NULL"),
    ("Magnitude against depth by type", "SELECT mag, depth, type FROM earthquakes"),
    ("How are magnitudes distributed?", "SELECT mag FROM earthquakes"),
    ("How deep are they?", "SELECT depth FROM earthquakes"),
    ("Map of magnitude 4 or more", "SELECT latitude, longitude, mag, place FROM earthquakes WHERE mag >= 4"),
    ("Map of California", "SELECT latitude, longitude, mag, place FROM earthquakes WHERE place LIKE '%CA'"),
    ("Share of each type", "SELECT type, count(*) AS n FROM earthquakes GROUP BY 1"),
    ("How strong is each magnitude type?", 'SELECT "magType", mag FROM earthquakes'),
    (
        "How many each day and hour?",
        "SELECT time::DATE AS day, hour(time) AS hour, count(*) AS n FROM earthquakes GROUP BY ALL ORDER BY 1, 2",
    ),
    (
        "Stations per magnitude type (a HUGEINT total)",
        'SELECT "magType", sum(nst) AS stations FROM earthquakes GROUP BY 1',
    ),
)


def gallery_charts(db: SessionDatabase | None = None) -> list[tuple[str, str, ChartChoice]]:
    """Every gallery question with its SQL and the chart the app draws for the result (a question about the bundled
    week knows when its data begins and ends, as in the chat)."""
    db = db or SessionDatabase()
    span = db.internal_query("SELECT min(time), max(time) FROM earthquakes")[0]
    return [
        (
            question,
            sql,
            build_chart(db.run_query(sql).frame, title=question, span=span if "earthquakes" in sql else None),
        )
        for question, sql in GALLERY
    ]
