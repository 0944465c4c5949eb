"""`nexus check`: the policy rules of nexus.rules over offline plans."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nexus.plan import resource_count
from nexus.rules import check_plan


def is_taggable(type_token: str) -> bool:
    """An AWS resource type is taggable when the provider's class has `tags_all`."""
    import pulumi_aws

    package, module_path, cls = type_token.split(":")
    if package != "aws" or module_path.startswith("index"):
        return False
    module = getattr(pulumi_aws, module_path.split("/")[0], None)
    return hasattr(getattr(module, cls, None), "tags_all")


def plan_json(stack: str) -> dict[str, Any]:
    from nexus.offline import run_program
    from nexus.stack_config import load_stack_config

    config = load_stack_config(stack)
    return run_program(config, config.settings()).to_json()


def run_check(stacks: list[str], plan_file: Path | None = None) -> int:
    from nexus.plan_file import read_plan

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
