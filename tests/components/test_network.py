"""The network (nexus.components.network): subnets in the pinned zones, the data tier without a
route out, NAT, flow logs, the default security group and the private zone."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from nexus.components.network import subnet_plan
from nexus.config.stack_files import load_stack_config
from nexus.plans import offline
from nexus.plans.offline import Plan, run_program
from tests.support.plans import subnets


def test_subnets_are_in_distinct_zones_inside_the_vpc(plan: Plan) -> None:
    vpc = ipaddress.IPv4Network(plan.one("aws:ec2/vpc:Vpc").input("cidrBlock"))
    assert str(vpc) == plan.settings.network.cidr
    cidrs = [ipaddress.IPv4Network(r.input("cidrBlock")) for r in plan.of_type("aws:ec2/subnet:Subnet")]
    assert all(c.subnet_of(vpc) for c in cidrs)
    assert all(not a.overlaps(b) for i, a in enumerate(cidrs) for b in cidrs[i + 1 :])
    for tier in ("public", "private", "data"):
        zones = [r.input("availabilityZoneId") for r in subnets(plan, tier)]
        assert zones == list(plan.settings.network.availability_zones) and len(set(zones)) == len(zones)
    assert all(r.input("mapPublicIpOnLaunch") is False for r in plan.of_type("aws:ec2/subnet:Subnet"))


def test_subnet_plan_is_deterministic_and_stable_when_zones_are_added() -> None:
    two, three = subnet_plan("10.0.0.0/16", 2), subnet_plan("10.0.0.0/16", 3)
    assert all(three[t][:2] == two[t] for t in two)
    assert subnet_plan("10.0.0.0/23", 4)["data"][-1] == "10.0.1.96/27"  # block 11 of 16 (data tier, 4th zone)


def test_subnets_and_nat_are_placed_and_named_by_the_pinned_zone_ids(plan: Plan) -> None:
    zones = list(plan.settings.network.availability_zones)
    for tier in ("public", "private", "data"):
        placed = [s for s in plan.of_type("aws:ec2/subnet:Subnet") if s.input("tags")["Tier"] == tier]
        assert [s.input("availabilityZoneId") for s in placed] == zones
        assert [s.name for s in placed] == [f"{tier}-{z}" for z in zones]
        assert all("availabilityZone" not in s.inputs for s in placed)
    for nat in plan.of_type("aws:ec2/natGateway:NatGateway"):
        assert nat.name.removeprefix("nat-") in zones


def test_zones_that_aws_adds_or_lists_first_never_change_the_plan(
    plans: dict[str, Plan], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The old `sorted(available zones)[:n]` put `us-east-1-bos-1a` first; a pinned list cannot move."""
    listed = offline.region_zones

    def more_zones(region: str) -> list[dict[str, str]]:
        extra = {"zoneName": f"{region}-aaa-1a", "zoneId": "use1-aaa1-az1", "zoneType": "local-zone",
                 "groupName": f"{region}-aaa-1", "optInStatus": "opted-in", "state": "available"}  # fmt: skip
        added = {**listed(region)[0], "zoneName": f"{region}g", "zoneId": "use1-az7"}
        return [extra, *reversed(listed(region)), added]

    monkeypatch.setattr(offline, "region_zones", more_zones)
    config = load_stack_config("development")
    shifted = run_program(config, config.settings())
    assert shifted.to_json()["resources"] == plans["development"].to_json()["resources"]


def route_targets(plan: Plan, subnet: Any) -> list[dict[str, Any]]:
    by_id = plan.by_id()
    assoc = [a for a in plan.of_type("aws:ec2/routeTableAssociation:RouteTableAssociation")
             if a.input("subnetId") == subnet.id]  # fmt: skip
    assert len(assoc) == 1
    table = by_id[assoc[0].input("routeTableId")]
    return [r.inputs for r in plan.of_type("aws:ec2/route:Route") if r.input("routeTableId") == table.id]


def test_data_subnets_have_no_route_to_the_internet(plan: Plan) -> None:
    for subnet in subnets(plan, "data"):
        assert route_targets(plan, subnet) == []
    # ... while public subnets reach the internet gateway (the test can fail).
    assert all(any("gatewayId" in r for r in route_targets(plan, s)) for s in subnets(plan, "public"))


def test_nat_gateways_follow_the_setting(plan: Plan) -> None:
    expected = {"none": 0, "single": 1, "one_per_az": len(plan.settings.network.availability_zones)}
    nats = plan.of_type("aws:ec2/natGateway:NatGateway")
    assert len(nats) == expected[plan.settings.network.nat_gateways]
    assert len(plan.of_type("aws:ec2/eip:Eip")) == len(nats)
    public_ids = {s.id for s in subnets(plan, "public")}
    assert all(n.input("subnetId") in public_ids for n in nats)
    for subnet in subnets(plan, "private"):
        nat_routes = [r for r in route_targets(plan, subnet) if "natGatewayId" in r]
        assert len(nat_routes) == (1 if nats else 0)


def test_production_has_a_nat_per_zone_in_three_zones(plans: dict[str, Plan]) -> None:
    assert len(plans["production"].of_type("aws:ec2/natGateway:NatGateway")) == 3


def test_flow_logs_are_on_with_retention_and_key(plan: Plan) -> None:
    flow = plan.one("aws:ec2/flowLog:FlowLog")
    assert flow.input("vpcId") == plan.one("aws:ec2/vpc:Vpc").id
    group = next(
        g for g in plan.of_type("aws:cloudwatch/logGroup:LogGroup") if g.outputs["arn"] == flow.input("logDestination")
    )
    assert group.input("retentionInDays") == plan.settings.monitoring.metrics_retention_days
    assert group.input("kmsKeyId") == plan.one("aws:kms/key:Key", "key").outputs["arn"]


def test_flow_log_waits_for_its_role_policy(plan: Plan) -> None:
    flow = plan.one("aws:ec2/flowLog:FlowLog")
    policy = plan.one("aws:iam/rolePolicy:RolePolicy", "flow-logs-write")
    assert plan.by_id()[policy.input("role")].outputs["arn"] == flow.input("iamRoleArn")
    assert policy.urn in flow.options["depends_on"]


def test_default_security_group_has_no_rules(plan: Plan) -> None:
    default = plan.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert default.input("ingress") == [] and default.input("egress") == []


def test_private_zone_per_environment(plan: Plan) -> None:
    zone = plan.one("aws:route53/zone:Zone")
    assert zone.input("name") == f"{plan.stack}.nexus.internal"
    assert zone.input("vpcs")[0]["vpcId"] == plan.one("aws:ec2/vpc:Vpc").id
