"""Every result is bounded in bytes, not only rows (issue 25, item 2).

Each route by which a query can grow a value is refused on DuckDB's parse, or bounded while it runs (DuckDB's
memory limit, the memory watch, the byte caps on what is fetched); and what is fetched stays bounded in the table,
a kept answer and an export. Real DuckDB throughout; the server's own memory is measured in
``test_result_bytes_links.py``."""

from __future__ import annotations

from contextlib import ExitStack

import duckdb
import pyarrow as pa
import pytest

from conversations.answer_codec import encode_answer
from conversations.share_link import SharedLink
from conversations.shared_answer import load_shared_answer
from exports.bundle import split_exportable
from sandbox import value_size
from sandbox.database import QUERY_SLOTS, RESULT_BYTES, QueryError, SandboxLimits, SessionDatabase
from sandbox.value_size import COLLATIONS, RULES, catalogue

ISSUE_LINK_SQL = "SELECT replace(lpad('',10000,'a'),'a',lpad('',10000,'b')) AS s FROM range(10)"
DOUBLINGS = 16


def chain(step: str, start: str) -> str:
    """``start`` passed through ``step`` (on column s) DOUBLINGS times, each in its own subquery."""
    return (
        "SELECT length(s) AS n FROM "
        + f"(SELECT {step} AS s FROM " * DOUBLINGS
        + f"(SELECT {start} AS s)"
        + (")" * DOUBLINGS)
    )


