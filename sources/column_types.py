"""Text columns that hold dates, times or numbers, typed as such: JSON files and some samples carry
``"2024-01-05"`` and ``"12.5"`` as strings, and a model asked "per year" over text groups it wrong.

A column is typed only when every value it has is of one shape: ISO dates become DATE, ISO date-times
TIMESTAMP (UTC when they carry a zone), plain numbers BIGINT or DOUBLE. Numbers written with a leading zero
("00501", a ZIP code) stay text, and so does any column whose values do not all convert.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
ISO_TIME = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$"
ISO_ZONED = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$"
INTEGER = r"^-?(0|[1-9]\d{0,17})$"
DECIMAL = r"^-?(0|[1-9]\d*)?(\.\d+)?([eE][-+]?\d+)?$"


def _all_match(values: pa.ChunkedArray, pattern: str) -> bool:
    return bool(pc.all(pc.match_substring_regex(values, pattern)).as_py())


def typed_column(column: pa.ChunkedArray) -> pa.ChunkedArray | None:
    """The column as dates, times or numbers when every value it has is one; None to keep it as it is."""
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return None
    values = pc.utf8_trim_whitespace(column.drop_null())
    if len(values) == 0 or not bool(pc.all(pc.greater(pc.utf8_length(values), 0)).as_py()):
        return None
    trimmed = pc.utf8_trim_whitespace(column)
    candidates = [
        (ISO_DATE, pa.date32()),
        (ISO_TIME, pa.timestamp("us")),
        (ISO_ZONED, pa.timestamp("us", tz="UTC")),
        (INTEGER, pa.int64()),
        (DECIMAL, pa.float64()),
    ]
    for pattern, kind in candidates:
        if _all_match(values, pattern):
            try:
                return trimmed.cast(kind)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                return None
    return None


def typed_text_columns(table: pa.Table) -> pa.Table:
    """``table`` with each text column of dates, times or numbers typed (``typed_column``)."""
    for index, field in enumerate(table.schema):
        typed = typed_column(table.column(index))
        if typed is not None:
            table = table.set_column(index, pa.field(field.name, typed.type), typed)
    return table
