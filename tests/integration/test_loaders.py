"""Fetching earthquake catalogs over real HTTP from a loopback USGS and raw-file host: complete, typed, explained."""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from sources import catalogs as catalog_module
from sources.bundled import EARTHQUAKES_PARQUET
from sources.catalogs import (
    CatalogUnavailable,
    fetch_ncal_catalog,
    fetch_usgs_catalog,
)
from tests.support.fake_catalogs import NCAL_FIXTURE, FakeCatalogs, read_usgs_fixture, usgs_error_body

Date = datetime.date
HEADER, EVENTS = read_usgs_fixture()
NCAL_LINES = NCAL_FIXTURE.read_text().splitlines()[1:]
BOUNDARY = next(e for e in EVENTS if e.time == datetime.datetime(2018, 1, 1))  # an event exactly on a midnight
LEAD = ["id", "time", "latitude", "longitude", "depth", "mag", "magType", "place"]
HTML_PAGE = b"<!DOCTYPE html>\n<html><head><title>Sign in to the network</title></head><body>Hi</body></html>"


@pytest.fixture(scope="module")
def _server() -> Iterator[FakeCatalogs]:
    server = FakeCatalogs()
    yield server
    server.stop()


@pytest.fixture
def catalogs(_server: FakeCatalogs) -> Iterator[FakeCatalogs]:
    """The loopback USGS and raw-file host, reset for each test."""
    _server.reset()
    yield _server
    _server.reset()


def usgs(catalogs: FakeCatalogs, start: Date, end: Date, magnitude: float = -1.0, **kwargs: object) -> pa.Table:
    return fetch_usgs_catalog(start, end, magnitude, base_url=catalogs.usgs_url, **kwargs)


def fixture_ids(start: Date, end: Date, magnitude: float = -1.0) -> set[str]:
    """The fixture's events in [start, end) with at least that magnitude: what a correct fetch returns."""
    low, high = datetime.datetime.combine(start, datetime.time()), datetime.datetime.combine(end, datetime.time())
    return {e.id for e in EVENTS if low <= e.time < high and e.mag is not None and e.mag >= magnitude}


def bundled_types() -> dict[str, pa.DataType]:
    return {field.name: field.type for field in pq.read_schema(EARTHQUAKES_PARQUET)}


def refusal(call: Callable[[], object]) -> CatalogUnavailable:
    with pytest.raises(CatalogUnavailable) as caught:
        call()
    error = caught.value
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__), "no chained traceback"
    return error


# USGS: complete and in parts -------------------------------------------------------------------


def test_a_range_over_the_cap_is_fetched_in_contiguous_parts_with_every_event_exactly_once(
    catalogs: FakeCatalogs,
) -> None:
    catalogs.max_allowed = 25
    table = usgs(catalogs, Date(2016, 1, 1), Date(2021, 1, 1))
    queries = catalogs.query_requests()
    assert len(queries) >= math.ceil(len(EVENTS) / 25)
    assert all(q.status == 200 for q in queries), "no part may go over the cap"
    assert queries[0].query["starttime"] == "2016-01-01"
    assert queries[-1].query["endtime"] == "2021-01-01"
    for before, after in zip(queries, queries[1:], strict=False):
        assert after.query["starttime"] == before.query["endtime"]
    ids = table["id"].to_pylist()
    assert len(ids) == len(set(ids))
    assert set(ids) == fixture_ids(Date(2016, 1, 1), Date(2021, 1, 1)) == {e.id for e in EVENTS}


def test_an_event_exactly_on_a_part_boundary_is_returned_twice_by_the_service_but_kept_once(
    catalogs: FakeCatalogs,
) -> None:
    catalogs.max_allowed = 20
    table = usgs(catalogs, Date(2017, 1, 1), Date(2019, 1, 1))
    queries = catalogs.query_requests()
    assert "2018-01-01" in [q.query["endtime"] for q in queries]
    served = sum(BOUNDARY in catalogs.matching(q.query) for q in queries)
    assert served == 2
    assert table["id"].to_pylist().count(BOUNDARY.id) == 1
    assert set(table["id"].to_pylist()) == fixture_ids(Date(2017, 1, 1), Date(2019, 1, 1))


def test_the_start_date_is_included_and_the_end_date_is_not(catalogs: FakeCatalogs) -> None:
    ending_there = usgs(catalogs, Date(2017, 6, 1), Date(2018, 1, 1))
    starting_there = usgs(catalogs, Date(2018, 1, 1), Date(2018, 6, 1))
    assert BOUNDARY.id not in ending_there["id"].to_pylist()
    assert BOUNDARY.id in starting_there["id"].to_pylist()


