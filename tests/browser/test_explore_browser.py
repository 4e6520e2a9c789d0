"""Upload a CSV in the real app, see it in the table list, and ask the chat about it."""

from __future__ import annotations

import pytest

from tests.support.browser import ARTIFACTS
from tests.support.fake_endpoint import FakeEndpoint
from tests.support.scripted_model import ScriptedModel

pytestmark = pytest.mark.browser

STATIONS = "station,region,height_m\nZermatt,Valais,1608\nDavos,Graubunden,1560\nSion,Valais,482\n"


def test_upload_a_csv_and_ask_about_it(page, owner_app: str, endpoint: FakeEndpoint, tmp_path) -> None:  # type: ignore[no-untyped-def]
    endpoint.responder = ScriptedModel(insight="Valais has two stations.")
    csv_file = tmp_path / "stations.csv"
    csv_file.write_text(STATIONS)
    url = owner_app
    page.goto(f"{url}/explore")
    page.get_by_role("tab", name="Add data").click()
    page.locator("input[type='file']").first.set_input_files(str(csv_file))
    page.get_by_text("Loaded stations.csv → table stations (3 rows, 3 columns).").wait_for()
    page.get_by_text("First rows of stations (all of it is on the Tables tab)").wait_for()
    page.get_by_role("tab", name="Tables").click()
    # The new table is open already, with its first rows: its button is one click away.
    # It asks the table's first suggested question, with the SQL the app checked: only the insight is the model's.
    page.get_by_role("button", name="Ask about this table").last.click()
    page.get_by_text("How many stations are there for each region?").first.wait_for()
    page.get_by_text("Valais has two stations.", exact=True).wait_for()
    page.get_by_role("tab", name="Result (2 rows)").wait_for()
    page.screenshot(path=str(ARTIFACTS / "explore-upload-chat.png"), full_page=True)
    asked = [r.body["messages"] for r in endpoint.chat_requests()]
    assert len(asked) == 1 and "Valais" in asked[0][-1]["content"]  # the insight call, about the result
