"""``python -m bench``: what a question costs besides the model, at scale, plus start-up and memory.

Prints a table and writes ``bench/results.json``. See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from bench.app_metrics import measure_app
from bench.overhead import Harness, bundled_figures, scaled_overhead
from bench.store_cost import store_costs
from bench.synthetic import ensure_synthetic

RESULTS = Path(__file__).resolve().parent / "results.json"
SCALES = (10_000, 100_000, 1_000_000, 10_000_000)
BUDGETS = {
    "calls_per_question": ("<=", 2),
    # 700 until the SQL prompt carried three worked examples (+107 tokens); bench/README.md gives the trade-off.
    "prompt_tokens_per_question": ("<=", 760),
    "overhead_ms_p50": ("<=", 40),
    "overhead_ms_p95": ("<=", 120),
    "overhead_ms_p50_10m": ("<=", 1500),
    "first_token_overhead_ms": ("<=", 30),
    "startup_s": ("<=", 4),
    "rss_mb_idle": ("<=", 300),
    "rss_mb_10m": ("<=", 1200),
    "store_page_ms": ("<=", 5),
}


def machine() -> str:
    memory_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in line
    )
    python = platform.python_version()
    return f"{platform.machine()}, {os.cpu_count()} cores, {memory_kb / 1024**2:.0f} GiB, Python {python}"


def verdict(key: str, value: float, results: dict[str, float]) -> str:
    if key == "prompt_tokens_after_10_turns":
        return "ok" if value <= 2 * results["prompt_tokens_per_question"] else "OVER"
    if key not in BUDGETS:
        return ""
    _, limit = BUDGETS[key]
    return "ok" if value <= limit else "OVER"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--skip-app", action="store_true", help="skip start-up and memory (needs Chromium)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    print(f"machine: {machine()}")
    harness = Harness()
    try:
        results, _ = bundled_figures(harness)
        scaling = {}
        for rows in SCALES:
            path = ensure_synthetic(rows)
            scaling[rows] = scaled_overhead(harness, path)
            row = scaling[rows]
            print(
                f"scale {rows:>10,} rows: overhead p50 {row['overhead_ms_p50']} ms, p95 {row['overhead_ms_p95']} ms, "
                f"first question {row['first_question_ms']} ms"
            )
    finally:
        harness.stop()
    results["overhead_ms_p50_10m"] = scaling[10_000_000]["overhead_ms_p50"]
    stores = store_costs()
    for kind, row in stores.items():
        print(
            f"store {kind:<11} per saved answer: {row['encode_ms']} ms on the page, {row['write_ms']} ms to write; "
            f"opening a link {row['load_ms']} ms; {row['kb_per_answer']} kB an answer"
        )
    results["store_page_ms"] = max(row["encode_ms"] for row in stores.values())
    if not args.skip_app:
        results |= measure_app(ensure_synthetic(10_000_000))
    print()
    print(f"{'figure':<32}{'value':>12}  {'budget':<10}")
    for key, value in results.items():
        budget = BUDGETS.get(key)
        limit = (
            f"{budget[0]} {budget[1]}" if budget else ("<= 2x first" if key == "prompt_tokens_after_10_turns" else "")
        )
        print(f"{key:<32}{value:>12}  {limit:<12}{verdict(key, value, results)}")
    payload = {
        **results,
        "scaling": {str(rows): figures for rows, figures in scaling.items()},
        "stores": stores,
        "machine": machine(),
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "seconds": round(time.monotonic() - started, 1),
    }
    RESULTS.write_text(json.dumps(payload, indent=2) + "\n")
    print(
        f"\nwrote {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS} "
        f"in {payload['seconds']} s"
    )
    return 0 if all(verdict(k, v, results) != "OVER" for k, v in results.items()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
