"""The state bucket bootstrap/ declares (nexus.ci.state_backend)."""

from __future__ import annotations

import json

from nexus.plans.bootstrap_plan import BootstrapPlan


def test_the_state_bucket_is_versioned_encrypted_private_and_tls_only(plan: BootstrapPlan) -> None:
    bucket = plan.one("aws:s3/bucket:Bucket", "state")
    assert bucket.options["protect"] and plan.one("aws:kms/key:Key", "state-key").options["protect"]
    versioning = plan.one("aws:s3/bucketVersioning:BucketVersioning", "state").input("versioningConfiguration")
    assert versioning["status"] == "Enabled"
    (rule,) = plan.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "state"
    ).input("rules")
    by_default = rule["applyServerSideEncryptionByDefault"]
    key = plan.one("aws:kms/key:Key", "state-key")
    assert by_default["sseAlgorithm"] == "aws:kms" and by_default["kmsMasterKeyId"] == key.outputs["arn"]
    block = plan.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "state")
    assert all(
        block.input(k) is True
        for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    (deny,) = json.loads(plan.one("aws:s3/bucketPolicy:BucketPolicy", "state").input("policy"))["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert set(plan.outputs["secrets_providers"]) == {"development", "staging", "production"}
