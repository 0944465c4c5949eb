"""The audit trail (nexus.components.audit_trail): an environment with its own account keeps its
own; one in a shared account adds none; the settings decide, not the stack name."""

from __future__ import annotations

import fnmatch
import json
from typing import Any

import pytest

from nexus.plans.iam_eval import Request, evaluate
from nexus.plans.offline import MOCK_ACCOUNT, Plan
from nexus.plans.rules import destroy_blockers
from tests.support.plans import EVERY_SERVICE_OWN_TRAIL, key_arn


def test_an_environment_with_its_own_account_keeps_its_own_trail(plans: dict[str, Plan]) -> None:
    prod = plans["production"]
    assert prod.settings.audit.trail == "own"
    trail = prod.one("aws:cloudtrail/trail:Trail")
    key_arn = prod.one("aws:kms/key:Key", "key").outputs["arn"]
    assert trail.input("isMultiRegionTrail") is True and trail.input("enableLogFileValidation") is True
    assert trail.input("includeGlobalServiceEvents") is True and trail.input("kmsKeyId") == key_arn
    (selector,) = trail.input("eventSelectors")
    # Read management events include secretsmanager:GetSecretValue and kms:Decrypt.
    assert selector["readWriteType"] == "All" and selector["includeManagementEvents"] is True
    assert not selector.get("excludeManagementEventSources")
    assert prod.outputs["audit_trail_arn"] == trail.outputs["arn"]

    bucket = prod.one("aws:s3/bucket:Bucket", "trail-logs")
    assert bucket.input("bucket") == f"nexus-production-trail-{MOCK_ACCOUNT}" and trail.input(
        "s3BucketName"
    ) == bucket.input("bucket")
    assert bucket.options["protect"] is True and bucket.input("forceDestroy") is False
    block = prod.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "trail-logs")
    assert all(
        block.input(k) is True
        for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    rule = prod.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "trail-logs").input("rules")[0]
    assert rule["expiration"]["days"] == prod.settings.audit_retention_days == 90
    assert rule["noncurrentVersionExpiration"]["noncurrentDays"] == 90

    policy = json.loads(prod.one("aws:s3/bucketPolicy:BucketPolicy", "trail-logs").input("policy"))
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["CloudTrailWrite"]["Condition"]["StringEquals"]["aws:SourceArn"] == trail.outputs["arn"]
    assert by_sid["CloudTrailWrite"]["Resource"].endswith(f"/AWSLogs/{MOCK_ACCOUNT}/*")
    assert by_sid["CloudTrailAclCheck"]["Condition"]["StringEquals"]["aws:SourceArn"] == trail.outputs["arn"]
    assert by_sid["DenyInsecureTransport"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    # The trail waits for the policy that lets it write (CreateTrail checks it).
    assert prod.one("aws:s3/bucketPolicy:BucketPolicy", "trail-logs").urn in trail.options["depends_on"]

    key_policy = json.loads(prod.one("aws:kms/key:Key", "key").input("policy"))
    cloudtrail = [s for s in key_policy["Statement"] if s["Principal"] == {"Service": "cloudtrail.amazonaws.com"}]
    assert {s["Sid"] for s in cloudtrail} == {"CloudTrailEncryptsThisTrailsLogs", "CloudTrailDescribesTheKey"}
    assert all(s["Condition"]["StringEquals"]["aws:SourceArn"] == trail.outputs["arn"] for s in cloudtrail)


def test_the_trail_delivers_to_an_encrypted_log_group_through_a_least_privilege_role(plans: dict[str, Plan]) -> None:
    prod = plans["production"]
    trail, group = prod.one("aws:cloudtrail/trail:Trail"), prod.one("aws:cloudwatch/logGroup:LogGroup", "trail-events")
    assert group.input("name") == "/nexus/production/cloudtrail" and group.input("kmsKeyId") == key_arn(prod)
    assert group.input("retentionInDays") == prod.settings.monitoring.metrics_retention_days == 90
    # The trail names the group with the log-stream wildcard the provider documents.
    assert trail.input("cloudWatchLogsGroupArn") == f"{group.outputs['arn']}:*"
    assert group.input("name") in prod.outputs["log_group_names"]
    role = prod.one("aws:iam/role:Role", "trail-delivery")
    assert trail.input("cloudWatchLogsRoleArn") == role.outputs["arn"]
    (trust,) = json.loads(role.input("assumeRolePolicy"))["Statement"]
    # AWS's default CloudTrail_CloudWatchLogs_Role trust: the service, no condition CloudTrail
    # might not send when CreateTrail validates the role (audit_trail.delivery_trust_policy).
    assert trust == {"Sid": "CloudTrailDelivers", "Effect": "Allow",
                     "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "sts:AssumeRole"}  # fmt: skip
    statements = json.loads(prod.one("aws:iam/rolePolicy:RolePolicy", "trail-delivery").input("policy"))["Statement"]
    assert {s["Action"] for s in statements} == {"logs:CreateLogStream", "logs:PutLogEvents"}
    assert {s["Resource"] for s in statements} == {
        f"{group.outputs['arn']}:log-stream:{MOCK_ACCOUNT}_CloudTrail_*"}  # fmt: skip
    # CreateTrail checks the role can deliver: the trail waits for its policy.
    assert prod.one("aws:iam/rolePolicy:RolePolicy", "trail-delivery").urn in trail.options["depends_on"]
    # CloudWatch Logs may use the environment's key for this account's groups (the trail's included).
    key_policy = json.loads(prod.one("aws:kms/key:Key", "key").input("policy"))
    (logs,) = [s for s in key_policy["Statement"] if s["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}]
    pattern = logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert fnmatch.fnmatchcase(group.outputs["arn"], pattern)


@pytest.mark.parametrize("stack", ["staging", "development"])
def test_an_environment_in_a_shared_account_adds_no_trail(plans: dict[str, Plan], stack: str) -> None:
    plan = plans[stack]
    assert plan.settings.audit.trail == "shared-account" and plan.outputs["audit_trail"] == "shared-account"
    assert plan.of_type("aws:cloudtrail/trail:Trail") == [] and "audit_trail_arn" not in plan.outputs
    assert "cloudtrail" not in plan.one("aws:kms/key:Key", "key").input("policy")


def test_settings_not_the_stack_name_decide_the_trail(planner: Any) -> None:
    dev = planner("development", overrides=EVERY_SERVICE_OWN_TRAIL)
    bucket = dev.one("aws:s3/bucket:Bucket", "trail-logs")
    assert bucket.input("forceDestroy") is True and bucket.options["protect"] is False
    rule = dev.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "trail-logs").input("rules")[0]
    assert rule["expiration"]["days"] == 30
    assert dev.one("aws:cloudtrail/trail:Trail").input("name") == "nexus-development-trail"
    assert destroy_blockers(dev.to_json()) == [], "a development stack with its own trail still tears down completely"


def test_only_the_break_glass_role_deletes_a_log_file(plans: dict[str, Plan]) -> None:
    """The trail bucket's policy, evaluated: deleting a log file or one of its versions is an
    explicit deny for every principal but the break-glass role (docs/security.md)."""
    prod = plans["production"]
    bucket_arn = prod.one("aws:s3/bucket:Bucket", "trail-logs").outputs["arn"]
    policy = json.loads(prod.one("aws:s3/bucketPolicy:BucketPolicy", "trail-logs").input("policy"))
    # The statements that bind an IAM principal: those for "*" (the service principals'
    # statements never apply to a role). The evaluator takes them as identity statements.
    everyone = [{k: v for k, v in s.items() if k != "Principal"} for s in policy["Statement"] if s["Principal"] == "*"]
    assert {s["Sid"] for s in everyone} == {"DenyInsecureTransport", "DenyLogDeletionExceptBreakGlass"}
    log_file = f"{bucket_arn}/AWSLogs/{MOCK_ACCOUNT}/CloudTrail/us-east-1/2026/12/08/file.json.gz"
    break_glass = f"arn:aws:iam::{MOCK_ACCOUNT}:role/nexus-production-break-glass"
    deployer = f"arn:aws:iam::{MOCK_ACCOUNT}:role/nexus-deploy-production"

    def decision(action: str, principal: str) -> str:
        context = {"aws:PrincipalArn": principal, "aws:SecureTransport": "true"}
        return evaluate([{"Statement": everyone}], Request(action, log_file, context))

    for action in ("s3:DeleteObject", "s3:DeleteObjectVersion"):
        assert decision(action, deployer) == "ExplicitDeny"
        assert decision(action, f"arn:aws:iam::{MOCK_ACCOUNT}:root") == "ExplicitDeny"
        # The bucket policy grants nothing: the break-glass role's own policy must allow it.
        assert decision(action, break_glass) == "ImplicitDeny"
    # Reading and CloudTrail's writes are untouched by the guard.
    assert decision("s3:GetObject", deployer) == "ImplicitDeny"
    # The access-log bucket has no such guard: only the trail's files are evidence.
    access = json.loads(prod.one("aws:s3/bucketPolicy:BucketPolicy", "access-logs").input("policy"))
    assert "DenyLogDeletionExceptBreakGlass" not in {s.get("Sid") for s in access["Statement"]}