# (route, SQL, what the refusal says)
REFUSED = [
    ("the issue's share link", ISSUE_LINK_SQL, "replace() alone"),
    ("repeat of a repeat", "SELECT repeat(repeat('a', 10000), 10000) AS s", "repeat() alone"),
    ("repeat of a list", "SELECT repeat(repeat([1], 10000), 10000) AS l", "repeat() alone"),
    ("repeat by a column", "SELECT repeat('x', tz) FROM earthquakes", "fixed size up to 10,000"),
    ("lpad to a billion", "SELECT lpad('x', 1000000000, 'y')", "fixed size up to 10,000"),
    ("regexp_replace", "SELECT regexp_replace(lpad('',10000,'a'),'a',lpad('',10000,'b'),'g')", "regexp_replace()"),
    (
        "regexp_replace backreferences",
        "SELECT regexp_replace(lpad('',10000,'a'), '', '\\0\\0\\0\\0\\0\\0', 'g')",
        "64 KB",
    ),
    ("printf width", "SELECT printf('%200000000s', 'x')", "printf() may only pad"),
    ("printf width argument", "SELECT printf('%*d', 100000000, 1)", "may not take a width"),
    ("format width", "SELECT format('{:>200000000}', 'x')", "format() may only pad"),
    ("format nested width", "SELECT format('{:>{}}', 'x', 100000000)", "may not take a width"),
    ("format repeated placeholder", "SELECT format('" + "{0}" * 10000 + "', place) FROM earthquakes", "format()"),
    ("strftime repeated specifier", "SELECT strftime(time, '" + "%c" * 20000 + "') FROM earthquakes", "strftime()"),
    ("list_resize", "SELECT list_resize([1], 100000000) AS l", "list_resize() may only build lists"),
    ("range as a value", "SELECT range(100000000) AS l", "range() as a value"),
    ("generate_series as a value", "SELECT generate_series(1, 100000000) AS l", "generate_series() as a value"),
    ("range of a column", "SELECT range(tz) AS l FROM earthquakes", "range() as a value"),
    ("unnest of a range", "SELECT unnest(range(100000000)) AS x", "range() as a value"),
    ("a map of ranges", "SELECT map(range(10000000), range(10000000)) AS m", "range() as a value"),
    ("equi_width_bins", "SELECT equi_width_bins(0, 1000000, 1000000, false) AS b", "equi_width_bins()"),
    ("bitstring", "SELECT bitstring('1', 1000000000) AS b", "bitstring()"),
    ("top n of max", "SELECT max(mag, 100000000) FROM earthquakes", "max()"),
    ("approx_top_k", "SELECT approx_top_k(place, 100000000) FROM earthquakes", "approx_top_k()"),
    ("bitstring_agg", "SELECT bitstring_agg(range) FROM range(100)", "bitstring_agg()"),
    ("json_pretty", "SELECT json_pretty(to_json(place)) FROM earthquakes", "json_pretty()"),
    ("list_reduce doubling", "SELECT list_reduce(['a', 'b', 'c'], lambda a, x: a || a) AS s", "accumulator"),
    (
        "list_reduce doubling, the brief's form",
        "SELECT list_reduce(list_transform(range(40), lambda x: 'ab'), lambda a, x: a || a) AS s",
        "accumulator",
    ),
    ("list_transform growth", "SELECT list_transform(range(1000), lambda x: lpad('', 10000, 'a')) AS l", "64 KB"),
    (
        "recursive CTE doubling",
        "WITH RECURSIVE t(s, n) AS (SELECT 'ab', 0 UNION ALL SELECT s || s, n + 1 FROM t WHERE n < 30) "
        "SELECT n, length(s) FROM t",
        "multiplies a value's size on every step",
    ),
    (
        "CTE chain doubling",
        "WITH a0 AS (SELECT lpad('', 10000, 'x') AS s)"
        + "".join(f", a{i + 1} AS (SELECT s || s AS s FROM a{i})" for i in range(DOUBLINGS))
        + f" SELECT length(s) FROM a{DOUBLINGS}",
        "||() alone",
    ),
    (
        "recursive doubling beside a wide column",
        "WITH RECURSIVE t(wide, s, n) AS (SELECT lpad('', 5000, 'x'), 'ab', 0 UNION ALL "
        "SELECT wide, s || s, n + 1 FROM t WHERE n < 30) SELECT n, length(s) FROM t",
        "multiplies a value's size on every step",
    ),
    ("subquery chain doubling", chain("s || s", "lpad('', 10000, 'x')"), "||() alone"),
    ("concat chain doubling", chain("concat(s, s)", "'ab'"), "concat() alone"),
    ("list concatenation doubling", chain("list_concat(s, s)", "[1, 2, 3]"), "list_concat() alone"),
    ("list + list doubling", chain("s + s", "[1, 2, 3]"), "+() alone"),
    (
        "select-list alias chain",
        "SELECT lpad('', 10000, 'x') AS a, a || a AS b, b || b AS c, c || c AS d, d || d AS e",
        "||()",
    ),
    (
        "select-list aliases inside one another",  # DuckDB's binder puts each in place: 2^40 expressions
        "SELECT 1 AS a0, " + ", ".join(f"(a{i} = a{i}) AS a{i + 1}" for i in range(40)),
        "DuckDB would build over 10,000 more expressions",
    ),
    # Each || keeps its result until the row is done: 100 of them over one column took 1 GB for 100,000 rows.
    ("a long chain of concatenations", "SELECT " + " || ".join(["place"] * 100) + " FROM earthquakes", "64 KB"),
    ("hex of hex", "SELECT " + "hex(" * 12 + "lpad('', 10000, 'x')" + ")" * 12, "hex()"),
    ("bin of a place", "SELECT " + "bin(" * 6 + "place" + ")" * 6 + " FROM earthquakes", "bin()"),
    (
        "a CTE's value rebuilt outside it",
        "WITH a AS (SELECT lpad('', 10000, 'x') AS s) SELECT hex(hex(hex(s))) FROM a, range(2048)",
        "hex()",
    ),
    ("many built columns", "SELECT " + ", ".join(f"lpad('', 10000, 'x') AS c{i}" for i in range(7)), "64 KB"),
    ("concat of many", "SELECT concat(" + ", ".join(["lpad('', 10000, 'x')"] * 7) + ")", "64 KB"),
    ("a struct of many", "SELECT {" + ", ".join(f"'k{i}': lpad('', 10000, 'x')" for i in range(7)) + "}", "64 KB"),
    ("to_json of a list", "SELECT to_json(list_value(" + ", ".join(["lpad('', 5000, 'x')"] * 3) + "))", "to_json()"),
    ("an aggregate rebuilt", "SELECT hex(s) FROM (SELECT string_agg(place, '') AS s FROM earthquakes)", "gathered"),
    ("json_group_array", "SELECT json_group_array(place) FROM earthquakes", "gathered"),
    (
        "a growing recursion rebuilt",
        "WITH RECURSIVE t(s, n) AS (SELECT '', 0 UNION ALL SELECT s || 'x', n + 1 FROM t WHERE n < 100) "
        "SELECT upper(s) FROM t",
        "gathered",
    ),
    ("COLUMNS(*) rebuilt", "SELECT lpad(COLUMNS(*)::VARCHAR, 10000, 'x') FROM earthquakes", "COLUMNS() alone"),
]

