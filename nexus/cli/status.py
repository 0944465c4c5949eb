"""`nexus status --all`: one line per environment from the last `nexus verify` of each.

verify keeps every run's results in .nexus/verify/<stack>.json (not committed); status reads
those files, so it needs no credentials and answers at once. Point --results-dir at the
directory where CI jobs' `verify --json` files were collected to see the deployed fleet.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nexus.config.errors import InputError
from nexus.config.stack_files import stack_names
from nexus.live.verify import EXIT_CANNOT_RUN, EXIT_FAILED, RESULTS_DIR


def configure(parser: argparse.ArgumentParser) -> None:
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--all", action="store_true", help="every stack file and every stack verified here")
    target.add_argument("--stack", help="one stack")
    parser.add_argument(
        "--results-dir", type=Path, default=RESULTS_DIR, help="where verify keeps its results (default: .nexus/verify)"
    )


def run(args: argparse.Namespace) -> int:
    results_dir: Path = args.results_dir
    found = {p.stem: p for p in results_dir.glob("*.json")} if results_dir.is_dir() else {}
    stacks = sorted(set(stack_names()) | set(found)) if args.all else [args.stack]
    if args.stack and args.stack not in found and args.stack not in stack_names():
        # Neither a stack file nor a verified stack: a typo, refused like every command's.
        near = difflib.get_close_matches(args.stack, sorted(set(stack_names()) | set(found)), n=1)
        raise InputError(
            f"status --stack {args.stack}: no stack file Pulumi.{args.stack}.yaml and no verify result in "
            f"{results_dir}" + (f": did you mean {near[0]!r}?" if near else "")
        )
    now = datetime.now(UTC)
    lines, failing = [], False
    for stack in stacks:
        path = found.get(stack)
        if path is None:
            lines.append((stack, "unknown", "-", "-", "never verified"))
            continue
        try:
            result = json.loads(path.read_text())
            summary, checked_at = result["summary"], datetime.fromisoformat(result["checked_at"])
            health_failed, drift_failed = int(summary["health_failed"]), int(summary["drift_failed"])
            isolation_failed = int(summary["isolation_failed"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(f"{path}: not a result of nexus verify ({exc.__class__.__name__}: {exc})", file=sys.stderr)
            return EXIT_CANNOT_RUN
        failing = failing or bool(health_failed or drift_failed or isolation_failed)
        lines.append(
            (
                stack,
                "healthy" if not health_failed else f"UNHEALTHY ({health_failed})",
                f"drift {drift_failed}",
                "isolated" if not isolation_failed else f"ISOLATION ({isolation_failed})",
                f"last check {checked_at:%Y-%m-%d %H:%M} UTC ({_ago(now - checked_at)} ago)",
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(4)]
    for line in lines:
        print("  ".join(cell.ljust(w) for cell, w in zip(line[:4], widths, strict=True)) + "  " + line[4])
    return EXIT_FAILED if failing else 0


def _ago(delta: Any) -> str:
    seconds = max(int(delta.total_seconds()), 0)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"
