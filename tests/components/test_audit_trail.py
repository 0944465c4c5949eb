"""The audit trail (nexus.components.audit_trail): an environment with its own account keeps its
own; one in a shared account adds none; the settings decide, not the stack name."""

from __future__ import annotations

import json
from typing import Any

import pytest

from nexus.plans.offline import MOCK_ACCOUNT, Plan
from nexus.plans.rules import destroy_blockers
from tests.support.plans import EVERY_SERVICE_OWN_TRAIL


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
