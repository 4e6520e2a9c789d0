"""Whether each sentence of a written insight is as true as its table.

Small models state the row count as a value ("8 earthquakes per day" over 8 days), read a distance inside a place
name as a depth, describe a map under a bar chart, give one row's value for every row, or pair a date with
another row's count. A sentence is supported when every number in it is a value of the result (of the rows it
names, when it names some), a column's sum, mean, median, minimum or maximum, a share of a column's total, a part
of a date it shows, or a number from the question; the row count is supported only where it counts the rows
(rows, or the groups the query made); and it gives no figure for a column the result does not have and names no
chart that was not drawn. ``unsupported`` lists what is not, sentence by sentence, so the answer can leave those
sentences out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from charts.roles import with_numbers
from sandbox.syntax_tree import aggregates_rows

NUMBER = re.compile(r"(?<![\w.])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*%|(?:st|nd|rd|th)\b)?")
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])|\n+")
MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
               "november", "december")  # fmt: skip
MONTHS = {name: number for number, name in enumerate(MONTH_NAMES, start=1)}
MONTH = "(" + "|".join(f"{name[:3]}(?:{name[3:]})?" if len(name) > 3 else name for name in MONTH_NAMES) + ")"
DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
DATES = [
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2})?)?"), ("year", "month", "day")),
    (re.compile(rf"\b{MONTH}\.?\s+{DAY}(?:,?\s+(\d{{4}}))?\b", re.IGNORECASE), ("month", "day", "year")),
    (re.compile(rf"\b{DAY}\s+(?:of\s+)?{MONTH}\.?(?:,?\s+(\d{{4}}))?\b", re.IGNORECASE), ("day", "month", "year")),
    (re.compile(rf"\b{MONTH}\s+(\d{{4}})\b", re.IGNORECASE), ("month", "year")),
]
SMALL_COUNT_NOUNS = {"times", "of", "out", "percent", "fold", "more", "fewer", "less", "other", "others"}
ROW_NOUNS = {"row", "rows", "record", "records", "entry", "entries", "result", "results", "line", "lines"}
GROUP_NOUNS = {"group", "groups", "category", "categories", "type", "types", "value", "values", "kind", "kinds"}
TIME_GRAINS = {"hour", "day", "date", "week", "month", "quarter", "year", "minute", "weekday"}
CLAUSE = re.compile(r";|\band\b|\bwhile\b|\bbut\b|\bwhereas\b|\bcompared (?:with|to)\b", re.IGNORECASE)
EVERY = re.compile(r"\b(every|each|all)\b", re.IGNORECASE)
RESPECTIVELY = re.compile(r"\brespectively\b", re.IGNORECASE)
# Words that make a value a bound or a total over the rows, not each row's value ("all at least 5.4").
BOUND = re.compile(
    r"\b(at least|at most|or more|or less|or above|or below|above|below|over|under|between|up to|no more|no less"
    r"|minimum|maximum|total|together|combined|in all|sum|range|ranged|ranging|from)\b",
    re.IGNORECASE,
)
# A chart the insight names, and the kinds of chart (``charts.choice``) that are it.
CHARTS = [
    (re.compile(r"\bmap\b", re.IGNORECASE), {"map"}),
    (re.compile(r"\bline (?:chart|graph|plot)\b", re.IGNORECASE), {"line", "area"}),
    (re.compile(r"\bbar (?:chart|graph|plot)\b", re.IGNORECASE), {"bar"}),
    (re.compile(r"\bscatter ?(?:plot|chart)?\b", re.IGNORECASE), {"point"}),
    (re.compile(r"\bhistogram\b", re.IGNORECASE), {"histogram"}),
    (re.compile(r"\bpie (?:chart)?\b", re.IGNORECASE), {"arc"}),
    (re.compile(r"\bheat ?map\b", re.IGNORECASE), {"heatmap"}),
]
NO_CHART = (None, "none", "metric")
ANY_CHART = re.compile(r"\b(?:the|this) (?:chart|graph|plot|visuali[sz]ation)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Problem:
    """What in which sentence the table does not support, in words a person reads."""

    sentence: str
    said: str
    why: str


@dataclass
class ResultFacts:
    """What an insight about one result may state."""

    frame: pd.DataFrame
    total_rows: int
    question: str = ""
    group_columns: tuple[str, ...] = ()  # the query's GROUP BY outputs: its rows are these groups
    chart_kind: str | None = None  # what was drawn ("bar", "line", "map", "metric"...), None for nothing
    other_columns: tuple[str, ...] = ()  # numeric columns of the loaded tables the result does not have
    _texts: list[tuple[str, int]] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.frame = with_numbers(self.frame)
        frame = self.frame.head(5000)
        texts = [
            (str(value).lower(), int(position))
            for column in frame.columns
            if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column])
            for position, value in enumerate(frame[column])
            if isinstance(value, str) and len(value.strip()) > 1
        ]
        self._texts = sorted(texts, key=lambda item: -len(item[0]))


def _value(token: str) -> float:
    return float(re.sub(r"[,%a-z\s]", "", token.lower()))


def _close(said: float, value: float, token: str) -> bool:
    """``said`` is ``value`` as a person would round it (to the digits written, or within 1%)."""
    decimals = len(token.split(".")[1].rstrip("% stndrh")) if "." in token else 0
    return abs(said - value) <= max(0.5 * 10**-decimals + 1e-9, abs(value) * 0.01)


def _numeric_columns(frame: pd.DataFrame) -> list[str]:
    return [
        c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]


def _date_parts(frame: pd.DataFrame, rows: list[int] | None) -> set[float]:
    parts: set[float] = set()
    for column in frame.columns:
        series = frame[column] if rows is None else frame[column].iloc[rows]
        if pd.api.types.is_datetime64_any_dtype(series):
            stamps = series.dropna().head(5000)
            for unit in ("year", "month", "day", "hour", "minute"):
                parts |= {float(v) for v in getattr(stamps.dt, unit)}
            seconds = stamps.dt.second + stamps.dt.microsecond / 1e6  # "20:33:58.670" states 58.67 seconds
            parts |= {round(float(v), 6) for v in seconds}
    return parts


def _column_figures(frame: pd.DataFrame, extremes: bool = True) -> set[float]:
    """Each numeric column's sum, mean and median, and with ``extremes`` its minimum and maximum (a sentence
    about some rows may state the totals of all rows beside them, not an extreme that is another row's)."""
    figures: set[float] = set()
    for column in _numeric_columns(frame):
        series = frame[column].dropna().astype(float)
        if not series.empty:
            figures |= {series.sum(), series.mean(), series.median()}
            figures |= {series.min(), series.max()} if extremes else set()
    return figures