# Growth that the parse cannot size: stopped while it runs (DuckDB's memory limit, then the memory watch).
STOPPED = [
    ("string_agg of a huge range", "SELECT string_agg(lpad('', 1000, 'a'), '') AS s FROM range(100000000)"),
    ("list of a huge range", "SELECT list(range) AS l FROM range(1000000000)"),
    ("histogram", "SELECT histogram(lpad('', 1000, 'a') || range) AS h FROM range(10000000)"),
    ("a sort of long strings", "SELECT lpad('', 5000, 'x') || range AS s FROM range(1000000) ORDER BY s DESC"),
    (
        "a window gathering every row before it",
        "SELECT list(range) OVER (ORDER BY range ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS l "
        "FROM range(1000000)",
    ),
    (
        "a cross join grouped",
        "SELECT a.range * 1000 + b.range AS k, count(*) AS n FROM range(100000) a, range(1000) b GROUP BY 1",
    ),
]

# What questions really ask: still answered.
ANSWERED = [
    'SELECT "magType", count(*) AS n, round(avg(mag), 2) AS avg_mag FROM earthquakes GROUP BY 1 ORDER BY n DESC',
    "SELECT 'M' || mag::VARCHAR || ' at ' || place AS label, upper(place) AS p, strftime(time, '%Y-%m-%d %H:%M') AS t "
    "FROM earthquakes",
    "SELECT \"magType\", string_agg(DISTINCT place, ', ') AS places, list(mag ORDER BY mag DESC)[1:3] AS top "
    "FROM earthquakes GROUP BY 1",
    "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 10) SELECT n FROM t",
    "SELECT list_transform(string_split(place, ' '), lambda w: upper(w)) AS words FROM earthquakes",
    "SELECT regexp_replace(place, '.* of ', '') AS region, replace(place, ',', '') AS p FROM earthquakes",
    "SELECT lpad(CAST(tz AS VARCHAR), 5, '0') AS z, printf('%.2f', mag) AS m, format('{:.1f}', depth) AS d "
    "FROM earthquakes",
    "SELECT \"magType\", repeat('█', 20) AS bar, bar(mag, 0, 7, 30) AS b FROM earthquakes",
    "SELECT to_json({'m': mag, 'p': place}) AS j, range(10) AS r, list_sum([1, 2, 3]) AS s FROM earthquakes",
    'SELECT place, avg(mag) OVER (PARTITION BY "magType") AS a, lag(place) OVER (ORDER BY time) AS prev '
    "FROM earthquakes",
    "SELECT * FROM (PIVOT earthquakes ON \"magType\" IN ('md', 'ml') USING count(*))",
    "SELECT lpad('', 1400, 'x') AS s FROM range(5000)",
    "SELECT list_reduce(string_split(place, ' '), lambda a, x: a || ' ' || x) AS r FROM earthquakes",
    "SELECT mag * 2 AS m2, m2 + 1 AS m3, round(m3, 1) AS m4, " + " || ".join(["place"] * 20) + " AS p FROM earthquakes",
    "WITH RECURSIVE t(path, n) AS (SELECT 'a', 0 UNION ALL SELECT path || '/b', n + 1 FROM t WHERE n < 5) "
    "SELECT path FROM t",
    "SELECT " + "list_transform(" * 8 + "[1, 2]" + ", lambda x: x + 1)" * 8 + " AS l",
]


