"""`nexus bootstrap`: the offline plan of bootstrap/, the once-per-account project (GitHub
OIDC provider, CI roles, state backend), run under the same mocks as the main program."""

from __future__ import annotations

import argparse
import gc
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nexus.settings import BOOTSTRAP_PROJECT, BootstrapSettings, SettingsError
from nexus.stack_config import ROOT, StackConfig, load_stack_config, stack_names

if TYPE_CHECKING:
    from nexus.offline import Resource

BOOTSTRAP_DIR = ROOT / "bootstrap"
EXIT_INVALID = 2


@dataclass
class BootstrapPlan:
    stack: str
    settings: BootstrapSettings
    resources: list[Resource]
    outputs: dict[str, Any]

    def of_type(self, type_token: str) -> list[Resource]:
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str, name: str) -> Resource:
        (found,) = [r for r in self.of_type(type_token) if r.name == name]
        return found

    def to_json(self) -> dict[str, Any]:
        from nexus.offline import masked

        return {
            "stack": self.stack,
            "project": BOOTSTRAP_PROJECT,
            "settings": self.settings.model_dump(mode="json"),
            "outputs": self.outputs,
            "resources": [
                {"urn": r.urn, "type": r.type, "name": r.name, "parent": r.parent,
                 "inputs": masked(r.inputs), "options": r.options}
                for r in self.resources
            ],
        }  # fmt: skip


def load(stack: str, root: Path = BOOTSTRAP_DIR) -> tuple[StackConfig, BootstrapSettings]:
    """The bootstrap stack's config as the CLI would pass it, validated (SettingsError)."""
    config = load_stack_config(stack, root=root, project_name=BOOTSTRAP_PROJECT)
    from nexus.settings import bootstrap_settings_from_cli_config

    source = f"{root.name}/{config.stack_file.name}"
    return config, bootstrap_settings_from_cli_config(config.as_cli_strings(), stack=stack, source=source)


def plan_bootstrap(stack: str, root: Path = BOOTSTRAP_DIR) -> BootstrapPlan:
    config, settings = load(stack, root)
    from nexus.offline import execute

    resources, outputs = execute(
        root / "__main__.py",
        project=BOOTSTRAP_PROJECT,
        stack=stack,
        config=config.as_cli_strings(),
        secret_keys=config.secret_keys,
        region=settings.region,
        account_id=settings.account_id,  # the offline plan runs as the account the file names
    )
    return BootstrapPlan(stack, settings, resources, outputs)


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("bootstrap", help="offline plan of bootstrap/ (OIDC provider, CI roles, state)")
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
    from nexus.offline import ProgramError

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
