"""IAM helpers shared by the components."""

from __future__ import annotations

import json


def service_assume_role_policy(service: str, sid: str | None = None) -> str:
    """Trust policy that lets one AWS service (e.g. vpc-flow-logs.amazonaws.com) assume a role."""
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": sid, **statement} if sid else statement]})


def account_administers_key(account_id: str) -> dict[str, object]:
    """The key-policy statement every customer-managed key of ours starts with: the account
    administers it through IAM. Without it IAM policies cannot grant use of the key (KMS
    developer guide, "Default key policy")."""
    return {
        "Sid": "AccountAdministersThroughIam",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
