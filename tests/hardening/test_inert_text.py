"""Text from a link, the model, the data or the endpoint is inert everywhere: no heading, link, list or image is made
from it, in error, warning and info boxes, notices, captions, buttons, expanders and metrics, in the insight (only
bold and italic), while it streams, and in the Markdown report.

The issue's probe: a share link whose SQL names a table (or a column) ``x⏎⏎## ⚠️ Security alert⏎[Rotate it now](…)``
showed a heading and a clickable link inside the red error box, because DuckDB quotes the identifier back. The AppTest
cases read the Markdown each element is given; the browser case renders the helpers' output and the app's page in
Chromium and looks for the elements themselves."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest
from streamlit.testing.v1 import AppTest

from analyst.answer import Answer, TextPart
from analyst.answer_queue import Progress
from analyst.model_text import WORD_JOINER, prose_markdown
from exports.markdown import build_markdown
from tests.support.apptest import ask, open_app, texts
from tests.support.fake_endpoint import FakeEndpoint
from tests.support.scripted_model import ScriptedModel, fenced
from tests.support.streamlit_server import ROOT, running_app
from tests.unit.test_model_text import HOSTILE, linkable, unescaped
from ui.state import CONVERSATION, DATABASE

PROBE = "x\n\n## ⚠️ Security alert\n[Rotate it now](http://evil.example/rotate)"
MISSING_TABLE = f'SELECT * FROM "{PROBE}"'
MISSING_COLUMN = f'SELECT "{PROBE}" FROM earthquakes'
COUNT = "SELECT count(*) AS n FROM earthquakes"
HOSTILE_MODEL = "[Rotate it now](http://evil.example/model)"
INSIGHT = (
    "There were **1,707** events, *mostly small*.\n"
    "## ⚠️ Security alert\n"
    "[Rotate it now](http://evil.example/1) or [here][r] or <http://evil.example/3> or http://evil.example/4 "
    "or www.evil.example or admin@evil.example\n"
    "[r]: http://evil.example/2\n"
    "- first item\n"
    "* second item\n"
    "1. third item\n"
    "![beacon](http://evil.example/pixel.png) <img src='http://evil.example/i.png'> <a href='http://evil.example/5'>a</a>\n"
    "| a | b |\n|---|---|\n| 1 | 2 |\n"
    "```\ncode\n```\n"
    "$E = mc^2$ :red[Rotate it now] :material/warning: ~~gone~~"
)
SECRETS = {"HUGGINGFACE_API_KEY": "hf_InertText000000001", "HUGGINGFACE_MODEL": "tgi"}


def chat_app(endpoint: FakeEndpoint) -> AppTest:
    return open_app(secrets={**SECRETS, "HUGGINGFACE_ENDPOINT_URL": endpoint.url})


def shown_markdown(at: AppTest) -> list[str]:
    """Every string the page hands Streamlit's Markdown: bodies, widget and block labels, help texts, metric values."""
    shown = [
        e.value
        for kind in ("markdown", "caption", "error", "warning", "info", "success", "toast")
        for e in at.get(kind)
    ]
    shown += [e.label for blocks in (at.button, at.expander, at.tabs, at.status, at.metric) for e in blocks]
    shown += [e.value for e in at.metric] + [e.help for e in at.button if e.help]
    shown += [e.proto.help for e in at.caption if e.proto.help]
    return [str(s) for s in shown]


def assert_inert(text: str) -> None:
    """``text`` as escape_markdown leaves hostile words: one line, markup escaped, addresses split."""
    assert "\n" not in text, text
    assert not unescaped(text, allowed="*"), text  # the app's own **bold** around a name is the only markup
    assert not linkable(text), text
    assert not re.match(r"\s*(#|>|[-+*]\s|\d+[.)]\s)", text), text


def hostile_texts(at: AppTest, marker: str = "Rotate it now") -> list[str]:
    found = [text for text in shown_markdown(at) if marker in text.replace(WORD_JOINER, "")]
    assert found, f"{marker!r} is not on the page"
    return found


@pytest.mark.parametrize(
    ("question", "sql"), [("x", MISSING_TABLE), ("## Look [Rotate it now](http://e.x/q)", MISSING_COLUMN)]
)
def test_a_share_link_cannot_put_a_heading_or_a_link_in_the_error_box(question: str, sql: str) -> None:
    at = open_app()
    at.query_params.update({"q": question, "sql": sql})
    at.run()
    assert not at.exception
    errors = [e for e in texts(at.error) if "Security alert" in e]
    assert errors, texts(at.error)  # the error box still says what DuckDB said, words and all
    assert "\\[Rotate it now\\](http" + WORD_JOINER + "://evil.example/rotate)" in errors[0]
    for text in hostile_texts(at):
        assert_inert(text)


