"""The CrossGuard pack (nexus.plans.policy_pack) applies the same rules to what a real preview
would hand it, called the way pulumi-policy's analyzer calls it (tests.support.policy)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from pulumi_policy import (
    EnforcementLevel,
    PolicyProviderResource,
    ResourceValidationPolicy,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

from nexus.plans.offline import Plan
from nexus.plans.policy_pack import POLICIES, STACK_RULES
from nexus.plans.rules import RESOURCE_RULES, STACK_RULE_CHECKS, check_plan, is_taggable
from tests.support.policy import (
    POLICY_CASES,
    STACK_CASES,
    Doc,
    mutated,
    mutated_plan,
    resource_args,
    resources_of,
    violations,
    without,
)


def test_pack_has_every_policy_mandatory() -> None:
    names = {p.name for p in POLICIES}
    every_rule = {r.name for r in RESOURCE_RULES} | {"environment-tags", "flow-logs-on"} | set(STACK_RULE_CHECKS)
    assert names == every_rule and len(names) == len(POLICIES) == len(RESOURCE_RULES) + 2 + len(STACK_RULE_CHECKS)
    assert all(p.enforcement_level == EnforcementLevel.MANDATORY for p in POLICIES)


def test_every_resource_scoped_rule_is_a_resource_policy() -> None:
    """Stack policies run after the update's steps; only a rule that must count the stack may be one."""
    resource_policies = {p.name for p in POLICIES if isinstance(p, ResourceValidationPolicy)}
    stack_policies = {p.name for p in POLICIES if isinstance(p, StackValidationPolicy)}
    assert {rule.name for rule in RESOURCE_RULES} | {"environment-tags"} <= resource_policies
    assert stack_policies == set(STACK_RULES) == {"flow-logs-on", *STACK_RULE_CHECKS}


def test_our_stacks_pass_the_pack(plan: Plan) -> None:
    assert violations(resources_of(plan)) == {}


@pytest.mark.parametrize(("rule", "stack", "type_token", "name", "inputs"), POLICY_CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in POLICY_CASES])  # fmt: skip
def test_each_resource_policy_rejects_its_violating_case_on_its_own(
    plans: dict[str, Plan], rule: str, stack: str, type_token: str, name: str | None, inputs: dict[str, Any]
) -> None:
    doc = mutated_plan(plans[stack], type_token, name, inputs)
    resources = doc["resources"]
    (policy,) = [p for p in POLICIES if p.name == rule]
    assert isinstance(policy, ResourceValidationPolicy)
    found: list[str] = []
    for r in resources:
        policy.validate(resource_args(resources, r), lambda msg, urn=None: found.append(msg))
    assert found, f"{rule} let its violating case through"
    # A provider that lost its Environment tag leaves the tier unsure: judged as production.
    tier_lost = type_token.startswith("pulumi:providers:") and "Environment" not in str(inputs.get("defaultTags"))
    strictest = {"production-deletion-protected", "production-database-resilient"}
    assert set(agreed(doc)) == {rule} | (strictest if tier_lost else set())


def test_every_resource_rule_has_a_violating_case_here() -> None:
    assert {rule.name for rule in RESOURCE_RULES} | {"environment-tags"} <= {c[0] for c in POLICY_CASES}


@pytest.mark.parametrize("stack", ["production", "development"])
def test_the_pack_rejects_a_public_database(plans: dict[str, Plan], stack: str) -> None:
    resources = mutated(plans[stack], "aws:rds/instance:Instance", None, {"publiclyAccessible": True})
    assert list(violations(resources)) == ["database-not-public"]


def test_the_policy_pack_refuses_a_wildcard_data_grant(plans: dict[str, Plan]) -> None:
    wide = json.dumps({"Statement": [{"Effect": "Allow", "Action": "ssm:*", "Resource": "*"}]})
    assert "no-data-action-on-any-resource" not in violations(resources_of(plans["production"]))
    found = violations(
        mutated(plans["production"], "aws:iam/rolePolicy:RolePolicy", "app-permissions", {"policy": wide})
    )
    assert (
        list(found) == ["no-data-action-on-any-resource"]
        and "ssm:GetParameter" in found["no-data-action-on-any-resource"][0]
    )


def unprotected_key(plan: Plan) -> tuple[Doc, dict[str, Any]]:
    resources = mutated(plan, "aws:kms/key:Key", None, {"options": {"protect": False}})
    return resources, next(r for r in resources if r["type"] == "aws:kms/key:Key")


