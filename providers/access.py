"""Who may use the owner's token: optional sign-in (Streamlit's ``st.login``) and the owner's allow-list.

With no ``[auth]`` section in the secrets the app is open as before: every visitor may use the owner's token within
the budget. With one, only a signed-in person on the ``[access]`` allow-list (an e-mail address, an e-mail domain,
or, for "Sign in with Hugging Face", one of the person's organizations) or named as an owner may; everyone else can
still use the app with a HuggingFace token of their own. A sign-in is good for ``session_minutes`` after it was
made (the identity token's ``iat``), whatever the cookie's own life. No Streamlit here: ``ui/sign_in.py`` reads
``st.user`` and hands its claims in.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_SESSION_MINUTES = 480  # as long as a HuggingFace Space's sign-in lasts by default
PROVIDER_LABELS = {"huggingface": "Hugging Face", "google": "Google", "microsoft": "Microsoft", "okta": "Okta"}
SHARED_AUTH_KEYS = {"redirect_uri", "cookie_secret", "expose_tokens"}
PROVIDER_KEYS = {"client_id", "client_secret", "server_metadata_url"}


@dataclass(frozen=True)
class AccessRules:
    """What the owner configured: whether sign-in is on, with which providers, and who may use the token."""

    sign_in: bool = False
    providers: tuple[str, ...] = ()  # "" for the one unnamed provider of ``[auth]``, else the ``[auth.<name>]`` names
    emails: frozenset[str] = frozenset()
    domains: frozenset[str] = frozenset()
    orgs: frozenset[str] = frozenset()
    owners: frozenset[str] = frozenset()
    session_minutes: float = DEFAULT_SESSION_MINUTES
    usage_questions: bool = False  # the owner's usage table may show question text


@dataclass(frozen=True)
class Access:
    """What one browser session may do, and what to tell its visitor."""

    signed_in: bool
    person: str | None  # the signed-in identity (e-mail, else the provider's subject): the visitor's name
    may_use_owner_token: bool
    is_owner: bool = False
    expired: bool = False
    message: str = ""  # why the owner's token is not used, in plain words ("" when it is)


def _words(value: Any) -> frozenset[str]:
    """A list of strings, or one string of comma-separated ones, lower-cased."""
    items: Iterable[Any] = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else ()
    return frozenset(str(item).strip().lower().lstrip("@") for item in items if str(item).strip())


def _positive(value: Any, default: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if math.isfinite(number) and number > 0 else default


def sign_in_providers(auth: Mapping[str, Any]) -> tuple[str, ...]:
    """The providers ``st.login`` can be called with: each ``[auth.<name>]`` section, or "" for settings in ``[auth]``
    itself."""
    named = tuple(name for name, value in auth.items() if isinstance(value, Mapping) and name not in SHARED_AUTH_KEYS)
    if named:
        return named
    return ("",) if PROVIDER_KEYS & set(auth) else ()


def read_access_rules(secrets: Mapping[str, Any]) -> AccessRules:
    """The rules from the secrets' ``[auth]`` and ``[access]`` sections; a value of the wrong kind is ignored."""
    auth = secrets.get("auth")
    access = secrets.get("access")
    access = access if isinstance(access, Mapping) else {}
    providers = sign_in_providers(auth) if isinstance(auth, Mapping) else ()
    return AccessRules(
        sign_in=bool(providers),
        providers=providers,
        emails=_words(access.get("allowed_emails")),
        domains=_words(access.get("allowed_domains")),
        orgs=_words(access.get("allowed_orgs")),
        owners=_words(access.get("owners")),
        session_minutes=_positive(access.get("session_minutes"), DEFAULT_SESSION_MINUTES),
        usage_questions=access.get("usage_questions") is True,
    )


def provider_label(name: str) -> str:
    return PROVIDER_LABELS.get(name.lower(), name.replace("_", " ").title()) if name else "your account"


def _organizations(claims: Mapping[str, Any]) -> frozenset[str]:
    """The organizations Hugging Face lists in ``orgs`` (objects with ``preferred_username``), lower-cased."""
    orgs = claims.get("orgs")
    if not isinstance(orgs, list):
        return frozenset()
    names = (o.get("preferred_username") or o.get("name") if isinstance(o, Mapping) else o for o in orgs)
    return frozenset(str(n).strip().lower() for n in names if isinstance(n, str) and n.strip())


def _verified_email(claims: Mapping[str, Any]) -> str | None:
    """The e-mail address, unless the provider says it is not verified."""
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email or claims.get("email_verified") is False:
        return None
    return email.strip().lower()


def decide_access(rules: AccessRules, claims: Mapping[str, Any] | None, now: float) -> Access:
    """What a session whose ``st.user`` holds ``claims`` may do at time ``now`` (seconds since the epoch)."""
    if not rules.sign_in:
        return Access(signed_in=False, person=None, may_use_owner_token=True)
    own_key = "enter your own HuggingFace token in the sidebar to use the app without it"
    if not claims or claims.get("is_logged_in") is not True:
        return Access(False, None, False, message=f"This demo's endpoint is for invited people: sign in, or {own_key}.")
    issued = claims.get("iat")
    if isinstance(issued, (int, float)) and math.isfinite(issued) and now > issued + rules.session_minutes * 60:
        return Access(
            False, None, False, expired=True, message=f"Your sign-in has expired: sign in again, or {own_key}."
        )
    email = _verified_email(claims)
    subject = claims.get("sub")
    person = email or (str(subject) if isinstance(subject, (str, int)) and str(subject) else None)
    if person is None:
        return Access(False, None, False, message=f"The sign-in sent no identity: sign in again, or {own_key}.")
    is_owner = email is not None and email in rules.owners
    allowed = (
        is_owner
        or (email is not None and (email in rules.emails or email.rsplit("@", 1)[1] in rules.domains))
        or bool(_organizations(claims) & rules.orgs)
    )
    message = "" if allowed else f"You are signed in, but this demo's endpoint is for invited people: {own_key}."
    return Access(True, person, allowed, is_owner=is_owner, message=message)
