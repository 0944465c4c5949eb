"""`nexus verify --stack S`: the command around nexus.live.verify (arguments, the report,
the results file that `nexus status` reads, exit codes 0/1/2)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nexus.config.messages import SettingsError
from nexus.config.stack_files import load_stack_config
from nexus.live.verify import (
    EXIT_CANNOT_RUN,
    EXIT_FAILED,
    RESULTS_DIR,
    CannotVerify,
    probe_url,
    read_outputs,
    save,
    verify,
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", required=True, help="the deployed stack")
    parser.add_argument("--config-from", metavar="STACK", help="read Pulumi.STACK.yaml (a stack without its own file)")
    parser.add_argument(
        "--outputs",
        type=Path,
        metavar="FILE",
        help="the stack's outputs as JSON (default: `pulumi stack output --json`)",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the results here")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR,
                        help="keep the results here for `nexus status` (default: .nexus/verify)")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    try:
        settings = load_stack_config(args.stack, config_from=args.config_from).settings()
        outputs = read_outputs(args.stack, args.outputs)
        report = verify(settings, outputs, probe=probe_url)
    except SettingsError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_CANNOT_RUN
    except CannotVerify as exc:
        print(f"nexus verify --stack {args.stack}: cannot verify: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    for check in report.checks:
        print(check.line())
    print(report.summary())
    try:
        save(report, [p for p in (args.json, args.results_dir / f"{args.stack}.json") if p is not None])
    except CannotVerify as exc:
        print(f"nexus verify: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    return EXIT_FAILED if report.failed() else 0
