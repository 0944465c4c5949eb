"""Pricing (nexus.plans.pricing, issue 12): every stack priced from its offline plan at AWS list
prices, and development cheap."""

from __future__ import annotations

import copy
import datetime
from decimal import Decimal
from typing import Any

from nexus.plans.offline import Plan
from nexus.plans.pricing import load_table, price_plan, region_prices

HOURS = Decimal(730)


DEVELOPMENT_BUDGET = Decimal(60)


def prices(region: str = "us-east-1") -> dict[str, Any]:
    return region_prices(region)[0]


def lines_of(cost: Any, resource_type: str) -> list[Any]:
    return [x for x in cost.lines if x.resource.split(" ")[0] == resource_type]


def test_each_committed_stack_is_priced_line_by_line(plan: Plan) -> None:
    doc = plan.to_json()
    cost = price_plan(doc)
    assert cost.not_priced == [], "committed stacks must be fully priced"
    assert cost.total > 0
    assert cost.total == sum(x.monthly for x in cost.lines) == sum(cost.by_kind().values())
    # Every resource the plan creates is accounted for: charged, or priced at $0 with a reason.
    accounted = {x.resource.split(" (")[0] for x in cost.lines + cost.free}
    created = {f"{r['type']} {r['name']}" for r in doc["resources"] if r["custom"]}
    assert created == accounted
    assert all(x.detail for x in cost.free)
    # Usage-priced items are listed with a unit price and not in the total.
    usage = {u.kind: u.price for u in cost.usage}
    assert usage["Logs"].startswith("$") and usage["Data transfer"].startswith("$")


def test_production_prices_what_makes_it_expensive(plans: dict[str, Plan]) -> None:
    cost = price_plan(plans["production"].to_json())
    p = prices()
    (instance,) = [x for x in lines_of(cost, "aws:rds/instance:Instance") if "db.r6g.large" in x.detail]
    # Multi-AZ: the standby doubles instance hours and storage.
    assert instance.monthly == p["rds"]["postgres_instance_hour"]["db.r6g.large"] * HOURS * 2
    kinds = cost.by_kind()
    assert kinds["Database storage"] == p["rds"]["storage_gb_month"]["gp3"] * 100 * 2
    assert kinds["NAT gateways"] == p["ec2"]["nat_gateway_hour"] * HOURS * 3
    # Three NAT addresses and one address per zone of the internet-facing load balancer.
    assert kinds["Public IPv4 addresses"] == p["ec2"]["public_ipv4_hour"] * HOURS * (3 + 3)
    # The 5xx-rate alarm is metric math over three metrics: three alarm metrics.
    (rate,) = lines_of(cost, "aws:cloudwatch/metricAlarm:MetricAlarm")[:1]
    assert rate.resource.endswith("alb-5xx-rate") and rate.monthly == p["cloudwatch"]["alarm_metric_month"] * 3
    # Two secrets: the session key and the RDS-managed master password.
    assert kinds["Secrets"] == p["secretsmanager"]["secret_month"] * 2


def test_staging_instance_class_changes_the_total_by_exactly_its_price_difference(
    plans: dict[str, Plan], planner: Any
) -> None:
    # The same override as the diff test, so the session plans it once.
    database = plans["staging"].settings.database.model_dump()
    bigger = planner("staging", overrides={"nexus:database": {**database, "instance_class": "db.r6g.xlarge"}})
    before, after = price_plan(plans["staging"].to_json()), price_plan(bigger.to_json())
    table = prices()["rds"]["postgres_instance_hour"]
    copies = 2 if database["multi_az"] else 1
    assert after.total - before.total == (table["db.r6g.xlarge"] - table["db.t4g.medium"]) * HOURS * copies
    assert after.by_kind()["Database instance"] - before.by_kind()["Database instance"] == after.total - before.total


