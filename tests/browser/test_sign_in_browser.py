"""A private demo in headless Chromium: sign-in with Streamlit's ``st.login`` against a local OpenID Connect provider
(``oidc-provider-mock``), the owner's allow-list, the owner's usage table, signing out and an expired sign-in.

The provider runs in this test process on a loopback port; the app reads its ``[auth]`` and ``[access]`` sections
from a secrets file of the test's own. No secret (client secret, cookie secret, the owner's token, an identity
token) may reach a page or the app's log."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import oidc_provider_mock
import pytest
from oidc_provider_mock._storage import User

from tests.support.browser import ARTIFACTS
from tests.support.fake_endpoint import FakeEndpoint
from tests.support.scripted_model import ScriptedModel, fenced
from tests.support.streamlit_server import ROOT, free_port, running_app

pytestmark = pytest.mark.browser

OWNER_TOKEN = "hf_PrivateDemoOwner00000001"
CLIENT_SECRET = "oidc-client-secret-0f9e8d7c6b5a"
INVITED = "ana@example.com"  # the owner, so also allowed
REFUSED = "bob@other.org"
NINE_HOURS_AGO = int(time.time()) - 9 * 3600  # past the default session_minutes (480)
USERS = [
    User(sub="ana", claims={"email": INVITED, "email_verified": True, "name": "Ana"}),
    User(sub="bob", claims={"email": REFUSED, "email_verified": True, "name": "Bob"}),
    # Ana again, with an identity token issued nine hours ago (the provider copies the claim into the token).
    User(sub="ana-yesterday", claims={"email": INVITED, "email_verified": True, "iat": NINE_HOURS_AGO}),
]
BY_TYPE = 'SELECT "magType", count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY n DESC'
SCREENSHOT = ARTIFACTS / "sign-in.png"  # docs/sign-in.png is a copy, for docs/private-demo.md


@dataclass
class PrivateDemo:
    url: str
    issuer: str
    cookie_secret: str
    port: int

    @property
    def log(self) -> Path:
        return ROOT / "test-artifacts" / f"streamlit-{self.port}.log"


@contextmanager
def private_demo(endpoint: FakeEndpoint, folder: Path, session_minutes: float = 480) -> Iterator[PrivateDemo]:
    """The app as an owner's private demo: "Sign in with Hugging Face" against the local provider, ana invited
    (and the owner), the owner's token and the loopback endpoint in the secrets."""
    with oidc_provider_mock.run_server_in_thread(user_claims=USERS) as provider:
        issuer = f"http://localhost:{provider.server_port}"
        port = free_port()
        cookie_secret = secrets.token_hex(16)
        secrets_file = folder / "secrets.toml"
        secrets_file.write_text(
            f"""
HUGGINGFACE_API_KEY = "{OWNER_TOKEN}"
HUGGINGFACE_ENDPOINT_URL = "{endpoint.url}"
HUGGINGFACE_MODEL = "tgi"

[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "{cookie_secret}"

[auth.huggingface]
client_id = "private-demo"
client_secret = "{CLIENT_SECRET}"
server_metadata_url = "{issuer}/.well-known/openid-configuration"
client_kwargs = {{ scope = "openid profile email" }}

[access]
allowed_emails = ["{INVITED}"]
owners = ["{INVITED}"]
session_minutes = {session_minutes}
""",
            encoding="utf-8",
        )
        with running_app({"STREAMLIT_SECRETS_FILES": str(secrets_file)}, port=port) as url:
            yield PrivateDemo(url, issuer, cookie_secret, port)