def _shares(frame: pd.DataFrame, rows: list[int] | None) -> set[float]:
    """Each value as a percentage of its column's total (for "35% of all events")."""
    shares: set[float] = set()
    for column in _numeric_columns(frame):
        series = frame[column].dropna().astype(float)
        total = series.sum()
        if total:
            chosen = series if rows is None else frame[column].iloc[rows].dropna().astype(float)
            shares |= {100 * v / total for v in chosen}
    return shares


def _row_dates(frame: pd.DataFrame) -> list[list[pd.Timestamp]]:
    """Each row's dates (date/time columns, and text columns holding ISO dates)."""
    columns = []
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            columns.append(series)
        elif series.dtype == object and series.astype(str).str.match(r"^\d{4}-\d{2}-\d{2}").all():
            columns.append(pd.to_datetime(series.astype(str).str[:10], errors="coerce"))
    return [[c.iloc[i] for c in columns if pd.notna(c.iloc[i])] for i in range(len(frame))]


def _mentioned_dates(sentence: str) -> tuple[str, list[dict[str, int]]]:
    """The sentence without its dates, and the dates it names (year, month, day where given)."""
    found: list[dict[str, int]] = []

    def keep(match: re.Match[str], names: tuple[str, ...]) -> str:
        date: dict[str, int] = {}
        for name, part in zip(names, match.groups(), strict=False):
            if part is None:
                continue
            if name == "month" and not part.isdigit():
                date[name] = next(n for m, n in MONTHS.items() if m.startswith(part.lower()[:3]))
            else:
                date[name] = int(part)
        if 1 <= date.get("day", 1) <= 31 and 1 <= date.get("month", 1) <= 12:
            found.append(date)
            return " ⟨date⟩ "
        return match.group(0)

    for pattern, names in DATES:
        sentence = pattern.sub(lambda m, names=names: keep(m, names), sentence)
    return sentence, found


def _noun_after(sentence: str, end: int) -> str:
    following = re.findall(r"[a-z]+", sentence[end : end + 40].lower())
    skip = {"of", "the", "distinct", "different", "unique", "separate", "recorded", "total"}
    return next((w for w in following if w not in skip), "")


