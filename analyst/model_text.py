"""Making the model's prose safe to show as Markdown: nothing in it may make a viewer fetch a URL.

An insight is rendered by ``st.markdown`` and written into exported reports. An image there would be
fetched by every browser that shows it, and its address can carry data out (a prompt injection in the
data can ask for exactly that), so image syntax becomes a plain link and embedding HTML tags are dropped.
Ordinary links stay: they are followed only when someone clicks them.
"""

from __future__ import annotations

import re

EMBEDDING_TAG = re.compile(
    r"<\s*/?\s*(img|image|svg|iframe|frame|video|audio|source|picture|object|embed|link|script|style|meta|base|input"
    r"|form|body|html|track)\b[^>]*>?",
    re.IGNORECASE,
)


def remove_remote_content(text: str) -> str:
    """``text`` without Markdown images or HTML tags that load something.

    Every ``![`` loses its ``!``: whatever follows (nested brackets, reference-style, angle-bracket URLs)
    can then at most be a link, which loads nothing until clicked. Parsing image syntax instead is a race
    against every Markdown renderer's edge cases."""
    while "![" in text:
        text = text.replace("![", "[")
    return EMBEDDING_TAG.sub("", text)


MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$&:])")
WORD_JOINER = "\u2060"  # invisible: splits what GitHub-flavoured Markdown would turn into a link by itself
AUTOLINK_STARTS = re.compile(r"(://|www\.|@)", re.IGNORECASE)


def break_autolinks(text: str) -> str:
    """``http://x``, ``www.x`` and ``a@b.c`` shown as text: Markdown renderers link them even when every
    punctuation character is escaped, so an invisible word joiner goes before ``://``, ``www.`` and ``@``."""
    return AUTOLINK_STARTS.sub(lambda found: WORD_JOINER + found.group(1), text)


def escape_markdown(text: str) -> str:
    """``text`` shown literally by a Markdown renderer: every character that could start markup is escaped,
    so identifiers and literals from the model or the data stay words (no link, image, HTML or LaTeX)."""
    return MARKDOWN_PUNCTUATION.sub(r"\\\1", break_autolinks(" ".join(str(text).split())))


INLINE_MARKUP = re.compile(r"([\\`*_\[\]<>|!$~&])")


def escape_inline_markdown(text: str) -> str:
    """``text`` for a Markdown table cell: the characters that start inline markup (images, links, HTML, code,
    emphasis, maths) and the cell separator are escaped; dots, dashes and brackets stay readable."""
    return INLINE_MARKUP.sub(r"\\\1", break_autolinks(" ".join(str(text).split())))
