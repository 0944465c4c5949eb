"""The policy rules of `nexus check` (nexus.plans.rules): every committed stack passes them, and
each rule rejects its violating case."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from nexus.plans.offline import Plan
from nexus.plans.rules import (
    DATA_ACTIONS,
    RESOURCE_RULES,
    check_plan,
    https_where_traffic_enters,
    is_taggable,
    no_data_action_on_any_resource,
)
from tests.support.policy import POLICY_CASES, mutated_plan


def test_every_stack_passes_every_policy(plan: Plan) -> None:
    assert check_plan(plan.to_json(), is_taggable) == []


def violating(plan: Plan, type_token: str, resource_name: str | None = None, /, **inputs: Any) -> list[tuple[str, str]]:
    return check_plan(mutated_plan(plan, type_token, resource_name, inputs), is_taggable)


@pytest.mark.parametrize(("rule", "stack", "type_token", "name", "inputs"), POLICY_CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in POLICY_CASES])  # fmt: skip
def test_each_policy_rejects_a_violating_resource(
    plans: dict[str, Plan], rule: str, stack: str, type_token: str, name: str | None, inputs: dict[str, Any]
) -> None:
    found = violating(plans[stack], type_token, name, **inputs)
    assert found and {r for r, _ in found} == {rule}, found


def test_flow_logs_policy_rejects_a_vpc_without_them(plans: dict[str, Plan]) -> None:
    doc = copy.deepcopy(plans["staging"].to_json())
    doc["resources"] = [r for r in doc["resources"] if r["type"] != "aws:ec2/flowLog:FlowLog"]
    assert [rule for rule, _ in check_plan(doc, is_taggable)] == ["flow-logs-on"]


def test_every_resource_rule_has_a_violating_case() -> None:
    assert {r.name for r in RESOURCE_RULES} <= {c[0] for c in POLICY_CASES}


@pytest.mark.parametrize(
    ("statement", "flagged"),
    [
        ({"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}, True),
        ({"Effect": "Allow", "Action": "*", "Resource": "*"}, True),
        ({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:us-east-1:1:key/*"}, True),
        ({"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "arn:aws:ssm:us-east-1:1:parameter/*"}, True),
        ({"Effect": "Allow", "Action": "rds-db:connect", "Resource": "arn:aws:rds-db:us-east-1:1:dbuser:*/*"}, True),
        ({"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::*"}, True),
        ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, True),
        ({"Effect": "Allow", "Action": "dynamodb:Query", "NotResource": "arn:aws:dynamodb:us-east-1:1:table/x"}, True),
        ({"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"}, False),
        ({"Effect": "Deny", "Action": "s3:*", "Resource": "*"}, False),
        ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket-1/*"}, False),
        ({"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "arn:aws:ssm:us-east-1:1:parameter/nexus/p/*"}, False),
    ],
)  # fmt: skip
def test_data_actions_on_any_resource_are_refused(statement: dict[str, Any], flagged: bool) -> None:
    resource = {"type": "aws:iam/policy:Policy", "inputs": {"policy": json.dumps({"Statement": [statement]})}}
    assert bool(no_data_action_on_any_resource(resource, "production")) is flagged
    assert "kms:Decrypt" in DATA_ACTIONS and "rds-db:connect" in DATA_ACTIONS


def test_the_policy_rule_accepts_post_quantum_policies() -> None:
    listener = {"type": "aws:lb/listener:Listener",
                "inputs": {"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"}}  # fmt: skip
    assert https_where_traffic_enters(listener, "production") == []
