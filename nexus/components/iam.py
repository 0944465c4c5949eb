"""IAM helpers shared by the components."""

from __future__ import annotations

import json


def service_assume_role_policy(service: str) -> str:
    """Trust policy that lets one AWS service (e.g. vpc-flow-logs.amazonaws.com) assume a role."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        }
    )
