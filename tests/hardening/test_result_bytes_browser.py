"""The issue's 155-character share link, and other links that build huge values, opened in Chromium against the
real app: the server's peak memory (VmHWM of its process) rises by less than 300 MB for each, and with ten of them
opened at once another visitor's ordinary link is still answered (issue 25, item 2)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.support.browser import BACKGROUND_TAB_SCRIPT
from tests.support.streamlit_server import running_app_process

pytestmark = pytest.mark.browser

MB = 1024**2
PEAK_RISE = 300 * MB
ISSUE_LINK_SQL = "SELECT replace(lpad('',10000,'a'),'a',lpad('',10000,'b')) AS s FROM range(10)"
# (link, what its answer says once the server has finished it)
LINKS = [
    (ISSUE_LINK_SQL, "the sandbox allows 64 KB"),  # refused on the parse (was a 6.4 GB peak)
    ("SELECT lpad('', 10000, 'x') || i AS s FROM range(5000) t(i)", "of 5,000 rows"),  # cut to 8 MB of rows
    ("SELECT lpad('', 5000, 'x') || i AS s FROM range(1000000) t(i) ORDER BY s DESC", "needed more memory"),
    ("SELECT string_agg(lpad('', 1000, 'a'), '') AS s FROM range(100000000)", "needed more memory"),
]
ORDINARY = "SELECT count(*) AS n FROM earthquakes"
SHARED = "Shared answer: the SQL was rerun on this session's data"


def peak_bytes(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM), in bytes."""
    with open(f"/proc/{pid}/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024


def link(url: str, question: str, sql: str) -> str:
    return f"{url}/?{urlencode({'q': question, 'sql': sql})}"


def test_links_that_build_huge_values_leave_the_server_bounded_and_answering(browser) -> None:  # type: ignore[no-untyped-def]
    with running_app_process() as (url, process):
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.add_init_script(BACKGROUND_TAB_SCRIPT)  # ten tabs at once: as Chromium runs tabs in the background
        try:
            first = context.new_page()
            first.set_default_timeout(60_000)
            first.goto(link(url, "How many?", ORDINARY))  # the app's own first load (imports, the bundled data)
            first.get_by_text(SHARED).wait_for()
            first.get_by_text("1,707").first.wait_for()
            for number, (sql, said) in enumerate(LINKS):  # one after the other, in the same tab
                before = peak_bytes(process.pid)
                first.goto(link(url, f"link {number}", sql))
                first.get_by_text(said).first.wait_for(state="attached")
                rose = peak_bytes(process.pid) - before
                assert rose < PEAK_RISE, f"{sql[:60]}: the server's peak rose by {rose / MB:.0f} MB"

            # Ten such links at once: the issue's, refused on its parse, and one stopped by the memory watch (the
            # 8 MB result was measured above; ten of them at once would mostly measure Chromium drawing them).
            at_once = [LINKS[0], LINKS[3]]
            tabs = [context.new_page() for _ in range(10)]
            for number, tab in enumerate(tabs):
                tab.set_default_timeout(60_000)
                tab.goto(link(url, f"at once {number}", at_once[number % 2][0]), wait_until="commit")
            other = browser.new_context().new_page()  # another visitor
            other.set_default_timeout(60_000)
            other.goto(link(url, "How many?", ORDINARY))
            other.get_by_text(SHARED).wait_for()
            other.get_by_text("1,707").first.wait_for()
            for number, tab in enumerate(tabs):  # and the ten were served too, each with its own outcome
                tab.get_by_text(at_once[number % 2][1]).first.wait_for(state="attached")
            other.context.close()
        finally:
            context.close()
