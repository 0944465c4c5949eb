"""CrossGuard policies: the rules of nexus/rules.py, run by `pulumi preview --policy-pack policy`.

Each rule is a mandatory stack policy, so it sees the provider's default tags (where the
environment tier comes from) beside every resource. Importable without starting a server:
only policy/__main__.py builds the PolicyPack.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nexus.check import is_taggable
from nexus.rules import RESOURCE_RULES, Rule, provider_tags, stack_problems


def as_plan_resource(r: PolicyResource) -> dict[str, Any]:
    """A CrossGuard resource in the shape of the offline plan JSON."""
    return {
        "urn": r.urn,
        "type": r.resource_type,
        "name": r.name,
        "custom": not r.resource_type.startswith(("nexus:", "pulumi:pulumi:")),
        "provider": r.provider.urn if r.provider else None,
        "inputs": dict(r.props),
        "options": {"protect": r.opts.protect},
    }


def environment_of(resources: list[PolicyResource]) -> str:
    for r in resources:
        if r.resource_type == "pulumi:providers:aws":
            env = provider_tags(dict(r.props)).get("Environment")
            if env:
                return str(env)
    return "unknown"


def _resource_policy(rule: Rule) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        env = environment_of(args.resources)
        for r in args.resources:
            for problem in rule.check(as_plan_resource(r), env):
                report_violation(f"{r.resource_type} {r.name}: {problem}", r.urn)

    return StackValidationPolicy(
        name=rule.name, description=rule.description, validate=validate,
        enforcement_level=EnforcementLevel.MANDATORY,
    )  # fmt: skip


def _stack_policy(name: str, description: str) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        resources = [as_plan_resource(r) for r in args.resources]
        for rule, message in stack_problems(resources, environment_of(args.resources), is_taggable):
            if rule == name:
                report_violation(message, None)

    return StackValidationPolicy(
        name=name, description=description, validate=validate, enforcement_level=EnforcementLevel.MANDATORY
    )


POLICIES = [_resource_policy(rule) for rule in RESOURCE_RULES] + [
    _stack_policy("flow-logs-on", "Every VPC has flow logs."),
    _stack_policy("environment-tags", "Every taggable resource carries Environment, Stack, Project and ManagedBy."),
]