def sign_in(page, demo: PrivateDemo, subject: str, *, wait: bool = True) -> None:  # type: ignore[no-untyped-def]
    page.goto(demo.url)
    page.get_by_role("button", name="Sign in with Hugging Face").click()
    page.wait_for_url(f"{demo.issuer}/**")
    page.get_by_placeholder("sub").fill(subject)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{demo.url}/**")
    if wait:
        page.get_by_text("Signed in as").wait_for()


def sidebar_text(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator("[data-testid=stSidebar]").inner_text()


def assert_no_secret(texts: list[str], demo: PrivateDemo) -> None:
    for text in texts:
        for secret in (OWNER_TOKEN, CLIENT_SECRET, demo.cookie_secret):
            assert secret not in text
        assert "eyJ" not in text  # no identity or access token (a JWT) either


@pytest.fixture(scope="module")
def demo(_endpoint_server: FakeEndpoint, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateDemo]:
    with private_demo(_endpoint_server, tmp_path_factory.mktemp("private-demo")) as running:
        yield running


def test_a_visitor_not_signed_in_or_not_on_the_list_keeps_to_their_own_key(
    page, demo: PrivateDemo, endpoint: FakeEndpoint
) -> None:  # type: ignore[no-untyped-def]
    page.goto(demo.url)  # not signed in: told why, and the owner's token is not used
    page.get_by_role("button", name="Sign in with Hugging Face").wait_for()
    text = sidebar_text(page)
    assert "for invited people: sign in, or enter your own HuggingFace token" in text
    assert "HuggingFace API key required" in text and "Using the app's configured token" not in text
    assert page.get_by_role("button", name="Test connection").is_disabled()
    assert_no_secret([page.content()], demo)
    sign_in(page, demo, "bob")  # signed in, but not invited
    page.get_by_text("signed in, but this demo's endpoint is for invited people").first.wait_for()  # drawn after
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(state="attached")
    text = sidebar_text(page)
    assert "Signed in as bob" in text.replace("\u2060", "")
    assert "signed in, but this demo's endpoint is for invited people" in text
    assert "HuggingFace API key required" in text
    page.get_by_role("button", name="Sign out").wait_for()
    assert_no_secret([page.content()], demo)
    page.get_by_role("link", name="Endpoints").click()
    page.get_by_role("tab", name="Compare").wait_for()
    assert page.get_by_role("tab", name="Usage").count() == 0  # the owner's only
    assert endpoint.requests == []


def test_an_invited_owner_asks_sees_the_usage_table_and_signs_out(
    page, browser, demo: PrivateDemo, endpoint: FakeEndpoint
) -> None:  # type: ignore[no-untyped-def]
    endpoint.responder = ScriptedModel(default=fenced(BY_TYPE, "bar x=magType y=n"))
    sign_in(page, demo, "ana")
    page.get_by_text("Using the app's configured token.").wait_for()
    assert "Signed in as ana@example.com · owner" in sidebar_text(page).replace("\u2060", "")
    page.screenshot(path=str(SCREENSHOT), clip={"x": 0, "y": 0, "width": 1400, "height": 560})
    box = page.get_by_placeholder("Ask a question about the data")
    box.fill("How many events per magnitude type?")
    box.press("Enter")
    page.get_by_role("tab", name="Result (7 rows)").wait_for()
    assert {r.headers["authorization"] for r in endpoint.chat_requests()} == {f"Bearer {OWNER_TOKEN}"}
    link = page.url

    page.get_by_role("link", name="Endpoints").click()
    page.get_by_role("tab", name="Usage").click()
    page.get_by_text("Calls on this app's token in the last 24 hours").wait_for()
    page.get_by_text("Memory the app holds for all visitors").wait_for()
    page.get_by_role("button", name="Download usage CSV").wait_for()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download usage CSV").click()
    rows = Path(download.value.path()).read_text().splitlines()
    assert rows[0].startswith("visitor,calls,prompt_tokens") and rows[1].startswith(f"{INVITED},2,")
    assert "How many events" not in "\n".join(rows)  # no question text unless the owner turns it on
    page.screenshot(path=str(ARTIFACTS / "sign-in-usage.png"), full_page=True)
    assert_no_secret([page.content()], demo)

    other = browser.new_context()  # someone else opens ana's conversation link: it does not open for them
    stranger = other.new_page()
    stranger.goto(link)
    stranger.get_by_text("opens only for them").wait_for()
    assert "How many events per magnitude type?" not in stranger.content()
    other.close()

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="End session").click()  # the provider's own sign-out, which comes back
    page.get_by_role("button", name="Sign in with Hugging Face").wait_for()
    assert "HuggingFace API key required" in sidebar_text(page)
    assert_no_secret([page.content(), demo.log.read_text()], demo)


def test_an_expired_sign_in_no_longer_uses_the_owner_s_token(page, demo: PrivateDemo, endpoint: FakeEndpoint) -> None:  # type: ignore[no-untyped-def]
    """An invited person whose sign-in is older than ``session_minutes``: Streamlit's cookie still says signed in
    (it lasts 30 days), the app says it has expired."""
    sign_in(page, demo, "ana-yesterday", wait=False)
    page.get_by_text("Your sign-in has expired: sign in again").first.wait_for()
    text = sidebar_text(page)
    assert "HuggingFace API key required" in text and "Signed in as" not in text
    page.get_by_role("button", name="Sign in with Hugging Face").wait_for()
    assert_no_secret([page.content(), demo.log.read_text()], demo)
    assert endpoint.requests == []
