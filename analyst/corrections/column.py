"""Correcting a column name a small model made up, when DuckDB itself names the one it meant.

Small models write descriptive names ("depth_km", "magnitude") for columns that exist under a shorter
name ("depth", "mag"). DuckDB's binder error lists the closest columns; when exactly one of them is the
made-up name's stem (or the other way round), the app renames that identifier itself, through DuckDB's
tokenizer so that strings and comments are never touched, and the person sees the correction.
"""

from __future__ import annotations

import re

import duckdb

from analyst.corrections.situation import Correction, Situation
from analyst.duckdb_errors import missing_column
from analyst.schema import quote_identifier

MIN_STEM = 3


def _same_stem(wrong: str, candidate: str) -> bool:
    """``depth_km`` is ``depth`` with a suffix; ``magnitude`` is the word ``mag`` abbreviates. ``Magnitude_Type``
    is neither of ``mag``'s (two words, and the first is not ``mag``)."""
    w, c = wrong.lower(), candidate.lower()
    if len(c) < MIN_STEM or w == c:
        return False
    with_suffix = re.match(re.escape(c) + r"[_ ]\w+$", w) is not None
    abbreviation = w.isalpha() and w.startswith(c)
    return with_suffix or abbreviation


def _identifier_text(token: str) -> str:
    token = token.strip()
    if len(token) >= 2 and token[0] == token[-1] == '"':
        return token[1:-1].replace('""', '"')
    return token


def suggest_column_fix(sql: str, error: str) -> Correction | None:
    """The SQL with the made-up column renamed to DuckDB's one close candidate, or None."""
    missing = missing_column(error)
    if not missing:
        return None
    wrong = missing.name
    close = list(dict.fromkeys(c for c in missing.candidates if _same_stem(wrong, c)))
    if len(close) != 1:
        return None
    fixed, right = renamed(sql, wrong, close[0]), close[0]
    reason = f"Column {wrong} does not exist; the app used {right}, the column DuckDB suggested."
    return Correction(fixed, reason) if fixed is not None else None


def renamed(sql: str, wrong: str, right: str) -> str | None:
    """``sql`` with every identifier ``wrong`` renamed to ``right`` (found by DuckDB's tokenizer, so strings and
    comments are never touched), or None when there is none."""
    try:
        tokens = duckdb.tokenize(sql)
    except (duckdb.Error, RuntimeError):
        return None
    ends = [start for start, _ in tokens[1:]] + [len(sql)]
    edits = [
        (start, start + len(sql[start:end].rstrip()))
        for (start, kind), end in zip(tokens, ends, strict=True)
        if kind == duckdb.token_type.identifier and _identifier_text(sql[start:end]).lower() == wrong.lower()
    ]
    if not edits:
        return None
    fixed = sql
    for start, end in reversed(edits):
        fixed = fixed[:start] + quote_identifier(right) + fixed[end:]
    return fixed


def correct_column(situation: Situation) -> Correction | None:
    """The step: a made-up column DuckDB names the right one for."""
    return suggest_column_fix(situation.sql, situation.error)