def _group_words(facts: ResultFacts) -> set[str]:
    """Words that name the result's rows when the query grouped them: its key columns' words, time grains."""
    found = set(ROW_NOUNS | GROUP_NOUNS)
    for column in facts.group_columns:
        pieces = re.findall(r"[A-Z]?[a-z]+|\d+", str(column)) + [str(column)]
        for piece in pieces:
            word = piece.lower()
            found |= {word, word + "s", word + "es"}
            if word in TIME_GRAINS or word.endswith("day") or word in ("bucket", "period"):
                found |= {g + "s" for g in TIME_GRAINS} | TIME_GRAINS
    return found


def _rows_named(sentence: str, facts: ResultFacts, dates: list[dict[str, int]]) -> list[int] | None:
    """The rows a sentence is about, by a text value or a date it names; None when it names none."""
    lowered = sentence.lower()
    rows = {position for text, position in facts._texts if re.search(rf"(?<!\w){re.escape(text)}(?!\w)", lowered)}
    frame = facts.frame
    for column in facts.group_columns:  # "at hour 23", "in year 2017": a numeric key named with its value
        if column not in _numeric_columns(frame):
            continue
        for said in re.findall(rf"\b{re.escape(str(column).lower())}s?\s+(-?\d+(?:\.\d+)?)\b", lowered):
            rows |= {int(i) for i in range(len(frame)) if frame[column].iloc[i] == float(said)}
    if dates:
        for position, stamps in enumerate(_row_dates(facts.frame)):
            for date in dates:
                if any(all(getattr(s, part) == value for part, value in date.items()) for s in stamps):
                    rows.add(position)
    return sorted(rows) or None


def _without_texts(sentence: str, facts: ResultFacts) -> str:
    """The sentence with the result's text values taken out: "22 km SSE of Hualien" quoted is not a number."""
    lowered = sentence.lower()
    for text, _position in facts._texts:
        if any(ch.isdigit() for ch in text) and text in lowered:
            start = lowered.index(text)
            sentence = sentence[:start] + " ⟨text⟩ " + sentence[start + len(text) :]
            lowered = sentence.lower()
    return sentence


