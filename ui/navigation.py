"""The app's pages, and the rule that every page runs inside ``app.py`` (its config and sidebar).

Streamlit 1.67 runs the first script run of a fresh server process as a v1 multipage app when a ``pages/``
folder exists (``PagesManager.uses_pages_directory``): a link to ``/explore`` opened first would run
``pages/explore.py`` alone. Each page calls :func:`run_inside_app` first; outside ``app.py`` it runs ``app.py``
instead (whose ``st.navigation`` ends v1 mode and runs the page) and stops.
"""

import runpy
from contextvars import ContextVar
from pathlib import Path

import streamlit as st

APP_SCRIPT = Path(__file__).resolve().parent.parent / "app.py"
CHAT_PAGE = "pages/chat.py"
EXPLORE_PAGE = "pages/explore.py"
ENDPOINTS_PAGE = "pages/endpoints.py"

_inside_app: ContextVar[bool] = ContextVar("inside_app", default=False)


def app_pages() -> list[st.Page]:
    """The three pages in sidebar order; Chat is the default."""
    return [
        st.Page(CHAT_PAGE, title="Chat", icon=":material/chat:", default=True),
        st.Page(EXPLORE_PAGE, title="Explore", icon=":material/table_view:"),
        st.Page(ENDPOINTS_PAGE, title="Endpoints", icon=":material/monitor_heart:"),
    ]


def run_page(navigation: st.navigation) -> None:  # type: ignore[valid-type]
    """Run the selected page, marked as running inside ``app.py``."""
    token = _inside_app.set(True)
    try:
        navigation.run()  # type: ignore[attr-defined]
    finally:
        _inside_app.reset(token)


def run_inside_app() -> None:
    """Called first by every page: when Streamlit ran the page without ``app.py``, run ``app.py`` instead."""
    if _inside_app.get():
        return
    runpy.run_path(str(APP_SCRIPT), run_name="__main__")
    st.stop()
