"""Turning an uploaded file into a table, in memory: CSV, TSV, Parquet, JSON/NDJSON and GeoJSON.

Files are parsed in Python (pyarrow, json), never by the sandboxed database, so the model-facing
connection never needs file access. A bad file raises ``UploadError`` with a clear message and
nothing is loaded.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from sources.column_types import typed_text_columns
from sources.file_types import ACCEPTED_TYPES, EXTENSIONS

DEFAULT_MAX_BYTES = 200 * 1024 * 1024  # Streamlit's default server.maxUploadSize
MAX_COLUMNS = 2_000
MAX_DECODED_PARQUET_BYTES = 2 * 1024**3
MAX_CELLS = 50_000_000  # rows x columns of one upload: about 400 MB in memory, enough for one browser session
TEXT_ENCODINGS = ("utf-8-sig", "utf-16", "cp1252", "latin-1")
SQL_WORDS = {"select", "from", "where", "table", "group", "order", "by", "limit", "join", "union", "with", "as", "on"}


class UploadError(ValueError):
    """A file that cannot become a table; ``str(error)`` says why and what to do."""


@dataclass(frozen=True)
class LoadedFile:
    file_name: str
    table_name: str
    table: pa.Table

    @property
    def summary(self) -> str:
        size = f"{self.table.num_rows:,} rows, {self.table.num_columns} columns"
        return f"{self.file_name} → table {self.table_name} ({size})"


def safe_table_name(file_name: str, existing: set[str] | list[str] = ()) -> str:
    """Lower case letters, digits and underscores from the file's own name, made unique."""
    stem = PurePath(file_name.replace("\\", "/")).name
    stem = stem.split(".")[0] if stem and not stem.startswith(".") else stem.lstrip(".").split(".")[0]
    name = re.sub(r"[^a-z0-9]+", "_", stem.lower()).strip("_") or "upload"
    if name[0].isdigit():
        name = f"t_{name}"
    if name in SQL_WORDS:
        name = f"{name}_data"
    name = name[:60]
    taken = {t.lower() for t in existing}
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name}_{number}", number + 1
    return candidate


def file_kind(file_name: str) -> str:
    suffix = PurePath(file_name).suffix.lower()
    if suffix not in EXTENSIONS:
        raise UploadError(f"{file_name}: unsupported file type. Upload one of: {', '.join(ACCEPTED_TYPES)}.")
    return EXTENSIONS[suffix]


def decode_text(data: bytes, file_name: str) -> str:
    """Text from bytes, trying the common encodings; binary data is refused."""
    head = data[:8192]
    has_bom = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 13))
    if (b"\x00" in head or controls > len(head) * 0.05) and not has_bom:
        raise UploadError(f"{file_name}: this looks like a binary file, not text. Check that it really is a text file.")
    for encoding in TEXT_ENCODINGS:
        if encoding == "utf-16" and not has_bom:
            continue
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UploadError(f"{file_name}: the text encoding is not UTF-8, UTF-16 or Windows-1252.")


def _delimiter(text: str, kind: str) -> str:
    if kind == "tsv":
        return "\t"
    sample = text[:65536]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def read_delimited(data: bytes, file_name: str, kind: str) -> pa.Table:
    text = decode_text(data, file_name)
    if not text.strip():
        raise UploadError(f"{file_name}: the file is empty.")
    delimiter = _delimiter(text, kind)
    header = text.split("\n", 1)[0]
    if header.count(delimiter) + 1 > MAX_COLUMNS:
        raise UploadError(f"{file_name}: the header has more than {MAX_COLUMNS:,} columns.")
    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(block_size=1 << 22),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(strings_can_be_null=True),
        )
    except pa.ArrowInvalid as error:
        message = str(error).split("\n")[0]
        if "Expected" in message and "columns" in message:
            raise UploadError(f"{file_name}: rows have different numbers of fields ({message}).") from None
        raise UploadError(f"{file_name}: could not read it as {kind.upper()} ({message}).") from None
    if table.num_rows == 0:
        raise UploadError(f"{file_name}: the file has a header but no rows.")
    return table