def test_min_magnitude_keeps_only_events_at_or_above_it(catalogs: FakeCatalogs) -> None:
    table = usgs(catalogs, Date(2016, 1, 1), Date(2021, 1, 1), 4.5)
    assert 0 < table.num_rows < len(EVENTS)
    assert min(table["mag"].to_pylist()) >= 4.5
    assert set(table["id"].to_pylist()) == fixture_ids(Date(2016, 1, 1), Date(2021, 1, 1), 4.5)
    assert {r.query["minmagnitude"] for r in catalogs.requests} == {"4.5"}


def test_the_usgs_table_has_the_contract_columns_and_the_bundled_tables_types(catalogs: FakeCatalogs) -> None:
    table = usgs(catalogs, Date(2019, 1, 1), Date(2020, 1, 1))
    assert table.column_names[:8] == LEAD
    assert set(HEADER.split(",")) <= set(table.column_names)
    bundled = bundled_types()
    for name in set(table.column_names) & set(bundled):
        assert table.schema.field(name).type == bundled[name], name
    assert table.schema.field("time").type == pa.timestamp("us")  # naive: UTC by convention
    assert table.schema.field("magNst").type == pa.int32()
    ridgecrest = table.filter(pc.equal(table["id"], "ci38457511")).to_pylist()[0]
    assert ridgecrest["time"] == datetime.datetime(2019, 7, 6, 3, 19, 53, 40000)
    assert ridgecrest["updated"] == datetime.datetime(2023, 9, 22, 21, 50, 30, 29000)
    assert (ridgecrest["mag"], ridgecrest["magType"], ridgecrest["nst"]) == (7.1, "mw", 83)
    assert ridgecrest["place"] == "2019 Ridgecrest Earthquake Sequence"
    assert ridgecrest["magError"] is None


def test_rows_come_back_sorted_by_time_even_when_the_service_sends_them_newest_first(catalogs: FakeCatalogs) -> None:
    catalogs.reverse_order = True
    catalogs.max_allowed = 25
    times = usgs(catalogs, Date(2016, 1, 1), Date(2021, 1, 1))["time"].to_pylist()
    assert len(times) == len(EVENTS)
    assert times == sorted(times)


def test_progress_is_reported_for_each_part_and_ends_at_one(catalogs: FakeCatalogs) -> None:
    catalogs.max_allowed = 25
    reports: list[tuple[float, str]] = []
    usgs(catalogs, Date(2016, 1, 1), Date(2021, 1, 1), progress=lambda f, t: reports.append((f, t)))
    fractions = [f for f, _ in reports]
    assert all(0.0 <= f <= 1.0 for f in fractions)
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0 and fractions.count(1.0) == 1
    parts = [t for _, t in reports if t.startswith("Downloading part")]
    assert len(parts) == len(catalogs.query_requests())
    assert parts[-1].startswith(f"Downloading part {len(parts)} of {len(parts)}")
    assert reports[-1][1] == f"Loaded {len(EVENTS)} earthquakes from USGS"


def test_a_range_without_events_gives_an_empty_table_with_the_contract_columns(catalogs: FakeCatalogs) -> None:
    reports: list[tuple[float, str]] = []
    table = usgs(catalogs, Date(2010, 1, 1), Date(2011, 1, 1), progress=lambda f, t: reports.append((f, t)))
    full = usgs(catalogs, Date(2019, 1, 1), Date(2020, 1, 1))
    assert table.num_rows == 0
    assert table.schema == full.schema
    assert [r.method for r in catalogs.requests if r.query["starttime"] == "2010-01-01"] == ["count"]
    assert reports[-1][0] == 1.0 and "No earthquakes" in reports[-1][1]


def test_a_part_that_outgrew_the_cap_after_counting_is_split_again(catalogs: FakeCatalogs) -> None:
    catalogs.max_allowed = 25
    # The first count undercounts, as when events arrive between counting and downloading.
    catalogs.fail_next(1, 200, '{"count":20,"maxAllowed":25}', "application/json", only="count")
    table = usgs(catalogs, Date(2016, 1, 1), Date(2021, 1, 1))
    statuses = [q.status for q in catalogs.query_requests()]
    assert statuses[0] == 400 and statuses[1:] and set(statuses[1:]) == {200}
    ids = table["id"].to_pylist()
    assert len(ids) == len(set(ids)) == len(EVENTS)


def test_a_range_needing_too_many_parts_is_refused_before_downloading(catalogs: FakeCatalogs) -> None:
    catalogs.max_allowed = 2
    error = refusal(lambda: usgs(catalogs, Date(2016, 1, 1), Date(2021, 1, 1)))
    assert error.kind == "too_large"
    assert "more than 25 requests" in str(error) and "shorter range or a higher minimum magnitude" in str(error)
    assert catalogs.query_requests() == [] and len(catalogs.count_requests()) == 1


