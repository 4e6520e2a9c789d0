"""Questions suggested from the data, with no model call: starters per table, follow-ups per answer. No Streamlit."""
