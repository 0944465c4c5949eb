"""The key and the application's secret (nexus.components.secrets_store)."""

from __future__ import annotations

import json

import pytest

from nexus.plans.offline import Plan
from nexus.plans.rules import RESERVED_NAME_TYPES
from tests.support.plans import key_arn


def test_secrets_store_key_and_secret(plan: Plan) -> None:
    key, s = plan.one("aws:kms/key:Key", "key"), plan.settings.secrets
    assert key.input("enableKeyRotation") is True and key.input("deletionWindowInDays") == s.kms_deletion_window_days
    statements = json.loads(key.input("policy"))["Statement"]
    assert {st["Principal"].get("Service") for st in statements} >= {f"logs.{plan.settings.region}.amazonaws.com"}
    assert plan.one("aws:kms/alias:Alias", "key-alias").input("name") == f"alias/nexus-{plan.stack}"
    secret = plan.one("aws:secretsmanager/secret:Secret")
    assert secret.input("kmsKeyId") == key_arn(plan)
    assert secret.input("recoveryWindowInDays") == s.recovery_window_days
    assert plan.stack in secret.input("namePrefix") and "name" not in secret.inputs


@pytest.mark.parametrize(("stack", "retained"), [("production", True), ("staging", True), ("development", False)])
def test_the_key_outlives_the_stack_wherever_its_data_does(plans: dict[str, Plan], stack: str, retained: bool) -> None:
    plan = plans[stack]
    key, db = plan.one("aws:kms/key:Key", "key"), plan.one("aws:rds/instance:Instance")
    assert key.options["retain_on_delete"] is retained
    # Retained exactly where something encrypted with it survives the stack.
    assert retained is (plan.settings.protection.protect_stateful_resources or not db.input("skipFinalSnapshot"))
    if plan.settings.protection.protect_stateful_resources:
        assert key.options["retain_on_delete"] and key.options["protect"]


def test_no_resource_whose_name_aws_reserves_carries_a_fixed_name(plan: Plan) -> None:
    reserved = [r for r in plan.resources if r.type in RESERVED_NAME_TYPES]
    assert reserved  # the secret is there
    for r in reserved:
        assert "name" not in r.inputs and r.input("namePrefix").startswith(f"nexus/{plan.stack}/"), r.name
