"""`nexus plan`: validate stack files, run them offline, print a tree or write JSON."""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Sized
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nexus.settings import Settings, SettingsError, render_block
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


def resource_count(resources: Sized) -> int:
    """The one count of a stack's resources, printed by plan, check and compare and quoted in
    the README: what `pulumi preview` reports "to create" for a new stack, so the two can be
    compared. The engine counts a step for every resource the program registers (custom
    resources, components, explicit providers) and for the root Stack, leaving out only
    default providers (pulumi/pulumi pkg/engine: shouldReportStep skips isDefaultProviderStep),
    which the stack files disable. A plan lists every registered resource but the Stack: + 1."""
    return len(resources) + 1


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
    """The problems of several stacks; a mistake in Pulumi.yaml, which every stack reads, is
    reported once, against Pulumi.yaml."""

    def __init__(self, errors: list[SettingsError]) -> None:
        self.errors = errors
        blocks = list(dict.fromkeys((src, tuple(probs)) for e in errors for src, probs in e.blocks))
        super().__init__("\n".join(render_block(src, list(probs)) for src, probs in blocks))


def overlapping_cidrs(loaded: list[tuple[StackConfig, Settings]]) -> list[str]:
    """Stack files of the repository must use disjoint VPC ranges so they can be peered one day.
    Copies of a tier share their source's range by design and are never peered with it: stacks
    sharing one file (development-alice read through --config-from) and stack files whose whole
    configuration equals another's (what `pulumi stack init --copy-config-from` writes) are
    exempt. Personal stack files ignored by git never get here (`stack_names`)."""
    problems = []
    by_file = {config.stack_file.name: (config, settings.network.cidr) for config, settings in loaded}
    files = sorted(by_file)
    for i, a in enumerate(files):
        for b in files[i + 1 :]:
            (config_a, cidr_a), (config_b, cidr_b) = by_file[a], by_file[b]
            if config_a.values == config_b.values:
                continue  # one is a copy of the other
            if ipaddress.IPv4Network(cidr_a).overlaps(ipaddress.IPv4Network(cidr_b)):
                problems.append(f"{a}: nexus:network.cidr {cidr_a} overlaps {b}'s {cidr_b}")
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