def test_a_range_with_more_events_than_memory_allows_is_refused(catalogs: FakeCatalogs) -> None:
    catalogs.fail_next(1, 200, '{"count":600000,"maxAllowed":20000}', "application/json", only="count")
    error = refusal(lambda: usgs(catalogs, Date(1990, 1, 1), Date(2021, 1, 1)))
    assert error.kind == "too_large"
    assert "600,000" in str(error) and "500,000" in str(error)
    assert catalogs.query_requests() == []


@pytest.mark.parametrize(
    ("start", "end", "magnitude", "says"),
    [
        (Date(2020, 1, 1), Date(2019, 1, 1), 2.5, "must be after the start date"),
        (Date(2020, 1, 1), Date(2020, 1, 1), 2.5, "must be after the start date"),
        (Date(2019, 1, 1), Date(2020, 1, 1), 11, "between -1 and 10"),
        (Date(2019, 1, 1), Date(2020, 1, 1), -3, "between -1 and 10"),
        (Date(2019, 1, 1), Date(2020, 1, 1), float("nan"), "must be a number"),
        (Date(2019, 1, 1), Date(2020, 1, 1), True, "must be a number"),
        ("2019-01-01", Date(2020, 1, 1), 2.5, "must be dates"),
    ],
)
def test_bad_arguments_are_refused_clearly_without_asking_the_service(
    catalogs: FakeCatalogs, start: Date, end: Date, magnitude: float, says: str
) -> None:
    error = refusal(lambda: usgs(catalogs, start, end, magnitude))
    assert error.kind == "invalid"
    assert says in str(error)
    assert catalogs.requests == []


# Northern California ---------------------------------------------------------------------------


def test_the_ncal_catalog_is_mapped_onto_the_contract(catalogs: FakeCatalogs) -> None:
    table = fetch_ncal_catalog(url=catalogs.ncal_url)
    assert table.num_rows == len(NCAL_LINES)
    assert table.column_names[:8] == LEAD
    assert sorted(table["id"].to_pylist()) == sorted(line.rsplit(",", 1)[1] for line in NCAL_LINES)
    rows = {row["id"]: row for row in table.to_pylist()}
    first = rows["1000872"]  # 1967/08/01 10:33:50.47,36.08000,-121.07083,80.339,2.50,Mx,10,292,42,0.25,NCSN,1000872
    assert first["time"] == datetime.datetime(1967, 8, 1, 10, 33, 50, 470000)
    assert (first["latitude"], first["longitude"], first["depth"]) == (36.08, -121.07083, 80.339)
    assert (first["mag"], first["magType"], first["nst"], first["gap"]) == (2.5, "Mx", 10, 292.0)
    assert (first["dmin"], first["rms"], first["net"], first["type"]) == (42.0, 0.25, "NCSN", "earthquake")
    assert first["place"] is None
    assert rows["216859"]["time"] == datetime.datetime(1989, 10, 18, 0, 4, 15)  # written without fractions
    blank = rows["1030018"]
    assert (blank["nst"], blank["gap"], blank["dmin"]) == (None, None, None)


def test_the_ncal_table_has_the_bundled_tables_types_and_is_sorted_by_time(catalogs: FakeCatalogs) -> None:
    catalogs.reverse_order = True
    table = fetch_ncal_catalog(url=catalogs.ncal_url)
    bundled = bundled_types()
    for name in table.column_names:
        assert table.schema.field(name).type == bundled[name], name
    times = table["time"].to_pylist()
    assert times == sorted(times) and times[0].year == 1967


def test_the_ncal_download_reports_progress_from_content_length(
    catalogs: FakeCatalogs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catalog_module, "READ_BLOCK_BYTES", 256)  # several blocks from a small fixture
    reports: list[tuple[float, str]] = []
    fetch_ncal_catalog(url=catalogs.ncal_url, progress=lambda f, t: reports.append((f, t)))
    downloading = [f for f, t in reports if " of " in t and t.startswith("Downloading")]
    assert len(downloading) >= 5
    assert downloading == sorted(set(downloading)) and 0 < downloading[0] < downloading[-1] < 1.0
    assert reports[-1] == (1.0, f"Loaded {len(NCAL_LINES)} earthquakes from the Northern California catalog")


def test_the_ncal_download_without_content_length_still_loads_and_ends_at_one(catalogs: FakeCatalogs) -> None:
    catalogs.ncal_content_length = False
    reports: list[tuple[float, str]] = []
    table = fetch_ncal_catalog(url=catalogs.ncal_url, progress=lambda f, t: reports.append((f, t)))
    assert table.num_rows == len(NCAL_LINES)
    assert any(t.endswith("so far") for _, t in reports)
    assert reports[-1][0] == 1.0


