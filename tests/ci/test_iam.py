"""What the CI roles may do (nexus.ci.iam): the preview role reads, each deploy role changes only
its tier's resources, and every policy fits IAM's inline limit."""

from __future__ import annotations

import json
from typing import Any

import pytest

from nexus.ci.iam import NOT_REFRESHED, READ_ONLY_ACTIONS, REFRESH_READS, WAF_LOGGING_ACTIONS
from nexus.plans.bootstrap_plan import BootstrapPlan
from nexus.plans.iam_eval import Request, allows
from nexus.plans.offline import Plan
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


@pytest.mark.parametrize("tier", ["development", "staging", "production"])
def test_the_drift_roles_read_their_tier_and_change_nothing(plan: BootstrapPlan, tier: str) -> None:
    """The nightly drift check's role: reads (the preview role's, plus refresh's and verify's),
    its tier's published settings and state; no write of any kind, nothing of another tier."""
    statements = permissions(plan, f"drift-{tier}")
    policy = [{"Statement": statements}]
    pattern = {"development": "development*"}.get(tier, tier)
    for statement in statements:
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            verb = action.split(":")[1]
            assert verb.startswith(("Describe", "List", "Get")) or action == "kms:Decrypt", action
            assert action not in ("secretsmanager:GetSecretValue", "s3:GetObject") or statement["Sid"].startswith(
                "State"
            ), action
    region, account = "us-east-1", "123456789012"
    own = f"arn:aws:ssm:{region}:{account}:parameter/nexus/{tier}/monitoring/log_level"
    other = own.replace(f"/nexus/{tier}/", "/nexus/other-tier/")
    via_ssm = {"kms:ViaService": f"ssm.{region}.amazonaws.com", "kms:EncryptionContext:PARAMETER_ARN": own}
    key = f"arn:aws:kms:{region}:{account}:key/1234"
    assert allows(policy, Request("ssm:GetParametersByPath", f"arn:aws:ssm:{region}:{account}:parameter/nexus/{tier}"))
    assert allows(policy, Request("kms:Decrypt", key, via_ssm))
    assert allows(policy, Request("cloudtrail:GetTrailStatus", "*"))
    refused = [
        Request("ssm:GetParameter", other),
        Request("kms:Decrypt", key, {**via_ssm, "kms:EncryptionContext:PARAMETER_ARN": other}),
        # The environment key through Secrets Manager: the database and signing secrets.
        Request("kms:Decrypt", key, {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}),
        Request("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:{region}:{account}:secret:nexus/{tier}/x"),
        Request("ssm:PutParameter", own),
        Request("rds:ModifyDBInstance", f"arn:aws:rds:{region}:{account}:db:nexus-{tier}"),
        Request("ec2:AuthorizeSecurityGroupIngress", "*"),
        Request("cloudtrail:StopLogging", "*"),
        Request("s3:PutObject", f"arn:aws:s3:::{plan.outputs['state_bucket']}/.pulumi/stacks/nexus/{tier}.json"),
        Request("s3:DeleteObject", f"arn:aws:s3:::{plan.outputs['state_bucket']}/.pulumi/stacks/nexus/{tier}.json"),
        Request("kms:Encrypt", "*"),
    ]
    for request in refused:
        assert not allows(policy, request), request
    # Its state: its tier's objects only, read-only.
    objects = [s for s in statements if s["Sid"] == "StateObjects"]
    assert objects and all(f"/nexus/{pattern}" in r for s in objects for r in as_list(s["Resource"]))
    assert {a for s in objects for a in as_list(s["Action"])} == {"s3:GetObject", "s3:GetObjectVersion"}


def test_the_drift_roles_can_refresh_every_resource_type_the_stacks_declare(
    plan: BootstrapPlan, plans: dict[str, Plan]
) -> None:
    """`pulumi preview --refresh` reads every resource of the stack: each type of every
    committed plan says what its Read calls (REFRESH_READS), and each tier's drift role allows
    it; the one type it may not read is kept out of the refresh by the workflow."""
    types = {r.type for p in plans.values() for r in p.resources if r.custom and r.type.startswith("aws:")}
    assert not types - set(REFRESH_READS) - NOT_REFRESHED, sorted(types - set(REFRESH_READS) - NOT_REFRESHED)
    for tier in ("development", "staging", "production"):
        policy = [{"Statement": permissions(plan, f"drift-{tier}")}]
        parameter = f"arn:aws:ssm:us-east-1:123456789012:parameter/nexus/{tier}/app/log_level"
        for type_token in types - NOT_REFRESHED:
            for action in REFRESH_READS[type_token]:
                resource = parameter if action.startswith("ssm:GetParameter") else "*"
                assert allows(policy, Request(action, resource)), (tier, type_token, action)
        # The excluded one really is out of reach.
        assert not allows(policy, Request("secretsmanager:GetSecretValue", "*"))


