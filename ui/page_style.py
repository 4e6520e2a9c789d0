"""The app's few style rules, each working around a Streamlit behaviour (sent once per run, takes no space)."""

from __future__ import annotations

import streamlit as st

# 1. Streamlit commits a text field when it loses focus, unless focus moves inside the widget: Tab from a password
#    field lands on its own "Show password" button, so a key typed and left with Tab was never taken. Without that
#    button, Tab leaves the widget and commits the key, as Enter and a click elsewhere do.
# 2. A result table's own "Download as CSV" writes cells as they are (a cell "=HYPERLINK(...)" is a formula in a
#    spreadsheet); the app's "Download CSV" under the table neutralizes them (exports/csv_safety.py). One button,
#    the safe one.
PAGE_STYLE = """<style>
.st-key-sb_key button[aria-label="Show password"] { display: none; }
[data-testid="stElementToolbar"] button[aria-label="Download as CSV"] { display: none; }
</style>"""


def apply_page_style() -> None:
    st.html(PAGE_STYLE)
