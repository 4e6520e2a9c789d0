"""Counting prompt tokens with the cl100k_base encoding (tiktoken's).

tiktoken downloads its encoding file on first use, which a machine without internet cannot do;
``bpe-openai`` ships the same cl100k_base vocabulary inside the package, with a tiktoken-compatible
API and identical token ids, so it is what we use.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

TOKENS_PER_MESSAGE = 3  # OpenAI's chat format: role and separators around each message
TOKENS_PRIMING_REPLY = 3


@lru_cache(maxsize=1)
def _encoding() -> Any:
    import bpe_openai

    return bpe_openai.get_encoding("cl100k_base")


def count_text(text: str) -> int:
    return len(_encoding().encode(text))


def count_messages(messages: Sequence[dict[str, Any]]) -> int:
    """Prompt tokens of one chat request, as OpenAI counts them for cl100k models."""
    return sum(TOKENS_PER_MESSAGE + count_text(str(m.get("content", ""))) for m in messages) + TOKENS_PRIMING_REPLY
