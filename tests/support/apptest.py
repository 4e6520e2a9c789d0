"""Helpers for driving the app with Streamlit's AppTest."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _navigation_app(init: Callable[..., None]) -> Callable[..., None]:
    """AppTest forgets before every run that ``app.py`` calls ``st.navigation`` and, seeing a ``pages/`` folder,
    reruns the current page's file as a v1 multipage app, without ``app.py`` and its sidebar. The real server
    learns it on its first run and keeps it (``PagesManager.uses_pages_directory`` is then False for good);
    this makes every AppTest run start where the server stays."""

    def init_as_navigation_app(self: PagesManager, *args: object, **kwargs: object) -> None:
        init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    return init_as_navigation_app


PagesManager.__init__ = _navigation_app(PagesManager.__init__)  # type: ignore[method-assign]


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
