"""Entry point: page config, the sidebar provider selector, and the pages (see ``ui/navigation.py``)."""

import streamlit as st

from ui.navigation import app_pages, run_page
from ui.sidebar import render_sidebar

st.set_page_config(page_title="Chat with your data", page_icon="🌋", layout="wide")

navigation = st.navigation(app_pages())
render_sidebar()
run_page(navigation)
