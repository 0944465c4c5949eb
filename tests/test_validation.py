"""Issue #16: validation that matches AWS. One regression test per case of the issue: refused
with exit code 2 and one line naming the key, or accepted and planned inside AWS's limits."""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from nexus.cli import main
from nexus.config.environment import parse_settings
from nexus.config.limits import POSTGRES_RESERVED_WORDS, TLS12_PLUS_POLICIES, is_tls12_plus_policy
from nexus.config.messages import SettingsError
from nexus.config.naming import Naming
from nexus.config.stack_files import ROOT, load_stack_config
from nexus.plans.offline import Plan
from nexus.plans.rules import https_where_traffic_enters
from tests.aws_limits import violations


def raw(stack: str = "staging") -> dict[str, Any]:
    config = load_stack_config(stack)
    return copy.deepcopy({k.split(":", 1)[1]: v for k, v in config.values.items() if k.startswith("nexus:")})


def verdict(mutate: Any = None, *, stack: str = "staging", region: str = "us-east-1", tags: Any = None) -> list[str]:
    """Problems of the staging settings changed by `mutate` ([] when accepted)."""
    data = raw()
    if mutate:
        mutate(data)
    try:
        parse_settings(data, stack=stack, region=region, source=f"Pulumi.{stack}.yaml", default_tags=tags)
    except SettingsError as exc:
        return exc.problems
    return []


def one_line_naming(problems: list[str], key: str, *hints: str) -> None:
    assert len(problems) == 1, problems
    assert problems[0].startswith(key), problems
    for hint in hints:
        assert hint in problems[0], problems


