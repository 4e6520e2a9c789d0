"""Optional sign-in (``st.login``) in the sidebar, and what this session may do (``providers/access.py``)."""

from __future__ import annotations

import time
from typing import Any

import streamlit as st

from analyst.model_text import escape_markdown
from providers.access import Access, AccessRules, decide_access, provider_label, read_access_rules
from ui.config import secrets_mapping


def access_rules() -> AccessRules:
    return read_access_rules(secrets_mapping())


def _claims() -> dict[str, Any] | None:
    """``st.user``'s claims when someone is signed in (None without sign-in configured)."""
    try:
        user = st.user
        return user.to_dict() if user.get("is_logged_in") else None
    except Exception:  # no [auth] section, or a cookie that does not decode: nobody is signed in
        return None


def current_access() -> Access:
    """What this browser session may do now (a sign-in expires while the page is open)."""
    rules = access_rules()
    return decide_access(rules, _claims() if rules.sign_in else None, time.time())


def render_sign_in() -> None:
    """Who is signed in and a "Sign out" button, or one "Sign in with …" button per provider; nothing when the
    owner configured no sign-in."""
    rules = access_rules()
    if not rules.sign_in:
        return
    access = current_access()
    st.subheader("Sign-in")
    if access.signed_in:  # why the owner's token is not used, if it is not, is the key field's warning below
        st.caption(f"Signed in as {escape_markdown(access.person or '')}" + (" · owner" if access.is_owner else ""))
        if st.button("Sign out", key="sign_out", width="stretch"):
            st.logout()
        return
    if access.expired:
        st.caption("Your sign-in has expired.")
    for provider in rules.providers:
        if st.button(f"Sign in with {provider_label(provider)}", key=f"sign_in_{provider}", width="stretch"):
            st.login(provider) if provider else st.login()
