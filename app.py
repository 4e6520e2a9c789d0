"""Entry point: page config, the sidebar provider selector, and the pages.

The pages live in ``app_pages/``, not ``pages/``: Streamlit 1.67 still treats a ``pages/`` folder
next to the entry script as a v1 multipage app and then runs a requested page's file directly,
skipping this script (and so the sidebar) on every rerun.
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
