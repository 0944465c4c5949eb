"""`nexus cost` (issue 12): every stack priced from its offline plan, and development cheap."""

from __future__ import annotations

import copy
import datetime
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from nexus.cli import main
from nexus.cli.compare import compare_plans, render
from nexus.plans.offline import Plan
from nexus.plans.pricing import CostError, load_table, price_plan, region_prices, render_totals
from tests.conftest import plan_stack

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


def test_a_region_without_prices_is_refused_with_exit_2(plans: dict[str, Plan], tmp_path: Path, capsys: Any) -> None:
    doc = plans["development"].to_json()
    doc["region"] = "ap-south-2"  # accepted by the settings, absent from the price table
    path = tmp_path / "development.json"
    path.write_text(json.dumps(doc))
    assert main(["cost", "--diff", str(path), str(path)]) == 2
    err = capsys.readouterr().err
    assert "no prices for region 'ap-south-2'" in err and "us-east-1" in err and "Traceback" not in err
    with pytest.raises(CostError):
        price_plan(doc)


def test_bad_input_is_refused_with_exit_2(tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "broken.json").write_text("{not json")
    assert main(["cost", "--diff", str(tmp_path / "missing"), str(tmp_path / "broken.json")]) == 2
    assert main(["cost", "--diff", str(tmp_path / "broken.json"), str(tmp_path / "broken.json")]) == 2
    assert main(["cost", "--stack", "development", "--markdown"]) == 2
    assert main(["cost", "--stack", "nosuchstack"]) == 2
    err = capsys.readouterr().err
    assert "no such file or directory" in err and "not JSON" in err and "--markdown goes with --diff" in err
    assert "no stack file Pulumi.nosuchstack.yaml for stack 'nosuchstack'" in err


def test_diff_markdown_shows_base_head_and_difference(
    plans: dict[str, Plan], planner: Any, tmp_path: Path, capsys: Any
) -> None:
    database = plans["staging"].settings.database.model_dump()
    bigger = planner("staging", overrides={"nexus:database": {**database, "instance_class": "db.r6g.xlarge"}})
    for side, plan in (("base", plans["staging"]), ("head", bigger)):
        (tmp_path / side).mkdir()
        (tmp_path / side / "staging.json").write_text(json.dumps(plan.to_json()))
    (tmp_path / "head" / "development.json").write_text(json.dumps(plans["development"].to_json()))
    out_json = tmp_path / "cost.json"
    args = ["cost", "--diff", str(tmp_path / "base"), str(tmp_path / "head"), "--markdown", "--json", str(out_json)]
    assert main(args) == 0
    out = capsys.readouterr().out
    base, head = price_plan(plans["staging"].to_json()).total, price_plan(bigger.to_json()).total
    dev = price_plan(plans["development"].to_json()).total
    assert "| Stack | Base | Head | Difference |" in out
    assert f"| staging | ${base:,.2f} | ${head:,.2f} | +${head - base:,.2f} |" in out
    assert f"| development | (none) | ${dev:,.2f} | +${dev:,.2f} |" in out  # a stack new on the head
    assert "| Database instance |" in out and "<details>" in out
    doc = json.loads(out_json.read_text())
    assert [c["total_monthly"] for c in doc["base"]] == [float(base)]


def test_development_costs_at_most_60_dollars_a_month_with_its_isolation(plans: dict[str, Plan]) -> None:
    dev = plans["development"]
    cost = price_plan(dev.to_json())
    assert cost.not_priced == [] and cost.total <= DEVELOPMENT_BUDGET, cost.by_kind()
    # Still its own network, key, database and secrets; nothing internet-facing was added.
    for own in ("aws:ec2/vpc:Vpc", "aws:kms/key:Key", "aws:rds/instance:Instance", "aws:route53/zone:Zone"):
        assert len(dev.of_type(own)) == 1
    assert dev.one("aws:rds/instance:Instance").input("publiclyAccessible") is False
    assert dev.of_type("aws:ec2/eip:Eip") == [] and dev.of_type("aws:ec2/natGateway:NatGateway") == []
    # The levers are settings of the development file; production and staging keep theirs.
    assert (dev.settings.network.nat_gateways, dev.settings.monitoring.dashboard) == ("none", False)
    for stack in ("production", "staging"):
        assert plans[stack].settings.network.nat_gateways != "none" and plans[stack].settings.monitoring.dashboard


