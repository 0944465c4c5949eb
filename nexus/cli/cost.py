"""`nexus cost`: the command around nexus.plans.pricing: one stack resource by resource,
every stack's totals, or the change between two sets of plans (the pull-request comment)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from nexus.cli.output_paths import check_comparable
from nexus.config.errors import EXIT_INVALID, InputError
from nexus.plans.model import load_plans
from nexus.plans.pricing import (
    CostError,
    StackCost,
    diff_costs,
    load_table,
    price_plan,
    refresh_help,
    region_prices,
    render_diff_markdown,
    render_diff_text,
    render_stack,
    render_totals,
)


def configure(cost: argparse.ArgumentParser) -> None:
    target = cost.add_mutually_exclusive_group(required=True)
    target.add_argument("--stack", help="price one stack, resource by resource")
    target.add_argument("--all", action="store_true", help="every Pulumi.<stack>.yaml")
    target.add_argument("--diff", nargs=2, metavar=("BASE", "HEAD"), type=Path,
                        help="cost on the base and the head: plan JSON files or directories of them")  # fmt: skip
    target.add_argument("--refresh-help", action="store_true", help="how to refresh nexus/plans/prices.json")
    cost.add_argument("--config-from", metavar="STACK", help="with --stack: read Pulumi.STACK.yaml")
    cost.add_argument("--json", metavar="FILE", type=Path, help="also write the costs as JSON")
    cost.add_argument("--markdown", action="store_true", help="with --diff: a pull-request comment")


def run(args: argparse.Namespace) -> int:
    try:
        if args.refresh_help:
            print(refresh_help())
            return 0
        if args.markdown and not args.diff:
            raise CostError("--markdown goes with --diff BASE HEAD")
        if args.config_from and not args.stack:
            raise CostError("--config-from goes with --stack")
        if args.diff:
            check_comparable(*args.diff)
            base, head = (_price_all(load_plans(p)) for p in args.diff)
            rows = diff_costs(base, head)
            print(render_diff_markdown(rows) if args.markdown else render_diff_text(rows))
            if args.json:
                doc = {side: [c.to_json() for c in costs.values()] for side, costs in (("base", base), ("head", head))}
                _write(args.json, doc)
            return 0
        costs = _price_stacks([args.stack] if args.stack else None, args.config_from)
    except CostError as exc:
        print(f"nexus cost: {exc}", file=sys.stderr)
        return EXIT_INVALID
    for cost in costs:
        print(render_stack(cost, detail=bool(args.stack)))
        print()
    print(render_totals(costs))
    if args.json:
        _write(args.json, [c.to_json() for c in costs])
    return 0


def _price_stacks(stacks: list[str] | None, config_from: str | None) -> list[StackCost]:
    from nexus.config.stack_files import load_all, overlapping_cidrs, stack_names

    loaded = load_all(stacks or stack_names(), config_from=config_from)
    if not stacks and (overlaps := overlapping_cidrs(loaded)):  # --all refuses what plan --all refuses
        raise InputError("\n".join(overlaps))
    table = load_table()
    for _, settings in loaded:  # refuse an unpriced region before paying for the plan
        region_prices(settings.region, table)

    from nexus.plans.offline import ProgramError, run_program

    try:
        return [price_plan(run_program(config, settings).to_json(), table) for config, settings in loaded]
    except ProgramError as exc:
        raise CostError(str(exc)) from None


def _price_all(plans: dict[str, dict[str, Any]]) -> dict[str, StackCost]:
    table = load_table()
    return {stack: price_plan(plan, table) for stack, plan in plans.items()}


def _write(path: Path, doc: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2) + "\n")
