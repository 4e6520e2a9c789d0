"""What DuckDB's error messages name: one reader per kind of message, used by the repair hints the model gets and
by the corrections the app makes itself."""

from __future__ import annotations

import re
from dataclasses import dataclass

MISSING_COLUMN = re.compile(r'Referenced column "([^"]+)" not found[^\n]*\s*Candidate bindings: ([^\n]+)')
BAD_DATE = re.compile(r'invalid (?:timestamp|date) field format: "([^"]*)"')
SPATIAL_FUNCTION = re.compile(
    r"Function with name \"?(st_\w+)\"? (?:does not exist|is not in the catalog)", re.IGNORECASE
)


@dataclass(frozen=True)
class MissingColumn:
    name: str  # the column the query named
    candidates: tuple[str, ...]  # DuckDB's closest columns, best first, without their table


def missing_column(error: str) -> MissingColumn | None:
    """The column DuckDB's binder says does not exist, with the columns it suggests."""
    found = MISSING_COLUMN.search(error)
    if not found:
        return None
    quoted = re.findall(r'"([^"]+)"', found.group(2)) or [c.strip() for c in found.group(2).split(",")]
    return MissingColumn(found.group(1), tuple(c.split(".")[-1] for c in quoted if c))


def bad_date_text(error: str) -> str | None:
    """The text DuckDB could not read as a date or timestamp ("2015" compared with a date)."""
    found = BAD_DATE.search(error)
    return found.group(1) if found else None


def missing_spatial_function(error: str) -> str | None:
    """The spatial (``ST_``) function DuckDB does not have: the sandbox loads no spatial extension."""
    found = SPATIAL_FUNCTION.search(error)
    return found.group(1) if found else None
