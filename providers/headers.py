"""Custom request headers: parsed from ``Name: value`` lines and validated."""

from __future__ import annotations

import re

_TOKEN_CHARS = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_RESERVED = {"content-length", "host", "transfer-encoding", "connection", "authorization"}


class InvalidHeaders(ValueError):
    """Custom headers that cannot be sent."""


def validate_headers(headers: dict[str, str]) -> dict[str, str]:
    """Return ``headers`` unchanged, or raise ``InvalidHeaders`` naming the first bad one."""
    for name, value in headers.items():
        if not name:
            raise InvalidHeaders("Header names must not be empty")
        if not _TOKEN_CHARS.match(name):
            raise InvalidHeaders(f"Header name {name!r} may only hold letters, digits and -_.!#$%&'*+^`|~")
        if name.lower() in _RESERVED:
            raise InvalidHeaders(
                f"Header {name!r} is set by the app and cannot be overridden (the key field sets Authorization)"
            )
        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise InvalidHeaders(f"Header {name!r} has a newline or control character in its value")
    return headers


def parse_headers(text: str) -> dict[str, str]:
    """Parse ``Name: value`` lines (blank lines ignored) into a validated dict."""
    headers: dict[str, str] = {}
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        if not line.strip():
            continue
        if ":" not in line:
            raise InvalidHeaders(f"Line {number} must look like 'Name: value'")
        name, value = line.split(":", 1)
        headers[name.strip()] = value.strip()
        if not name.strip():
            raise InvalidHeaders(f"Line {number} has an empty header name")
    return validate_headers(headers)