def test_a_download_cut_short_is_reported_rather_than_half_loaded(catalogs: FakeCatalogs) -> None:
    catalogs.ncal_cut_after = 700
    error = refusal(lambda: fetch_ncal_catalog(url=catalogs.ncal_url))
    assert "was cut short" in str(error) and "Try again" in str(error)


# Failures, explained -----------------------------------------------------------------------------

LOADERS: dict[str, Callable[[str], object]] = {
    "usgs": lambda url: fetch_usgs_catalog(Date(2019, 1, 1), Date(2020, 1, 1), 2.5, base_url=url, timeout_s=5),
    "ncal": lambda url: fetch_ncal_catalog(url=url, timeout_s=5),
}


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("url", ["http://127.0.0.1:9/fdsnws/event/1", "http://nonexistent.invalid/data.csv"])
def test_an_unreachable_service_is_explained_as_offline(loader: str, url: str) -> None:
    error = refusal(lambda: LOADERS[loader](url))
    host = urlsplit(url).netloc
    assert str(error).startswith(f"Could not reach {host}: the app seems to be offline or the service is down.")
    assert error.kind == "offline"


def test_a_service_that_does_not_answer_in_time_is_explained_as_offline() -> None:
    slow = FakeCatalogs()  # its own server: the late answer must not reach another test
    slow.delay = 1.0
    try:
        error = refusal(lambda: fetch_ncal_catalog(url=slow.ncal_url, timeout_s=0.2))
    finally:
        slow.stop()
    assert str(error).startswith("Could not reach 127.0.0.1:")
    assert "no answer within 0.2 s" in str(error)


def test_an_http_500_gives_the_status_and_the_services_own_short_text(catalogs: FakeCatalogs) -> None:
    text = usgs_error_body(500, "Unable to reach the event database, please try again later.", "/fdsnws/event/1/count")
    catalogs.fail_next(1, 500, text, only="count")
    error = refusal(lambda: usgs(catalogs, Date(2019, 1, 1), Date(2020, 1, 1)))
    message = str(error)
    assert message.startswith(f"{urlsplit(catalogs.url).netloc} answered HTTP 500 (Internal Server Error)")
    assert "Unable to reach the event database" in message and "try again in a few minutes" in message
    assert "Error 500:" not in message and "Usage details" not in message
    assert (error.kind, error.status) == ("http", 500)


def test_a_missing_file_gives_the_status_and_a_hint(catalogs: FakeCatalogs) -> None:
    error = refusal(lambda: fetch_ncal_catalog(url=catalogs.url + "/keplergl/earthquakes/nope.csv"))
    assert "HTTP 404" in str(error) and "404: Not Found" in str(error) and "address may be wrong" in str(error)


@pytest.mark.parametrize(("only", "expected"), [("query", "the USGS earthquake CSV"), ("count", "the expected JSON")])
def test_a_web_page_instead_of_usgs_data_is_explained(catalogs: FakeCatalogs, only: str, expected: str) -> None:
    catalogs.fail_next(1, 200, HTML_PAGE, "text/html", only=only)
    error = refusal(lambda: usgs(catalogs, Date(2019, 1, 1), Date(2020, 1, 1)))
    assert "sent a web page instead of" in str(error) and expected in str(error)
    assert error.kind == "format"


def test_a_web_page_instead_of_the_ncal_csv_is_explained(catalogs: FakeCatalogs) -> None:
    catalogs.fail_next(1, 200, HTML_PAGE, "text/html")
    error = refusal(lambda: fetch_ncal_catalog(url=catalogs.ncal_url))
    assert "sent a web page instead of the Northern California earthquake CSV" in str(error)


def test_a_csv_without_the_expected_columns_names_what_is_missing(catalogs: FakeCatalogs) -> None:
    catalogs.fail_next(1, 200, NCAL_FIXTURE.read_bytes(), "text/csv", only="query")
    usgs_error = refusal(lambda: usgs(catalogs, Date(2019, 1, 1), Date(2020, 1, 1)))
    catalogs.fail_next(1, 200, HEADER + "\n", "text/plain")
    ncal_error = refusal(lambda: fetch_ncal_catalog(url=catalogs.ncal_url))
    assert "the columns id, time, latitude, longitude, depth, mag, magType, place are missing" in str(usgs_error)
    assert "the columns DateTime, Latitude, Longitude" in str(ncal_error)
    assert usgs_error.kind == ncal_error.kind == "format"


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/data.csv", "earthquakes.csv"])
def test_only_web_addresses_are_fetched(url: str) -> None:
    for loader in LOADERS.values():
        error = refusal(lambda loader=loader: loader(url))
        assert error.kind == "invalid" and "Not a web address" in str(error)