@pytest.fixture(scope="module")
def db() -> SessionDatabase:
    return SessionDatabase(SandboxLimits(time_limit_s=5))


@pytest.mark.parametrize(("route", "sql", "said"), REFUSED, ids=[r[0] for r in REFUSED])
def test_each_way_to_grow_a_value_is_refused_before_it_runs(
    db: SessionDatabase, route: str, sql: str, said: str
) -> None:
    with pytest.raises(QueryError) as refused:
        db.run_query(sql)
    assert refused.value.kind == "refused", refused.value.message
    assert said in refused.value.message
    assert refused.value.message.startswith("Refused: ")


@pytest.mark.parametrize(("route", "sql"), STOPPED, ids=[r[0] for r in STOPPED])
def test_growth_the_parse_cannot_size_is_stopped_by_the_memory_limits(
    db: SessionDatabase, route: str, sql: str
) -> None:
    with pytest.raises(QueryError) as stopped:
        db.run_query(sql)
    assert stopped.value.kind == "memory", stopped.value.message
    assert db.run_query("SELECT count(*) AS n FROM earthquakes").frame["n"][0] == 1707  # the session goes on


@pytest.mark.parametrize("sql", ANSWERED)
def test_what_questions_really_ask_is_still_answered(db: SessionDatabase, sql: str) -> None:
    result = db.run_query(sql)
    assert result.total_rows > 0
    assert not result.byte_capped


def test_a_result_is_cut_by_bytes_and_says_so(db: SessionDatabase) -> None:
    result = db.run_query("SELECT lpad('', 10000, 'x') || i AS s FROM range(5000) t(i)")
    assert result.byte_capped
    assert result.total_rows == 5000  # counted by DuckDB, as for the row cap
    assert 700 < len(result.frame) < 5000
    assert result.fetched_bytes <= RESULT_BYTES
    assert result.frame["s"].iloc[-1].endswith(str(len(result.frame) - 1))  # the first rows, in order
    assert result.shown == f"first {len(result.frame):,} of 5,000 rows ({result.fetched_bytes / 1024**2:.1f} MB)"


def test_the_row_cap_still_holds_and_counts(db: SessionDatabase) -> None:
    result = db.run_query("SELECT range AS n FROM range(20000) ORDER BY n DESC")
    assert (len(result.frame), result.total_rows, result.byte_capped) == (5000, 20000, False)
    assert result.frame["n"].iloc[0] == 19999
    assert result.shown == "first 5,000 of 20,000 rows"
    assert db.run_query("SELECT 1 AS one").shown == "1 row"


def test_long_text_of_an_upload_still_shows_and_a_row_over_the_cap_is_refused() -> None:
    db = SessionDatabase()
    db.add_table("notes", pa.table({"id": list(range(20)), "text": ["word " * 40_000] * 20}))  # 200 KB each
    shown = db.run_query("SELECT * FROM notes")
    assert (len(shown.frame), shown.byte_capped) == (20, False)
    assert shown.frame["text"].str.len().min() == 200_000
    db.add_table("huge", pa.table({"text": ["x" * 2_000_000]}))
    with pytest.raises(QueryError, match="A row of this result holds more than 512 KB") as refused:
        db.run_query("SELECT * FROM huge")
    assert refused.value.kind == "memory"
    assert db.run_query("SELECT left(text, 1000) AS start FROM huge").frame["start"][0] == "x" * 1000
    with pytest.raises(QueryError, match="upper\\(\\) alone"):  # built from the data's own largest value
        db.run_query("SELECT upper(text) FROM huge")


def test_a_saved_view_is_sized_by_its_own_query() -> None:
    db = SessionDatabase()
    db.add_view("padded", "SELECT lpad('', 10000, 'x') AS s")
    assert len(db.run_query("SELECT hex(s) AS h FROM padded").frame["h"][0]) == 20000
    with pytest.raises(QueryError, match="hex\\(\\) alone") as refused:
        db.run_query("SELECT hex(hex(hex(s))) FROM padded, range(2048)")
    assert refused.value.kind == "refused"


