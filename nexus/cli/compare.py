"""`nexus compare A B`: is stack A (staging) a faithful rehearsal of stack B (production)?

Differences by design (sizes, retention, protection, availability, network range) are listed
apart from differences that make A not production-like: another engine major version, or a
piece of B's topology missing in A (WAF, HTTPS listener, alarms, flow logs, ...). The latter
exit non-zero, so the promotion workflow can gate on it.
"""

from __future__ import annotations

import argparse

from nexus.plans.promotion import Comparison, compare_plans

COLUMN = 28  # a value column: longer values are shortened in the table and given whole below it


def _cell(value: object) -> str:
    text = str(value)
    if len(text) <= COLUMN:
        return text
    keep = (COLUMN - 1) // 2
    return f"{text[:keep]}…{text[-(COLUMN - 1 - keep) :]}"


def render(c: Comparison) -> str:
    width = max(len(k) for k, _, _ in c.settings)
    lines = [f"Settings: {c.a} vs {c.b}"]
    lines += [
        f"  {'!=' if x != y else '  '} {k:<{width}}  {_cell(x):<{COLUMN}} {_cell(y)}".rstrip() for k, x, y in c.settings
    ]
    long = [(k, x, y) for k, x, y in c.settings if len(str(x)) > COLUMN or len(str(y)) > COLUMN]
    if long:
        lines += ["  (… shortened above; in full:)"]
        lines += [f"     {k}: {c.a} {x!s}; {c.b} {y!s}" for k, x, y in long]
    lines += ["", f"Resources by type: {c.a} vs {c.b} ({c.totals[0]} vs {c.totals[1]} resources in all)"]
    lines += [f"  {'!=' if x != y else '  '} {t:<72} {x:>4} {y:>4}" for t, x, y in c.counts]
    lines += ["", "Monthly cost at list prices (fixed charges; `nexus cost --stack S` for the detail):"]
    lines += [f"  {stack}: {cost}" for stack, cost in c.costs]
    lines += ["", f"Differences by design ({len(c.by_design)}):"] + [f"  - {d}" for d in c.by_design]
    lines += ["", f"Differences that block promotion ({len(c.blocking)}):"] + [f"  - {d}" for d in c.blocking]
    verdict = "READY" if not c.blocking else "NOT READY"
    lines += ["", f"Verdict: promotion {c.a} -> {c.b} {verdict}"]
    return "\n".join(lines)


def run_compare(stack_a: str, stack_b: str) -> int:
    from nexus.plans.model import plan_json

    comparison = compare_plans(plan_json(stack_a), plan_json(stack_b))
    print(render(comparison))
    return 1 if comparison.blocking else 0


def configure(compare: argparse.ArgumentParser) -> None:
    compare.add_argument("stack_a", nargs="?", default="staging")
    compare.add_argument("stack_b", nargs="?", default="production")


def run(args: argparse.Namespace) -> int:
    return run_compare(args.stack_a, args.stack_b)
