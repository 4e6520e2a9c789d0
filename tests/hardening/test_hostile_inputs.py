"""Hostile files, texts, headers and demo-mode abuse: each one loads safely, stays inert, or is refused."""

from __future__ import annotations

import ast
import io
import json
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analyst.answer import Answer, MetricPart, TablePart
from analyst.profile import profile_table
from analyst.prompt_context import load_schema_context
from exports.csv_safety import build_csv, neutralize_cell
from exports.markdown import build_markdown_table
from exports.script import build_answer_cell, comment_text, python_string
from providers.endpoint_types import EndpointType
from providers.headers import InvalidHeaders, parse_headers
from providers.selection import Selection, resolve_selection
from providers.settings import Configuration
from sandbox.database import SessionDatabase
from sources.uploads import read_upload


def parquet_bytes(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def feature_collection(*coordinates: object) -> bytes:
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": c}, "properties": {"n": i}}
        for i, c in enumerate(coordinates)
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


ODD_FILES = [
    ("letters.geojson", feature_collection(["a", "b"], [10, 20]), ["n", "geometry_type", "longitude", "latitude"]),
    ("nulls.geojson", feature_collection([None, None], [True, False], [{}, []]), None),
    (
        "infinite.geojson",
        b'{"type":"Feature","geometry":{"type":"Point","coordinates":[1e999,-1e999]},"properties":{}}',
        None,
    ),
    ("huge.json", b'[{"a": 123456789012345678901234567890}, {"a": 1}]', ["a"]),
    ("huge.ndjson", b'{"a": -99999999999999999999999}\n{"a": 2}\n', ["a"]),
    ("half.parquet", parquet_bytes(pa.table({"h": pa.array(np.array([1.5, 2.5], dtype=np.float16))})), ["h"]),
    ("duplicates.csv", b"a,a,A\n1,2,3\n", ["a", "a_1", "A_2"]),
    ("blank.csv", b",b,\n1,2,3\n", ["column_1", "b", "column_3"]),
    ("keywords.csv", b'select,from,"order",group,limit\n1,2,3,4,5\n', ["select", "from", "order", "group", "limit"]),
    ("symbols.csv", '"we""ird","x y","a.b","[c]","d:e","🌋","max(mag)"\n1,2,3,4,5,6,7\n'.encode(), None),
    ("markdown.csv", b'"![x](https://evil.example/p.png)",b\n"<img src=x>",2\n', None),
    ("formula.csv", b'name,note\n=HYPERLINK("https://evil.example"),@SUM(1)\n', None),
]


@pytest.mark.parametrize(("name", "data", "columns"), ODD_FILES, ids=[f[0] for f in ODD_FILES])
def test_an_odd_file_loads_and_every_part_of_the_app_reads_it(
    name: str, data: bytes, columns: list[str] | None
) -> None:
    loaded = read_upload(name, data)
    db = SessionDatabase()
    db.add_table(loaded.table_name, loaded.table)
    table = next(t for t in db.tables() if t.name == loaded.table_name)
    if columns is not None:
        assert [c for c, _ in table.columns] == columns
    load_schema_context(db, f"anything about {loaded.table_name}")  # describing and examples quote every name
    profile_table(db, loaded.table_name)
    assert db.run_query(f'SELECT * FROM "{loaded.table_name}"').total_rows == table.rows
    assert db.run_query("SELECT count(*) AS n FROM earthquakes").frame["n"][0] == 1707  # the rest still works


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("", ""),
        (5, 5),
        (-5.5, -5.5),
        (None, None),
    ],
)
def test_csv_cells_that_start_a_formula_are_neutralized(cell: object, expected: object) -> None:
    assert neutralize_cell(cell) == expected


