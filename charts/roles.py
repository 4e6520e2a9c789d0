"""What each column of a result is, for choosing a chart: a time (and at which grain), a date part, a
category, a number, or coordinates; which number is the lead measure; and each column's title in words."""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

# Date parts (what EXTRACT, year() or hour() return): numbers that name a time, never quantities.
TIME_PARTS = frozenset(
    {"year", "quarter", "month", "week", "day", "hour", "minute", "dow", "dayofweek", "weekday", "isodow", "doy"}
)
TIME_NAMES = TIME_PARTS | {"time", "date", "datetime", "timestamp", "period"}
PART_QUALIFIERS = {"of", "number", "num", "no", "nr"}  # hour_of_day, month_number
QUANTITY_PREFIXES = {"n", "num", "number", "count", "total", "sum", "avg", "average", "mean", "min", "max", "pct"}


@dataclass(frozen=True)
class TimeGrain:
    """How a time column's values are spaced, and how its ticks and tooltips read at that spacing."""

    name: str  # hour, day, week, month, year or instant
    time_unit: str | None  # Vega-Lite timeUnit (None: the exact instant)
    axis_format: str
    tooltip_format: str
    interval: str | None  # Vega tick interval (vega-time unit names), so a daily chart never gets "12 PM" ticks


GRAINS = {
    "hour": TimeGrain("hour", "yearmonthdatehours", "%b %d %H:00", "%a %b %d %Y, %H:00", None),
    "day": TimeGrain("day", "yearmonthdate", "%b %d", "%a %b %d, %Y", "day"),
    "week": TimeGrain("week", "yearmonthdate", "%b %d", "week of %b %d, %Y", "week"),
    "month": TimeGrain("month", "yearmonth", "%b %Y", "%B %Y", "month"),
    "year": TimeGrain("year", "year", "%Y", "%Y", "year"),
    "instant": TimeGrain("instant", None, "%b %d %H:%M", "%b %d, %Y %H:%M:%S", None),
}


