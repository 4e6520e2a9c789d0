"""The owner's view of what visitors used on the app's token (the Endpoints page's "Usage" tab)."""

from __future__ import annotations

import logging

import streamlit as st

from exports.usage_report import CALL_COLUMNS, COLUMNS, as_csv, call_rows, usage_by_visitor
from ui.memory_account import memory_account
from ui.sign_in import access_rules
from ui.store import app_store

logger = logging.getLogger(__name__)


def render_usage() -> None:
    """Calls, tokens, errors and latency per visitor over the last 24 hours, with CSV downloads; the calls
    themselves with their questions only when the owner turned question text on (``[access] usage_questions``)."""
    try:
        calls = app_store().usage.calls()
        account = memory_account()
    except Exception as error:  # the store's database did not answer
        logger.warning("The usage records could not be read (%s)", type(error).__name__)
        st.warning("The usage records could not be read just now (the store's database did not answer).")
        return
    st.caption(f"Kept in {app_store().where}.")
    with st.expander("Memory the app holds for all visitors"):
        st.dataframe(account, hide_index=True)
    st.caption(
        "Calls on this app's token in the last 24 hours, per visitor: signed-in people by their e-mail address, "
        "anonymous visitors by a short opaque id. Calls made with a visitor's own token are not counted."
    )
    if not calls:
        st.info("No calls on this app's token in the last 24 hours.")
        return
    rows = usage_by_visitor(calls)
    st.dataframe(rows, hide_index=True, column_order=COLUMNS)
    st.download_button("Download usage CSV", as_csv(rows, COLUMNS), "usage-by-visitor.csv", "text/csv")
    if access_rules().usage_questions:
        st.subheader("Calls")
        each = call_rows(calls)
        st.dataframe(each, hide_index=True, column_order=CALL_COLUMNS)
        st.download_button("Download calls CSV", as_csv(each, CALL_COLUMNS), "usage-calls.csv", "text/csv")
