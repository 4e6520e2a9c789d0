"""Helpers for driving the app with Streamlit's AppTest."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def open_app(secrets: dict[str, str] | None = None, timeout: float = 30) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=timeout)
    if secrets:
        at.secrets.update(secrets)
    return at


def configure_dedicated(at: AppTest, url: str, key: str = "") -> AppTest:
    at.sidebar.selectbox(key="sb_endpoint_type").set_value("dedicated").run()
    at.sidebar.text_input(key="sb_url").input(url).run()
    if key:
        at.sidebar.text_input(key="sb_key").input(key).run()
    return at


def texts(elements) -> list[str]:
    return [str(e.value) for e in elements]


def settle(at: AppTest, timeout: float = 30) -> AppTest:
    """Wait until the session's queued and running answers are done, then draw the page again."""
    from ui.state import ANSWER_QUEUE

    if ANSWER_QUEUE in at.session_state:
        assert at.session_state[ANSWER_QUEUE].wait(timeout), "the answers did not finish in time"
    return at.run()


def ask(at: AppTest, question: str, timeout: float = 30) -> AppTest:
    """Send ``question`` from the chat input and wait for its answer."""
    return settle(at.chat_input[0].set_value(question).run(), timeout)
