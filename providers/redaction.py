"""Keep tokens out of every message, log line and page."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

_TOKEN_PATTERNS = (
    re.compile(r"hf_[A-Za-z0-9]{6,}"),
    re.compile(r"(?i)(bearer\s+)[^\s\"']+"),
)
MASK = "hf_***"


def redact(text: str, secrets: Iterable[str | None] = (), hidden: Mapping[str, str] | None = None) -> str:
    """Replace the given secrets and anything token-shaped in ``text``; each ``hidden`` value (the owner's
    endpoint URL) by what visitors see instead, longest first."""
    for value in sorted(hidden or {}, key=len, reverse=True):
        text = text.replace(value, (hidden or {})[value])
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, MASK)
    text = _TOKEN_PATTERNS[0].sub(MASK, text)
    return _TOKEN_PATTERNS[1].sub(lambda m: m.group(1) + MASK, text)