def read_parquet(data: bytes, file_name: str) -> pa.Table:
    try:
        parquet = pq.ParquetFile(io.BytesIO(data))
        metadata = parquet.metadata
    except (pa.ArrowInvalid, OSError) as error:
        raise UploadError(f"{file_name}: not a valid Parquet file ({str(error).splitlines()[0]}).") from None
    decoded = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    if decoded > MAX_DECODED_PARQUET_BYTES:
        raise UploadError(
            f"{file_name}: it would take {decoded / 1024**3:.1f} GB once decompressed, more than this app can hold."
        )
    if metadata.num_columns > MAX_COLUMNS:
        raise UploadError(f"{file_name}: more than {MAX_COLUMNS:,} columns.")
    cells = metadata.num_rows * metadata.num_columns
    if cells > MAX_CELLS:  # compressed files can be tiny and still unpack to gigabytes
        raise UploadError(
            f"{file_name}: {metadata.num_rows:,} rows × {metadata.num_columns} columns is more than this app "
            f"holds in memory ({MAX_CELLS:,} values). Set EARTHQUAKES_PARQUET for large earthquake files."
        )
    try:
        table = parquet.read()
    except (pa.ArrowInvalid, OSError) as error:
        raise UploadError(f"{file_name}: the Parquet data is damaged ({str(error).splitlines()[0]}).") from None
    if table.num_rows == 0:
        raise UploadError(f"{file_name}: the file has no rows.")
    return table


def _flat(value: Any) -> Any:
    """Nested values become JSON text, so every column has one simple type."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value


def rows_to_table(rows: list[dict[str, Any]], file_name: str) -> pa.Table:
    if not rows:
        raise UploadError(f"{file_name}: no records found.")
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    if len(columns) > MAX_COLUMNS:
        raise UploadError(f"{file_name}: more than {MAX_COLUMNS:,} distinct fields.")
    data = {name: [_flat(row.get(name)) for row in rows] for name in columns}
    arrays = {}
    for name, values in data.items():
        try:
            arrays[str(name)] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):  # mixed types or huge integers: keep as text
            arrays[str(name)] = pa.array([None if v is None else str(v) for v in values], pa.string())
    return pa.table(arrays)


def _load_json(text: str, file_name: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise UploadError(f"{file_name}: the JSON is nested too deeply to read.") from None


def _coordinate(value: Any) -> float | None:
    """A coordinate as a number, or null when the file holds something else there ("a", null, 1e999)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def geojson_rows(document: dict[str, Any], file_name: str) -> list[dict[str, Any]]:
    """One row per feature: its properties, the geometry type, and latitude/longitude for points."""
    features = document.get("features") if document.get("type") == "FeatureCollection" else [document]
    if not isinstance(features, list):
        raise UploadError(f"{file_name}: a GeoJSON FeatureCollection needs a list of features.")
    rows = []
    for feature in features:
        if not isinstance(feature, dict):
            continue
        properties = feature.get("properties") or {}
        geometry = feature.get("geometry") or {}
        row: dict[str, Any] = dict(properties) if isinstance(properties, dict) else {}
        if feature.get("id") is not None and "id" not in row:
            row["id"] = feature["id"]
        row["geometry_type"] = geometry.get("type") if isinstance(geometry, dict) else None
        coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
        is_point = row["geometry_type"] == "Point" and isinstance(coordinates, list) and len(coordinates) >= 2
        row["longitude"] = _coordinate(coordinates[0]) if is_point else None
        row["latitude"] = _coordinate(coordinates[1]) if is_point else None
        if is_point and len(coordinates) > 2 and "depth" not in row:
            row["depth"] = coordinates[2]
        rows.append(row)
    return rows