def test_the_memory_watch_stops_a_query_that_grows_the_server() -> None:
    db = SessionDatabase(SandboxLimits(memory_limit="2GB", memory_budget=48 * 1024**2))
    with pytest.raises(QueryError, match="the server grew by more than 50 MB while it ran") as stopped:
        db.run_query("SELECT lpad('', 5000, 'x') || i AS s FROM range(300000) t(i) ORDER BY s DESC")
    assert stopped.value.kind == "memory"
    assert db.run_query("SELECT count(*) AS n FROM earthquakes").frame["n"][0] == 1707


def test_queries_wait_for_a_slot_and_are_told_when_the_server_is_busy() -> None:
    db = SessionDatabase(SandboxLimits(time_limit_s=0.2))
    with ExitStack() as taken:
        assert all(taken.enter_context(QUERY_SLOTS.slot(1)) for _ in range(QUERY_SLOTS.count))
        with pytest.raises(QueryError, match="busy") as busy:
            db.run_query("SELECT 1 AS one")
    assert busy.value.kind == "busy"
    assert db.run_query("SELECT 1 AS one").frame["one"][0] == 1  # the slots are back


def test_a_shared_answer_keeps_no_more_than_the_result_bound(db: SessionDatabase) -> None:
    wide = "SELECT lpad('', 10000, 'x') || i AS s FROM range(5000) t(i)"
    answer = load_shared_answer(SharedLink("wide", wide), db)
    assert len(encode_answer(answer)) < 1.5 * RESULT_BYTES  # what the conversation store keeps
    refused = load_shared_answer(SharedLink("x", ISSUE_LINK_SQL), db)
    assert "replace() alone" in refused.parts[-1].message
    assert len(encode_answer(refused)) < 10_000


def test_an_export_leaves_out_a_saved_table_whose_rows_are_too_large() -> None:
    db = SessionDatabase()
    db.add_view("big", "SELECT lpad('', 10000, 'x') || i AS s FROM range(20000) t(i)")  # 200 MB once made
    db.add_view("small", "SELECT place FROM earthquakes LIMIT 10")
    exported, missing = split_exportable(["big", "small", "earthquakes"], db)
    assert exported == ["small", "earthquakes"]
    assert missing == {"big": "191 MB of rows, more than the 64 MB an export copies"}


def test_every_function_that_can_build_a_value_has_a_rule() -> None:
    """The rules are checked against DuckDB's own list: a function whose results can vary in size is sized by a
    rule (or, for the per-language collations, as a sort key); every macro by its definition."""
    with duckdb.connect() as connection:
        rows = connection.execute(
            "SELECT function_name, function_type FROM duckdb_functions() "
            "WHERE function_type IN ('scalar', 'aggregate', 'window', 'macro')"
        ).fetchall()
    known = catalogue()
    names = {name.lower() for name, kind in rows if kind != "macro"}
    variable = {name for name in names if name not in known.fixed}
    assert len(variable) > 250  # DuckDB 2.0's list: text, blobs, lists, maps, structs, JSON, anything generic
    assert {n for n in variable if n not in RULES and not n.startswith(COLLATIONS)} == set()
    assert {name.lower() for name, kind in rows if kind == "macro"} == set(known.macros)
    lambda_rules = {value_size._transform, value_size._filter, value_size._reduce}
    assert all(RULES[name] in lambda_rules or name == "invoke" for name in known.lambdas)


@pytest.mark.parametrize(
    "sql", ["SELECT get_block_size('memory')", "SELECT pg_get_viewdef(1)", "SELECT format_type(23, NULL)"]
)
def test_a_built_in_macro_that_reads_a_table_is_refused_like_what_it_reads(db: SessionDatabase, sql: str) -> None:
    """The parse names only the macro; the guard looks inside it (these read pragma_database_size() and
    duckdb_views()), while harmless macros still run."""
    with pytest.raises(QueryError, match="reveals server settings"):
        db.run_query(sql)
    assert db.run_query("SELECT list_sum([1, 2]) AS s, nullif(1, 2) AS n").frame["s"][0] == 3
