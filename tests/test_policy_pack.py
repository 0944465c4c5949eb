"""The CrossGuard pack applies the same rules to what a real preview would hand it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from pulumi_policy import PolicyProviderResource, PolicyResource, PolicyResourceOptions, StackValidationArgs

from nexus.offline import Plan

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "policy"))
from nexus_policies import POLICIES


def policy_resources(plan: Plan, mutate: Any = None) -> list[PolicyResource]:
    doc = plan.to_json()
    if mutate:
        mutate(doc["resources"])
    providers = {r["urn"]: r for r in doc["resources"] if r["type"] == "pulumi:providers:aws"}
    out = []
    for r in doc["resources"]:
        p = providers.get(r["provider"] or "")
        out.append(PolicyResource(
            resource_type=r["type"], props=r["inputs"], urn=r["urn"], name=r["name"],
            opts=PolicyResourceOptions(protect=r["options"]["protect"], ignore_changes=[], delete_before_replace=None,
                                       aliases=[], custom_timeouts=None, additional_secret_outputs=[]),  # type: ignore[arg-type]
            provider=PolicyProviderResource(p["type"], p["inputs"], p["urn"], p["name"]) if p else None,
            parent=None, dependencies=[], property_dependencies={},
        ))  # fmt: skip
    return out


def violations(resources: list[PolicyResource]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for policy in POLICIES:
        assert policy.validate is not None
        policy.validate(
            StackValidationArgs(resources), lambda msg, urn=None, p=policy.name: found.setdefault(p, []).append(msg)
        )
    return found


def test_pack_has_every_policy_mandatory() -> None:
    names = {p.name for p in POLICIES}
    assert {"no-open-ingress", "database-not-public", "environment-tags", "flow-logs-on"} <= names
    assert len(names) == len(POLICIES) == 10


def test_our_stacks_pass_the_pack(plan: Plan) -> None:
    assert violations(policy_resources(plan)) == {}


@pytest.mark.parametrize("stack", ["production", "development"])
def test_the_pack_rejects_a_public_database(plans: dict[str, Plan], stack: str) -> None:
    def make_public(resources: list[dict[str, Any]]) -> None:
        next(r for r in resources if r["type"] == "aws:rds/instance:Instance")["inputs"]["publiclyAccessible"] = True

    assert list(violations(policy_resources(plans[stack], make_public))) == ["database-not-public"]


def test_the_pack_reads_the_tier_from_the_provider_tags(plans: dict[str, Plan]) -> None:
    def unprotect(resources: list[dict[str, Any]]) -> None:
        next(r for r in resources if r["type"] == "aws:kms/key:Key")["options"]["protect"] = False

    assert list(violations(policy_resources(plans["production"], unprotect))) == ["production-deletion-protected"]
    assert violations(policy_resources(plans["staging"], unprotect)) == {}
