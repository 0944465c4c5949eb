"""What the CI roles may do (nexus.ci.iam): the preview role reads, each deploy role changes only
its tier's resources, and every policy fits IAM's inline limit."""

from __future__ import annotations

import json
from typing import Any

import pytest

from nexus.ci.iam import READ_ONLY_ACTIONS, WAF_LOGGING_ACTIONS
from nexus.plans.bootstrap_plan import BootstrapPlan
from tests.support.bootstrap import ROLE_POLICY, as_list, permissions


def test_the_preview_role_is_read_only(plan: BootstrapPlan) -> None:
    state_bucket = f"arn:aws:s3:::{plan.outputs['state_bucket']}"
    for statement in permissions(plan, "preview"):
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            service, verb = action.split(":")
            assert "*" not in service and verb != "*", action
            if statement["Sid"] == "Read":
                assert verb.startswith(("Describe", "List", "Get")), action
                # Nothing that returns a secret value (Secrets Manager, SecureString, objects).
                assert action not in ("secretsmanager:GetSecretValue", "s3:GetObject"), action
                assert not action.startswith("ssm:GetParameter"), action
            elif service == "s3":  # its own stack state, nothing else
                assert verb.startswith(("Get", "List")), action
                assert all(r.startswith(state_bucket) for r in as_list(statement["Resource"]))
                objects = [r for r in as_list(statement["Resource"]) if r != state_bucket]
                assert all(r.endswith("meta.yaml") or "/nexus/development*" in r for r in objects), objects
            else:  # its own tier's stack secrets and the bucket's SSE-KMS, decrypt only
                assert action == "kms:Decrypt", action


def tier_of(statement: dict[str, Any]) -> set[str]:
    """The Stack tag values a statement's condition names."""
    return {
        str(v)
        for operator, tests in statement.get("Condition", {}).items()
        if operator != "Null"  # Null says only whether the tag is present
        for key, values in tests.items()
        if key.endswith("Tag/Stack")
        for v in as_list(values)
    }


@pytest.mark.parametrize(("tier", "pattern"), [("development", "development*"), ("staging", "staging"), ("production", "production")])  # fmt: skip
def test_deploy_roles_change_only_their_tiers_resources(plan: BootstrapPlan, tier: str, pattern: str) -> None:
    statements = permissions(plan, f"deploy-{tier}")
    for statement in statements:
        actions = as_list(statement["Action"])
        resources = as_list(statement["Resource"])
        if statement["Effect"] == "Deny":
            assert tier_of(statement) <= {pattern, "bootstrap-*"}
            continue
        if set(actions) <= set(READ_ONLY_ACTIONS) or set(actions) <= set(WAF_LOGGING_ACTIONS):
            continue  # reads; and WAF logging, which AWS cannot scope (docs/ci-identities.md)
        if "Condition" in statement and tier_of(statement):
            assert tier_of(statement) == {pattern}, statement["Sid"]
        else:  # name-scoped: every resource carries the tier's name, or is the tier's state/key
            for resource in resources:
                assert (
                    f"nexus-{pattern}" in resource
                    or f"nexus/{pattern}" in resource
                    or (
                        resource.startswith(("arn:aws:s3:::nexus-bootstrap-", "arn:aws:kms:"))
                        and statement["Sid"].startswith(("State", "StackSecrets"))
                    )
                ), (statement["Sid"], resource)
    # Explicit denies: another tier's resources stay out of reach even through a broad allow.
    denies = {s["Sid"] for s in statements if s["Effect"] == "Deny"}
    assert denies == {"NeverAnotherTiersResources", "NeverCreateForAnotherTier"}
    # Its stack secrets key is its tier's own.
    (secrets,) = [s for s in statements if s["Sid"] == "StackSecrets"]
    own_key = plan.one("aws:kms/key:Key", f"secrets-{tier}")
    assert secrets["Resource"] == own_key.outputs["arn"]


def test_role_policies_fit_iams_inline_limit(plan: BootstrapPlan) -> None:
    # IAM quotas: "Role policy size cannot exceed 10,240 characters" (aggregate of inline policies).
    for policy in plan.of_type(ROLE_POLICY):
        assert len(json.dumps(json.loads(policy.input("policy")), separators=(",", ":"))) < 10_240, policy.name
