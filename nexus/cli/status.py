"""`nexus status --all`: one line per environment from the last `nexus verify` of each; with
--html FILE, also the status page (nexus/cli/status_page.py): every environment side by side
with its last verify by area and each failing check, its monthly cost, resource count, pinned
account and zones, the last recovery drill, and the promotion readiness of staging against
production.

verify keeps every run's results in .nexus/verify/<stack>.json (not committed); status reads
those files, so it needs no credentials and answers at once (the page also plans each stack
file offline, for its cost and resources: a couple of seconds). Point --results-dir at the
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

from nexus.cli.output_paths import check_output
from nexus.cli.status_page import EnvironmentView, Promotion, VerifyResult, ago, render_markdown, render_page
from nexus.config.errors import InputError
from nexus.config.stack_files import ROOT, stack_names
from nexus.live.verify import EXIT_CANNOT_RUN, EXIT_FAILED, RESULTS_DIR

DRILL_DIR = ROOT / ".nexus" / "drill"
# The drift workflow verifies every tier nightly: a result older than this means it stopped.
STALE_AFTER_HOURS = 36.0


def configure(parser: argparse.ArgumentParser) -> None:
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--all", action="store_true", help="every stack file and every stack verified here")
    target.add_argument("--stack", help="one stack")
    parser.add_argument(
        "--results-dir", type=Path, default=RESULTS_DIR, help="where verify keeps its results (default: .nexus/verify)"
    )
    parser.add_argument("--markdown", action="store_true",
                        help="print Markdown (a heading per stack, a table of failing checks) for job summaries and issues")  # fmt: skip
    parser.add_argument("--html", type=Path, metavar="FILE", help="also write the status page, one self-contained file")
    parser.add_argument("--drill-dir", type=Path, default=DRILL_DIR, metavar="DIR",
                        help="the recovery drills' results for the page (default: .nexus/drill)")  # fmt: skip
    parser.add_argument("--promote", nargs=2, default=["staging", "production"], metavar=("FROM", "TO"),
                        help="the promotion the page judges (default: staging production)")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    check_output("--html", args.html, directory=False, example="status.html")
    results_dir: Path = args.results_dir
    found = {p.stem: p for p in results_dir.glob("*.json")} if results_dir.is_dir() else {}
    files = stack_names()
    stacks = sorted(set(files) | set(found)) if args.all else [args.stack]
    if args.stack and args.stack not in found and args.stack not in files:
        # Neither a stack file nor a verified stack: a typo, refused like every command's.
        near = difflib.get_close_matches(args.stack, sorted(set(files) | set(found)), n=1)
        raise InputError(
            f"status --stack {args.stack}: no stack file Pulumi.{args.stack}.yaml and no verify result in "
            f"{results_dir}" + (f": did you mean {near[0]!r}?" if near else "")
        )
    now = datetime.now(UTC)
    results: dict[str, VerifyResult] = {}
    for stack in stacks:
        if (path := found.get(stack)) is None:
            continue
        try:
            results[stack] = VerifyResult.from_json(json.loads(path.read_text()))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(f"{path}: not a result of nexus verify ({exc.__class__.__name__}: {exc})", file=sys.stderr)
            return EXIT_CANNOT_RUN
    if args.markdown:
        views = [EnvironmentView(stack, result=results.get(stack)) for stack in stacks]
        print(render_markdown(views, now=now, stale_after_hours=STALE_AFTER_HOURS))
    else:
        _print_table(stacks, results, now)
    failing = any(r.failing() for r in results.values())
    if args.html:
        views, promotion = _gather(stacks, files, results, args.drill_dir, args.promote)
        page = render_page(views, promotion, now=now, source=str(results_dir), stale_after_hours=STALE_AFTER_HOURS)
        args.html.parent.mkdir(parents=True, exist_ok=True)
        args.html.write_text(page)
        print(f"wrote {args.html}: {len(views)} environments")
    return EXIT_FAILED if failing else 0


def _print_table(stacks: list[str], results: dict[str, VerifyResult], now: datetime) -> None:
    lines = []
    for stack in stacks:
        result = results.get(stack)
        if result is None:
            lines.append((stack, "unknown", "-", "-", "never verified"))
            continue
        health, drift, isolation = (len(result.failing(area)) for area in ("health", "drift", "isolation"))
        lines.append(
            (
                stack,
                "healthy" if not health else f"UNHEALTHY ({health})",
                f"drift {drift}",
                "isolated" if not isolation else f"ISOLATION ({isolation})",
                f"last check {result.checked_at:%Y-%m-%d %H:%M} UTC ({ago((now - result.checked_at).total_seconds())} ago)",
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(4)]
    for line in lines:
        print("  ".join(cell.ljust(w) for cell, w in zip(line[:4], widths, strict=True)) + "  " + line[4])


def _gather(
    stacks: list[str], files: list[str], results: dict[str, VerifyResult], drill_dir: Path, promote: list[str]
) -> tuple[list[EnvironmentView], Promotion | None]:
    """Each stack's view: its settings and offline plan where it has a file here, its verify
    result, and the last drill that restored from it."""
    from nexus.config.messages import SettingsError
    from nexus.config.stack_files import load_stack_config
    from nexus.plans.model import resource_count
    from nexus.plans.offline import ProgramError, run_program
    from nexus.plans.pricing import monthly_summary
    from nexus.plans.promotion import compare_plans

    drills = _drills(drill_dir)
    plans: dict[str, dict[str, Any]] = {}
    views = []
    for stack in stacks:
        view = EnvironmentView(stack, result=results.get(stack), drill=drills.get(stack))
        if stack in files:
            try:
                config = load_stack_config(stack)
                settings = config.settings()
                view.tier, view.account, view.region = settings.environment, settings.account_id, settings.region
                view.zones = list(settings.network.availability_zones)
                plans[stack] = run_program(config, settings).to_json()
                view.monthly_cost = monthly_summary(plans[stack])
                view.resources = resource_count(plans[stack]["resources"])
            except (SettingsError, ProgramError) as exc:
                view.plan_problem = str(exc).splitlines()[0]
        views.append(view)
    source, target = promote
    promotion = None
    if source in plans and target in plans:
        comparison = compare_plans(plans[source], plans[target])
        promotion = Promotion(source, target, comparison.blocking, len(comparison.by_design))
    return views, promotion


def _drills(drill_dir: Path) -> dict[str, dict[str, Any]]:
    """The newest drill per source stack (what the recovery-drill workflow keeps); a file that
    is not one is left out with a line on stderr, the page is still written."""
    newest: dict[str, dict[str, Any]] = {}
    for path in sorted(drill_dir.glob("*.json")) if drill_dir.is_dir() else []:
        try:
            drill = json.loads(path.read_text())
            source, started = str(drill["source_stack"]), str(drill["started_at"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(f"{path}: not a recovery drill result ({exc.__class__.__name__}), left out", file=sys.stderr)
            continue
        if source not in newest or started > str(newest[source]["started_at"]):
            newest[source] = drill
    return newest