def test_downloaded_csv_has_no_formula_cells_and_keeps_numbers() -> None:
    frame = pd.DataFrame({"=cmd": ['=HYPERLINK("x")', "ok", "@x"], "n": [-1, 2, 3]})
    text = build_csv(frame).decode()
    assert text.splitlines() == ["'=cmd,n", '"\'=HYPERLINK(""x"")",-1', "ok,2", "'@x,3"]


NASTY_TEXTS = [
    'ends with a quote"',
    'three """ quotes',
    "back\\slash",
    "nul\x00byte",
    "carriage\rreturn",
    "form\x0cfeed",
    "line\u2028separator",
    "para\u2029graph",
    "vertical\x0btab",
    "escape\x1b[31m",
    '"""; import os; os.system(\'x\') #',
    "\n#%%\nimport os\n",
    "tab\tand\nnewline",
    "emoji 🌋 and ünïcode",
]


@pytest.mark.parametrize("text", NASTY_TEXTS)
def test_reproduce_script_is_valid_python_for_any_question_or_sql(text: str) -> None:
    frame = pd.DataFrame({"n": [1]})
    answer = Answer(text, [TablePart(frame, 1, f"SELECT 1 AS n -- {text}"), MetricPart(text, 1)])
    cell = build_answer_cell(1, answer)
    tree = ast.parse(cell)  # raises on anything that is not valid Python
    assert "\x00" not in cell
    assert all(not isinstance(node, ast.Import) for node in ast.walk(tree))
    assert ast.literal_eval(python_string(text)).strip() == text.strip()
    assert "\n" not in comment_text(text) and "\r" not in comment_text(text)


@pytest.mark.parametrize(
    "value",
    [
        "![x](https://evil.example/p.png)",
        "<img src=https://evil.example/q.png>",
        "[link](javascript:alert(1))",
        "a|b",
        "`code`",
        "$x$",
        "**bold**",
    ],
)
def test_markdown_report_cells_and_headers_stay_text(value: str) -> None:
    table = build_markdown_table(pd.DataFrame({value: [value]}))
    unescaped = re.compile(r"(?<!\\)(!\[|<|\]\()")  # markup a Markdown viewer would act on
    assert not unescaped.search(table), table
    assert table.count("\n") == 2  # header, rule, one row: no cell broke out of the table


# Demo mode: the owner's token in the secrets --------------------------------------------------------
OWNER = Configuration(api_key="hf_OwnerToken0000000001", endpoint_type=EndpointType.INFERENCE_PROVIDERS)


@pytest.mark.parametrize(
    "headers",
    [
        "X-HF-Bill-To: victim-org",
        "X-Anything: 1",
        "Authorization: Bearer hf_other",
        "authorization: x",
        "X-Forwarded-For: 127.0.0.1",
        "Cookie: a=b",
    ],
)
def test_a_visitor_s_headers_never_travel_with_the_owner_s_token(headers: str) -> None:
    selection = Selection(EndpointType.INFERENCE_PROVIDERS, "", "", "custom", "m/x", headers)
    resolved = resolve_selection(selection, OWNER)
    assert resolved.settings is None
    assert resolved.problem is not None and resolved.problem.startswith("Custom headers:")


@pytest.mark.parametrize("name", ["Authorization", "AUTHORIZATION", "Host", "Content-Length"])
def test_headers_the_app_sets_cannot_be_overridden_even_with_an_own_key(name: str) -> None:
    with pytest.raises(InvalidHeaders, match="cannot be overridden"):
        parse_headers(f"{name}: x")


def test_with_an_own_key_custom_headers_go_and_no_budget_applies() -> None:
    selection = Selection(
        EndpointType.INFERENCE_PROVIDERS, "", "hf_MyOwnKey00000000001", "custom", "m/x", "X-HF-Bill-To: me"
    )
    resolved = resolve_selection(selection, OWNER)
    assert resolved.settings is not None and resolved.settings.headers == (("X-HF-Bill-To", "me"),)
    assert resolved.settings.budget is None  # the owner's budget is in tests/hardening/test_owner_budget.py
