"""`nexus check`: the policy rules of nexus.plans.rules over offline plans; with `--destroyable`,
what would stop `pulumi destroy` of a stack and the `pulumi config set` lines that lift it;
with `--controls`, every AWS Foundational Security Best Practices control that applies, the
rule that enforces it and its result per stack (nexus.plans.controls)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nexus.config.errors import EXIT_INVALID
from nexus.config.stack_files import load_all, overlapping_cidrs, skipped_notice, stack_names
from nexus.plans.model import plan_json, resource_count
from nexus.plans.rules import (
    DestroyBlocker,
    check_plan,
    destroy_blockers,
    destroy_leftovers,
    is_taggable,
    versioned_buckets,
)


def run_check(stacks: list[str], plan_file: Path | None = None) -> int:
    from nexus.plans.model import read_plan

    plans = [read_plan(plan_file)] if plan_file else [plan_json(s) for s in stacks]
    failed = 0
    for plan in plans:
        violations = check_plan(plan, is_taggable)
        if violations:
            failed += 1
            print(f"{plan['stack']}: {len(violations)} policy violation(s)")
            for rule, message in violations:
                print(f"  [{rule}] {message}")
        else:
            print(f"{plan['stack']}: all policies pass ({resource_count(plan['resources'])} resources)")
    return 1 if failed else 0


def config_set_line(stack: str, blocker: DestroyBlocker) -> str:
    """The CLI line that sets the blocker's key. With --path, `pulumi config set` stores "true"
    and "false" as booleans (Pulumi CLI reference, `pulumi config set`: "When setting the
    config for a path, "true" and "false" are treated as boolean values")."""
    value = "true" if blocker.value is True else "false" if blocker.value is False else str(blocker.value)
    return f"pulumi config set --stack {stack} --path '{blocker.key}' {value}"


def run_destroyable(stack: str, plan_file: Path | None = None) -> int:
    """Exit 0 when `pulumi destroy` of `stack` would go through, 1 when something blocks it."""
    from nexus.plans.model import read_plan

    plan = read_plan(plan_file) if plan_file else plan_json(stack)
    blockers = destroy_blockers(plan)
    for item in destroy_leftovers(plan):
        print(f"{stack}: left behind on destroy (by design): {item}")
    for bucket in sorted(versioned_buckets(plan)):
        print(
            f"{stack}: bucket {bucket} is versioned: force_destroy deletes every version and delete marker "
            "(by hand: docs/runbooks.md, emptying a versioned bucket)"
        )
    if not blockers:
        print(f"{stack}: nothing blocks `pulumi destroy --stack {stack}`")
        return 0
    print(f"{stack}: {len(blockers)} thing(s) would block `pulumi destroy --stack {stack}`:")
    for b in blockers:
        remedy = b.key or "no setting lifts it: change the code"
        print(f"  - {b.resource}: {b.reason} ({remedy})")
    lines = list(dict.fromkeys(config_set_line(stack, b) for b in blockers if b.key))
    print(f"Lift them, then `pulumi up --stack {stack}` before `pulumi destroy --stack {stack}`:")
    for line in lines:
        print(f"  {line}")
    return 1


# The tiers first, in the order a reader compares them; any other stack after them.
TIER_ORDER = ("production", "staging", "development")


def ordered(stacks: list[str]) -> list[str]:
    return sorted(stacks, key=lambda s: (TIER_ORDER.index(s) if s in TIER_ORDER else len(TIER_ORDER), s))


def run_controls(stacks: list[str], *, markdown: bool, plan_file: Path | None = None) -> int:
    """Exit 1 when a control fails or is a gap in any of the stacks."""
    from nexus.plans.controls import control_results, failing, render_markdown, render_text
    from nexus.plans.model import read_plan

    plans = [read_plan(plan_file)] if plan_file else [plan_json(s) for s in stacks]
    names = [p["stack"] for p in plans]
    results = control_results(plans, is_taggable)
    if markdown:
        sys.stdout.write(render_markdown(names, results))  # ends with its newline: paste it as it is
    else:
        print(render_text(names, results))
    bad = failing(results)
    for control, index in bad:
        print(f"{names[index]}: control {control} is {results[control][index].status}", file=sys.stderr)
    return 1 if bad else 0


def configure(check: argparse.ArgumentParser) -> None:
    check_target = check.add_mutually_exclusive_group()
    check_target.add_argument("--stack")
    check_target.add_argument("--all", action="store_true")
    check.add_argument("--plan", type=Path, help="check this plan JSON instead of planning")
    check.add_argument("--destroyable", action="store_true",
                       help="list what would block `pulumi destroy` of --stack, with the config lines that lift it")  # fmt: skip
    check.add_argument("--controls", action="store_true",
                       help="every AWS Foundational Security Best Practices control that applies: its rule and result "
                            "per stack (all stacks unless --stack)")  # fmt: skip
    check.add_argument(
        "--markdown", action="store_true", help="with --controls: the table as markdown (docs/controls.md)"
    )


def run(args: argparse.Namespace) -> int:
    if args.markdown and not args.controls:
        print("check --markdown goes with --controls", file=sys.stderr)
        return EXIT_INVALID
    if args.controls:
        if args.destroyable:
            print("check --controls and --destroyable are separate checks: run them one at a time", file=sys.stderr)
            return EXIT_INVALID
        if args.plan and not args.stack:
            print("check --controls --plan FILE takes the plan's --stack", file=sys.stderr)
            return EXIT_INVALID
        return run_controls(ordered([args.stack] if args.stack else stack_names()), markdown=args.markdown,
                            plan_file=args.plan)  # fmt: skip
    if not args.stack and not args.all:
        print("check needs --stack S or --all (or --controls, which checks every stack)", file=sys.stderr)
        return EXIT_INVALID
    if args.destroyable:
        if not args.stack:
            print("check --destroyable takes one --stack", file=sys.stderr)
            return EXIT_INVALID
        return run_destroyable(args.stack, plan_file=args.plan)
    if args.all and (notice := skipped_notice()):
        print(notice, file=sys.stderr)
    if args.all and not args.plan and (overlaps := overlapping_cidrs(load_all(stack_names()))):
        # Every command that reads all the stacks refuses what `plan --all` refuses.
        print("\n".join(overlaps), file=sys.stderr)
        return EXIT_INVALID
    return run_check(stacks=stack_names() if args.all else [args.stack], plan_file=args.plan)
