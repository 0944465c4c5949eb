"""The session's offline plans: every stack file runs through the real program under Pulumi's
mocks once per test process (the same arguments return the same recorded plan; conftest.py
hands them to tests as fixtures), and small readers of a recorded plan that tests of several
components share."""

from __future__ import annotations

import gc
from typing import Any

from nexus.config.stack_files import ROOT, load_stack_config, stack_names
from nexus.plans.offline import Plan, run_program

STACKS = stack_names()
# The tiers' stack files, as the repository commits them.
COMMITTED = ["development", "production", "production-recovery", "staging"]
# An AWS account that is not the stack files' (they all name 123456789012).
OTHER_ACCOUNT = "210987654321"
_cache: dict[tuple[str, str | None, tuple[tuple[str, str], ...]], Plan] = {}


def plan_stack(stack: str, *, config_from: str | None = None, overrides: dict[str, Any] | None = None) -> Plan:
    """Plan a stack once per session (the same arguments return the same recorded plan)."""
    key = (stack, config_from, tuple(sorted((k, repr(v)) for k, v in (overrides or {}).items())))
    if key not in _cache:
        config = load_stack_config(config_from or stack)
        config = config.with_values(overrides or {}, stack=stack)
        _cache[key] = run_program(config, config.settings())
        _freeze_once()
    return _cache[key]


_frozen = False


def _freeze_once() -> None:
    """After the first plan the Pulumi SDKs are loaded: hundreds of thousands of long-lived
    objects that every full garbage collection would scan again. Move them out of the
    collector's way (gc.freeze), as `nexus plan` does by switching collection off."""
    global _frozen
    if not _frozen:
        gc.collect()
        gc.freeze()
        _frozen = True


# One what-if plan serves two tests: development with every compute service and its own trail.
EVERY_SERVICE_OWN_TRAIL = {
    "nexus:identity": {"compute_services": ["ecs-tasks", "ec2", "lambda", "eks-pods"], "database_user": "nexus_app"},
    "nexus:audit": {"trail": "own", "retention_days": 30},
}


def edge_plan() -> Plan:
    """Staging's file at AWS's accepted edges, under a stack name that starts with a digit."""
    values = load_stack_config("staging").values
    database = {**values["nexus:database"], "master_username": "postgres", "instance_class": "db.t4g.micro",
                "performance_insights": True, "allocated_storage_gb": 100, "max_allocated_storage_gb": 110}  # fmt: skip
    load_balancer = {**values["nexus:load_balancer"], "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
                     "allowed_ingress_cidrs": [f"198.51.{i}.0/24" for i in range(30)]}  # fmt: skip
    monitoring = {**values["nexus:monitoring"], "alarms": {"period_seconds": 60, "evaluation_periods": 1440}}
    tags = {"tags": {"CostCenter": "CC-42 / R+D", "Owner": "platform@example.com"}}
    return plan_stack("1-edge", config_from="staging", overrides={
        "nexus:database": database, "nexus:load_balancer": load_balancer, "nexus:monitoring": monitoring,
        "aws:defaultTags": tags})  # fmt: skip


def key_arn(plan: Plan) -> str:
    return str(plan.one("aws:kms/key:Key", "key").outputs["arn"])


def urn(plan: Plan, type_token: str, name: str | None = None) -> str:
    return plan.one(type_token, name).urn


def feeds(resource: Any, prop: str) -> list[str]:
    """URNs whose outputs the input `prop` of `resource` is made of (creation order is read
    from the recorded plan: `options.depends_on` holds the explicit edges,
    `options.property_dependencies` an input taken from another resource's output)."""
    return list(resource.options["property_dependencies"].get(prop, []))


def subnets(plan: Plan, tier: str) -> list[Any]:
    return [r for r in plan.of_type("aws:ec2/subnet:Subnet") if r.input("tags")["Tier"] == tier]


def fileless(stack: str) -> str:
    """`stack`, or a name like it that has no stack file in this checkout: a person's own
    Pulumi.development-alice.yaml (what `pulumi stack init --copy-config-from` writes) must not
    change what the tests of a stack without a file see."""
    name, n = stack, 0
    while (ROOT / f"Pulumi.{name}.yaml").exists():
        n += 1
        name = f"{stack}-t{n}"
    return name
