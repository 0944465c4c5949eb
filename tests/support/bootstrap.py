"""bootstrap/: the once-per-account project, planned offline under the same mocks as the main
program, once per test process; and readers of the roles it declares."""

from __future__ import annotations

import json
from typing import Any

from nexus.plans.bootstrap_plan import BootstrapPlan, plan_bootstrap

REPO = "nexus-platform/nexus-infrastructure"  # bootstrap/Pulumi.account.yaml
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
_plans: dict[str, BootstrapPlan] = {}


def bootstrap_plan(stack: str = "account") -> BootstrapPlan:
    """Plan a bootstrap stack once per session."""
    if stack not in _plans:
        _plans[stack] = plan_bootstrap(stack)
    return _plans[stack]


def trust(plan: BootstrapPlan, role: str) -> dict[str, Any]:
    return json.loads(plan.one(ROLE, role).input("assumeRolePolicy"))


def permissions(plan: BootstrapPlan, role: str) -> list[dict[str, Any]]:
    return list(json.loads(plan.one(ROLE_POLICY, role).input("policy"))["Statement"])


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def provider_arn(plan: BootstrapPlan) -> str:
    return str(plan.outputs["oidc_provider_arn"])
