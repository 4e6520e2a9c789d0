"""Entry point: page config, the sidebar provider selector, and the pages (``pages/``).

With ``st.navigation`` here, Streamlit does not run ``pages/`` as a v1 multipage app: this script (and so
the sidebar) runs on every page, direct URLs such as ``/explore`` included.
"""

import streamlit as st

from ui.sidebar import render_sidebar

st.set_page_config(page_title="Chat with your data", page_icon="🌋", layout="wide")

navigation = st.navigation(
    [
        st.Page("pages/chat.py", title="Chat", icon=":material/chat:", default=True),
        st.Page("pages/explore.py", title="Explore", icon=":material/table_view:"),
        st.Page("pages/endpoints.py", title="Endpoints", icon=":material/monitor_heart:"),
    ]
)
render_sidebar()
navigation.run()