def _compact(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _quotes_text(sentence: str, match: re.Match[str], compact_texts: list[str]) -> bool:
    """The number begins a text value written with other spacing: "13 km SSW of Ndoi Island" for the place
    "13km SSW of Ndoi Island, Fiji" (the number and the two words after it, spaces and punctuation aside)."""
    following = re.findall(r"[A-Za-z]+", sentence[match.end() : match.end() + 30])[:2]
    if len(following) < 2 or re.match(r"\s*,", sentence[match.end() :]):
        return False
    probe = _compact(match.group(0) + "".join(following))
    return any(probe in text for text in compact_texts)


def _question_numbers(question: str) -> set[float]:
    return {_value(n) for n in NUMBER.findall(question) if re.search(r"\d", n)}


def _check_numbers(sentence: str, clause: str, facts: ResultFacts) -> list[Problem]:
    """The numbers of one clause of ``sentence``: those of a clause that names rows must be those rows'."""
    problems: list[Problem] = []
    frame = facts.frame
    text, dates = _mentioned_dates(_without_texts(clause, facts))
    rows = _rows_named(clause, facts, dates)
    numeric = _numeric_columns(frame)
    shown = frame.head(5000)
    row_values = {float(v) for c in numeric for v in (shown[c] if rows is None else shown[c].iloc[rows]).dropna()}
    all_values = {float(v) for c in numeric for v in shown[c].dropna()}
    figures = _column_figures(frame, extremes=rows is None)
    asked = _question_numbers(facts.question)
    grouped = bool(facts.group_columns)
    group_words = _group_words(facts)
    compact_texts = [_compact(t) for t, _position in facts._texts if any(ch.isdigit() for ch in t)]
    for match in NUMBER.finditer(text):
        token = match.group(0)
        if _quotes_text(text, match, compact_texts):
            continue
        value = _value(token)
        noun = _noun_after(text, match.end())
        is_percent = token.rstrip().endswith("%")
        is_ordinal = bool(re.search(r"(st|nd|rd|th)$", token))
        if is_ordinal or any(_close(value, q, token) for q in asked):
            continue
        if noun in ROW_NOUNS:
            if not _close(value, facts.total_rows, token) and value != len(frame):
                problems.append(Problem(sentence, f"{token} {noun}", f"the result has {facts.total_rows:,} rows"))
            continue
        if is_percent:
            if not any(_close(value, v, token) for v in (*row_values, *figures, *_shares(frame, rows))):
                problems.append(Problem(sentence, token, "it is no value of the result nor a share of a column"))
            continue
        in_rows = any(_close(value, v, token) for v in row_values)
        is_figure = any(_close(value, v, token) for v in figures)
        is_date_part = round(value, 6) in _date_parts(frame, rows)
        is_row_count = value == facts.total_rows and not any(value == v for v in all_values)
        if is_row_count:
            if grouped and noun and noun not in group_words:
                problems.append(
                    Problem(
                        sentence, f"{token} {noun}", f"{token} is the number of rows (groups), not a count of {noun}"
                    )
                )
            continue
        if in_rows or is_figure or is_date_part:
            if in_rows and EVERY.search(text) and not BOUND.search(text) and rows is None and not _lists(sentence):
                holders = [c for c in numeric if any(_close(value, float(v), token) for v in shown[c].dropna())]
                if holders and all(shown[c].nunique() > 1 for c in holders):
                    problems.append(Problem(sentence, token, f"{token} is one row's value, not every row's"))
            continue
        if abs(value) < 10 and value.is_integer() and (rows is None or noun in SMALL_COUNT_NOUNS or not noun):
            continue  # "two of them", "3 times": small counts of what the sentence itself names
        where = "the rows it names" if rows is not None and value in all_values else "the result"
        problems.append(Problem(sentence, token, f"{token} is not in {where}"))
    return problems


def _lists(text: str) -> bool:
    """ "12, 15, 26 and 11 respectively": a list of each row's values, not one value said of every row."""
    return bool(RESPECTIVELY.search(text)) or len(NUMBER.findall(text)) >= 3


def check_sentence(sentence: str, facts: ResultFacts) -> list[Problem]:
    """What in one sentence the result does not support: its numbers clause by clause ("1,063 were ml and 644
    were other types": the second clause names no row), its columns and its charts as a whole."""
    problems = [
        p for clause in CLAUSE.split(sentence) if clause.strip() for p in _check_numbers(sentence, clause, facts)
    ]
    text, _dates = _mentioned_dates(_without_texts(sentence, facts))
    lowered = text.lower()
    for shown in sorted((str(c).lower() for c in facts.frame.columns), key=len, reverse=True):
        lowered = lowered.replace(shown, " ")  # "sum(rain_mm)" is a column of the result, not rain_mm itself
    states_numbers = any(re.search(r"\d", m.group(0)) for m in NUMBER.finditer(text))
    for column in facts.other_columns if states_numbers else ():
        name = column.lower()
        if len(name) < 4 or name in facts.question.lower():
            continue
        if re.search(rf"\b{re.escape(name)}(?:s|es)?\b", lowered):
            problems.append(Problem(sentence, column, f"the result has no {column} column"))
    for pattern, kinds in CHARTS:
        named = pattern.search(text)
        if named and facts.chart_kind not in kinds:
            drawn = "no chart" if facts.chart_kind in NO_CHART else f"a {facts.chart_kind} chart"
            problems.append(Problem(sentence, named.group(0), f"the answer shows {drawn}"))
    if ANY_CHART.search(text) and facts.chart_kind in NO_CHART:
        problems.append(Problem(sentence, ANY_CHART.search(text).group(0), "the answer draws no chart"))  # type: ignore[union-attr]
    return problems


def sentences(text: str) -> list[str]:
    return [s for s in SENTENCE.split(text.strip()) if s.strip()]


def unsupported(insight: str, facts: ResultFacts) -> list[Problem]:
    """Every claim in ``insight`` the result does not support, sentence by sentence."""
    return [problem for sentence in sentences(insight) for problem in check_sentence(sentence, facts)]


def supported_text(insight: str, problems: list[Problem]) -> str:
    """The insight without the sentences that state something the result does not support."""
    wrong = {p.sentence for p in problems}
    return " ".join(s for s in sentences(insight) if s not in wrong)


def grouped_outputs(tree: dict | None, columns: list[str]) -> tuple[str, ...]:
    """The result columns that are the query's groups (its rows are one per value of them), from the query's
    parse (``sandbox.syntax_tree.parse_tree``); none when it does not aggregate (by DuckDB's catalogue)."""
    if not tree or tree.get("type") != "SELECT_NODE":
        return ()
    select = tree.get("select_list") or []

    if not tree.get("group_expressions") and not any(aggregates_rows(item) for item in select):
        return ()
    return tuple(columns[i] for i, item in enumerate(select) if i < len(columns) and not aggregates_rows(item))
