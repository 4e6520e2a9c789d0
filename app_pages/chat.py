"""Chat page (placeholder until the chat pipeline lands): says which endpoint is configured."""

import streamlit as st

from ui import state

st.title("Chat with the earthquake data")
resolved = state.resolved_provider()
if resolved is None or resolved.settings is None:
    st.info(f"No endpoint is ready yet: {resolved.problem if resolved else 'configure one in the sidebar'}.")
else:
    settings = resolved.settings
    where = settings.endpoint_url or settings.endpoint_type.label
    st.success(f"Configured: {settings.endpoint_type.label} · {where} · model {settings.model}")
