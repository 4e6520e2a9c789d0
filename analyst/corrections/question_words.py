"""What a question's words ask of its rows: how many, how rounded, ranked which way, or all of them.

A small grammar rather than lists of phrasings:
- **A number of rows** is a number standing where English puts a count: first in the question, or after a
  determiner, a verb that asks for rows or a superlative ("the 10 strongest", "show 5", "which 3 days"). A number
  after any other word is about that word ("magnitude 4", "in 2024"), a number followed by a unit or a threshold
  ("100 km", "4 or more") is a value, and "the last 7 days" is a span of time.
- **A superlative** is ``most``/``least`` and the irregular ``best``/``worst``/``top``/``bottom``, a compound in
  ``-most`` (``northernmost``), or a regular ``-est`` adjective: a word longer than four letters ending in ``est``
  that is not a compass word (``southwest``) or one of the English nouns and verbs that end so (``interest``).
  Thresholds ("at least", "or more") are not superlatives.
- **Direction**: gradable adjectives name the high end (``deepest``, ``busiest``: highest first) unless their stem
  is one of the few that name the low end (``low``, ``small``, ``few``, ``cold``, ``early``...).
- **All rows** are asked for by a grouping ("per", "each", "by"), "all"/"every"/"list", a map, or "which/what"
  with a plural noun, when the question asks for no number of rows, no ranking and no sample.
"""

from __future__ import annotations

import re

NUMBER_WORDS = {"zero": 0, "no": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20}  # fmt: skip
ROUNDING = re.compile(rf"\b(\d+|{'|'.join(NUMBER_WORDS)})\s+(?:decimal|digit)s?\b", re.IGNORECASE)
WHOLE_NUMBER = re.compile(r"\bround(?:ed)?\s+to\s+(?:the\s+nearest\s+)?(?:whole\s+number|integer)", re.IGNORECASE)
# Words after which a number counts rows: determiners, verbs that ask for rows, rank words.
COUNT_LEADS = {"the", "top", "bottom", "first", "last", "next", "only", "just", "show", "list", "give", "me", "find",
               "display", "get", "return", "name", "pick", "which", "those", "these", "latest", "earliest", "recent",
               "newest", "oldest", "all"}  # fmt: skip
VALUE_AFTER = re.compile(
    r"^\s*(?:%|km|kilometers?|miles?|m\b|meters?|degrees?|or\s+(?:more|above|higher|less|below|lower)|\+|-\d|/\d"
    r"|(?:st|nd|rd|th)\b|:\d|\.\d|,\d)",
    re.IGNORECASE,
)
TIME_UNIT_AFTER = re.compile(r"^\s*(?:seconds?|minutes?|hours?|days?|weeks?|months?|quarters?|years?)\b", re.IGNORECASE)
SPAN_LEADS = {"last", "past", "next", "previous", "first", "recent", "within", "over", "for", "in"}  # "the last 7 days"
THRESHOLD_PHRASES = re.compile(
    r"\b(?:or\s+(?:more|less|fewer|higher|lower|above|below|greater|bigger|larger|smaller)|(?:more|less|fewer|greater"
    r"|higher|lower|larger|smaller|bigger)\s+than|at\s+(?:least|most))\b",
    re.IGNORECASE,
)
IRREGULAR = {"most": "DESCENDING", "least": "ASCENDING", "best": None, "worst": None, "top": "DESCENDING",
             "bottom": "ASCENDING", "maximum": "DESCENDING", "minimum": "ASCENDING"}  # fmt: skip
# English words in -est that are not superlatives (nouns and verbs): the grammar's one list of exceptions.
NOT_SUPERLATIVES = {"interest", "request", "forest", "guest", "suggest", "honest", "modest", "contest", "harvest",
                    "protest", "digest", "invest", "arrest", "manifest", "earnest", "conquest", "inquest"}  # fmt: skip
LOW_END_STEMS = ("low", "small", "few", "weak", "cold", "cool", "cheap", "quiet", "short", "dri", "dry", "shallow",
                 "earli", "old", "slow", "light", "near", "clos", "thin", "narrow", "young", "south", "west",
                 "bottom", "least", "min")  # fmt: skip
COMPASS = re.compile(r"^(?:north|south|mid)?west$")
COMPARATIVES = {"more": "DESCENDING", "fewer": "ASCENDING", "less": "ASCENDING"}
SAMPLE_WORDS = {"some", "few", "sample", "example", "examples", "preview", "first", "last", "single"}
GROUPING_WORDS = re.compile(r"\b(per|each|every|by)\b", re.IGNORECASE)
ALL_ROWS = re.compile(r"\b(?:all|every|each|per|by|list|listed)\b", re.IGNORECASE)
MAP_WORDS = re.compile(r"\b(map|where on earth|plot (?:them|these|it) on)\b", re.IGNORECASE)
PLURAL_ASKED = re.compile(r"^\W*(?:and\s+|now\s+)?(?:which|what)\s+(?:\w+\s+)?(\w+s)\b", re.IGNORECASE)
NOT_PLURALS = ("ss", "us", "is", "was", "has", "does", "its", "this")


