"""Model prose shown as Markdown can never make a viewer's browser fetch anything."""

from __future__ import annotations

import re

import pytest

from analyst.model_text import escape_markdown, remove_remote_content

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


@pytest.mark.parametrize("text", IMAGES)
def test_no_image_syntax_or_embedding_tag_survives(text: str) -> None:
    cleaned = remove_remote_content(f"The busiest day had 301 events. {text} Done.")
    assert "![" not in cleaned
    assert "<img" not in cleaned.lower() and "<iframe" not in cleaned and "<source" not in cleaned
    assert "<image" not in cleaned and "<svg" not in cleaned
    assert cleaned.startswith("The busiest day had 301 events.") and cleaned.endswith("Done.")


def test_ordinary_prose_and_links_are_kept() -> None:
    text = "Magnitude rose 2 < 3 > 1; see [USGS](https://earthquake.usgs.gov) for more!"
    assert remove_remote_content(text) == text


@pytest.mark.parametrize(
    "text", ["Session expired: http://evil.example/login", "see www.evil.example now", "mail admin@evil.example"]
)
def test_an_address_in_escaped_text_cannot_become_a_link(text: str) -> None:
    escaped = escape_markdown(text)
    plain = escaped.replace("\\", "")  # what the renderer sees once escapes are read
    assert "p://" not in plain and not re.search(r"(^|\s)www\.", plain) and not re.search(r"\w@", plain)
    assert "\u2060" in escaped and escaped.replace("\u2060", "").replace("\\", "") == text