@pytest.mark.parametrize("tier", ["staging", "production"])
def test_deploy_roles_can_make_their_tiers_trail_and_certificate_only(plan: BootstrapPlan, tier: str) -> None:
    """audit.trail: own (a trail, its delivery role passed to CloudTrail) and a requested
    certificate (load_balancer.domain_name) are the tier's to create; another tier's are not."""
    policy = [{"Statement": permissions(plan, f"deploy-{tier}")}]
    other = "staging" if tier == "production" else "production"
    account, region = "123456789012", "us-east-1"
    trail = f"arn:aws:cloudtrail:{region}:{account}:trail/nexus-{tier}-trail"
    tagged = {"aws:RequestTag/Stack": tier}
    assert allows(policy, Request("cloudtrail:CreateTrail", trail, tagged))
    assert allows(policy, Request("cloudtrail:StartLogging", trail))
    assert allows(policy, Request("acm:RequestCertificate", "*", tagged))
    passed = {"iam:PassedToService": "cloudtrail.amazonaws.com"}
    assert allows(policy, Request("iam:PassRole", f"arn:aws:iam::{account}:role/nexus-{tier}-trail-delivery", passed))
    assert not allows(
        policy, Request("cloudtrail:CreateTrail", trail.replace(tier, other), {"aws:RequestTag/Stack": other})
    )
    assert not allows(
        policy, Request("cloudtrail:StopLogging", trail.replace(tier, other), {"aws:ResourceTag/Stack": other})
    )
    assert not allows(policy, Request("acm:DeleteCertificate", "*", {"aws:ResourceTag/Stack": other}))
    # Backup replication's key alias in the recovery region (bootstrap's recovery_region).
    alias = f"arn:aws:kms:us-west-2:{account}:alias/nexus-{tier}-replicated-backups"
    assert allows(policy, Request("kms:CreateAlias", alias))
    assert not allows(policy, Request("kms:CreateAlias", alias.replace(tier, other)))


@pytest.mark.parametrize("source", ["staging", "production"])
def test_the_recovery_drill_role_deploys_drill_stacks_and_uses_only_the_restore_of_its_source(
    plan: BootstrapPlan, source: str
) -> None:
    policy = [{"Statement": permissions(plan, f"recovery-drill-{source}")}]
    account, region, bucket = "123456789012", "us-west-2", f"arn:aws:s3:::{plan.outputs['state_bucket']}"
    other = "production" if source == "staging" else "staging"
    # Its throwaway stacks, in the recovery region: created tagged, changed, destroyed.
    assert allows(policy, Request("rds:CreateDBInstance", "*", {"aws:RequestTag/Stack": "recovery-drill-42"}))
    assert allows(policy, Request("rds:DeleteDBInstance", f"arn:aws:rds:{region}:{account}:db:nexus-recovery-drill-42-db",
                                  {"aws:ResourceTag/Stack": "recovery-drill-42"}))  # fmt: skip
    assert allows(policy, Request("s3:PutObject", f"{bucket}/.pulumi/stacks/nexus/recovery-drill-42.json"))
    # The source's replicated backups and their key, through RDS: to restore, nothing more.
    backups = f"arn:aws:rds:{region}:{account}:auto-backup:ab-EXAMPLE"
    assert allows(policy, Request("rds:RestoreDBInstanceToPointInTime", backups, {"aws:ResourceTag/Stack": source}))
    key = f"arn:aws:kms:{region}:{account}:key/1234"
    via_rds = {"aws:ResourceTag/Stack": source, "kms:ViaService": f"rds.{region}.amazonaws.com"}
    assert allows(policy, Request("kms:CreateGrant", key, via_rds))
    assert not allows(policy, Request("kms:Decrypt", key, {"aws:ResourceTag/Stack": source}))  # not directly
    assert not allows(policy, Request("kms:ScheduleKeyDeletion", key, via_rds))
    assert not allows(
        policy, Request("rds:DeleteDBInstanceAutomatedBackup", backups, {"aws:ResourceTag/Stack": source})
    )
    assert not allows(policy, Request("rds:DeleteDBInstance", f"arn:aws:rds:us-east-1:{account}:db:nexus-{source}-db",
                                      {"aws:ResourceTag/Stack": source}))  # fmt: skip
    assert not allows(policy, Request("rds:RestoreDBInstanceToPointInTime", backups, {"aws:ResourceTag/Stack": other}))
    # The source's state: read (its outputs are the drill stack's reference), never written.
    source_state = f"{bucket}/.pulumi/stacks/nexus/{source}.json"
    assert allows(policy, Request("s3:GetObject", source_state))
    assert not allows(policy, Request("s3:PutObject", source_state))
    assert not allows(policy, Request("s3:GetObject", f"{bucket}/.pulumi/stacks/nexus/{other}.json"))
