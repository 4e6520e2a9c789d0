"""The visitor behind this browser session (see ``conversations.visitors``), worked out once per session."""

from __future__ import annotations

import secrets

import streamlit as st

from conversations.visitors import XSRF_COOKIE, Visitor, identify
from ui import state


def _signed_in_person() -> str | None:
    try:
        user = st.user
        if user.get("is_logged_in"):
            return str(user.get("email") or user.get("sub") or "") or None
    except Exception:  # no sign-in configured
        return None
    return None


def _identify() -> Visitor:
    return identify(
        person=_signed_in_person(),
        cookie=st.context.cookies.get(XSRF_COOKIE),
        address=st.context.ip_address,
        session=secrets.token_hex(16),  # kept in this session's state: this session alone
    )


def current_visitor() -> Visitor:
    return state.session_object(state.VISITOR, _identify)
