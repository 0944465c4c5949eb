"""The settings every bucket of this project shares: private, owner-enforced, and for log
buckets SSE-S3, versioning and an expiry of current and noncurrent versions. One definition,
so the buckets cannot drift apart."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws


def private_bucket_controls(
    resource_name: str, bucket: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> aws.s3.BucketPublicAccessBlock:
    """Block every form of public access and disable ACLs (BucketOwnerEnforced: the bucket
    owner owns every object, S3 user guide "Controlling ownership of objects"). Returns the
    access block: a bucket policy written while it is being applied is refused, so policies
    wait for it."""
    access_block = aws.s3.BucketPublicAccessBlock(
        resource_name,
        bucket=bucket,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=opts,
    )
    aws.s3.BucketOwnershipControls(
        resource_name,
        bucket=bucket,
        rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
        opts=opts,
    )
    return access_block


def log_bucket_storage(
    resource_name: str, bucket: pulumi.Input[str], *, rule_id: str, days: int, opts: pulumi.ResourceOptions
) -> None:
    """SSE-S3 by default (what ALB access logs require; CloudTrail encrypts its own files with
    the trail's key), versioning, and expiry after `days`, incomplete uploads after 7.

    Versioning makes the logs tamper-evident: an overwritten or deleted log file stays as a
    noncurrent version for `days` more (S3 user guide, "Retaining multiple versions of objects
    with S3 Versioning"), so a log is kept at most 2 x `days` and its replacement can be seen.
    Emptying a versioned bucket means deleting every version and delete marker:
    force_destroy does (terraform-provider-aws internal/service/s3 EmptyBucket, "deleting all
    object versions and delete markers"); `aws s3 rm --recursive` does not (docs/runbooks.md)."""
    aws.s3.BucketServerSideEncryptionConfiguration(
        resource_name,
        bucket=bucket,
        rules=[
            aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                    sse_algorithm="AES256"
                )
            )
        ],
        opts=opts,
    )
    aws.s3.BucketVersioning(
        resource_name,
        bucket=bucket,
        versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
        opts=opts,
    )
    aws.s3.BucketLifecycleConfiguration(
        resource_name,
        bucket=bucket,
        rules=[
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id=rule_id,
                status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                # In a versioned bucket the expiry adds a delete marker; the version it hides
                # becomes noncurrent and goes `days` later.
                expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=days),
                noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                    noncurrent_days=days
                ),
                abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                    days_after_initiation=7
                ),
            ),
            # A delete marker whose versions have all expired hides nothing: remove it (S3 user
            # guide, "Removing expired object delete markers"; it may not share an expiration
            # with `days`, hence a rule of its own).
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id=f"{rule_id}-markers",
                status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(expired_object_delete_marker=True),
            ),
        ],
        opts=opts,
    )
