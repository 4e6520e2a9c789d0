"""How many bytes a row or a value takes, asked of DuckDB without copying anything: string and blob lengths,
list lengths and their elements' sizes, struct fields added up (``size_sql``); and the largest value of each
column of the session's tables, from DuckDB's own statistics where it keeps them (``measure_cells``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import duckdb

from sandbox.syntax_tree import quote_name
from sandbox.value_size import ELEMENT_BYTES, FIXED_BYTES, FIXED_TYPES, Columns

RunQuery = Callable[[str, list[Any]], list[tuple[Any, ...]]]
UNKNOWN_CELL_BYTES = 64 * 1024  # a column whose largest value cannot be read back


def size_sql(expression: str, kind: duckdb.typing.DuckDBPyType, depth: int = 0) -> str:
    """SQL for the bytes one value of ``expression`` (of type ``kind``) takes, read without copying it: string
    lengths, list lengths and the sizes of their elements, struct fields added up."""
    name = kind.id
    if name == "varchar":
        return f"coalesce(strlen({expression}), 0)"
    if name in ("blob", "bit"):
        return f"coalesce(octet_length({expression}), 0)"
    if name in ("list", "array"):
        child = kind.child if name == "list" else kind.children[0][1]
        if is_fixed(child):
            return f"coalesce(len({expression}), 0) * {ELEMENT_BYTES}"
        element = f"e{depth}"
        inner = size_sql(element, child, depth + 1)
        return (
            f"coalesce(list_sum(list_transform({expression}, lambda {element}: {inner} + {ELEMENT_BYTES})), 0)"
            if name == "list"
            else f"coalesce(list_sum(list_transform({expression}::{child}[], lambda {element}: {inner} + "
            f"{ELEMENT_BYTES})), 0)"
        )
    if name == "struct":
        parts = [
            size_sql(f"struct_extract_at({expression}, {i})", t, depth) for i, (_, t) in enumerate(kind.children, 1)
        ]
        return "(" + " + ".join(parts or ["0"]) + ")"
    if name == "map":
        key, value = kind.children[0][1], kind.children[1][1]
        keys = size_sql(f"map_keys({expression})", duckdb.list_type(key), depth)
        values = size_sql(f"map_values({expression})", duckdb.list_type(value), depth)
        return f"({keys} + {values})"
    if is_fixed(kind):
        return str(FIXED_BYTES)
    return f"coalesce(strlen(CAST({expression} AS VARCHAR)), 0)"  # unions, variants, geometry, bignum


def is_fixed(kind: duckdb.typing.DuckDBPyType) -> bool:
    """Whether every value of ``kind`` takes the same few bytes (numbers, dates, booleans...)."""
    return kind.id not in ("varchar", "blob", "bit", "list", "array", "struct", "map", "union") and bool(
        FIXED_TYPES.match(str(kind)) or kind.id in ("enum", "decimal", "null")
    )


def measure_cells(run: RunQuery, tables: Sequence[str]) -> dict[str, Columns]:
    """The largest value of each column of ``tables``, from DuckDB's statistics (no scan) where it keeps them
    (text and blobs), else by reading the column once (lists, structs: an upload's nested JSON)."""
    found: dict[str, Columns] = {}
    for table in tables:
        quoted = quote_name(table)
        columns = run(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? "
            "AND database_name = current_database() AND NOT internal ORDER BY column_index",
            [table],
        )
        if not columns:
            continue
        kinds = [duckdb.sqltype(t) for _, t in columns]
        names = [str(c) for c, _ in columns]
        sizes: list[float] = [float(FIXED_BYTES)] * len(names)
        text = [i for i, k in enumerate(kinds) if k.id in ("varchar", "blob")]
        if text:
            stats = run(f"SELECT {', '.join(f'stats(#{i + 1})' for i in text)} FROM {quoted} LIMIT 1", [])
            for i, value in zip(text, stats[0] if stats else [None] * len(text), strict=True):
                longest = value.get("max_string_length") if isinstance(value, dict) else None
                sizes[i] = float(longest) if isinstance(longest, int) else -1.0
        scan = [
            i
            for i, k in enumerate(kinds)
            if sizes[i] < 0 or k.id == "enum" or not (is_fixed(k) or k.id in ("varchar", "blob"))
        ]
        if scan:  # an enum is read as its text wherever text is built from it
            measured = [
                f"max(strlen(CAST(#{i + 1} AS VARCHAR)))"
                if kinds[i].id == "enum"
                else f"max({size_sql(f'#{i + 1}', kinds[i])})"
                for i in scan
            ]
            row = run(f"SELECT {', '.join(measured)} FROM {quoted}", [])
            for i, value in zip(scan, row[0] if row else [None] * len(scan), strict=True):
                sizes[i] = float(value) if isinstance(value, int | float) else float(UNKNOWN_CELL_BYTES)
        found[table.lower()] = Columns(tuple((n.lower(), s) for n, s in zip(names, sizes, strict=True)))
    return found
