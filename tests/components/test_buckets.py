"""The controls every log bucket shares (nexus.components.buckets): versions kept, and expired
per the tier's retention, current and noncurrent alike."""

from __future__ import annotations

from typing import Any

from nexus.plans.offline import Plan
from nexus.plans.rules import versioned_buckets
from tests.support.plans import EVERY_SERVICE_OWN_TRAIL


def retention_of(plan: Plan, name: str) -> int:
    """The tier's retention of a bucket: the trail's own setting, the access logs' the environment's."""
    return (
        plan.settings.audit_retention_days if name == "trail-logs" else plan.settings.monitoring.metrics_retention_days
    )


def test_every_log_bucket_keeps_versions_and_expires_them_per_the_tiers_retention(plan: Plan) -> None:
    buckets = {b.name: b for b in plan.of_type("aws:s3/bucket:Bucket")}
    assert set(buckets) == ({"access-logs", "trail-logs"} if plan.settings.audit.trail == "own" else {"access-logs"})
    assert versioned_buckets(plan.to_json()) == {b.input("bucket") for b in buckets.values()}
    for name, bucket in buckets.items():
        versioning = plan.one("aws:s3/bucketVersioning:BucketVersioning", name)
        assert versioning.input("bucket") == bucket.input("bucket")
        assert versioning.input("versioningConfiguration") == {"status": "Enabled"}
        expiry, markers = plan.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", name).input(
            "rules"
        )
        days = retention_of(plan, name)
        assert expiry["expiration"]["days"] == expiry["noncurrentVersionExpiration"]["noncurrentDays"] == days
        assert expiry["status"] == markers["status"] == "Enabled"
        assert markers["expiration"] == {"expiredObjectDeleteMarker": True}


def test_a_development_stack_with_its_own_trail_still_empties_its_versioned_buckets(planner: Any) -> None:
    """force_destroy empties a versioned bucket versions and delete markers included
    (terraform-provider-aws EmptyBucket): development keeps tearing down completely."""
    dev = planner("development", overrides=EVERY_SERVICE_OWN_TRAIL)
    assert len(versioned_buckets(dev.to_json())) == 2
    assert all(b.input("forceDestroy") is True for b in dev.of_type("aws:s3/bucket:Bucket"))
