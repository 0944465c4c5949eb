"""Physical names (nexus.config.naming): inside AWS's limits for the longest stack name, told
apart when shortened, never led by a digit."""

from __future__ import annotations

from typing import Any

from nexus.config.naming import Naming
from nexus.plans.offline import Plan


def test_names_fit_aws_limits_for_a_40_character_stack(planner: Any) -> None:
    stack = "development-pr-" + "1234567890" * 2 + "12345"
    assert len(stack) == 40
    plan = planner(stack, config_from="development")
    limits = {
        "aws:lb/loadBalancer:LoadBalancer": 32, "aws:lb/targetGroup:TargetGroup": 32,
        "aws:s3/bucket:Bucket": 63, "aws:rds/instance:Instance": 63, "aws:iam/role:Role": 64,
        "aws:ec2/securityGroup:SecurityGroup": 255, "aws:rds/parameterGroup:ParameterGroup": 255,
    }  # fmt: skip
    for type_token, limit in limits.items():
        for r in plan.of_type(type_token):
            name = r.input("name") or r.input("bucket") or r.input("identifier")
            assert len(name) <= limit, (type_token, name)
            assert not name.endswith("-") and "--" not in name, name
    # Shortened names stay unique: the hash of the full stack name tells two long stacks apart.
    other = Naming(stack[:-1] + "6")
    assert Naming(stack).name(max_len=32) != other.name(max_len=32)


def test_a_stack_name_starting_with_a_digit_names_everything_from_nexus(edgy_plan: Plan) -> None:
    assert edgy_plan.one("aws:rds/instance:Instance").input("identifier") == "nexus-1-edge-db"
    assert edgy_plan.one("aws:lb/loadBalancer:LoadBalancer").input("name") == "nexus-1-edge"
    assert edgy_plan.one("aws:s3/bucket:Bucket").input("bucket").startswith("nexus-1-edge-")
    # Every name builder starts with the project, so a digit never leads an AWS name.
    for stack in ("1", "9" * 40, "0-a"):
        naming = Naming(stack)
        uses = (("", 32), ("app", 32), ("db", 63), ("alb-logs-123456789012", 63), ("rds-monitoring", 64))
        assert all(naming.name(suffix, max_len=n).startswith("nexus-") for suffix, n in uses)
