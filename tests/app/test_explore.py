"""The Explore page in AppTest: tables, profiles, the SQL workbench and uploads, on real DuckDB."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from tests.support.apptest import open_app, texts
from tests.support.fake_catalogs import FakeCatalogs

STATIONS = b"station,region,height_m\nZermatt,Valais,1608\nDavos,Graubunden,1560\nSion,Valais,482\n"


def explore() -> AppTest:
    at = open_app().run()
    return at.switch_page("pages/explore.py").run()


def button(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label == label)


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    return at.file_uploader[0].set_value((name, data, "text/csv")).run()


def test_tables_show_row_counts_profile_and_preview() -> None:
    at = explore()
    assert not at.exception
    assert [t.label for t in at.tabs] == ["Tables", "SQL workbench", "Add data"]
    assert "**earthquakes** — 1,707 rows · 30 columns" in [e.label for e in at.expander]
    assert not at.dataframe  # a closed table is not read: its profile is made when it is opened
    at.session_state["table_earthquakes"] = True  # as a click on it does
    at.run()
    profile = at.dataframe[0].value
    assert list(profile.columns) == [
        "column", "type", "histogram", "min", "max", "mean", "25%", "median", "75%", "distinct (approx.)", "null %",
    ]  # fmt: skip
    assert (profile["distinct (approx.)"] <= 1707).all()
    assert profile.set_index("column").loc["id", "distinct (approx.)"] == 1707  # HyperLogLog says more
    assert profile.set_index("column").loc["mag", "max"] == "6.4"
    assert len(at.dataframe[1].value) == 20


def test_the_workbench_runs_sql_in_the_sandbox_and_charts_it() -> None:
    at = explore()
    button(at, "Run").click().run()
    assert any(text.startswith("7 rows") for text in texts(at.caption))
    assert at.dataframe[0].value["n"].tolist()[0] == 1063
    assert len(at.get("vega_lite_chart")) == 1
    at.selectbox(key="wb_mark").set_value("point").run()
    assert at.get("vega_lite_chart")[0].proto.spec.count('"point"') >= 1
    at.text_area(key="workbench_sql").input("COPY earthquakes TO '/tmp/x.csv'").run()
    button(at, "Run").click().run()
    assert texts(at.error)[0].startswith("Refused")
    at.text_area(key="workbench_sql").input("SELECT nope FROM earthquakes").run()
    button(at, "Run").click().run()
    assert texts(at.error)[0].startswith("Binder Error")


def test_an_uploaded_csv_becomes_a_profiled_table() -> None:
    at = upload(explore(), "Swiss Stations.csv", STATIONS)
    assert not at.exception
    assert "Loaded Swiss Stations.csv → table swiss_stations (3 rows, 3 columns)." in texts(at.success)
    assert "**swiss_stations** — 3 rows · 3 columns" in [e.label for e in at.expander]
    # The new table opens with its first rows: under the message, and expanded on the Tables tab.
    assert "First rows of swiss_stations (all of it is on the Tables tab)" in texts(at.caption)
    opened = [e for e in at.expander if e.proto.expanded]
    assert [e.label for e in opened] == ["**swiss_stations** — 3 rows · 3 columns"]
    assert any(
        "station" in d.value and d.value["station"].tolist() == ["Zermatt", "Davos", "Sion"] for d in at.dataframe
    )


def test_a_bad_upload_gets_a_message_and_loads_nothing() -> None:
    at = upload(explore(), "ragged.csv", b"a,b\n1,2\n3,4,5\n")
    assert texts(at.error)[0].startswith("ragged.csv: rows have different numbers of fields")
    assert [e.label for e in at.expander if "**" in e.label] == ["**earthquakes** — 1,707 rows · 30 columns"]


def test_replacing_a_table_asks_first() -> None:
    at = upload(explore(), "stations.csv", STATIONS)
    at = upload(at, "stations.csv", STATIONS + b"Chur,Graubunden,593\n")
    assert any("A table named **stations** already exists" in w for w in texts(at.warning))
    button(at, "Keep both").click().run()
    labels = [e.label for e in at.expander]
    assert "**stations** — 3 rows · 3 columns" in labels and "**stations_2** — 4 rows · 3 columns" in labels
    at = upload(at, "stations.csv", b"station\nOnly\n")
    button(at, "Replace stations").click().run()
    assert "**stations** — 1 rows · 1 columns" in [e.label for e in at.expander]


def test_a_bundled_sample_can_be_added() -> None:
    at = explore()
    sample_box = next(s for s in at.selectbox if s.label == "Sample dataset")
    sample_box.set_value("seattle-weather").run()
    button(at, "Add sample").click().run()
    assert "**seattle_weather** — 1,461 rows · 6 columns" in [e.label for e in at.expander]


def test_uploads_belong_to_one_session() -> None:
    first = upload(explore(), "mine.csv", STATIONS)
    second = explore()
    assert any("**mine**" in e.label for e in first.expander)
    assert not any("**mine**" in e.label for e in second.expander)


def test_ask_about_this_table_hands_a_question_to_the_chat() -> None:
    at = upload(explore(), "stations.csv", STATIONS)
    at.button(key="ask_stations").click().run()
    assert not at.exception
    asked = at.chat_message[0].markdown[0].value
    assert asked.startswith("How many") and "stations" in asked  # the table's first suggested question
    assert texts(at.error)[0].startswith("HuggingFace API key required")


def test_files_attached_in_the_chat_input_become_tables() -> None:
    at = open_app().run()
    at.chat_input[0].upload("stations.csv", STATIONS, "text/csv").run()
    assert not at.exception
    assert at.chat_message[0].markdown[0].value == "📎 stations.csv"  # nothing in it can be markup: as typed
    assert "Loaded stations.csv → table stations (3 rows, 3 columns)." in [m.value for m in at.chat_message[1].markdown]
    assert "stations (3 rows)" in texts(at.caption)[0]


class TestEarthquakeCatalogs:
    """The loaders behind the Explore page, against a loopback server in the services' formats."""

    @pytest.fixture
    def catalogs(self, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
        server = FakeCatalogs()
        monkeypatch.setenv("USGS_FDSN_URL", server.usgs_url)
        monkeypatch.setenv("NCAL_CSV_URL", server.ncal_url)
        yield server
        server.stop()

    def load_usgs(self, at: AppTest, start: date, end: date, magnitude: float) -> AppTest:
        at.date_input[0].set_value(start)
        at.date_input[1].set_value(end)
        at.number_input[0].set_value(magnitude)
        return button(at, "Load from USGS").click().run()

    def test_usgs_years_replace_the_earthquakes_table(self, catalogs) -> None:  # type: ignore[no-untyped-def]
        catalogs.max_allowed = 20
        at = self.load_usgs(explore(), date(2016, 1, 1), date(2020, 12, 31), -1.0)
        assert not at.exception
        assert "The earthquakes table now holds 88 events from the USGS catalog." in texts(at.success)
        assert "**earthquakes** — 88 rows · 22 columns" in [e.label for e in at.expander]
        assert len(catalogs.query_requests()) >= 5  # split to respect the per-request cap

    def test_a_second_load_is_served_from_the_cache(self, catalogs) -> None:  # type: ignore[no-untyped-def]
        at = self.load_usgs(explore(), date(2017, 1, 1), date(2017, 12, 31), 2.5)
        first = len(catalogs.requests)
        at = self.load_usgs(at, date(2017, 1, 1), date(2017, 12, 31), 2.5)
        assert len(catalogs.requests) == first
        assert texts(at.success)[-1].startswith("The earthquakes table now holds")

    def test_offline_gives_a_clear_message_and_keeps_the_data(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("USGS_FDSN_URL", "http://127.0.0.1:9/fdsnws/event/1")
        at = self.load_usgs(explore(), date(2019, 3, 1), date(2019, 3, 2), 6.0)
        assert texts(at.error)[0].startswith("Could not reach 127.0.0.1")
        assert "**earthquakes** — 1,707 rows · 30 columns" in [e.label for e in at.expander]

    def test_the_northern_california_catalog_can_be_added_as_a_new_table(self, catalogs) -> None:  # type: ignore[no-untyped-def]
        at = explore()
        at.radio(key="ncal_target").set_value("A new table").run()
        at = button(at, "Load Northern California catalog").click().run()
        assert "Added 31 events from the NCEDC catalog as table ncal_earthquakes." in texts(at.success)
        labels = [e.label for e in at.expander]
        assert "**ncal_earthquakes** — 31 rows · 14 columns" in labels
        assert "**earthquakes** — 1,707 rows · 30 columns" in labels


def test_a_page_opened_on_its_own_still_runs_app_py_and_its_sidebar() -> None:
    """AppTest runs every script run as a v1 multipage app (as a fresh server does): the page runs app.py."""
    at = open_app().switch_page("pages/explore.py").run()
    assert not at.exception
    assert "Explore your data" in texts(at.title)
    assert any(b.label == "Test connection" for b in at.sidebar.button)
    assert len([t for t in at.title if t.value == "Explore your data"]) == 1  # drawn once, not twice
