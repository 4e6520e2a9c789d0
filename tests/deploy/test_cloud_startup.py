"""The start-up path of a Streamlit Community Cloud deployment, end to end.

A clean copy of the repository's tracked files, a fresh virtual environment with only ``requirements.txt``
installed by uv, the installer Community Cloud uses (wheels only: nothing is built from source),
``streamlit run app.py`` from the copy's root with the owner's ``.streamlit/secrets.toml``, and the page in
headless Chromium.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from uv import find_uv_bin as uv_binary

from tests.support.browser import ARTIFACTS, ROOT
from tests.support.fake_endpoint import FakeEndpoint
from tests.support.scripted_model import ScriptedModel, fenced
from tests.support.streamlit_server import running_app

pytestmark = [pytest.mark.browser, pytest.mark.deploy, pytest.mark.timeout(900), pytest.mark.xdist_group("heavy")]

TOKEN = "hf_DeployOwnerToken0000001"
IGNORED = shutil.ignore_patterns(".git", ".venv", "test-artifacts", ".cache", "__pycache__", "secrets.toml")


def clean_copy(destination: Path) -> Path:
    """The files a clone would have: git's tracked files, or the tree without local state."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True)
    if listed.returncode != 0:
        shutil.copytree(ROOT, destination, ignore=IGNORED)
        return destination
    for name in filter(None, listed.stdout.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


def cloud_environment(folder: Path) -> str:
    """A new virtual environment with requirements.txt only, installed by uv as Community Cloud does; returns
    its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder / "venv")], check=True)
    python = str(folder / "venv" / "bin" / "python")
    install = [uv_binary(), "pip", "install", "--quiet", "--python", python, "--only-binary=:all:", "-r"]
    done = subprocess.run(
        [*install, str(folder / "app" / "requirements.txt")], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return python


def test_a_fresh_environment_with_only_requirements_txt_serves_the_app(page, endpoint: FakeEndpoint, tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = clean_copy(tmp_path / "app")
    assert not (app / ".streamlit" / "secrets.toml").exists() and (app / ".streamlit" / "config.toml").exists()
    python = cloud_environment(tmp_path)
    has_pytest = subprocess.run([python, "-c", "import pytest"], capture_output=True).returncode == 0
    assert not has_pytest  # the environment really is requirements.txt alone

    endpoint.responder = ScriptedModel().on(
        "magnitude type",
        fenced('SELECT "magType", count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY n DESC', "bar x=magType y=n"),
    )
    (app / ".streamlit" / "secrets.toml").write_text(
        f'HUGGINGFACE_API_KEY = "{TOKEN}"\nHUGGINGFACE_ENDPOINT_TYPE = "dedicated"\n'
        f'HUGGINGFACE_ENDPOINT_URL = "{endpoint.url}"\nHUGGINGFACE_MODEL = "tgi"\n'
        f'[connections.store]\nurl = "sqlite:///{tmp_path / "store.db"}"\n'  # requirements.txt carries SQLAlchemy
    )
    # Opening without any key is tests/browser/test_sidebar_browser.py's (the same code, without secrets).
    with running_app(root=app, python=python) as url:  # the owner's secrets: a visitor needs no key
        page.goto(url)
        page.get_by_text("Using the app's configured token.").wait_for()
        box = page.get_by_placeholder("Ask a question about the data")
        box.fill("Which magnitude type is most common?")
        box.press("Enter")
        page.get_by_role("tab", name="Result (7 rows)").wait_for()
        page.locator(".vega-embed").first.wait_for()
        page.screenshot(path=str(ARTIFACTS / "deploy-with-secrets.png"), full_page=True)
        assert TOKEN not in page.content()
        kept = sqlite3.connect(tmp_path / "store.db")
        deadline = time.monotonic() + 30
        while not kept.execute("SELECT count(*) FROM chat_conversations").fetchone()[0]:  # saved off the page's run
            assert time.monotonic() < deadline, "the conversation never reached the database store"
            time.sleep(0.1)
        kept.close()
    sent = [r.headers.get("authorization") for r in endpoint.chat_requests()]
    assert sent and all(header == f"Bearer {TOKEN}" for header in sent)
