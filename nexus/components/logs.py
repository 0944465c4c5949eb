"""The one way this project creates a CloudWatch log group: retention and key always set."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws


def log_group(
    resource_name: str,
    *,
    name: str,
    retention_days: int,
    kms_key_arn: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> aws.cloudwatch.LogGroup:
    """A log group with the environment's retention and key (a log group without retention
    keeps data, and bills for it, forever)."""
    return aws.cloudwatch.LogGroup(
        resource_name,
        name=name,
        retention_in_days=retention_days,
        kms_key_id=kms_key_arn,
        opts=opts,
    )
