"""CrossGuard policies: the rules of nexus/plans/rules.py, run by `pulumi preview --policy-pack policy`.

Every rule that concerns one resource is a mandatory RESOURCE policy. The engine calls those
for each resource as it is registered: during `pulumi preview`, and during `pulumi up` before
that resource's step runs, so a violation stops the update before the resource is created or
changed. (Stack policies run only after all of an update's steps have executed: production
would already have changed.) Only the rules that pair resources stay stack policies (STACK_RULES):
flow logs per VPC, a bucket's configuration resources, a trail's metric filters and alarms, the
event subscriptions of a database; no single resource can see those.

The environment tier comes from the `Environment` default tag of the resource's own AWS
provider, which pulumi-policy hands every resource policy (`ResourceValidationArgs.provider`,
with the provider's inputs as `props`; pulumi_policy/policy.py `_get_provider_resource`). When
it cannot be read (no provider, tag missing or unknown during preview, an unexpected value),
the resource is judged as production: the strictest tier, so a doubt never loosens a rule.

During a preview an input that depends on a resource not yet created is unknown; a rule that
reads it raises pulumi-policy's UnknownValueError, which the engine reports as an advisory
"can't run policy during preview", and the same rule runs again with the real value during
`pulumi up`, before that resource is created.

Importable without starting a server: only policy/__main__.py builds the PolicyPack.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_args

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyProviderResource,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from nexus.config.environment import Settings
from nexus.plans.rules import RESOURCE_RULES, Rule, is_taggable, provider_tags, stack_problems

TIERS: tuple[str, ...] = get_args(Settings.model_fields["environment"].annotation)
STRICTEST_TIER = "production"

# Judged per resource, although stack_problems computes them: tags are the resource's own plus
# its provider's default tags, both in ResourceValidationArgs.
PER_RESOURCE_STACK_RULES = {
    "environment-tags": "Every taggable resource carries Environment, Stack, Project and ManagedBy.",
}
# Need the whole stack: stay stack policies (they run after the update's steps). Each pairs
# resources no single one can see together: VPCs with flow logs, a bucket with its
# configuration resources, a trail's log group with its metric filters and their alarms, a
# database with the event subscriptions that cover it.
STACK_RULES = {
    "flow-logs-on": "Every VPC has flow logs.",
    "every-bucket-guarded": "Every bucket has its public access block, ownership controls, encryption, versioning, lifecycle and policy.",
    "trail-watched": "A trail's log group carries a metric filter and an alarm for every CIS monitoring item.",
    "database-events-subscribed": "Every database and parameter group is covered by an RDS event subscription.",
}


def as_plan_resource(
    resource_type: str, name: str, urn: str, props: Mapping[str, Any], protect: bool, provider_urn: str | None
) -> dict[str, Any]:
    """A CrossGuard resource in the shape of the offline plan JSON.

    `props` stays pulumi-policy's proxy (not copied into a dict): only the inputs a rule reads
    are checked for unknown values, so an unrelated unknown input does not skip the rule.
    """
    return {
        "urn": urn,
        "type": resource_type,
        "name": name,
        "custom": not resource_type.startswith(("nexus:", "pulumi:pulumi:")),
        "provider": provider_urn,
        "inputs": props,
        "options": {"protect": protect},
    }


def _from_stack(r: PolicyResource) -> dict[str, Any]:
    return as_plan_resource(
        r.resource_type, r.name, r.urn, r.props, r.opts.protect, r.provider.urn if r.provider else None
    )


def _from_args(args: ResourceValidationArgs) -> dict[str, Any]:
    return as_plan_resource(
        args.resource_type, args.name, args.urn, args.props, args.opts.protect,
        args.provider.urn if args.provider else None,
    )  # fmt: skip


def tier_of(provider: PolicyProviderResource | None) -> str:
    """The tier named by the AWS provider's `Environment` default tag; production when unsure."""
    if provider is None or provider.resource_type != "pulumi:providers:aws":
        return STRICTEST_TIER
    try:
        env = provider_tags({"defaultTags": provider.props.get("defaultTags")}).get("Environment")
    except (UnknownValueError, ValueError, TypeError, AttributeError):
        return STRICTEST_TIER
    return env if env in TIERS else STRICTEST_TIER


def environment_of(resources: list[PolicyResource]) -> str:
    """The stack's tier (for stack policies): its AWS provider's, production when unsure."""
    for r in resources:
        if r.resource_type == "pulumi:providers:aws":
            return tier_of(PolicyProviderResource(r.resource_type, r.props, r.urn, r.name))
    return STRICTEST_TIER


def _resource_policy(rule: Rule) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        for problem in rule.check(_from_args(args), tier_of(args.provider)):
            report_violation(f"{args.resource_type} {args.name}: {problem}", None)

    return ResourceValidationPolicy(
        name=rule.name, description=rule.description, validate=validate,
        enforcement_level=EnforcementLevel.MANDATORY,
    )  # fmt: skip


def _tags_policy(name: str, description: str) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        resource = _from_args(args)
        neighbours = [resource]
        if args.provider is not None:
            p = args.provider
            neighbours.append(as_plan_resource(p.resource_type, p.name, p.urn, p.props, False, None))
        for rule, message in stack_problems(neighbours, tier_of(args.provider), is_taggable):
            if rule == name and message.startswith(f"{args.resource_type} {args.name}:"):
                report_violation(message, None)

    return ResourceValidationPolicy(
        name=name, description=description, validate=validate, enforcement_level=EnforcementLevel.MANDATORY
    )


def _stack_policy(name: str, description: str) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        resources = [_from_stack(r) for r in args.resources]
        for rule, message in stack_problems(resources, environment_of(args.resources), is_taggable):
            if rule == name:
                report_violation(message, None)

    return StackValidationPolicy(
        name=name, description=description, validate=validate, enforcement_level=EnforcementLevel.MANDATORY
    )


POLICIES: list[Policy] = [
    *(_resource_policy(rule) for rule in RESOURCE_RULES),
    *(_tags_policy(name, description) for name, description in PER_RESOURCE_STACK_RULES.items()),
    *(_stack_policy(name, description) for name, description in STACK_RULES.items()),
]