def read_json(data: bytes, file_name: str, kind: str) -> pa.Table:
    text = decode_text(data, file_name)
    if not text.strip():
        raise UploadError(f"{file_name}: the file is empty.")
    if kind == "ndjson":
        return rows_to_table(_ndjson_rows(text, file_name), file_name)
    try:
        document = _load_json(text, file_name)
    except json.JSONDecodeError as error:
        if "Extra data" in str(error):  # one JSON object per line in a .json file
            return rows_to_table(_ndjson_rows(text, file_name), file_name)
        raise UploadError(f"{file_name}: not valid JSON ({error}).") from None
    if isinstance(document, dict) and document.get("type") in ("FeatureCollection", "Feature"):
        return rows_to_table(geojson_rows(document, file_name), file_name)
    if kind == "geojson":
        raise UploadError(f"{file_name}: not a GeoJSON Feature or FeatureCollection.")
    if isinstance(document, dict):
        lists = [v for v in document.values() if isinstance(v, list) and v and all(isinstance(i, dict) for i in v)]
        document = lists[0] if len(lists) == 1 else [document]
    if not isinstance(document, list) or not all(isinstance(row, dict) for row in document):
        raise UploadError(f"{file_name}: expected a list of records (objects), one per row.")
    return rows_to_table(document, file_name)


def _ndjson_rows(text: str, file_name: str) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = _load_json(line, file_name)
        except json.JSONDecodeError as error:
            raise UploadError(f"{file_name}: line {number} is not valid JSON ({error.msg}).") from None
        if not isinstance(value, dict):
            raise UploadError(f"{file_name}: line {number} is not a JSON object.")
        rows.append(value)
    return rows


def read_upload(
    file_name: str, data: bytes, existing: set[str] | list[str] = (), max_bytes: int = DEFAULT_MAX_BYTES
) -> LoadedFile:
    """Parse one uploaded file into a table named after it (unique among ``existing``)."""
    display_name = PurePath(file_name.replace("\\", "/")).name or "upload"
    kind = file_kind(display_name)
    if len(data) > max_bytes:
        raise UploadError(
            f"{display_name}: {len(data) / 1024**2:.1f} MB is over the {max_bytes / 1024**2:.0f} MB upload limit."
        )
    if not data:
        raise UploadError(f"{display_name}: the file is empty.")
    if kind in ("csv", "tsv"):
        table = read_delimited(data, display_name, kind)
    elif kind == "parquet":
        table = read_parquet(data, display_name)
    else:
        table = read_json(data, display_name, kind)
    table = table.rename_columns([str(c).strip() or f"column_{i + 1}" for i, c in enumerate(table.column_names)])
    table = typed_text_columns(table)  # JSON's "2024-01-05" and "12.5" are a date and a number
    return LoadedFile(display_name, safe_table_name(display_name, existing), duckdb_ready(table))


def _plain_type(column: pa.ChunkedArray) -> pa.DataType | None:
    """The type a column must become for DuckDB to store it and give it back as Python values, or None."""
    kind = column.type
    if pa.types.is_float16(kind):
        return pa.float32()
    if pa.types.is_decimal256(kind):  # DuckDB stores decimals of up to 38 digits
        return pa.decimal128(kind.precision, kind.scale) if kind.precision <= 38 else pa.float64()
    if pa.types.is_time64(kind) and kind.unit == "ns":  # DuckDB's TIME holds microseconds
        return pa.time64("us")
    if (pa.types.is_date32(kind) or pa.types.is_timestamp(kind)) and column.null_count < len(column):
        per_second = 1 / 86_400 if pa.types.is_date32(kind) else TIME_UNITS[kind.unit]
        low, high = (v.as_py() for v in pc.min_max(column.cast(pa.int32() if per_second < 1 else pa.int64())).values())
        if low < YEAR_1_S * per_second or high > YEAR_9999_S * per_second:
            return pa.string()  # beyond the years 1 to 9999: no date type outside DuckDB can hold it
    return None


YEAR_1_S, YEAR_9999_S = -62_135_596_800, 253_402_300_799  # seconds from 1970 to 0001-01-01 and 9999-12-31
TIME_UNITS = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}


def duckdb_ready(table: pa.Table) -> pa.Table:
    """Columns DuckDB cannot store, or that could not come back out of it, made plain (``_plain_type``): a Parquet
    file with odd column types loads and every query on it shows."""
    for index, field in enumerate(table.schema):
        plain = _plain_type(table.column(index))
        if plain is not None:
            table = table.set_column(index, field.name, table.column(index).cast(plain, safe=False))
    return table
