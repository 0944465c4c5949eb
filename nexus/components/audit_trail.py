"""AuditTrail: the CloudTrail trail of an environment that has an AWS account of its own."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from nexus.components.buckets import log_bucket_storage, private_bucket_controls
from nexus.config.naming import Naming


@dataclass(frozen=True)
class AuditTrailArgs:
    naming: Naming
    region: str
    account_id: str
    kms_key_arn: pulumi.Input[str]
    # Days the log files stay in the bucket (nexus:audit.retention_days, or the environment's).
    retention_days: int
    force_destroy: bool
    protect: bool


def trail_name(naming: Naming) -> str:
    return naming.name("trail", max_len=128)


def trail_arn(naming: Naming, region: str, account_id: str) -> str:
    """Known before the trail exists: the key policy and the bucket policy name it
    (aws:SourceArn) and the trail cannot be created until both allow it."""
    return f"arn:aws:cloudtrail:{region}:{account_id}:trail/{trail_name(naming)}"


class AuditTrail(pulumi.ComponentResource):
    """A multi-region trail with log file validation, encrypted with the environment's key,
    delivering to a private TLS-only bucket that keeps the logs for the retention period.
    Management events, read and write: Secrets Manager GetSecretValue and KMS Decrypt are
    read management events (CloudTrail user guide, "Logging management events"), so an
    auditor sees who read which secret.

    Outputs: `trail_arn`, `bucket`.
    """

    def __init__(self, name: str, args: AuditTrailArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("nexus:security:AuditTrail", name, None, opts)
        naming, child = args.naming, pulumi.ResourceOptions(parent=self)
        source_arn = trail_arn(naming, args.region, args.account_id)

        # Bucket names are global: the account ID keeps ours from colliding with anyone's.
        self.bucket = aws.s3.Bucket(
            "trail-logs",
            bucket=naming.name(f"trail-{args.account_id}"),
            force_destroy=args.force_destroy,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        bucket = self.bucket
        access_block = private_bucket_controls("trail-logs", bucket.id, child)
        # CloudTrail encrypts its log and digest files with the trail's key (kms_key_id below;
        # CloudTrail user guide, "Configure AWS KMS key policies for CloudTrail"). The bucket
        # default only covers an object written without a key; SSE-S3 there needs no key grant.
        log_bucket_storage("trail-logs", bucket.id, rule_id="expire-trail-logs", days=args.retention_days, opts=child)
        bucket_policy = aws.s3.BucketPolicy(
            "trail-logs",
            bucket=bucket.id,
            policy=bucket.arn.apply(lambda arn: json.dumps(bucket_policy_document(arn, args.account_id, source_arn))),
            # S3 refuses a policy while the public access block is being written.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[access_block]),
        )

        self.trail = aws.cloudtrail.Trail(
            "trail",
            name=trail_name(naming),
            s3_bucket_name=bucket.bucket,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            kms_key_id=args.kms_key_arn,
            event_selectors=[
                aws.cloudtrail.TrailEventSelectorArgs(read_write_type="All", include_management_events=True)
            ],
            # CreateTrail checks that the bucket policy lets CloudTrail write
            # (InsufficientS3BucketPolicyException otherwise).
            opts=pulumi.ResourceOptions(parent=self, depends_on=[bucket_policy]),
        )

        self.trail_arn = self.trail.arn
        self.register_outputs({"trail_arn": self.trail.arn, "bucket": bucket.bucket})


def bucket_policy_document(bucket_arn: str, account_id: str, source_arn: str) -> dict[str, Any]:
    """The bucket policy the CloudTrail user guide gives ("Amazon S3 bucket policy for
    CloudTrail"), with aws:SourceArn naming this trail only, plus TLS-only access."""
    only_this_trail = {"aws:SourceArn": source_arn}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "CloudTrailAclCheck",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:GetBucketAcl",
                "Resource": bucket_arn,
                "Condition": {"StringEquals": only_this_trail},
            },
            {
                "Sid": "CloudTrailWrite",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"{bucket_arn}/AWSLogs/{account_id}/*",
                "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", **only_this_trail}},
            },
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [bucket_arn, f"{bucket_arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }


def key_policy_statements(account_id: str, source_arn: str) -> list[dict[str, Any]]:
    """What the environment's key policy must add for the trail (CloudTrail user guide,
    "Configure AWS KMS key policies for CloudTrail": encrypt with aws:SourceArn and the
    kms:EncryptionContext:aws:cloudtrail:arn condition, and describe the key). Reading the
    logs needs no statement here: the account's IAM policies grant kms:Decrypt to auditors."""
    return [
        {
            "Sid": "CloudTrailEncryptsThisTrailsLogs",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "kms:GenerateDataKey*",
            "Resource": "*",
            "Condition": {
                "StringEquals": {"aws:SourceArn": source_arn},
                "StringLike": {
                    "kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{account_id}:trail/*"
                },
            },
        },
        {
            "Sid": "CloudTrailDescribesTheKey",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "kms:DescribeKey",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceArn": source_arn}},
        },
    ]
