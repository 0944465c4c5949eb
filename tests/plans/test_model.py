"""The plan document (nexus.plans.model): one resource count everywhere."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from nexus.cli.plan import render_tree
from nexus.plans.model import resource_count
from nexus.plans.offline import Plan
from nexus.plans.promotion import compare_plans
from tests.support.cli import run


def test_plan_check_and_compare_count_resources_alike(plans: dict[str, Plan], dev_plan_file: Path, capsys: Any) -> None:
    # What `plan --stack development` prints last (tests/cli/test_plan.py runs the CLI itself).
    planned = int(re.findall(r"^development: (\d+) resources to create", render_tree(plans["development"]), re.M)[0])
    code, checked_out, _ = run(["check", "--stack", "development", "--plan", str(dev_plan_file)], capsys)
    checked = int(re.findall(r"\((\d+) resources\)", checked_out)[0])
    doc = plans["development"].to_json()
    compared = compare_plans(doc, plans["production"].to_json()).totals[0]
    # The plan lists every registered resource; pulumi preview also counts the root Stack.
    assert code == 0 and planned == checked == compared == resource_count(doc["resources"]) == len(doc["resources"]) + 1