def with_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns of Python numbers (DuckDB's HUGEINT sums and DECIMALs arrive as ``Decimal`` objects) as floats: a
    total is a measure, never a category."""
    converted = {}
    for column in frame.columns:
        series = frame[column]
        values = series.dropna()
        if series.dtype == object and len(values) and all(_is_number(v) for v in values.head(5000)):
            converted[column] = pd.to_numeric(series, errors="coerce").astype(float)
    return frame.assign(**converted) if converted else frame


def _is_number(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float | Decimal)


def is_numeric(frame: pd.DataFrame, column: str) -> bool:
    return pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(frame[column])


def as_times(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series.dropna(), errors="coerce", format="mixed")


def is_temporal(frame: pd.DataFrame, column: str) -> bool:
    series = frame[column]
    if pd.api.types.is_datetime64_any_dtype(series):
        return True
    name = str(column).lower()
    named_like_time = name in TIME_NAMES or name.endswith(("_date", "_time", "_month", "_day", "_week"))
    if named_like_time and (pd.api.types.is_string_dtype(series) or series.dtype == object):
        sample = series.dropna().astype(str).head(20)
        return bool(len(sample)) and bool(as_times(sample).notna().all())
    return False


def is_time_part(frame: pd.DataFrame, column: str) -> bool:
    """A whole number named like a date part (``hour``, ``event_year``, ``month_of_year``), not a count of them
    (``n_days``, ``total_hours``)."""
    if not is_numeric(frame, column):
        return False
    words = [w for w in re.split(r"[^a-z]+", str(column).lower()) if w]
    if not words:
        return False
    first, last = words[0], words[-1]
    named = (first in TIME_PARTS and (len(words) == 1 or words[1] in PART_QUALIFIERS)) or (
        last in TIME_PARTS and first not in QUANTITY_PREFIXES
    )
    values = frame[column].dropna()
    return named and bool(len(values)) and bool((values == values.round()).all())


def time_grain(series: pd.Series) -> TimeGrain:
    """The spacing of a time column's values: hour, day, week, month or year; "instant" for exact times."""
    values = as_times(series)
    if values.empty or values.isna().any():
        return GRAINS["instant"]
    midnight = (values.dt.normalize() == values).all()
    if not midnight:
        on_the_hour = ((values.dt.minute == 0) & (values.dt.second == 0)).all()
        return GRAINS["hour" if on_the_hour and values.nunique() > 1 else "instant"]
    if (values.dt.day == 1).all() and values.nunique() > 1:
        return GRAINS["year" if (values.dt.month == 1).all() else "month"]
    if values.nunique() > 1 and values.dt.day_of_week.nunique() == 1:
        gaps = values.drop_duplicates().sort_values().diff().dropna()
        if (gaps.dt.days % 7 == 0).all():
            return GRAINS["week"]
    return GRAINS["day"]


def coordinates(frame: pd.DataFrame) -> tuple[str, str] | None:
    lat = next((c for c in frame.columns if str(c).lower() in ("latitude", "lat")), None)
    lon = next((c for c in frame.columns if str(c).lower() in ("longitude", "lon", "lng", "long")), None)
    if lat is not None and lon is not None and is_numeric(frame, lat) and is_numeric(frame, lon):
        return str(lat), str(lon)
    return None


# The lead measure --------------------------------------------------------------------------------------------
LEAD_CORRELATION = 0.3  # mean |r| with the other numbers at which they are said to move with one of them
MOSTLY_DIFFERENT = 0.5  # whole numbers of which at least this share differ are a quantity, not a count or a score
MOSTLY_PRESENT = 0.5  # a lead measure has a value in at least this share of the rows
MAX_CORRELATED = 12  # numbers compared pairwise (66 pairs); later ones keep their place


def can_lead(fractional: bool, distinct: int, non_null: int, rows: int) -> bool:
    """A number that can be the lead measure: on a continuous scale (stored with fractions: FLOAT, DOUBLE, DECIMAL;
    or whole numbers that mostly differ, an elevation in metres; not a count, a score on a small scale or a code),
    and held by most rows."""
    present = rows > 0 and non_null >= MOSTLY_PRESENT * rows
    return present and (fractional or distinct >= MOSTLY_DIFFERENT * non_null)


def lead_measure_first(
    measures: Sequence[str],
    eligible: Collection[str],
    correlations: Mapping[frozenset[str], float | None],
    only_when_led: bool = False,
) -> tuple[str, ...]:
    """``measures`` in the data's order, the lead measure first: of the ``eligible`` ones (``can_lead``), the one
    the other numbers move with most (the highest mean |r| with them, ``correlations`` by pair of names), when that
    is at least ``LEAD_CORRELATION``. In a table of events it is their size (the bundled earthquakes: ``mag``, which
    ``sig``, ``rms`` and ``dmin`` follow, not ``depth``). When nothing moves together, the first eligible measure
    (with ``only_when_led``, the data's order unchanged); ties and the others keep the data's order."""
    if not measures:
        return ()
    candidates = [m for m in measures if m in eligible] or list(measures)

    def closeness(name: str) -> float:
        others = [m for m in measures if m != name]
        found = [correlations.get(frozenset((name, other))) for other in others]
        strengths = [abs(r) for r in found if r is not None and not math.isnan(r)]
        return sum(strengths) / len(others) if others else 0.0

    best = max(candidates, key=closeness)  # the first of equals
    if closeness(best) < LEAD_CORRELATION and only_when_led:
        return tuple(measures)
    lead = best if closeness(best) >= LEAD_CORRELATION else candidates[0]
    return (lead, *(m for m in measures if m != lead))


def measures_by_lead(frame: pd.DataFrame, columns: Sequence[str]) -> tuple[str, ...]:
    """A result's number ``columns`` with its lead measure first (``lead_measure_first``, on the result's rows)."""
    columns = list(dict.fromkeys(columns))
    if len(columns) < 2 or frame.columns.duplicated().any():
        return tuple(columns)
    compared = columns[:MAX_CORRELATED]
    eligible = {
        c
        for c in compared
        if can_lead(pd.api.types.is_float_dtype(frame[c]), frame[c].nunique(), frame[c].count(), len(frame))
    }
    matrix = frame[compared].astype(float).corr()
    correlations = {frozenset((a, b)): float(matrix.at[a, b]) for a in compared for b in compared if a != b}
    return lead_measure_first(columns, eligible, correlations)


@dataclass(frozen=True)
class Roles:
    """The result's columns by what they are, in the result's order."""

    times: list[str]
    time_parts: list[str]
    values: list[str]  # numbers that are quantities
    categories: list[str]
    coordinates: tuple[str, str] | None


def column_roles(frame: pd.DataFrame) -> Roles:
    columns = [str(c) for c in frame.columns]
    times = [c for c in columns if is_temporal(frame, c)]
    parts = [c for c in columns if c not in times and is_time_part(frame, c)]
    numbers = [c for c in columns if c not in times and c not in parts and is_numeric(frame, c)]
    categories = [c for c in columns if c not in times and c not in parts and c not in numbers]
    return Roles(times, parts, numbers, categories, coordinates(frame))


# Titles in words --------------------------------------------------------------------------------------------
WORDS = {
    "n": "count",
    "cnt": "count",
    "count_star()": "count",
    "count(*)": "count",
    "avg": "average",
    "mean": "average",
    "max": "maximum",
    "min": "minimum",
    "sum": "total",
    "num": "number of",
    "pct": "percent",
    "mag": "magnitude",
    "lat": "latitude",
    "lon": "longitude",
    "lng": "longitude",
    "dow": "day of week",
    "doy": "day of year",
    "stddev": "standard deviation",
    "qty": "quantity",
}
AGGREGATE_CALL = re.compile(r"^(\w+)\((.*)\)$")


def title_for(column: str) -> str:
    """A column's title in words: ``avg_mag`` -> "Average magnitude", ``count_star()`` -> "Count",
    ``magType`` -> "Magnitude type", ``max(depth)`` -> "Maximum depth"."""
    text = str(column).strip()
    if text.lower() in WORDS:
        return WORDS[text.lower()].capitalize()
    call = AGGREGATE_CALL.match(text)
    if call:
        inner = title_for(call.group(2).strip('"')) if call.group(2) not in ("", "*") else ""
        outer = WORDS.get(call.group(1).lower(), call.group(1).lower())
        return f"{outer} {inner.lower()}".strip().capitalize() if inner else outer.capitalize()
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text)  # magType -> mag Type
    words = [w for w in re.split(r"[_\s]+", spaced) if w]
    if not words:
        return text
    phrase = " ".join(WORDS.get(w.lower(), w.lower() if not w.isupper() else w) for w in words)
    return phrase[0].upper() + phrase[1:]
