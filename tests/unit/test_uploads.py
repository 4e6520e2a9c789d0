"""Uploaded files become tables, in memory; bad files get a clear message and load nothing."""

from __future__ import annotations

import io
import json
import random

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analyst.prompt_context import load_schema_context
from sandbox.database import SessionDatabase
from sources.samples import load_sample_dataset
from sources.uploads import MAX_COLUMNS, UploadError, read_upload, safe_table_name


@pytest.mark.parametrize(
    ("file_name", "existing", "expected"),
    [
        ("Sales 2024.csv", [], "sales_2024"),
        ("sales.csv", ["sales"], "sales_2"),
        ("sales.csv", ["sales", "sales_2"], "sales_3"),
        ("../../etc/passwd.csv", [], "passwd"),
        ("C:\\Users\\me\\Stations.TSV", [], "stations"),
        ("2024-report.parquet", [], "t_2024_report"),
        ("select.csv", [], "select_data"),
        ("Ünïcode Ståtions.geojson", [], "n_code_st_tions"),
        ("%%%.csv", [], "upload"),
        ("table.csv", [], "table_data"),
        ("EARTHQUAKES.csv", ["earthquakes"], "earthquakes_2"),
    ],
)
def test_table_names_are_safe_and_unique(file_name: str, existing: list[str], expected: str) -> None:
    assert safe_table_name(file_name, existing) == expected


def test_csv_types_are_inferred() -> None:
    loaded = read_upload("stations.csv", b"name,height,opened\nZurich,408.5,2020-01-01\nBern,540,2021-06-30\n")
    assert loaded.table_name == "stations"
    assert loaded.table.num_rows == 2
    types = dict(zip(loaded.table.schema.names, map(str, loaded.table.schema.types), strict=True))
    assert types == {"name": "string", "height": "double", "opened": "date32[day]"}


def test_tsv_and_semicolon_csv_and_windows_1252_text() -> None:
    assert read_upload("a.tsv", b"x\ty\n1\t2\n").table.column_names == ["x", "y"]
    loaded = read_upload("b.csv", "ville;nombre\nGenève;3\nZürich;4\n".encode("cp1252"))
    assert loaded.table.column("ville").to_pylist() == ["Genève", "Zürich"]
    assert read_upload("c.csv", "\ufeffa,b\n1,2\n".encode()).table.column_names == ["a", "b"]
    assert read_upload("d.csv", "a,b\n1,2\n".encode("utf-16")).table.num_rows == 1


def test_parquet_json_and_ndjson() -> None:
    buffer = io.BytesIO()
    pq.write_table(pa.table({"a": [1, 2, 3]}), buffer)
    assert read_upload("p.parquet", buffer.getvalue()).table.num_rows == 3
    records = read_upload("r.json", json.dumps([{"a": 1, "b": {"c": 2}}, {"a": 2, "b": None}]).encode())
    assert records.table.column("b").to_pylist() == ['{"c": 2}', None]
    wrapped = read_upload("w.json", json.dumps({"data": [{"a": 1}, {"a": 2}]}).encode())
    assert wrapped.table.num_rows == 2
    assert read_upload("l.ndjson", b'{"a": 1}\n\n{"a": 2}\n').table.num_rows == 2
    assert read_upload("l.json", b'{"a": 1}\n{"a": 2}\n').table.num_rows == 2


def test_geojson_features_become_rows_with_coordinates() -> None:
    document = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "q1",
                "properties": {"mag": 2.5},
                "geometry": {"type": "Point", "coordinates": [-122.1, 37.5, 8.0]},
            },
            {
                "type": "Feature",
                "properties": {"mag": 3.0},
                "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]},
            },
        ],
    }
    table = read_upload("quakes.geojson", json.dumps(document).encode()).table
    rows = table.to_pylist()
    assert rows[0] | {} == {
        "mag": 2.5,
        "id": "q1",
        "geometry_type": "Point",
        "longitude": -122.1,
        "latitude": 37.5,
        "depth": 8.0,
    }
    assert rows[1]["geometry_type"] == "Polygon" and rows[1]["latitude"] is None


@pytest.mark.parametrize(
    ("file_name", "data", "message"),
    [
        ("empty.csv", b"", "the file is empty"),
        ("blank.csv", b"   \n\n", "the file is empty"),
        ("header.csv", b"a,b\n", "header but no rows"),
        ("ragged.csv", b"a,b\n1,2\n3,4,5\n", "different numbers of fields"),
        ("binary.csv", bytes(range(256)) * 20, "binary file"),
        ("image.csv", b"\x89PNG\r\n\x1a\n" + bytes(2000), "binary file"),
        ("bad.json", b'{"a": ', "not valid JSON"),
        ("scalar.json", b"42", "expected a list of records"),
        ("deep.json", b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
        ("bad.ndjson", b'{"a": 1}\nnot json\n', "line 2 is not valid JSON"),
        ("notgeo.geojson", b'{"type": "Nope"}', "FeatureCollection"),
        ("fake.parquet", b"PAR1 definitely not parquet", "not a valid Parquet file"),
        ("sheet.xlsx", b"PK\x03\x04", "unsupported file type"),
        ("wide.csv", (",".join(f"c{i}" for i in range(MAX_COLUMNS + 5)) + "\n").encode(), "more than 2,000 columns"),
    ],
)
def test_bad_files_are_refused_clearly(file_name: str, data: bytes, message: str) -> None:
    with pytest.raises(UploadError) as caught:
        read_upload(file_name, data)
    assert message in str(caught.value)
    assert str(caught.value).startswith(file_name.split("/")[-1])


def test_files_over_the_size_limit_are_refused_before_parsing() -> None:
    with pytest.raises(UploadError, match="over the 1 MB upload limit"):
        read_upload("big.csv", b"a\n" + b"1\n" * 600_000, max_bytes=1024 * 1024)


def test_random_bytes_under_every_extension_never_crash() -> None:
    rng = random.Random(7)
    for extension in ("csv", "tsv", "parquet", "json", "ndjson", "geojson"):
        for _ in range(5):
            data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 5000)))
            with pytest.raises(UploadError):
                read_upload(f"noise.{extension}", data)


def test_text_columns_of_dates_times_and_numbers_are_typed_and_codes_with_leading_zeros_stay_text() -> None:
    rows = [
        {"day": "2024-01-05", "at": "2024-01-05T10:30:00Z", "amount": "12.50", "units": "3", "zip": "00501"},
        {"day": "2024-02-01", "at": "2024-02-01T08:00:00Z", "amount": "7", "units": "12", "zip": "12345"},
        {"day": None, "at": None, "amount": None, "units": None, "zip": None},
    ]
    loaded = read_upload("sales.json", json.dumps(rows).encode())
    types = {f.name: str(f.type) for f in loaded.table.schema}
    assert types == {
        "day": "date32[day]",
        "at": "timestamp[us, tz=UTC]",
        "amount": "double",
        "units": "int64",
        "zip": "string",
    }
    db = SessionDatabase()
    db.add_table(loaded.table_name, loaded.table)
    per_year = db.run_query(
        f"SELECT year(day) AS y, sum(amount) AS total FROM {loaded.table_name} WHERE day IS NOT NULL GROUP BY 1"
    )
    assert per_year.frame.to_dict("records") == [{"y": 2024, "total": 19.5}]
    schema = load_schema_context(db, "sales per month").schema
    assert "day DATE 2024-01-05..2024-02-01" in schema


def test_a_sample_s_iso_months_are_dates() -> None:
    assert str(load_sample_dataset("us-employment").schema.field("month").type) == "date32[day]"
