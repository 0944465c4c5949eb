"""`nexus drill-result`: the recovery drill's result, as the job summary and as a file.

The recovery-drill workflow (.github/workflows/recovery-drill.yml) restores a throwaway stack
from replicated backups, verifies it and destroys it; this command writes what it measured to
.nexus/drill/<stack>.json, the file the status page reads (docs/disaster-recovery.md, "The
drill's result"), and prints the same as a Markdown table for $GITHUB_STEP_SUMMARY.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from nexus.config.base import valid_stack_name
from nexus.config.errors import InputError

RESULTS_DIR = Path(".nexus/drill")
# What `verify` ended with, as GitHub reports a step's outcome (steps.<id>.outcome).
OUTCOMES = ("success", "failure", "cancelled", "skipped")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", required=True, help="the drill stack (recovery-drill-<run id>)")
    parser.add_argument("--source", required=True, help="the stack whose replicated backups were restored")
    parser.add_argument("--started-at", required=True, help="when the restore (pulumi up) started, ISO 8601 UTC")
    parser.add_argument(
        "--restore-seconds", default="", help="how long pulumi up took, whole seconds (empty: it did not finish)"
    )
    parser.add_argument("--verify-outcome", required=True, help=f"the verify step's outcome: {', '.join(OUTCOMES)}")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR, help="default: .nexus/drill")


def result(args: argparse.Namespace) -> dict[str, Any]:
    """The result document; InputError (exit 2) names a value that is not what the workflow passes."""
    stack, source = _stack("--stack", args.stack), _stack("--source", args.source)
    try:
        started = datetime.fromisoformat(args.started_at.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"--started-at {args.started_at!r}: not an ISO 8601 time (date -u +%Y-%m-%dT%H:%M:%SZ)"
        ) from None
    if started.utcoffset() is None:
        raise InputError(f"--started-at {args.started_at!r}: give the time in UTC (a trailing Z)")
    seconds: int | None = None
    if args.restore_seconds != "":
        if not args.restore_seconds.isdigit():
            raise InputError(f"--restore-seconds {args.restore_seconds!r}: whole seconds, or empty when up failed")
        seconds = int(args.restore_seconds)
    if args.verify_outcome not in OUTCOMES:
        raise InputError(f"--verify-outcome {args.verify_outcome!r}: one of {', '.join(OUTCOMES)}")
    return {
        "stack": stack,
        "started_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "restore_seconds": seconds,
        "verify_passed": args.verify_outcome == "success",
        "source_stack": source,
    }


def _stack(flag: str, value: str) -> str:
    try:
        return valid_stack_name(value)
    except ValueError as exc:
        raise InputError(f"{flag} {value!r}: {exc}") from None


def markdown(doc: dict[str, Any]) -> str:
    seconds = doc["restore_seconds"]
    took = "did not finish" if seconds is None else f"{seconds} s ({seconds / 60:.1f} min)"
    verdict = "PASSED" if doc["verify_passed"] and seconds is not None else "FAILED"
    return "\n".join([
        f"### Recovery drill {verdict}", "",
        "| | |", "| --- | --- |",
        f"| drill stack | `{doc['stack']}` |",
        f"| restored from | the replicated backups of `{doc['source_stack']}` |",
        f"| restore started | {doc['started_at']} |",
        f"| restore took (pulumi up) | {took} |",
        f"| nexus verify | {'passed' if doc['verify_passed'] else 'failed or not run'} |",
    ])  # fmt: skip


def run(args: argparse.Namespace) -> int:
    doc = result(args)
    args.results_dir.mkdir(parents=True, exist_ok=True)
    (args.results_dir / f"{doc['stack']}.json").write_text(json.dumps(doc, indent=2) + "\n")
    print(markdown(doc))
    return 0
