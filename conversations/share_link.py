"""A link that reopens an answer: its question and final SQL as the URL's query parameters.

Opened on the same deployment, the SQL is rerun through the sandbox on the opening session's own data
(``conversations.shared_answer``); no model is asked and no token is needed. Everything in a link is untrusted
input, so both parts are capped and the SQL goes through the same guard as the model's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlencode

QUESTION_PARAM = "q"
SQL_PARAM = "sql"
SHARE_PARAMS = (QUESTION_PARAM, SQL_PARAM)
MAX_QUESTION_CHARS = 500
MAX_SQL_CHARS = 4_000
UNTITLED = "Shared answer"
ELLIPSIS = "…"


class ShareLinkError(ValueError):
    """An answer that cannot be shared as a link; ``str(error)`` says why."""


@dataclass(frozen=True)
class SharedLink:
    """What a link asks to show; ``problem`` says why it cannot be opened (then ``sql`` is empty)."""

    question: str
    sql: str
    problem: str | None = None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def build_share_query(question: str, sql: str) -> str:
    """The query string (``q=...&sql=...``) that reopens an answer; a long question is shortened, SQL over
    the limit raises ``ShareLinkError``."""
    sql = sql.strip()
    if not sql:
        raise ShareLinkError("This answer has no SQL to share.")
    if len(sql) > MAX_SQL_CHARS:
        raise ShareLinkError(
            f"This answer's SQL is too long to share as a link ({len(sql):,} characters; at most {MAX_SQL_CHARS:,})."
        )
    question = _one_line(question)
    if len(question) > MAX_QUESTION_CHARS:
        question = question[: MAX_QUESTION_CHARS - len(ELLIPSIS)] + ELLIPSIS
    return urlencode({QUESTION_PARAM: question, SQL_PARAM: sql}, quote_via=quote)


def _last(value: str | list[str] | None) -> str:
    if isinstance(value, list):
        return str(value[-1]) if value else ""
    return "" if value is None else str(value)


def read_share_params(params: Mapping[str, str | list[str]]) -> SharedLink | None:
    """The shared answer a page's query parameters ask for, or None when they hold no ``sql``."""
    if SQL_PARAM not in params:
        return None
    question = _one_line(_last(params.get(QUESTION_PARAM)))
    sql = _last(params.get(SQL_PARAM)).strip()
    problem = None
    if len(question) > MAX_QUESTION_CHARS:
        question = question[: MAX_QUESTION_CHARS - len(ELLIPSIS)] + ELLIPSIS
        problem = f"This shared link's question is longer than {MAX_QUESTION_CHARS:,} characters: it was not opened."
    if len(sql) > MAX_SQL_CHARS:
        problem = f"This shared link's SQL is longer than {MAX_SQL_CHARS:,} characters ({len(sql):,}): it was not run."
    elif not sql:
        problem = "This shared link has no SQL to run."
    return SharedLink(question or UNTITLED, "" if problem else sql, problem)