def test_an_unknown_type_is_not_priced_never_zero(plans: dict[str, Plan]) -> None:
    doc = plans["development"].to_json()
    before = price_plan(doc)
    doc["resources"].append(
        {"urn": "urn:x", "id": "i-1", "type": "aws:ec2/instance:Instance", "name": "bastion", "parent": None,
         "provider": None, "custom": True, "inputs": {"instanceType": "t4g.nano"}, "options": {}}
    )  # fmt: skip
    rds = next(r for r in doc["resources"] if r["type"] == "aws:rds/instance:Instance")
    rds["inputs"]["instanceClass"] = "db.x9z.huge"  # a class the table does not know
    cost = price_plan(doc)
    assert sorted(x.resource for x in cost.not_priced) == [
        "aws:ec2/instance:Instance bastion",
        "aws:rds/instance:Instance postgres",
    ]
    assert all(x.monthly is None for x in cost.not_priced)
    assert cost.total == before.total - before.by_kind()["Database instance"]
    assert cost.total_text().endswith("+ 2 not priced")
    assert "bastion" not in {x.resource.split(" ")[1] for x in cost.free}


def test_high_resolution_alarms_and_internal_load_balancers(plans: dict[str, Plan]) -> None:
    doc = copy.deepcopy(plans["development"].to_json())
    p = prices()
    for r in doc["resources"]:
        if r["name"] == "db-cpu":
            r["inputs"]["period"] = 10  # evaluated every 10 s: a high-resolution alarm
        if r["type"] == "aws:lb/loadBalancer:LoadBalancer":
            r["inputs"]["internal"] = True  # no public addresses
    cost = price_plan(doc)
    (cpu,) = [x for x in cost.lines if x.resource.endswith(" db-cpu")]
    assert cpu.monthly == p["cloudwatch"]["alarm_metric_high_resolution_month"]
    assert not [x for x in lines_of(cost, "aws:lb/loadBalancer:LoadBalancer") if x.kind == "Public IPv4 addresses"]


def test_development_costs_at_most_60_dollars_a_month_with_its_isolation(plans: dict[str, Plan]) -> None:
    dev = plans["development"]
    cost = price_plan(dev.to_json())
    assert cost.not_priced == [] and cost.total <= DEVELOPMENT_BUDGET, cost.by_kind()
    # Still its own network, key, database and secrets; nothing internet-facing was added.
    for own in ("aws:ec2/vpc:Vpc", "aws:kms/key:Key", "aws:rds/instance:Instance", "aws:route53/zone:Zone"):
        assert len(dev.of_type(own)) == 1
    assert dev.one("aws:rds/instance:Instance").input("publiclyAccessible") is False
    assert dev.of_type("aws:ec2/eip:Eip") == [] and dev.of_type("aws:ec2/natGateway:NatGateway") == []
    # The lever is a setting of the development file; production and staging keep NAT. Every
    # environment keeps the strategy's dashboard.
    assert dev.settings.network.nat_gateways == "none"
    for stack in ("production", "staging"):
        assert plans[stack].settings.network.nat_gateways != "none"
    assert all(p.settings.monitoring.dashboard for p in plans.values())
    (dashboard,) = [line for line in cost.lines if line.kind == "Dashboards"]
    assert "free if among the account's first 3" in dashboard.detail


def test_each_development_lever_saves_exactly_its_list_price(plans: dict[str, Plan], planner: Any) -> None:
    dev = plans["development"]
    network = dev.settings.network.model_dump()
    monitoring = dev.settings.monitoring.model_dump()
    with_nat = planner("development", overrides={"nexus:network": {**network, "nat_gateways": "single"}})
    no_dashboard = planner("development", overrides={"nexus:monitoring": {**monitoring, "dashboard": False}})
    committed, p = price_plan(dev.to_json()), prices()
    nat = (p["ec2"]["nat_gateway_hour"] + p["ec2"]["public_ipv4_hour"]) * HOURS  # the gateway and its address
    assert price_plan(with_nat.to_json()).total - committed.total == nat
    assert committed.total - price_plan(no_dashboard.to_json()).total == p["cloudwatch"]["dashboard_month"]
    assert price_plan(with_nat.to_json()).total > DEVELOPMENT_BUDGET  # why the lever exists


