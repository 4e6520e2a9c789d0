"""Entry point: page config, the sidebar provider selector, and the pages (see ``ui/navigation.py``)."""

import streamlit as st

from ui.navigation import app_pages, run_page
from ui.page_style import apply_page_style
from ui.saved_conversation import keep_conversation, save_conversation, watch_background_save
from ui.sidebar import render_sidebar

st.set_page_config(page_title="Chat with your data", page_icon="🌋", layout="wide")
apply_page_style()

navigation = st.navigation(app_pages())
keep_conversation()
render_sidebar()
try:
    run_page(navigation)
finally:  # also when the page reruns or stops: a reload finds what this run changed
    save_conversation()
watch_background_save()  # only after a page that ran to its end
