"""Who a visitor is, for their budget and for whose conversation a link is.

A visitor is the signed-in person (``st.user``) when there is one, else the browser: Streamlit's own XSRF cookie,
which a browser keeps across reloads, tabs and "New conversation" until it is closed. Without that cookie the
client address stands in for the budget, and the browser session alone for conversations (so that two people
behind one address never share a conversation). Every id is a keyed hash: the cookie's token or an address never
appears in the store or on the Endpoints page; a signed-in person's e-mail address does, as the label of their calls
in the owner's usage records (the owner invited them by it), never as a key. The key is the store's
(``Store.visitor_key``): made once per process in memory, once per database for a SQL store, so every replica names
a visitor the same way.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
from dataclasses import dataclass

XSRF_COOKIE = "_streamlit_xsrf"


@dataclass(frozen=True)
class Visitor:
    """``id`` is whose budget a call spends; ``owner`` is whose conversations this session may save over."""

    id: str
    owner: str
    kind: str  # "person", "browser", "address" or "session"
    label: str = ""  # as the owner's usage table shows it: a signed-in person's name, else a short opaque id


def xsrf_token(cookie: str | None) -> bytes | None:
    """The secret token inside Streamlit's XSRF cookie (``2|mask|masked token|timestamp``: the mask changes on
    every response, the token stays for the browser's whole life); None for anything else."""
    parts = (cookie or "").split("|")
    if len(parts) != 4 or parts[0] != "2":
        return None
    try:
        mask, masked = binascii.unhexlify(parts[1]), binascii.unhexlify(parts[2])
    except (binascii.Error, ValueError):
        return None
    if len(mask) != 4 or len(masked) < 16:
        return None
    return bytes(b ^ mask[i % 4] for i, b in enumerate(masked))


def _hashed(key: bytes, kind: str, value: str | bytes) -> str:
    data = value if isinstance(value, bytes) else str(value).encode()
    return f"{kind}:" + hmac.new(key, kind.encode() + b"\0" + data, hashlib.sha256).hexdigest()[:24]


def identify(*, person: object, cookie: object, address: object, session: str, key: bytes) -> Visitor:
    """The visitor behind a browser session, from the strongest identity it has; ``session`` is a random id made
    for this browser session alone, ``key`` the store's visitor key."""
    person, cookie, address = (v if isinstance(v, str) else None for v in (person, cookie, address))
    if person:
        visitor = _hashed(key, "person", person.strip().lower())
        return Visitor(visitor, visitor, "person", person.strip().lower())
    token = xsrf_token(cookie)
    if token is not None:
        visitor = _hashed(key, "browser", token)
        return Visitor(visitor, visitor, "browser", short_id(visitor))
    alone = f"session:{session}"
    if address:
        visitor = _hashed(key, "address", address)
        return Visitor(visitor, alone, "address", short_id(visitor))
    return Visitor(alone, alone, "session", short_id(alone))


def short_id(visitor_id: str) -> str:
    """An opaque short form for the owner's eyes."""
    return visitor_id.split(":")[-1][:8]
