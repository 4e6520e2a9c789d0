"""docs/performance.md states the figures bench/results.json holds (``python -m bench`` writes it): a test keeps
them equal, so the page never disagrees with the measurement it cites."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_performance_page_shows_the_measured_figures() -> None:
    results = json.loads((ROOT / "bench" / "results.json").read_text())
    page = (ROOT / "docs" / "performance.md").read_text()
    rows = {
        line.split(" | ")[0].strip("| "): line.split(" | ")[1] for line in page.splitlines() if line.startswith("| ")
    }
    assert rows["model calls per question (SQL + insight)"] == f"{results['calls_per_question']:g}"
    assert rows["prompt tokens per question (first of a conversation, cl100k_base)"] == (
        f"{results['prompt_tokens_per_question']:,.0f}"
    )
    assert (
        rows["prompt tokens of the 11th question of a conversation"] == f"{results['prompt_tokens_after_10_turns']:,}"
    )
    overhead = f"{results['overhead_ms_p50']:.0f} / {results['overhead_ms_p95']:.0f} ms"
    assert rows["app overhead per question, p50 / p95 (bundled data, chart included)"] == overhead
    assert (
        rows["app overhead per question on a 10,000,000-row table, p50"] == f"{results['overhead_ms_p50_10m']:.0f} ms"
    )
    assert rows["question submitted → first model request"] == f"{results['first_token_overhead_ms']:g} ms"
    assert rows["`streamlit run app.py` → chat input usable in Chromium"] == f"{results['startup_s']:g} s"
    assert rows["server memory idle / after answering on 10M rows"] == (
        f"{results['rss_mb_idle']} / {results['rss_mb_10m']} MB"
    )
    stores = results["stores"]
    saving = " / ".join(
        f"{stores[k]['encode_ms']:g} + {stores[k]['write_ms']:g}" for k in ("memory", "sqlite", "postgresql")
    )
    assert rows["saving an answer, on the page + written: memory / SQLite / PostgreSQL"] == f"{saving} ms"
    opening = " / ".join(f"{stores[k]['load_ms']:g}" for k in ("memory", "sqlite", "postgresql"))
    assert rows["opening a link to a 10-answer conversation: memory / SQLite / PostgreSQL"] == f"{opening} ms"
    scaling = " / ".join(f"{results['scaling'][n]['overhead_ms_p50']:.0f}" for n in sorted(results["scaling"], key=int))
    assert f"Overhead p50 at 10k / 100k / 1M / 10M rows: {scaling} ms" in page
