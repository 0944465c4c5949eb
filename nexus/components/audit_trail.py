"""AuditTrail: the CloudTrail trail of an environment that has an AWS account of its own."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from nexus.components.buckets import log_bucket_storage, private_bucket_controls
from nexus.components.iam import service_assume_role_policy
from nexus.components.logs import log_group
from nexus.config.naming import Naming


@dataclass(frozen=True)
class AuditTrailArgs:
    naming: Naming
    region: str
    account_id: str
    kms_key_arn: pulumi.Input[str]
    # Days the log files stay in the bucket (nexus:audit.retention_days, or the environment's).
    retention_days: int
    # Days the trail's events stay in CloudWatch Logs (a CloudWatch retention value: the
    # environment's monitoring.metrics_retention_days, like its other log groups).
    log_retention_days: int
    force_destroy: bool
    protect: bool


def trail_name(naming: Naming) -> str:
    return naming.name("trail", max_len=128)


def break_glass_role_arn(naming: Naming, account_id: str) -> str:
    """The one identity that may delete the trail's log files (docs/security.md, "Tamper-evident logs").
    The program does not create it: an account administrator creates it when a deletion is
    really needed, and creating it and granting it S3 rights are themselves in the trail and
    page (the IAM policy changes alarm, CIS 4.4)."""
    return f"arn:aws:iam::{account_id}:role/{naming.name('break-glass', max_len=64)}"


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

    The trail also delivers its events to a CloudWatch Logs group of the environment's key
    (CloudTrail user guide, "Sending events to CloudWatch Logs"), where the metric filters of
    Monitoring watch them; a role that may only write that group's CloudTrail streams delivers.

    Outputs: `trail_arn`, `bucket`, `log_group_name`.
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
            policy=bucket.arn.apply(
                lambda arn: json.dumps(
                    bucket_policy_document(
                        arn, args.account_id, source_arn, break_glass_role_arn(naming, args.account_id)
                    )
                )
            ),
            # S3 refuses a policy while the public access block is being written.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[access_block]),
        )

        self.log_group = log_group(
            "trail-events",
            name=naming.path("cloudtrail"),
            retention_days=args.log_retention_days,
            kms_key_arn=args.kms_key_arn,
            opts=child,
        )
        delivery_role = aws.iam.Role(
            "trail-delivery",
            name=naming.name("trail-delivery", max_len=64),
            # The trust of AWS's own default CloudTrail_CloudWatchLogs_Role (CloudTrail user guide,
            # "Sending events to CloudWatch Logs"). No aws:SourceArn / aws:SourceAccount condition:
            # CloudTrail documents them for the bucket policy, the topic and the key, not for
            # assuming this role, and CreateTrail validates the role by assuming it; a condition
            # CloudTrail does not send would fail CreateTrail (InvalidCloudWatchLogsRoleArnException)
            # or, worse, stop delivery in silence. Who can hand the role to a trail is held by
            # iam:PassRole: only its tier's deploy role, only to CloudTrail (nexus/ci/iam.py).
            assume_role_policy=service_assume_role_policy("cloudtrail.amazonaws.com", sid="CloudTrailDelivers"),
            opts=child,
        )
        delivery = aws.iam.RolePolicy(
            "trail-delivery",
            role=delivery_role.id,
            policy=self.log_group.arn.apply(lambda arn: json.dumps(delivery_policy(arn, args.account_id))),
            opts=child,
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
            # "Note that CloudTrail requires the Log Stream wildcard" (terraform-provider-aws,
            # website/docs/r/cloudtrail.html.markdown, cloud_watch_logs_group_arn); the log
            # group's `arn` attribute has none (the provider trims it).
            cloud_watch_logs_group_arn=self.log_group.arn.apply(lambda arn: f"{arn}:*"),
            cloud_watch_logs_role_arn=delivery_role.arn,
            # CreateTrail checks that the bucket policy lets CloudTrail write
            # (InsufficientS3BucketPolicyException) and that the role can deliver to the group
            # (InvalidCloudWatchLogsRoleArnException): both exist first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[bucket_policy, delivery]),
        )

        self.trail_arn = self.trail.arn
        self.log_group_name = self.log_group.name
        self.register_outputs(
            {"trail_arn": self.trail.arn, "bucket": bucket.bucket, "log_group_name": self.log_group.name}
        )


def delivery_policy(log_group_arn: str, account_id: str) -> dict[str, Any]:
    """The role policy of the CloudTrail user guide ("Role policy document for CloudTrail to
    use CloudWatch Logs for monitoring"): CreateLogStream and PutLogEvents on this group's
    CloudTrail streams only. CloudTrail names them <account>_CloudTrail_<region>, one per region
    a multi-region trail records, hence the prefix with a wildcard."""
    streams = f"{log_group_arn}:log-stream:{account_id}_CloudTrail_*"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "CreateTrailStreams", "Effect": "Allow", "Action": "logs:CreateLogStream", "Resource": streams},
            {"Sid": "WriteTrailStreams", "Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": streams},
        ],
    }


def bucket_policy_document(bucket_arn: str, account_id: str, source_arn: str, break_glass: str) -> dict[str, Any]:
    """The bucket policy the CloudTrail user guide gives ("Amazon S3 bucket policy for
    CloudTrail"), with aws:SourceArn naming this trail only, plus TLS-only access, plus the
    deletion guard: no one but the break-glass role deletes a log file or a version of one.

    A bucket policy, not S3 Object Lock: Object Lock can only be turned on when a bucket is
    created (S3 user guide, "Object Lock considerations"), so the production trail bucket
    would have to be replaced, and its retention would stop any teardown, development's
    included. The guard is a Deny with aws:PrincipalArn, so the break-glass role need not
    exist for the policy to be valid (a Principal naming a missing role is refused). S3
    Lifecycle expires objects as the service, not as a principal the policy names, so
    retention still works; on destroy Pulumi deletes the policy before the bucket (it depends
    on the bucket), so force_destroy can empty it."""
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
            {
                "Sid": "DenyLogDeletionExceptBreakGlass",
                "Effect": "Deny",
                "Principal": "*",
                "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion"],
                "Resource": f"{bucket_arn}/*",
                "Condition": {"ArnNotEquals": {"aws:PrincipalArn": break_glass}},
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
