"""`nexus bootstrap`: the offline plan of bootstrap/ (nexus.plans.bootstrap_plan), printed
as the roles and the GitHub subjects each one trusts."""

from __future__ import annotations

import argparse
import gc
import json
import sys
from pathlib import Path

from nexus.config.errors import EXIT_INVALID
from nexus.config.messages import SettingsError
from nexus.config.stack_files import stack_names
from nexus.plans.bootstrap_plan import BOOTSTRAP_DIR, BootstrapPlan, load, plan_bootstrap


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", help="bootstrap stack (default: every bootstrap/Pulumi.<stack>.yaml)")
    parser.add_argument("--json", metavar="FILE", type=Path, help="write the plan as JSON (with one stack)")
    parser.add_argument("--project-dir", type=Path, default=BOOTSTRAP_DIR, help="the bootstrap project directory")


def run(args: argparse.Namespace) -> int:
    stacks = [args.stack] if args.stack else stack_names(args.project_dir)
    try:
        for stack in stacks:
            load(stack, args.project_dir)  # every file valid before any program runs
    except SettingsError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_INVALID
    from nexus.plans.offline import ProgramError

    gc.disable()  # as in `plan`: a short-lived process full of long-lived objects
    try:
        for stack in stacks:
            try:
                plan = plan_bootstrap(stack, args.project_dir)
            except ProgramError as exc:
                print(str(exc), file=sys.stderr)
                return EXIT_INVALID
            print(render(plan))
            if args.json:
                args.json.parent.mkdir(parents=True, exist_ok=True)
                args.json.write_text(json.dumps(plan.to_json(), indent=2, sort_keys=True) + "\n")
    finally:
        gc.enable()
    return 0


def render(plan: BootstrapPlan) -> str:
    """Each role with the subjects it trusts: the one thing a reviewer of this project checks."""
    lines = [f"Bootstrap stack {plan.stack} (account {plan.settings.account_id}, {plan.settings.region})"]
    for role in plan.of_type("aws:iam/role:Role"):
        trust = json.loads(role.input("assumeRolePolicy"))
        subjects = [
            sub
            for statement in trust["Statement"]
            for sub in statement.get("Condition", {})
            .get("StringEquals", {})
            .get("token.actions.githubusercontent.com:sub", [])
        ]
        lines.append(f"  role {role.input('name')}: trusts {', '.join(subjects) or 'no GitHub subject'}")
    custom = [r for r in plan.resources if r.custom]
    protected = sum(1 for r in custom if r.options["protect"])
    lines.append(f"{plan.stack}: {len(custom)} resources to create, {protected} protected")
    return "\n".join(lines)
