"""`nexus plan`: validate stack files, run them offline, print a tree or write JSON."""

from __future__ import annotations

import ipaddress
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nexus.settings import Settings, SettingsError
from nexus.stack_config import ROOT, StackConfig, load_stack_config

if TYPE_CHECKING:
    from nexus.offline import Plan

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


def load_all(
    stacks: list[str], config_from: str | None = None, root: Path = ROOT
) -> list[tuple[StackConfig, Settings]]:
    """Load and validate every stack before running any; all problems are reported together."""
    loaded, problems = [], []
    for stack in stacks:
        try:
            config = load_stack_config(stack, config_from=config_from, root=root)
            loaded.append((config, config.settings()))
        except SettingsError as exc:
            problems.append(exc)
    if problems:
        raise InvalidStacksError(problems)
    return loaded


class InvalidStacksError(Exception):
    def __init__(self, errors: list[SettingsError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


def overlapping_cidrs(loaded: list[tuple[StackConfig, Settings]]) -> list[str]:
    """Stack files of the repository must use disjoint VPC ranges so they can be peered one day.
    (Stacks sharing one file, such as development-alice, are not peered and may overlap.)"""
    problems = []
    by_file = {config.stack_file.name: settings.network.cidr for config, settings in loaded}
    files = sorted(by_file)
    for i, a in enumerate(files):
        for b in files[i + 1 :]:
            if ipaddress.IPv4Network(by_file[a]).overlaps(ipaddress.IPv4Network(by_file[b])):
                problems.append(f"{a}: nexus:network.cidr {by_file[a]} overlaps {b}'s {by_file[b]}")
    return problems


def render_tree(plan: Plan) -> str:
    from nexus.offline import masked

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
    counts = Counter(r.type.split(":")[0] for r in plan.resources if r.custom)
    protected = sum(1 for r in plan.resources if r.options["protect"])
    lines.append(
        f"{plan.stack}: {sum(counts.values())} resources to create "
        f"({', '.join(f'{n} {p}' for p, n in sorted(counts.items()))}), "
        f"{len(plan.resources) - sum(counts.values())} components, {protected} protected"
    )
    return "\n".join(lines)


def _summary(r: Any, masked: Any) -> str:
    keys = SUMMARY_KEYS.get(r.type, DEFAULT_KEYS)
    parts = [f"{key}={masked(r.inputs[key])}" for key in keys if key in r.inputs]
    flags = [opt for opt in ("protect", "retain_on_delete") if r.options.get(opt)]
    text = ", ".join(parts + flags)
    return f"  [{text}]" if text else ""