def plan_cli(tmp: Path, mutate: Any, capsys: Any, stack: str = "staging") -> tuple[int, str]:
    """`python -m nexus plan` (in process) on a copy of the stack file changed by `mutate`."""
    (tmp / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    doc = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    mutate(doc["config"])
    (tmp / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(doc))
    code = main(["plan", "--stack", stack, "--project-dir", str(tmp), "--quiet"])
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out.err


# ----------------------------------------------------------------- accepted today, refused by AWS


def test_a_yaml_date_in_default_tags_is_refused_with_exit_2(tmp_path: Path, capsys: Any) -> None:
    code, err = plan_cli(
        tmp_path, lambda c: c.update({"aws:defaultTags": {"tags": {"Owner": dt.date(2026, 1, 2)}}}), capsys
    )
    assert code == 2
    assert "aws:defaultTags: tags.Owner: a tag value must be text, not date (YAML read a date: quote it)" in err


@pytest.mark.parametrize(
    ("tags", "hint"),
    [
        ({"tags": {"CostCenter": 1234}}, "not int"),
        ({"tags": {"Owner": None}}, "write '' for an empty value"),
        ({"tags": {"aws:owner": "x"}}, "reserved by AWS"),
        ({"tags": {"Owner": "a<b>"}}, "'<>' not allowed"),
        ({"tags": {"Owner": "x" * 257}}, "at most 256"),
        ({"tags": {"Environment": "x"}}, "set by the program"),
        ({"tags": {f"k{i}": "v" for i in range(44)}}, "at most 43"),
        ({"Owner": "x"}, "one key, tags"),
    ],
)
def test_default_tags_that_aws_refuses_are_refused(tags: dict[str, Any], hint: str) -> None:
    one_line_naming(verdict(tags=tags), "aws:defaultTags", hint)


def test_application_name_must_be_a_valid_tag_value() -> None:
    one_line_naming(
        verdict(lambda d: d["application"].update(name="NEXUS <Platform>")), "nexus:application.name", "'<>'"
    )
    one_line_naming(verdict(lambda d: d["application"].update(name="x" * 257)), "nexus:application.name", "256")
    one_line_naming(
        verdict(lambda d: d["application"].update(name=dt.date(2026, 1, 2))), "nexus:application.name", "quote it"
    )
    assert (
        verdict(lambda d: d["application"].update(name="NEXUS Plattform: Zürich/EU @2026 + x=y_z." + "x" * 200)) == []
    )


def test_yaml_dates_elsewhere_reach_the_program_as_text_not_a_type_error() -> None:
    config = load_stack_config("staging").with_values({"other:schedule": {"since": dt.date(2026, 1, 2)}})
    assert json.loads(config.as_cli_strings()["other:schedule"]) == {"since": "2026-01-02"}


def test_a_non_finite_alarm_threshold_is_refused_with_exit_2(tmp_path: Path, capsys: Any) -> None:
    code, err = plan_cli(tmp_path, lambda c: c["nexus:monitoring"].update(alarms={"db_cpu_percent": math.inf}), capsys)
    assert (
        code == 2 and "nexus:monitoring.alarms.db_cpu_percent = .inf: must be a finite number (not .inf or .nan)" in err
    )
    one_line_naming(verdict(lambda d: d["monitoring"].update(alarms={"alb_5xx_percent": math.nan})),
                    "nexus:monitoring.alarms.alb_5xx_percent", "finite")  # fmt: skip


@pytest.mark.parametrize(
    ("period", "periods", "limit"), [(60, 1441, "86400"), (10, 8641, "86400"), (3600, 169, "604800")]
)
def test_an_evaluation_range_beyond_cloudwatchs_limit_is_refused(period: int, periods: int, limit: str) -> None:
    alarms = {"period_seconds": period, "evaluation_periods": periods}
    one_line_naming(verdict(lambda d: d["monitoring"].update(alarms=alarms)), "nexus:monitoring.alarms", limit,
                    f"at most {periods - 1} evaluation periods")  # fmt: skip
    assert verdict(lambda d: d["monitoring"].update(alarms={**alarms, "evaluation_periods": periods - 1})) == []


def test_a_storage_cap_less_than_10_percent_above_the_allocation_is_refused() -> None:
    storage = {"allocated_storage_gb": 100, "max_allocated_storage_gb": 109}
    one_line_naming(verdict(lambda d: d["database"].update(storage)), "nexus:database", "10% greater", "110 or more")
    assert verdict(lambda d: d["database"].update(storage, max_allocated_storage_gb=110)) == []


def test_an_ingress_cidr_without_prefix_is_refused_with_a_hint() -> None:
    found = verdict(lambda d: d["load_balancer"].update(allowed_ingress_cidrs=["203.0.113.5"]))
    one_line_naming(found, "nexus:load_balancer.allowed_ingress_cidrs", "no prefix length", "203.0.113.5/32")
    found = verdict(lambda d: d["load_balancer"].update(allowed_ingress_cidrs=["203.0.113.0/255.255.255.0"]))
    one_line_naming(found, "nexus:load_balancer.allowed_ingress_cidrs", "write 203.0.113.0/24")


def test_an_ingress_cidr_listed_twice_is_refused() -> None:
    found = verdict(lambda d: d["load_balancer"].update(allowed_ingress_cidrs=["198.51.100.0/24", "198.51.100.0/24"]))
    one_line_naming(found, "nexus:load_balancer.allowed_ingress_cidrs", "198.51.100.0/24 listed more than once")


def test_more_ingress_rules_than_a_security_group_holds_are_refused() -> None:
    cidrs = [f"198.51.{i}.0/24" for i in range(31)]  # x 2 ports (443, 80) = 62 > 60
    found = verdict(lambda d: d["load_balancer"].update(allowed_ingress_cidrs=cidrs))
    one_line_naming(found, "nexus:load_balancer", "62 inbound rules", "at most 30 CIDRs")


def test_a_log_export_listed_twice_is_refused() -> None:
    found = verdict(lambda d: d["database"].update(log_exports=["postgresql", "upgrade", "postgresql"]))
    one_line_naming(found, "nexus:database.log_exports", "postgresql listed more than once")


@pytest.mark.parametrize("name", ["table", "user", "Select", "current_user", "left"])
def test_a_postgresql_reserved_word_as_database_name_is_refused(name: str) -> None:
    found = verdict(lambda d: d["database"].update(database_name=name))
    one_line_naming(found, "nexus:database.database_name", "reserved word of PostgreSQL")


@pytest.mark.parametrize(("name", "hint"), [("user", "reserved word"), ("admin", "reserved by RDS"),
                                            ("rdsadmin", "reserved by RDS"), ("pg_owner", "pg_")])  # fmt: skip
def test_master_user_names_rds_refuses_are_refused(name: str, hint: str) -> None:
    one_line_naming(
        verdict(lambda d: d["database"].update(master_username=name)), "nexus:database.master_username", hint
    )


def test_the_reserved_words_are_postgresqls() -> None:
    # SQL Key Words appendix: reserved ones are in, non-reserved key words (name, admin) are not.
    assert {"table", "user", "select", "system_user", "verbose", "authorization"} <= POSTGRES_RESERVED_WORDS
    assert not {"name", "admin", "data", "postgres", "nexus"} & POSTGRES_RESERVED_WORDS


@pytest.mark.parametrize(
    ("region", "partition"),
    [("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov"), ("us-iso-east-1", "aws-iso"),
     ("us-isob-east-1", "aws-iso"), ("eusc-de-east-1", "aws-eusc")],
)  # fmt: skip
def test_regions_of_other_partitions_are_refused_in_one_line(region: str, partition: str) -> None:
    found = verdict(region=region)
    one_line_naming(found, "aws:region", f"partition {partition}", "aws partition only")


def test_a_certificate_of_another_partition_is_refused() -> None:
    arn = "arn:aws-cn:acm:cn-north-1:123456789012:certificate/00000000-0000-4000-8000-000000000001"
    one_line_naming(
        verdict(lambda d: d["load_balancer"].update(certificate_arn=arn)), "nexus:load_balancer.certificate_arn"
    )


@pytest.mark.parametrize(("text", "hint"), [("config: [a, b]", "config: expected a mapping"),
                                            ("config:\n  1: x", "config key 1 must be text")])  # fmt: skip
def test_a_stack_file_of_the_wrong_shape_is_refused_with_exit_2(
    tmp_path: Path, capsys: Any, text: str, hint: str
) -> None:
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (tmp_path / "Pulumi.staging.yaml").write_text(text + "\n")
    assert main(["plan", "--stack", "staging", "--project-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "Pulumi.staging.yaml" in err and hint in err and "Traceback" not in err


def test_alarm_thresholds_stay_numbers_a_double_carries() -> None:
    found = verdict(lambda d: d["monitoring"].update(alarms={"unhealthy_hosts": 10**400}))
    one_line_naming(found, "nexus:monitoring.alarms.unhealthy_hosts", "(401 characters)", "less than or equal to")


def test_cli_fields_are_not_nexus_keys() -> None:
    one_line_naming(verdict(lambda d: d.update(stack="production")), "nexus:stack", "unknown key")


# ----------------------------------------------------------------- refused today, accepted by AWS


@pytest.mark.parametrize("policy", TLS12_PLUS_POLICIES)
def test_published_tls12_plus_policies_are_accepted(policy: str) -> None:
    assert is_tls12_plus_policy(policy)
    assert verdict(lambda d: d["load_balancer"].update(ssl_policy=policy)) == []


@pytest.mark.parametrize(
    "policy",
    ["ELBSecurityPolicy-2016-08", "ELBSecurityPolicy-TLS13-1-1-2021-06", "ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04",
     "ELBSecurityPolicy-TLS-1-1-2017-01", "ELBSecurityPolicy-FS-1-1-2019-08", "ELBSecurityPolicy-FS-2018-06",
     "ELBSecurityPolicy-TLS13-1-2", "tls13-1-2-2021-06"],
)  # fmt: skip
def test_policies_that_allow_tls_below_12_are_refused(policy: str) -> None:
    assert not is_tls12_plus_policy(policy)
    one_line_naming(verdict(lambda d: d["load_balancer"].update(ssl_policy=policy)), "nexus:load_balancer.ssl_policy")
    # The policy rule of `nexus check` and the pack uses the same rule.
    listener = {"type": "aws:lb/listener:Listener", "inputs": {"protocol": "HTTPS", "sslPolicy": policy}}
    assert https_where_traffic_enters(listener, "production") != []


def test_the_policy_rule_accepts_post_quantum_policies() -> None:
    listener = {"type": "aws:lb/listener:Listener",
                "inputs": {"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"}}  # fmt: skip
    assert https_where_traffic_enters(listener, "production") == []


@pytest.fixture(scope="module")
def edgy_plan(planner: Any) -> Plan:
    """Staging's file at AWS's accepted edges, under a stack name that starts with a digit."""
    values = load_stack_config("staging").values
    database = {**values["nexus:database"], "master_username": "postgres", "instance_class": "db.t4g.micro",
                "performance_insights": True, "allocated_storage_gb": 100, "max_allocated_storage_gb": 110}  # fmt: skip
    load_balancer = {**values["nexus:load_balancer"], "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
                     "allowed_ingress_cidrs": [f"198.51.{i}.0/24" for i in range(30)]}  # fmt: skip
    monitoring = {**values["nexus:monitoring"], "alarms": {"period_seconds": 60, "evaluation_periods": 1440}}
    tags = {"tags": {"CostCenter": "CC-42 / R+D", "Owner": "platform@example.com"}}
    plan: Plan = planner("1-edge", config_from="staging", overrides={
        "nexus:database": database, "nexus:load_balancer": load_balancer, "nexus:monitoring": monitoring,
        "aws:defaultTags": tags})  # fmt: skip
    return plan


def test_edges_aws_accepts_are_planned_inside_its_limits(edgy_plan: Plan) -> None:
    assert violations(edgy_plan.to_json()) == []
    db = edgy_plan.one("aws:rds/instance:Instance")
    # master_username postgres (RDS accepts it), Performance Insights on db.t4g.micro (the RDS
    # user guide restricts small classes for MariaDB and MySQL only), the cap exactly +10%.
    assert (db.input("username"), db.input("instanceClass"), db.input("performanceInsightsEnabled")) == (
        "postgres", "db.t4g.micro", True)  # fmt: skip
    assert (db.input("allocatedStorage"), db.input("maxAllocatedStorage")) == (100, 110)
    https = [r for r in edgy_plan.of_type("aws:lb/listener:Listener") if r.input("protocol") == "HTTPS"]
    assert [r.input("sslPolicy") for r in https] == ["ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"]
    alarms = edgy_plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert {a.input("evaluationPeriods") for a in alarms} == {1440}
    ingress = [r for r in edgy_plan.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
               if r.input("cidrIpv4")]  # fmt: skip
    assert len(ingress) == 60  # exactly the default quota of one security group


def test_a_stack_name_starting_with_a_digit_names_everything_from_nexus(edgy_plan: Plan) -> None:
    assert edgy_plan.one("aws:rds/instance:Instance").input("identifier") == "nexus-1-edge-db"
    assert edgy_plan.one("aws:lb/loadBalancer:LoadBalancer").input("name") == "nexus-1-edge"
    assert edgy_plan.one("aws:s3/bucket:Bucket").input("bucket").startswith("nexus-1-edge-")
    # Every name builder starts with the project, so a digit never leads an AWS name.
    for stack in ("1", "9" * 40, "0-a"):
        naming = Naming(stack)
        uses = (("", 32), ("app", 32), ("db", 63), ("alb-logs-123456789012", 63), ("rds-monitoring", 64))
        assert all(naming.name(suffix, max_len=n).startswith("nexus-") for suffix, n in uses)


def test_default_tags_of_the_stack_file_reach_every_resource(edgy_plan: Plan) -> None:
    tags = json.loads(edgy_plan.one("pulumi:providers:aws", "aws").input("defaultTags"))["tags"]
    assert tags["CostCenter"] == "CC-42 / R+D" and tags["Owner"] == "platform@example.com"
    assert tags["Stack"] == "1-edge" and tags["Environment"] == "staging"


def test_the_limits_checker_can_fail(plans: dict[str, Plan]) -> None:
    doc = plans["staging"].to_json()
    for r in doc["resources"]:
        if r["type"] == "aws:cloudwatch/metricAlarm:MetricAlarm":
            r["inputs"]["evaluationPeriods"] = 1441
        if r["type"] == "aws:lb/loadBalancer:LoadBalancer":
            r["inputs"]["name"] = "nexus-" + "x" * 30
        if r["type"] == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" and r["inputs"].get("cidrIpv4"):
            r["inputs"]["fromPort"] = r["inputs"]["toPort"] = 443  # the port-80 rule becomes a duplicate
    found = violations(doc)
    assert any("evaluation range 60 x 1441" in f for f in found)
    assert any("aws:lb/loadBalancer:LoadBalancer" in f and "name" in f for f in found)
    assert any("duplicate inbound rule" in f for f in found)


def test_every_stack_file_plans_inside_aws_limits(plan: Plan) -> None:
    assert violations(plan.to_json()) == []