def test_each_development_lever_saves_exactly_its_list_price(plans: dict[str, Plan], planner: Any) -> None:
    dev = plans["development"]
    network = dev.settings.network.model_dump()
    monitoring = dev.settings.monitoring.model_dump()
    levers_off = planner("development", overrides={
        "nexus:network": {**network, "nat_gateways": "single"},
        "nexus:monitoring": {**monitoring, "dashboard": True},
    })  # fmt: skip
    with_levers, without = price_plan(dev.to_json()), price_plan(levers_off.to_json())
    p = prices()
    nat = (p["ec2"]["nat_gateway_hour"] + p["ec2"]["public_ipv4_hour"]) * HOURS  # the gateway and its address
    assert without.total - with_levers.total == nat + p["cloudwatch"]["dashboard_month"]
    assert without.total > DEVELOPMENT_BUDGET  # why the levers exist


def test_cost_all_prints_every_stack_and_writes_json(
    plans: dict[str, Plan], tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The command's own plumbing, with the session's plans instead of planning again.
    monkeypatch.setattr("nexus.plans.offline.run_program", lambda config, settings: plan_stack(config.stack))
    assert main(["cost", "--all", "--json", str(tmp_path / "cost.json")]) == 0
    out = capsys.readouterr().out
    for stack, plan in plans.items():
        total = price_plan(plan.to_json()).total
        assert f"  {stack:<11}  ${total:,.2f}\n" in out + "\n"
    doc = json.loads((tmp_path / "cost.json").read_text())
    assert {c["stack"] for c in doc} == set(plans) and all(c["not_priced"] == [] for c in doc)
    assert main(["cost", "--stack", "development"]) == 0
    out = capsys.readouterr().out
    assert "Usage-priced, NOT included in the total:" in out and "NAT" not in out.split("Priced at $0")[0]


def test_compare_shows_both_stacks_costs(plans: dict[str, Plan]) -> None:
    comparison = compare_plans(plans["staging"].to_json(), plans["production"].to_json())
    text = render(comparison)
    for stack in ("staging", "production"):
        total = price_plan(plans[stack].to_json()).total
        assert f"  {stack}: ${total:,.2f} a month" in text


def test_price_table_names_its_source_and_date_and_every_region_resolves() -> None:
    table = load_table()
    datetime.date.fromisoformat(str(table["read_on"]))
    assert table["sources"]["rds"].startswith("https://aws.amazon.com/")
    for region in table["regions"]:
        p, basis = region_prices(region)
        assert basis.startswith(region) and p["rds"]["postgres_instance_hour"]["db.t4g.micro"] > 0
    # Scaled regions are marked approximate in what the report prints.
    assert "APPROXIMATE" in region_prices("eu-west-1")[1]


def test_refresh_help_shows_how_to_read_prices(capsys: Any) -> None:
    assert main(["cost", "--refresh-help"]) == 0
    out = capsys.readouterr().out
    assert "aws pricing get-products" in out and "offers/v1.0/aws" in out and "AmazonRDS" in out


def test_readme_shows_the_totals_cost_all_prints(plans: dict[str, Plan]) -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    block = readme.split("<!-- cost:all -->\n```\n")[1].split("```\n<!-- /cost:all -->")[0]
    costs = [price_plan(plans[stack].to_json()) for stack in sorted(plans)]
    assert block == render_totals(costs) + "\n", "README's Cost section is stale: paste `nexus cost --all`'s totals"


def test_a_stack_in_an_unpriced_region_is_refused_before_it_is_planned(
    capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nexus.config.stack_files

    real_load_all = nexus.config.stack_files.load_all

    def load_all_in_another_region(stacks: list[str], config_from: str | None = None) -> Any:
        loaded = real_load_all(stacks, config_from=config_from)
        moved = [
            config.with_values(
                {
                    "aws:region": "sa-east-1",
                    # zones are pinned per region: sa-east-1's IDs (sae1-azN)
                    "nexus:network": {**config.values["nexus:network"], "availability_zones": ["sae1-az1", "sae1-az2"]},
                }
            )
            for config, _ in loaded
        ]
        return [(config, config.settings()) for config in moved]

    def never(*args: Any) -> Any:
        raise AssertionError("planned a stack that cannot be priced")

    monkeypatch.setattr("nexus.config.stack_files.load_all", load_all_in_another_region)
    monkeypatch.setattr("nexus.plans.offline.run_program", never)
    assert main(["cost", "--stack", "development"]) == 2
    assert capsys.readouterr().err.startswith("nexus cost: no prices for region 'sa-east-1'")
