"""Keeping an answer's result: "Save as table" makes a named view of its SQL in the session's database.

A view, not a copy: it follows the data it reads. Its SQL must be a read-only query over the loaded tables
that the guard allows and that runs within the sandbox's limits (it is run once before it is kept), so
reading the view later reads nothing a question could not. Names are plain identifiers that cannot hide
a loaded table or anything of DuckDB's own (``pg_settings``, ``information_schema``, keywords).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sandbox.database import QueryError, SessionDatabase
from sandbox.guard import tables_read
from sandbox.syntax_tree import parse_tree
from sources.bundled import EARTHQUAKES_TABLE

MAX_NAME_CHARS = 60
SUGGESTED_NAME_CHARS = 40
NAME_RULE = re.compile(r"[a-z][a-z0-9_]*")
FILLER_WORDS = frozenset(
    ("a", "an", "and", "are", "by", "did", "do", "does", "for", "give", "how", "in", "is", "list", "many", "me")
    + ("of", "please", "show", "the", "there", "to", "was", "were", "what", "which", "who")
)
BUILT_IN_NAMES = """
SELECT 1 FROM duckdb_views() WHERE lower(view_name) = $1 AND (internal OR database_name <> current_database())
UNION ALL SELECT 1 FROM duckdb_tables() WHERE lower(table_name) = $1 AND database_name <> current_database()
UNION ALL SELECT 1 FROM duckdb_schemas() WHERE lower(schema_name) = $1
UNION ALL SELECT 1 FROM duckdb_databases() WHERE lower(database_name) = $1
UNION ALL SELECT 1 FROM duckdb_keywords() WHERE keyword_name = $1 AND keyword_category = 'reserved'
"""


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


class SaveError(ValueError):
    """The result could not be kept as a table; ``str(error)`` says why and what to do."""


@dataclass(frozen=True)
class SavedTable:
    """What "Save as table" did: the view's name, its size when it was made, and what it changed."""

    name: str
    rows: int
    columns: int
    replaced: bool = False
    removed: tuple[str, ...] = ()  # saved tables built on the one replaced, which no longer worked

    def describe(self) -> str:
        verb = "Replaced" if self.replaced else "Saved as"
        size = f"{plural(self.rows, 'row')}, {plural(self.columns, 'column')}"
        gone = (
            f" Removed {', '.join(self.removed)}, which no longer worked without the old one." if self.removed else ""
        )
        return (
            f"{verb} table {self.name} ({size}): later questions and the Explore page can use it. "
            f"It is a view of this SQL, so it follows the data it reads.{gone}"
        )


def saved_view_names(db: SessionDatabase) -> set[str]:
    """The session's saved tables (views it made; the owner's Parquet-backed ``earthquakes`` is not one)."""
    rows = db.internal_query(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal AND NOT temporary "
        "AND database_name = current_database()"
    )
    return {name for (name,) in rows if name != EARTHQUAKES_TABLE}


def name_problem(db: SessionDatabase, name: str, *, replace: bool = False) -> str | None:
    """Why ``name`` cannot be the new table's name, or None."""
    if not name:
        return "Give the table a name."
    if len(name) > MAX_NAME_CHARS:
        return f"The name is {len(name)} characters long; use at most {MAX_NAME_CHARS}."
    if not NAME_RULE.fullmatch(name):
        return "Use only letters, digits and underscores, starting with a letter (for example big_quakes)."
    loaded = {t.lower() for t in db.table_names()}
    if name in loaded and (name not in saved_view_names(db) or name == EARTHQUAKES_TABLE):
        return f"{name} is a loaded table: pick another name (saving never replaces loaded data)."
    if name in loaded and not replace:
        return f"A saved table named {name} exists already: tick 'Replace' to overwrite it, or pick another name."
    if name not in loaded and db.internal_query(BUILT_IN_NAMES, [name]):
        return f"{name} is a name DuckDB uses itself: pick another name."
    return None


def suggest_table_name(db: SessionDatabase, question: str) -> str:
    """A free, valid name from the question's words ("Which magnitude types are most common?" ->
    ``magnitude_types_most_common``)."""
    words = [w for w in re.findall(r"[a-z0-9]+", question.lower()) if w not in FILLER_WORDS]
    name = ""
    for word in words:
        longer = f"{name}_{word}" if name else word
        if len(longer) > SUGGESTED_NAME_CHARS:
            break
        name = longer
    name = name or "saved_result"
    if not name[0].isalpha():
        name = f"t_{name}"
    candidate, number = name, 2
    while name_problem(db, candidate) is not None:
        candidate, number = f"{name}_{number}", number + 1
    return candidate


def save_as_view(db: SessionDatabase, name: str, sql: str, *, replace: bool = False) -> SavedTable:
    """Keep ``sql``'s result as view ``name`` (lower-cased), after the guard allowed it and it ran once within
    the sandbox's limits; ``replace`` may overwrite a saved table, never a loaded one. Raises ``SaveError``.
    Spaces and dashes become underscores ("daily counts" is saved as ``daily_counts``)."""
    name = re.sub(r"[\s-]+", "_", name.strip().lower())
    problem = name_problem(db, name, replace=replace)
    if problem:
        raise SaveError(problem)
    try:
        result = db.run_query(sql)
    except QueryError as error:
        raise SaveError(f"Not saved: {error.message}") from None
    tree = parse_tree(result.sql, db.internal_query)
    if tree is not None and name in {t.lower() for t in tables_read(tree)}:
        raise SaveError(f"Not saved: this SQL reads {name} itself; pick another name.")
    replaced = name in db.table_names()
    try:
        removed = db.add_view(name, result.sql, replace=replace, rows=result.total_rows)
    except QueryError as error:
        raise SaveError(f"Not saved: {error.message}") from None
    return SavedTable(name, result.total_rows, len(result.columns), replaced, tuple(removed))