def words(question: str) -> set[str]:
    return set(re.findall(r"[a-z]+", question.lower()))


def _word_list(question: str) -> list[str]:
    return re.findall(r"[a-z]+", THRESHOLD_PHRASES.sub(" ", question.lower()))


def ranking_words(question: str) -> set[str]:
    """The question's words without its thresholds: "magnitude 4 or more" ranks nothing."""
    return set(_word_list(question))


def is_superlative(word: str) -> bool:
    word = word.lower()
    if word in IRREGULAR:
        return True
    if word.endswith("most") and len(word) > 6:
        return True
    return word.endswith("est") and len(word) > 4 and not COMPASS.match(word) and word not in NOT_SUPERLATIVES


def superlatives(question: str) -> list[str]:
    """The superlative words of a question, in order, thresholds ("at least", "or more") set aside."""
    return [w for w in _word_list(question) if is_superlative(w)]


def direction_of(word: str) -> str | None:
    """The sort that puts a superlative (or comparative) first: "DESCENDING", "ASCENDING", or None (best, worst)."""
    word = word.lower()
    if word in IRREGULAR:
        return IRREGULAR[word]
    if word in COMPARATIVES:
        return COMPARATIVES[word]
    if not is_superlative(word):
        return None
    stem = re.sub(r"(?:ern)?most$", "", word) if word.endswith("most") else word[:-3]
    return "ASCENDING" if stem.startswith(LOW_END_STEMS) else "DESCENDING"


def ranking_direction(question: str) -> str | None:
    """The one direction the question's superlatives (or comparatives) rank in, or None when none or both."""
    found = {direction_of(w) for w in _word_list(question)} - {None}
    return found.pop() if len(found) == 1 else None


def asks_for_ranking(question: str) -> bool:
    """ "most", "deepest", "top", "the best"... : a question a LIMIT can belong to."""
    return bool(superlatives(question))


def asked_decimals(question: str) -> int | None:
    """The decimal places the question asks its numbers to be rounded to, if it does."""
    found = ROUNDING.search(question)
    if found:
        token = found.group(1).lower()
        return int(token) if token.isdigit() else NUMBER_WORDS[token]
    return 0 if WHOLE_NUMBER.search(question) else None


def asked_numbers(question: str) -> set[int]:
    """The numbers of rows a question asks for ("top 5", "the ten deepest", "show 3"): a number where English puts
    a count, not a value of something ("magnitude 4", "in 2024", "over 100 km", "for 7 days")."""
    numbers = set()
    for match in re.finditer(r"\b(\d+|[a-z]+)\b", question.lower()):
        token = match.group(1)
        value = int(token) if token.isdigit() else NUMBER_WORDS.get(token) if token != "no" else None
        if value is None or VALUE_AFTER.match(question[match.end() :]) or (token.isdigit() and 1900 <= value <= 2100):
            continue
        before = re.findall(r"[a-z]+|[^\sa-z]", question[: match.start()].lower())
        lead = before[-1] if before else ""
        if lead in SPAN_LEADS and TIME_UNIT_AFTER.match(question[match.end() :]):
            continue  # a span of time ("the last 7 days"), not a number of rows
        if not before or lead in COUNT_LEADS or is_superlative(lead):
            numbers.add(value)
    return numbers


def asks_for_a_sample(question: str) -> bool:
    """ "A few example rows", "the first ones": some rows, the model's LIMIT chooses how many."""
    return bool(words(question) & SAMPLE_WORDS)


def _names_plural(question: str) -> bool:
    found = PLURAL_ASKED.search(question)
    return bool(found) and not found.group(1).lower().endswith(NOT_PLURALS)  # type: ignore[union-attr]


def asks_for_all_rows(question: str, ranks: bool | None = None) -> bool:
    """Whether a question clearly asks for every row or group: a grouping, "all"/"every"/"list", a map, or
    "which …s" — and no number of rows, ranking (``ranks``, when the caller knows better: "the highest per
    station" is each station's maximum) or sample."""
    ranks = asks_for_ranking(question) if ranks is None else ranks
    if asked_numbers(question) or ranks or asks_for_a_sample(question):
        return False
    return bool(ALL_ROWS.search(question) or MAP_WORDS.search(question) or _names_plural(question))
