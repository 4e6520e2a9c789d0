"""Entry point: page config, the sidebar provider selector, and the pages.

The pages live in ``app_pages/``, not ``pages/``: with a ``pages/`` folder, Streamlit 1.67 runs the first
script run of a fresh server process (and every AppTest run) as a v1 multipage app, so a direct link such
as ``/explore`` opened first would run that page's file alone, without this script and its sidebar
(``PagesManager.uses_pages_directory``; tested in ``tests/browser/test_sidebar_browser.py``).
"""

import streamlit as st

from ui.sidebar import render_sidebar

st.set_page_config(page_title="Chat with your data", page_icon="🌋", layout="wide")

navigation = st.navigation(
    [
        st.Page("app_pages/chat.py", title="Chat", icon=":material/chat:", default=True),
        st.Page("app_pages/explore.py", title="Explore", icon=":material/table_view:"),
        st.Page("app_pages/endpoints.py", title="Endpoints", icon=":material/monitor_heart:"),
    ]
)
render_sidebar()
navigation.run()
