"""Text from a link, the model or the data, made safe to show as Markdown: one rule per kind of text.

Streamlit renders as Markdown the body of ``st.markdown``, ``st.caption``, ``st.error``/``warning``/``info``/
``success``, ``st.toast``, ``st.progress`` and every widget label, help text and expander, popover, status, tab,
metric and page-link label (react-markdown with remark-gfm, remark-math and rehype-katex, remark-directive,
remark-emoji and Streamlit's own plugins; exported reports are read by other Markdown viewers). What it makes
from text, and what stops each:

- blocks, only at the start of a line: headings (``#``, or a ``===``/``---`` line under text), quotes (``>``),
  lists (``-``, ``+``, ``*``, ``1.``, ``1)``), rules, code (``` fences, four spaces), HTML blocks, tables (a
  ``|---|`` row), link and footnote definitions (``[x]: url``), ``$$`` maths, ``::name`` and ``:::name``
  directives. Stopped by keeping hostile text on one line and escaping its first character.
- inline, anywhere: emphasis (``*``, ``_``), strikethrough (``~``), code (`` ` ``), links, images and footnotes
  (``[``, ``]``), autolinks and HTML (``<``), entities (``&``), maths (``$``), backslash escapes. Stopped by a
  backslash before each of those characters (``_`` between two letters or digits cannot emphasise: it stays).
- made even from escaped text: GFM links ``http://x``, ``www.x`` and ``a@b.c``, and Streamlit's ``:name[...]``
  directives (``:red[..]``, ``:red-background[..]``, ``:small[..]``, ``:help[..]`` ...), ``:material/name:``
  icons (replaced in the raw text before parsing), the ``:streamlit:`` logo (an ``<img>``) and emoji shortcodes.
  Stopped by an invisible word joiner (U+2060) before ``://``, ``www.`` and ``@``, and after a ``:`` that a letter
  follows. Typographic arrows (``->`` shown as →) are only a character swap and are left alone.

The rules:

1. ``escape_markdown``: **inert**. For everything the app writes with a hostile piece inside (DuckDB's messages,
   notices, errors, the endpoint's error bodies, load and save messages, restore notes, names of tables, columns,
   files and models, suggestions built from data values) and for a person's own question: shown exactly as the
   text it is, on one line.
2. ``prose_markdown``: **the model's prose** (an insight; a reply that is not SQL). As inert, except that ``*``
   and ``_`` keep their meaning, so bold and italic show, and lines and paragraphs stay; a ``*`` that would start
   a list item or a rule is escaped. No heading, link, list, image, HTML, table, code, maths or directive.
3. ``escape_inline_markdown``: a cell of an exported Markdown table (inline markup and the cell separator).

Which text is which is carried by the answer's part types (``analyst.answer``: ``TextPart.by_model``, and each
part's ``markdown``); renderers and the Markdown export use that, never their own guess. ``remove_remote_content``
is older and weaker: stored answer text loses images and embedding tags (``analyst.pipeline.safe_part``), so a
consumer that shows it without these rules still fetches nothing.
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


WORD_JOINER = "\u2060"  # invisible, and neither space nor punctuation to a Markdown parser
AUTOLINK_STARTS = re.compile(r"(://|www\.|@)", re.IGNORECASE)
NAMED_COLON = re.compile(r":(?=[A-Za-z]|[+-]1:)")  # a directive, icon, logo or emoji shortcode starts here


def break_autolinks(text: str) -> str:
    """``http://x``, ``www.x``, ``a@b.c`` and ``:name`` shown as text: renderers link the first three even when
    every punctuation character is escaped, and Streamlit turns ``:name[..]``, ``:material/x:``, ``:streamlit:`` and
    emoji shortcodes into markup from the text itself, so an invisible word joiner splits each."""
    return NAMED_COLON.sub(":" + WORD_JOINER, AUTOLINK_STARTS.sub(lambda found: WORD_JOINER + found.group(1), text))


INLINE_STARTS = re.compile(r"_+|[\\`*~$&<\[\]|]")  # a run of underscores is one delimiter
OPENS_A_BLOCK = re.compile(r"[!-/:-@\[-`{-~]|\d+[.)](?=\s|$)")  # ASCII punctuation, or an ordered list's "1."


def _between_letters(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` has a letter or digit on both sides (then underscores there cannot emphasise)."""
    return start > 0 and end < len(text) and text[start - 1].isalnum() and text[end].isalnum()


def _escape_inline(line: str, emphasis: bool) -> str:
    """Every character of ``line`` that can start inline markup escaped; ``*`` and ``_`` too unless ``emphasis``."""

    def escaped(found: re.Match[str]) -> str:
        chars = found.group()
        if emphasis and chars[0] in "*_":
            return chars
        if chars[0] == "_" and _between_letters(line, found.start(), found.end()):
            return chars
        return "".join("\\" + char for char in chars)

    return INLINE_STARTS.sub(escaped, line)


def _escape_line_start(original: str, escaped: str) -> str:
    """``escaped`` (``original`` with its inline markup escaped) unable to open a block: its first character, or the
    ``.``/``)`` after leading digits, gets a backslash unless it already has one."""
    opening = OPENS_A_BLOCK.match(original)
    if opening is None or escaped.startswith("\\"):
        return escaped
    at = opening.end() - 1  # the punctuation character: the first one, or the one after the digits
    return escaped[:at] + "\\" + escaped[at:]


def _words(text: str) -> str:
    """``text`` with every run of whitespace (newlines too) one space, none at the ends, and no byte-order mark
    (a parser drops one at the start, and what follows it would start the line)."""
    return " ".join(text.replace("\ufeff", "").split())


def escape_markdown(text: object) -> str:
    """``text`` shown literally by a Markdown renderer, on one line: no heading, list, quote, code, table, link,
    image, HTML, emphasis, maths, directive, icon or emoji can be made from it, wherever on a line it is placed."""
    line = break_autolinks(_words(str(text)))
    return _escape_line_start(line, _escape_inline(line, emphasis=False))


def _prose_line(line: str) -> str:
    """One line of the model's prose: emphasis kept, no block; a ``*`` opening a list item or a rule escaped."""
    escaped = _escape_inline(line, emphasis=True)
    if re.fullmatch(r"[*_\s]+", line):  # a rule (***, _ _ _) or an empty list item (*)
        return re.sub(r"([*_])", r"\\\1", escaped)
    if re.match(r"\*(\s|$)", line):  # a list item
        return "\\" + escaped
    if line[0] in "*_":  # emphasis at the start of the line, not a block
        return escaped
    return _escape_line_start(line, escaped)


def prose_markdown(text: object) -> str:
    """The model's prose as Markdown that keeps only bold and italic: each line stays a line (a hard break) and
    blank lines part paragraphs, but no heading, link, list, image, HTML, table, code, maths or directive."""
    paragraphs: list[list[str]] = [[]]
    for raw in str(text).splitlines():
        line = break_autolinks(_words(raw))
        if line:
            paragraphs[-1].append(_prose_line(line))
        elif paragraphs[-1]:
            paragraphs.append([])
    return "\n\n".join("  \n".join(lines) for lines in paragraphs if lines)


INLINE_MARKUP = re.compile(r"([\\`*_\[\]<>|!$~&])")


def escape_inline_markdown(text: object) -> str:
    """``text`` for a Markdown table cell: the characters that start inline markup (images, links, HTML, code,
    emphasis, maths) and the cell separator are escaped; dots, dashes and brackets stay readable."""
    return INLINE_MARKUP.sub(r"\\\1", break_autolinks(_words(str(text))))
