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
