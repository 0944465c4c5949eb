"""`nexus plan`: validate stack files, run them offline, print a tree or write JSON."""

from __future__ import annotations

import argparse
import gc
import json
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nexus.cli.output_paths import check_output
from nexus.config.errors import EXIT_INVALID, InputError
from nexus.config.stack_files import (
    ROOT,
    load_all,
    overlapping_cidrs,
    skipped_notice,
    stack_names,
)
from nexus.plans.model import resource_count

if TYPE_CHECKING:
    from nexus.plans.offline import Plan

# The few properties worth a glance per resource type (wire names, camelCase).
SUMMARY_KEYS: dict[str, tuple[str, ...]] = {
    "aws:ec2/vpc:Vpc": ("cidrBlock",),
    "aws:ec2/subnet:Subnet": ("cidrBlock", "availabilityZoneId"),
    "aws:rds/instance:Instance": ("identifier", "instanceClass", "engineVersion", "multiAz", "deletionProtection"),
    "aws:lb/loadBalancer:LoadBalancer": ("name", "enableDeletionProtection"),
    "aws:lb/listener:Listener": ("port", "protocol", "sslPolicy"),
    "aws:kms/key:Key": ("deletionWindowInDays", "enableKeyRotation"),
    "aws:cloudwatch/logGroup:LogGroup": ("name", "retentionInDays"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("name", "threshold"),
    "aws:ec2/natGateway:NatGateway": (),
    "aws:secretsmanager/secret:Secret": ("name", "recoveryWindowInDays"),
    "aws:ssm/parameter:Parameter": ("name", "type"),
}
DEFAULT_KEYS = ("name", "bucket", "identifier", "dashboardName")


def render_tree(plan: Plan) -> str:
    from nexus.plans.offline import masked

    children: dict[str | None, list[Any]] = {}
    urns = {r.urn for r in plan.resources}
    for r in plan.resources:
        parent = r.parent if r.parent in urns else None
        children.setdefault(parent, []).append(r)
    lines = [f"Stack {plan.stack} ({plan.settings.environment}, {plan.settings.region})"]

    def walk(parent: str | None, indent: str) -> None:
        kids = children.get(parent, [])
        for i, r in enumerate(kids):
            last = i == len(kids) - 1
            lines.append(f"{indent}{'└─ ' if last else '├─ '}{r.type} {r.name}{_summary(r, masked)}")
            walk(r.urn, indent + ("   " if last else "│  "))

    walk(None, "")
    providers = sum(1 for r in plan.resources if r.type.startswith("pulumi:providers:"))
    packages = Counter(r.type.split(":")[0] for r in plan.resources if r.custom and r.type.split(":")[0] != "pulumi")
    components = sum(1 for r in plan.resources if not r.custom)
    parts = [f"{n} {p}" for p, n in sorted(packages.items())]
    parts += [f"{providers} provider{'' if providers == 1 else 's'}", f"{components} components", "1 stack"]
    protected = sum(1 for r in plan.resources if r.options["protect"])
    lines.append(
        f"{plan.stack}: {resource_count(plan.resources)} resources to create, as pulumi preview counts them "
        f"({', '.join(parts)}), {protected} protected"
    )
    return "\n".join(lines)


def _summary(r: Any, masked: Any) -> str:
    keys = SUMMARY_KEYS.get(r.type, DEFAULT_KEYS)
    parts = [f"{key}={masked(r.inputs[key])}" for key in keys if key in r.inputs]
    flags = [opt for opt in ("protect", "retain_on_delete") if r.options.get(opt)]
    text = ", ".join(parts + flags)
    return f"  [{text}]" if text else ""


def run(args: argparse.Namespace) -> int:
    root = args.project_dir or ROOT
    if args.all and args.config_from:
        raise InputError(
            "plan --all plans every stack from its own file; --config-from is for one stack without a "
            "file of its own: plan --stack NAME --config-from STACK"
        )
    # Refuse an output path that cannot work before spending seconds on the plan.
    check_output("--json", args.json, directory=args.all, example=f"{args.stack}.json")
    stacks = stack_names(root) if args.all else [args.stack]
    if not stacks:
        raise InputError(f"{root}: no stack files (Pulumi.<stack>.yaml) here")
    if args.all and (notice := skipped_notice(root)):
        print(notice, file=sys.stderr)
    loaded = load_all(stacks, config_from=args.config_from, root=root)
    if args.all and (overlaps := overlapping_cidrs(loaded)):
        print("\n".join(overlaps), file=sys.stderr)
        return EXIT_INVALID

    # Only now pay for the Pulumi SDKs: bad settings were refused in well under a second.
    from nexus.plans.offline import ProgramError, run_program

    # A short-lived process that allocates hundreds of thousands of long-lived objects (the
    # SDK's modules and type hints): cyclic garbage collection only rescans them. Off.
    gc.disable()
    try:
        for config, settings in loaded:
            try:
                plan = run_program(config, settings)
            except ProgramError as exc:
                print(str(exc), file=sys.stderr)
                return EXIT_INVALID
            tree = render_tree(plan)
            print(tree.splitlines()[-1] if args.quiet else tree)
            if args.json:
                path = args.json / f"{plan.stack}.json" if args.all else args.json
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps(plan.to_json(), indent=2, sort_keys=True) + "\n")
    finally:
        gc.enable()  # for callers that stay (tests call main() in-process)
    return 0


def configure(plan: argparse.ArgumentParser) -> None:
    target = plan.add_mutually_exclusive_group(required=True)
    target.add_argument("--stack", help="stack name, e.g. staging or development-alice")
    target.add_argument("--all", action="store_true", help="every Pulumi.<stack>.yaml, in one process")
    plan.add_argument("--config-from", metavar="STACK",
                      help="read Pulumi.STACK.yaml (as `pulumi stack init --copy-config-from STACK` would)")  # fmt: skip
    plan.add_argument("--json", metavar="PATH", type=Path,
                      help="write the plan as JSON (with --all: a directory, one file per stack)")  # fmt: skip
    plan.add_argument("--quiet", action="store_true", help="print only the summary line")
    plan.add_argument("--project-dir", type=Path, default=None,
                      help="read Pulumi.yaml and stack files from here (default: the repository)")  # fmt: skip
