"""Streamlit glue shared by the pages: session state, secrets, the sidebar."""