def test_price_table_names_its_source_and_date_and_every_region_resolves() -> None:
    table = load_table()
    datetime.date.fromisoformat(str(table["read_on"]))
    assert table["sources"]["rds"].startswith("https://aws.amazon.com/")
    for region in table["regions"]:
        p, basis = region_prices(region)
        assert basis.startswith(region) and p["rds"]["postgres_instance_hour"]["db.t4g.micro"] > 0
    # Scaled regions are marked approximate in what the report prints.
    assert "APPROXIMATE" in region_prices("eu-west-1")[1]


def test_the_trail_watch_is_priced_as_custom_metrics_and_alarms(plans: dict[str, Plan]) -> None:
    """Each metric filter's metric is a custom metric sent every hour (it has a default value),
    each of its alarms one standard alarm metric; the log group's ingestion is usage."""
    prod, p = plans["production"], prices()
    cost = price_plan(prod.to_json())
    filters = prod.of_type("aws:cloudwatch/logMetricFilter:LogMetricFilter")
    assert len(filters) == 15
    metric_lines = lines_of(cost, "aws:cloudwatch/logMetricFilter:LogMetricFilter")
    assert len(metric_lines) == 15 and all(x.monthly == p["cloudwatch"]["custom_metric_month"] for x in metric_lines)
    assert cost.by_kind()["Custom metrics"] == p["cloudwatch"]["custom_metric_month"] * 15
    trail_alarms = [x for x in lines_of(cost, "aws:cloudwatch/metricAlarm:MetricAlarm") if " security-" in x.resource]
    assert len(trail_alarms) == 15 and all(x.monthly == p["cloudwatch"]["alarm_metric_month"] for x in trail_alarms)
    assert any("audit trail events" in u.item for u in cost.usage if u.kind == "Logs")
    # Staging and development are recorded by their account's trail: no custom metrics.
    assert "Custom metrics" not in price_plan(plans["staging"].to_json()).by_kind()
    # A filter without a default value sends its metric only on a match: usage, not counted.
    doc = prod.to_json()
    for r in doc["resources"]:
        if r["type"] == "aws:cloudwatch/logMetricFilter:LogMetricFilter":
            r["inputs"]["metricTransformation"].pop("defaultValue")
    assert "Custom metrics" not in price_plan(doc).by_kind()
    assert price_plan(doc).total == cost.total - p["cloudwatch"]["custom_metric_month"] * 15


REPLICATION = "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"


def test_replicated_backups_cost_one_full_copy_at_the_recovery_regions_price(plans: dict[str, Plan]) -> None:
    """RDS User Guide, "Replicating automated backups": after the copy "standard charges apply
    to storage in the destination Region"; the transfer is usage."""
    doc = plans["production"].to_json()
    gb = plans["production"].settings.database.allocated_storage_gb
    (line,) = lines_of(price_plan(doc), REPLICATION)
    assert line.monthly == Decimal(str(prices("us-west-2")["rds"]["backup_gb_month"])) * gb
    assert any("between regions" in u.item for u in price_plan(doc).usage)
    # Priced in the region that holds the copies (its key's), not the stack's: one the table has
    # no prices for is said, not priced at the stack region's figure.
    moved = copy.deepcopy(doc)
    replication = next(r for r in moved["resources"] if r["type"] == REPLICATION)
    replication["inputs"]["kmsKeyId"] = replication["inputs"]["kmsKeyId"].replace("us-west-2", "ap-northeast-1")
    (there,) = lines_of(price_plan(moved), REPLICATION)
    assert there.monthly is None and "ap-northeast-1" in there.detail
