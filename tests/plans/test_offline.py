"""The offline runtime (nexus.plans.offline): the engine's URNs, mocks that answer as AWS does,
the plan JSON, and a program refused for another account's credentials."""

from __future__ import annotations

import pytest

from nexus.config.stack_files import load_stack_config
from nexus.plans.offline import (
    AwsMocks,
    Plan,
    ProgramError,
    engine_urn,
    run_program,
)
from tests.support.plans import OTHER_ACCOUNT


def test_engine_urns_match_the_engines_own_cases() -> None:
    # pulumi/pulumi sdk/go/common/resource/urn_test.go TestURNRoundTripping2: parent type
    # "parent$type" + "bang:boom/fizzle:MajorResource".
    parent = "urn:pulumi:stck::proj::parent$type::p"
    assert engine_urn("stck", "proj", parent, "bang:boom/fizzle:MajorResource", "a-swell-resource") == (
        "urn:pulumi:stck::proj::parent$type$bang:boom/fizzle:MajorResource::a-swell-resource"
    )
    # A child of the root Stack does not carry the Stack's type (urn.go NewURN skips RootStackType).
    stack = "urn:pulumi:production::nexus::pulumi:pulumi:Stack::nexus-production"
    assert engine_urn("production", "nexus", stack, "nexus:index:Environment", "nexus") == (
        "urn:pulumi:production::nexus::nexus:index:Environment::nexus"
    )


def test_plan_urns_carry_every_ancestors_type(plans: dict[str, Plan]) -> None:
    plan = plans["production"]
    urns = {r.urn for r in plan.resources}
    assert "urn:pulumi:production::nexus::nexus:index:Environment::nexus" in urns
    # The example: a grandchild of the Environment.
    assert (
        "urn:pulumi:production::nexus::nexus:index:Environment$nexus:config:AppSettings"
        "$aws:ssm/parameter:Parameter::application-name"
    ) in urns
    assert "urn:pulumi:production::nexus::nexus:index:Environment$pulumi:providers:aws::aws" in urns
    by_urn = {r.urn: r for r in plan.resources}
    for r in plan.resources:
        chain, parent = [r.type], r.parent
        while parent in by_urn:
            chain.insert(0, by_urn[parent].type)
            parent = by_urn[parent].parent
        assert r.urn == f"urn:pulumi:production::nexus::{'$'.join(chain)}::{r.name}"


def test_plan_json_lists_every_resource_with_inputs_and_options(plan: Plan) -> None:
    doc = plan.to_json()
    assert len(doc["resources"]) == len(plan.resources) > 80
    for r in doc["resources"]:
        assert {"urn", "type", "name", "parent", "inputs", "options"} <= set(r)
        assert {"protect", "retain_on_delete", "depends_on", "delete_before_replace", "ignore_changes"} <= set(
            r["options"]
        )


def test_mocks_describe_zones_as_ec2_does() -> None:
    mocks = AwsMocks("us-east-1", "123456789012")
    regular = [{"name": "zone-type", "values": ["availability-zone"]}]
    assert "use1-bos1-az1" in mocks._availability_zones({})["zoneIds"]  # opted-in Local Zone is listed
    assert "use1-mia2-az1" not in mocks._availability_zones({})["zoneIds"]  # not opted in: only with all
    assert "use1-mia2-az1" in mocks._availability_zones({"allAvailabilityZones": True})["zoneIds"]
    ids = mocks._availability_zones({"filters": regular})["zoneIds"]
    assert ids == [f"use1-az{i}" for i in range(1, 7)]
    # The old code's pick: the Local Zone's name sorts before the regular zones' names.
    assert sorted(mocks._availability_zones({"state": "available"})["names"])[0] == "us-east-1-bos-1a"


def test_plan_as_another_account_is_refused_naming_both(plans: dict[str, Plan]) -> None:
    config = load_stack_config("production")
    with pytest.raises(ProgramError, match=f"account {OTHER_ACCOUNT}.*account 123456789012 \\(nexus:account_id\\)"):
        run_program(config, config.settings(), account_id=OTHER_ACCOUNT)