def production_protection_messages(resources: Doc, key: dict[str, Any], provider: Any = "from-plan") -> list[str]:
    (policy,) = [p for p in POLICIES if p.name == "production-deletion-protected"]
    found: list[str] = []
    policy.validate(resource_args(resources, key, provider), lambda msg, urn=None: found.append(msg))
    return found


def test_the_pack_reads_the_tier_from_the_resources_provider(plans: dict[str, Plan]) -> None:
    assert list(violations(unprotected_key(plans["production"])[0])) == ["production-deletion-protected"]
    assert violations(unprotected_key(plans["staging"])[0]) == {}
    # A real preview hands the provider's defaultTags as an object rather than JSON text.
    resources, key = unprotected_key(plans["staging"])
    p = next(p for p in resources if p["urn"] == key["provider"])
    as_object = {**p["inputs"], "defaultTags": json.loads(p["inputs"]["defaultTags"])}
    assert (
        production_protection_messages(
            resources, key, PolicyProviderResource(p["type"], as_object, p["urn"], p["name"])
        )
        == []
    )


@pytest.mark.parametrize("provider_inputs", [None, {}, {"defaultTags": UNKNOWN_STRING_VALUE},
                                             {"defaultTags": json.dumps({"tags": {"Environment": "prod"}})}],
                         ids=["no-provider", "no-default-tags", "unknown-tags", "unexpected-tier"])  # fmt: skip
def test_a_resource_whose_tier_is_unsure_is_judged_as_production(
    plans: dict[str, Plan], provider_inputs: dict[str, Any] | None
) -> None:
    resources, key = unprotected_key(plans["staging"])
    provider = None if provider_inputs is None else PolicyProviderResource(
        "pulumi:providers:aws", unknown_checking_proxy(provider_inputs), "urn:provider", "aws")  # fmt: skip
    assert production_protection_messages(resources, key, provider) == [
        "aws:kms/key:Key key: production stateful resources must be Pulumi-protected"
    ]


def test_an_unknown_input_is_left_to_the_engine_not_passed(plans: dict[str, Plan]) -> None:
    """pulumi-policy turns UnknownValueError into "can't run during preview"; `up` runs it again, known."""
    resources = mutated(plans["production"], "aws:rds/instance:Instance", None, {"kmsKeyId": UNKNOWN_STRING_VALUE})
    database = next(r for r in resources if r["type"] == "aws:rds/instance:Instance")
    (policy,) = [p for p in POLICIES if p.name == "encrypted-with-customer-key"]
    with pytest.raises(UnknownValueError):
        policy.validate(resource_args(resources, database), lambda msg, urn=None: None)


def test_the_flow_logs_stack_policy_rejects_a_vpc_without_them(plans: dict[str, Plan]) -> None:
    resources = [r for r in resources_of(plans["staging"]) if r["type"] != "aws:ec2/flowLog:FlowLog"]
    assert list(violations(resources)) == ["flow-logs-on"]


@pytest.mark.parametrize(("rule", "stack", "type_token", "name"), STACK_CASES, ids=[c[0] for c in STACK_CASES])
def test_each_stack_policy_rejects_its_violating_case(
    plans: dict[str, Plan], rule: str, stack: str, type_token: str, name: str
) -> None:
    assert set(agreed(without(plans[stack], type_token, name))) == {rule}


def agreed(doc: dict[str, Any]) -> dict[str, list[str]]:
    """The violations of a plan JSON, found alike by `nexus check` (check_plan) and by the pack
    run the way the analyzer runs it: the same rules with the same messages (or the test fails)."""
    by_pack = violations(copy.deepcopy(doc["resources"]))
    provider = next(r for r in doc["resources"] if r["type"] == "pulumi:providers:aws" and r["name"] == "aws")
    if "Environment" not in json.loads(provider["inputs"]["defaultTags"])["tags"]:
        doc = {**doc, "environment": "production"}  # the pack's strictest tier when the tag is lost
    by_check: dict[str, list[str]] = {}
    for rule, message in check_plan(doc, is_taggable):
        by_check.setdefault(rule, []).append(message)
    assert {r: sorted(m) for r, m in by_check.items()} == {r: sorted(m) for r, m in by_pack.items()}
    return by_pack


def test_nexus_check_and_the_pack_agree_on_every_rule(plans: dict[str, Plan]) -> None:
    """Every rule, in both: the committed plans pass both, and each violating case (resource
    rules above, stack rules below) fails both with the same messages."""
    assert all(agreed(p.to_json()) == {} for p in plans.values())
    covered = {c[0] for c in POLICY_CASES} | {c[0] for c in STACK_CASES} | {"flow-logs-on"}
    assert covered == {p.name for p in POLICIES}