def test_an_endpoint_error_body_and_its_model_name_are_shown_inert(endpoint: FakeEndpoint) -> None:
    endpoint.responder = ScriptedModel(default=fenced(COUNT))
    endpoint.reply_model = HOSTILE_MODEL  # the endpoint names the model that answered
    at = ask(chat_app(endpoint).run(), "How many earthquakes?")
    assert any("answered in" in text for text in hostile_texts(at))
    endpoint.fail_always(500, {"error": PROBE})
    at = ask(at, "And how many strong ones?")
    assert not at.exception
    assert any(e.startswith("Internal server error (HTTP 500): x ## ⚠️ Security alert") for e in texts(at.error))
    for text in hostile_texts(at):
        assert_inert(text)


def test_a_hostile_insight_keeps_bold_and_italic_and_nothing_else_on_the_page_and_in_the_report(
    endpoint: FakeEndpoint,
) -> None:
    endpoint.responder = ScriptedModel(default=fenced(COUNT), insight=INSIGHT)
    at = ask(chat_app(endpoint).run(), "How many earthquakes?")
    assert not at.exception
    insight = next(m.value for m in at.markdown if "Security alert" in m.value)
    assert insight.startswith("There were **1,707** events, *mostly small*.  \n\\## ⚠️ Security alert  \n")
    assert not unescaped(insight, allowed="*_") and not linkable(insight)
    for line in insight.split("  \n"):
        assert not re.match(r"(#|>|[-+*]\s|\d+[.)]\s|\||`{3}|\[\w+\]:)", line), line

    history: list[Answer] = at.session_state[CONVERSATION]
    report = build_markdown(history, at.session_state[DATABASE].tables(), datetime.now(UTC), lambda n, chart: None)
    assert prose_markdown(history[0].of_type(TextPart)[0].text) in report
    assert not re.search(r"(?<!\\)(\]\(|<http|\[r\]:)", report)  # no link, autolink or link definition
    starts = [line for line in report.splitlines() if re.match(r"(#|[-+*]\s|\d+[.)]\s|\[r\])", line)]
    assert starts == ["# Chat with your data", "## 1. How many earthquakes?"], starts


def test_a_hostile_sentence_left_out_of_the_insight_is_quoted_inert_in_its_note(endpoint: FakeEndpoint) -> None:
    """The insight check quotes each sentence it leaves out: a false one can carry hostile Markdown too."""
    lying = "## Alert: 999 quakes. [Rotate it now](http://evil.example/r) ![b](http://evil.example/p.png) 12345 more."
    endpoint.responder = ScriptedModel(default=fenced(COUNT), insight=f"There were 1,707 events.\n{lying}")
    at = ask(chat_app(endpoint).run(), "How many earthquakes?")
    assert not at.exception
    notes = [t for t in hostile_texts(at) if "Left out of the insight" in t]
    assert notes and "999" in notes[0]  # the false sentence is quoted, as words
    for text in hostile_texts(at):
        assert_inert(text)


def test_an_insight_is_inert_while_it_streams() -> None:
    def live_answer() -> None:
        from analyst.answer import Answer, SqlPart
        from analyst.answer_queue import Progress
        from tests.hardening.test_inert_text import INSIGHT
        from ui.answer_view import render_finished_parts

        render_finished_parts(Answer("q", [SqlPart("SELECT 1", 0)]), Progress(insight=INSIGHT[:400]))

    at = AppTest.from_function(live_answer, default_timeout=30).run()
    assert not at.exception
    streamed = at.markdown[0].value
    assert streamed == prose_markdown(INSIGHT[:400]) + "▌" and Progress(insight=INSIGHT).insight
    assert "Security alert" in streamed and not unescaped(streamed, allowed="*_") and not linkable(streamed)


HOSTILE_FILE = "## Alert [Rotate it now](www.evil.example) :red[x].csv"
HOSTILE_COLUMN = "## Cat [Rotate it now](http://e.x/c)"
HOSTILE_CELL = "[Rotate it now](http://e.x/v)"  # short enough for a suggested question to quote it


def test_a_hostile_file_name_column_and_cell_stay_words_in_messages_notices_and_suggestions(
    endpoint: FakeEndpoint,
) -> None:
    rows = "\n".join([f'"{HOSTILE_CELL}",{n}' for n in (1, 2, 2)] + ["plain,3", "plain,4", "other,5"])
    data = f'"{HOSTILE_COLUMN}",n\n{rows}\n'.encode()
    at = chat_app(endpoint).run().switch_page("pages/explore.py").run()
    at = at.file_uploader[0].set_value((HOSTILE_FILE, data, "text/csv")).run()
    assert any(s.startswith("Loaded ## Alert \\[Rotate it now\\]") for s in texts(at.success))
    at = at.file_uploader[0].set_value((HOSTILE_FILE, data + b"plain,6\n", "text/csv")).run()  # the same name again
    assert any("What should \\## Alert \\[Rotate it now\\]" in w for w in texts(at.warning))
    for text in hostile_texts(at):
        assert_inert(text)

    at = at.switch_page("pages/chat.py").run()
    starters = [b.label for b in at.button if b.key and b.key.startswith("example_")]
    assert any("## Cat \\[Rotate it now\\]" in label for label in starters), starters
    model = ScriptedModel(
        default=fenced(f'SELECT "{HOSTILE_COLUMN}", count(*) AS n FROM alert_rotate_it_now_www GROUP BY 1')
    )
    endpoint.responder = model
    at.chat_input[0].upload(f"2 {HOSTILE_FILE}", b"a,b\n1\n1,2,3\n", "text/csv").run()  # a ragged file: refused
    at = ask(at, "How many per category?")
    follow_ups = [b.label for b in at.button if b.key and b.key.startswith("follow_up_")]
    assert any("\\[Rotate it now\\](http" + WORD_JOINER + "://e.x/v)" in label for label in follow_ups), follow_ups
    assert any("rows have different numbers of fields" in e for e in texts(at.error))
    for text in hostile_texts(at):
        assert_inert(text)


