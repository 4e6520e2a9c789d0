"""Execution accuracy of an endpoint on the reference questions, from the command line.

    HUGGINGFACE_API_KEY=hf_... python -m bench.eval --endpoint-type dedicated \
        --url https://x.endpoints.huggingface.cloud --model auto

The key comes from the environment (HUGGINGFACE_API_KEY, or HF_TOKEN), never from the command line.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from evaluation.accuracy import (
    EVAL_OPTIONS,
    INSIGHT_OPTIONS,
    QUESTIONS_FILE,
    EvalReport,
    QuestionScore,
    load_questions,
    run_evaluation,
)
from evaluation.conversations import load_conversations, run_conversations
from evaluation.logged_failures import logged_failures
from providers.client import ModelClient
from providers.endpoint_types import EndpointType
from providers.selection import Selection, resolve_selection
from providers.settings import read_configuration


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.eval", description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint-type", default="dedicated", choices=[t.value for t in EndpointType])
    parser.add_argument("--url", default="", help="the dedicated endpoint's URL")
    parser.add_argument("--model", default="auto", help="model id, or 'auto' for a dedicated endpoint")
    parser.add_argument("--questions", type=Path, default=QUESTIONS_FILE)
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions")
    parser.add_argument(
        "--conversations", type=Path, help="score the turns of these conversations instead (bench/conversations.json)"
    )
    parser.add_argument("--insights", action="store_true", help="also write each insight and check it on its table")
    parser.add_argument("--json", type=Path, help="write the full report as JSON here")
    parser.add_argument("--csv", type=Path, help="write the per-question table as CSV here")
    return parser.parse_args(argv)


def print_progress(done: int, total: int, score: QuestionScore) -> None:
    mark = "ok " if score.correct else "XX "
    print(f"[{done:>2}/{total}] {mark}{score.id} {score.latency_s:6.2f} s  {score.problem}", flush=True)
    if score.left_out:
        print(f"        insight: {score.insight!r}\n        {score.left_out}", flush=True)


def print_report(report: EvalReport) -> None:
    summary = report.summary()
    print()
    print(f"model                {summary['model']}")
    print(f"execution accuracy   {report.accuracy:.1%} ({summary['correct']}/{summary['questions']})")
    print(f"latency p50 / p90    {report.latency_p50_s:.2f} s / {report.latency_p90_s:.2f} s")
    print(f"total tokens         {report.total_tokens:,}")
    if summary["insights"]:
        flagged = summary["insights_with_unsupported_claims"]
        print(f"insights flagged     {flagged}/{summary['insights']} stated what the table does not show")
    print(f"logged failures      {report.logged_failures} (a chart, description or answer that broke: see the log)")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    configuration = read_configuration(None, os.environ)
    kind = EndpointType(args.endpoint_type)
    typed_key = os.environ.get("HUGGINGFACE_API_KEY") or os.environ.get("HF_TOKEN") or ""
    resolved = resolve_selection(Selection(kind, args.url, typed_key, "custom", args.model), configuration)
    if resolved.settings is None:
        print(f"error: {resolved.problem} (set HUGGINGFACE_API_KEY in the environment)", file=sys.stderr)
        return 2
    client = ModelClient(resolved.settings)
    options = INSIGHT_OPTIONS if args.insights else EVAL_OPTIONS
    with logged_failures() as failures:
        if args.conversations:
            conversations = load_conversations(args.conversations)
            turns = sum(len(c.turns) for c in conversations)
            print(f"{len(conversations)} conversations, {turns} turns, against {client.base_url()}", flush=True)
            report = run_conversations(client, conversations, on_progress=print_progress, options=options)
        else:
            questions = load_questions(args.questions)
            if args.limit:
                questions = questions[: args.limit]
            print(f"{len(questions)} questions against {client.base_url()} ({args.model})", flush=True)
            report = run_evaluation(client, questions, on_progress=print_progress, options=options)
    report.logged_failures = len(failures)
    print_report(report)
    if args.json:
        args.json.write_text(report.to_json(), encoding="utf-8")
    if args.csv:
        args.csv.write_text(report.to_csv(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
