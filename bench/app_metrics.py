"""The running app, as a person meets it: start-up time to a usable chat input, and the server's memory."""

from __future__ import annotations

import time
from pathlib import Path

from bench.scenario import QUESTIONS
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS
from tests.support.fake_endpoint import FakeEndpoint
from tests.support.streamlit_server import running_app_process as running_app

CHAT_INPUT = "textarea[placeholder^='Ask a question']"


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (Linux /proc)."""
    total = 0
    for candidate in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{candidate}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def _children(pid: int) -> list[int]:
    try:
        found = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    return found + [g for c in found for g in _children(c)]


def measure_app(earthquakes_10m: Path, log=print) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """startup_s and rss_mb_idle on the bundled data; rss_mb_10m after answering on 10M rows."""
    from playwright.sync_api import sync_playwright

    model = FakeEndpoint()
    model.responder = lambda body: (
        "```sql\nSELECT date_trunc('month', time) AS month, count(*) AS n FROM earthquakes GROUP BY 1 ORDER BY 1\n```"
    )
    figures: dict[str, float] = {}
    env = {
        "HUGGINGFACE_API_KEY": "hf_bench_local_only",
        "HUGGINGFACE_ENDPOINT_URL": model.url,
        "HUGGINGFACE_MODEL": "tgi",
    }
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            started = time.monotonic()
            with running_app(env) as (url, process):
                page.goto(url)
                page.locator(CHAT_INPUT).wait_for(timeout=60_000)
                figures["startup_s"] = round(time.monotonic() - started, 2)
                page.wait_for_timeout(1500)
                figures["rss_mb_idle"] = round(rss_mb(process.pid))
            startup, idle = figures["startup_s"], figures["rss_mb_idle"]
            log(f"app: chat input usable {startup} s after `streamlit run`; idle RSS {idle} MB")
            with running_app(env | {"EARTHQUAKES_PARQUET": str(earthquakes_10m)}) as (url, process):
                page.goto(url)
                box = page.locator(CHAT_INPUT)
                box.wait_for(timeout=60_000)
                for question in (QUESTIONS[4].question, QUESTIONS[2].question):
                    box.fill(question)
                    box.press("Enter")
                    page.get_by_text("Result (").last.wait_for(timeout=120_000)
                page.wait_for_timeout(1000)
                figures["rss_mb_10m"] = round(rss_mb(process.pid))
            log(f"app: RSS after answering on 10,000,000 rows {figures['rss_mb_10m']} MB")
            browser.close()
    finally:
        model.stop()
    return figures
