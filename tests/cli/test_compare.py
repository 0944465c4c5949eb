"""`nexus compare`: the promotion comparison as printed (the comparison itself:
tests/plans/test_promotion.py), with both stacks' costs and long values kept readable."""

from __future__ import annotations

from nexus.cli.compare import render
from nexus.plans.offline import Plan
from nexus.plans.pricing import price_plan
from nexus.plans.promotion import compare_plans


def test_compare_shows_both_stacks_costs(plans: dict[str, Plan]) -> None:
    comparison = compare_plans(plans["staging"].to_json(), plans["production"].to_json())
    text = render(comparison)
    for stack in ("staging", "production"):
        total = price_plan(plans[stack].to_json()).total
        assert f"  {stack}: ${total:,.2f} a month" in text


def test_long_values_keep_the_columns_and_are_given_whole_below(plans: dict[str, Plan]) -> None:
    """The certificate ARNs are wider than a column: shortened in the table (every row's second
    value starts at the same place), each given whole after it."""
    comparison = compare_plans(plans["staging"].to_json(), plans["production"].to_json())
    lines = render(comparison).splitlines()
    starts = set()
    for key, _, theirs in comparison.settings:
        (row,) = [line for line in lines[1 : len(comparison.settings) + 1] if line[5:].startswith(f"{key} ")]
        shown = str(theirs) if len(str(theirs)) <= 28 else "…"
        assert shown in row and len(row) < 120, row
        starts.add(len(row) - len(row.rsplit(" ", 1)[-1]) if " " not in str(theirs) else None)
    assert len(starts - {None}) == 1, starts
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000002"
    assert any(line.startswith(f"     load_balancer.certificate_arn: staging {arn}; production ") for line in lines)