# Chromium: what Streamlit's renderer makes of the helpers' output in every kind of element, then the app's own page.
CORPUS_PAGE = """
import json
from pathlib import Path

import streamlit as st

from analyst.model_text import escape_markdown, prose_markdown

corpus = json.loads((Path(__file__).parent / "corpus.json").read_text())
with st.container(key="inert"):
    for number, text in enumerate(corpus):
        shown = escape_markdown(text)
        st.markdown(shown)
        st.caption(f"ℹ️ {shown}", help=shown)
        st.error(shown)
        st.button(shown, key=f"button_{number}")
        with st.expander(shown):
            st.write("")
        st.metric(shown, shown)
with st.container(key="prose"):
    st.markdown(prose_markdown("\\n".join(corpus)))
with st.container(key="raw"):
    st.error(corpus[0])  # what the error box was given before: the check below must see its heading and link
st.markdown("END OF CORPUS")
"""
MADE_FROM_TEXT = (
    "h1, h2, h3, h4, h5, h6, a, ul, ol, li, img, table, blockquote, hr, pre, code, del, input, .katex, "
    "[role=img], .stMarkdownBadge, .stMarkdownColoredText, .stMarkdownColoredBackground"
)


def made(locator, selector: str = MADE_FROM_TEXT) -> list[str]:  # type: ignore[no-untyped-def]
    found = locator.locator(selector)
    return [found.nth(i).evaluate("e => e.outerHTML")[:120] for i in range(found.count())]


@pytest.mark.browser
def test_in_chromium_hostile_text_makes_no_element_in_any_box_nor_on_the_app_page(  # type: ignore[no-untyped-def]
    page, owner_app: str, endpoint: FakeEndpoint, tmp_path: Path
) -> None:
    (tmp_path / "app.py").write_text(CORPUS_PAGE)
    (tmp_path / "corpus.json").write_text(json.dumps(HOSTILE))
    with running_app({"PYTHONPATH": str(ROOT)}, root=tmp_path) as url:
        page.goto(url)
        page.get_by_text("END OF CORPUS").wait_for()
        inert, prose = page.locator(".st-key-inert"), page.locator(".st-key-prose")
        assert made(page.locator(".st-key-raw"), "h2") and made(page.locator(".st-key-raw"), "a")
        assert made(inert, MADE_FROM_TEXT + ", strong, em, details details") == []
        assert made(prose) == [] and made(prose, "strong") and made(prose, "em")  # bold and italic only
        words = inert.inner_text().replace(WORD_JOINER, "")
        assert "## ⚠️ Security alert [Rotate it now](http://evil.example/rotate)" in words

    endpoint.responder = ScriptedModel(default=fenced(COUNT), insight=INSIGHT)
    endpoint.reply_model = HOSTILE_MODEL
    page.goto(f"{owner_app}/?{urlencode({'q': 'x', 'sql': MISSING_TABLE})}")
    alerts = page.locator("[data-testid='stAlertContainer']").filter(has_text="Security alert")
    shown = page.locator("[data-testid='stAlertContainer']:visible").filter(has_text="Security alert")
    shown.first.wait_for()  # the others are DuckDB's messages under each attempt, in a closed expander
    box = page.get_by_placeholder("Ask a question about the data")
    box.fill("How many earthquakes?")
    box.press("Enter")
    answer = page.get_by_test_id("stChatMessage").nth(3)
    answer.get_by_test_id("stCaptionContainer").filter(has_text="answered in").wait_for()
    main = page.get_by_test_id("stMainBlockContainer")
    assert made(alerts) == []
    said = shown.first.inner_text().replace(WORD_JOINER, "")
    assert "## ⚠️ Security alert [Rotate it now](http://evil.example/rotate)" in said
    hostile = re.compile("Security alert|Rotate it now|evil")
    leaked = main.locator(MADE_FROM_TEXT.replace("pre, code, ", "")).filter(has_text=hostile)
    assert [leaked.nth(i).evaluate("e => e.outerHTML")[:120] for i in range(leaked.count())] == []
    markdown = "[data-testid=stMarkdownContainer]"
    assert made(main, f"{markdown} img, {markdown} a:not([href^='#'])") == []  # the title's own anchor aside
    insight = answer.get_by_test_id("stMarkdownContainer").filter(has_text="mostly small")
    assert made(insight, "strong") and made(insight, "em")
    assert "## ⚠️ Security alert" in insight.inner_text() and "- first item" in insight.inner_text()
