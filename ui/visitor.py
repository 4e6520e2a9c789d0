"""The visitor behind this browser session (see ``conversations.visitors``), worked out once per session."""

from __future__ import annotations

import secrets

import streamlit as st

from conversations.visitors import XSRF_COOKIE, Visitor, identify
from ui import state
from ui.store import app_store


def _signed_in_person() -> str | None:
    """The signed-in person, while their sign-in lasts (an expired one is a visitor like any other)."""
    from ui.sign_in import current_access  # heavy on first use only

    return current_access().person


def _identify() -> Visitor:
    return identify(
        person=_signed_in_person(),
        cookie=st.context.cookies.get(XSRF_COOKIE),
        address=st.context.ip_address,
        session=secrets.token_hex(16),  # kept in this session's state: this session alone
        key=app_store().visitor_key,
    )


def current_visitor() -> Visitor:
    return state.session_object(state.VISITOR, _identify)
