"""Real AWS (issue 10): what mocks accept but an AWS account would refuse or regret.

Creation order is read from the recorded plan: `options.depends_on` (explicit edges) and
`options.property_dependencies` (an input taken from another resource's output).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pulumi.runtime
import pytest
import yaml
from pulumi.runtime.settings import reset_options

from nexus.cli import check, main
from nexus.cli.compare import compare_plans
from nexus.components.environment import Environment
from nexus.components.monitoring import GIB, RDS_EVENT_CATEGORIES
from nexus.config.base import PROJECT
from nexus.config.environment import Settings, parse_settings, settings_from_cli_config
from nexus.config.limits import RDS_AUTOSCALING_FREE_PERCENT
from nexus.config.messages import SettingsError
from nexus.config.stack_files import ROOT, load_stack_config
from nexus.plans import offline
from nexus.plans.offline import AwsMocks, Plan, ProgramError, RecordingMonitor, run_program
from nexus.plans.rules import RESERVED_NAME_TYPES, destroy_blockers

OTHER_ACCOUNT = "210987654321"


def urn(plan: Plan, type_token: str, name: str | None = None) -> str:
    return plan.one(type_token, name).urn


def feeds(resource: Any, prop: str) -> list[str]:
    """URNs whose outputs the input `prop` of `resource` is made of."""
    return list(resource.options["property_dependencies"].get(prop, []))


# ------------------------------------------------------------------ creation order


def test_load_balancer_waits_for_the_internet_gateway_and_the_public_route(plan: Plan) -> None:
    alb = plan.one("aws:lb/loadBalancer:LoadBalancer")
    assert alb.input("internal") is False  # internet-facing: AWS needs the gateway first
    assert urn(plan, "aws:ec2/internetGateway:InternetGateway") in alb.options["depends_on"]
    assert urn(plan, "aws:ec2/route:Route", "public-default") in alb.options["depends_on"]


def test_database_waits_for_the_monitoring_policy_attachment(plans: dict[str, Plan]) -> None:
    prod = plans["production"]
    assert prod.settings.database.monitoring_interval_seconds > 0
    attachment = prod.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "monitoring-policy")
    assert attachment.input("policyArn").endswith("/AmazonRDSEnhancedMonitoringRole")
    assert attachment.urn in prod.one("aws:rds/instance:Instance").options["depends_on"]


def test_flow_log_waits_for_its_role_policy(plan: Plan) -> None:
    flow = plan.one("aws:ec2/flowLog:FlowLog")
    policy = plan.one("aws:iam/rolePolicy:RolePolicy", "flow-logs-write")
    assert plan.by_id()[policy.input("role")].outputs["arn"] == flow.input("iamRoleArn")
    assert policy.urn in flow.options["depends_on"]


def test_alarms_dashboard_and_events_take_the_database_from_its_output(plan: Plan) -> None:
    db = plan.one("aws:rds/instance:Instance")
    db_alarms = [a for a in plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm") if a.input("namespace") == "AWS/RDS"]
    assert len(db_alarms) == 4
    for alarm in db_alarms:
        assert alarm.input("dimensions") == {"DBInstanceIdentifier": db.input("identifier")}
        assert db.urn in feeds(alarm, "dimensions"), alarm.name
    if plan.settings.monitoring.dashboard:  # development leaves it out (a cost lever)
        assert db.urn in feeds(plan.one("aws:cloudwatch/dashboard:Dashboard"), "dashboardBody")
    assert db.urn in feeds(plan.one("aws:rds/eventSubscription:EventSubscription"), "sourceIds")


def test_published_database_host_comes_from_the_dns_record(plan: Plan) -> None:
    record = plan.one("aws:route53/record:Record")
    host = plan.one("aws:ssm/parameter:Parameter", "database-host")
    assert host.input("value") == record.outputs["fqdn"] == f"db.{plan.stack}.nexus.internal"
    assert feeds(host, "value") == [record.urn]
    assert plan.outputs["database_dns_name"] == record.outputs["fqdn"]


# ------------------------------------------------------------------ zones


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


def bad_zone_settings(zones: Any, region: str = "us-east-1") -> list[str]:
    raw = {k.split(":", 1)[1]: copy.deepcopy(v) for k, v in load_stack_config("development").values.items()
           if k.startswith(f"{PROJECT}:")}  # fmt: skip
    raw["network"]["availability_zones"] = zones
    with pytest.raises(SettingsError) as info:
        parse_settings(raw, stack="development", region=region, source="Pulumi.development.yaml")
    return info.value.problems


@pytest.mark.parametrize(
    ("zones", "hint"),
    [
        (["use1-az1", "euw1-az2"], "euw1-az2: not a regular Availability Zone ID of us-east-1"),
        (["us-east-1a", "us-east-1b"], "not a regular Availability Zone ID"),  # names, not IDs
        (["use1-az1", "use1-bos1-az1"], "Local and Wavelength Zones are refused"),
        (["use1-az1", "use1-az1"], "each zone may appear once"),
        (["use1-az1"], "at least 2"),
        (["use1-az1", "use1-az2", "use1-az3", "use1-az4", "use1-az5"], "at most 4"),
        (3, "not a list of zone IDs"),  # the old count form
    ],
)  # fmt: skip
def test_zones_are_checked_offline_against_the_region(zones: Any, hint: str) -> None:
    found = bad_zone_settings(zones)
    assert any(p.startswith("nexus:network.availability_zones") and hint in p for p in found), found


def test_zone_ids_of_another_region_are_refused_for_that_region() -> None:
    found = bad_zone_settings(["use1-az1", "use1-az2"], region="eu-west-1")
    assert any("use1-az1, use1-az2: not a regular Availability Zone ID of eu-west-1" in p for p in found), found


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


def run_environment(settings: Settings, account_id: str | None = None, monitor: RecordingMonitor | None = None) -> None:
    """The Environment under mocks with settings that skip validation (what the run-time checks
    must catch on their own); `monitor` keeps what was registered before a refusal."""
    mocks = AwsMocks(settings.region, account_id or settings.account_id)
    monitor = monitor or RecordingMonitor(mocks)
    reset_options(project=PROJECT, stack=settings.stack)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=settings.stack, preview=False, monitor=monitor)

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def program() -> None:
        Environment("nexus", settings)

    program()


@pytest.mark.parametrize("zone", ["use1-bos1-az1", "use1-wl1-bos-wlz1", "use1-az9"])
def test_program_refuses_a_local_wavelength_or_unknown_zone_at_run_time(plans: dict[str, Plan], zone: str) -> None:
    dev = plans["development"].settings
    unchecked = dev.model_copy(
        update={"network": dev.network.model_copy(update={"availability_zones": ("use1-az1", zone)})}
    )
    with pytest.raises(
        pulumi.RunError,
        match=rf"^nexus:network.availability_zones: {zone} is not a regular Availability Zone of us-east-1 for account 123456789012",
    ):
        run_environment(unchecked)  # fmt: skip


def test_plan_cli_refuses_an_unknown_zone_with_exit_2(tmp_path: Path, capsys: Any) -> None:
    write_project(
        tmp_path, "development", lambda c: c["nexus:network"].update(availability_zones=["use1-az1", "use1-az9"])
    )
    assert main(["plan", "--stack", "development", "--project-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nexus:network.availability_zones: use1-az9 is not a regular Availability Zone")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def write_project(tmp: Path, stack: str, mutate: Callable[[dict[str, Any]], Any]) -> None:
    (tmp / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    doc = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    mutate(doc["config"])
    (tmp / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(doc))


# ------------------------------------------------------------------ accounts


def provider_accounts(plan: Plan) -> list[str]:
    value = plan.one("pulumi:providers:aws", "aws").input("allowedAccountIds")
    return list(json.loads(value) if isinstance(value, str) else value)


def test_provider_accepts_only_the_stack_files_account(plan: Plan) -> None:
    assert re.fullmatch(r"\d{12}", plan.settings.account_id)
    assert provider_accounts(plan) == [plan.settings.account_id]
    # The offline plan runs as that account: account-scoped names and policies carry it.
    assert plan.one("aws:s3/bucket:Bucket", "access-logs").input("bucket").endswith(f"-{plan.settings.account_id}")


def test_committed_certificates_belong_to_the_placeholder_account(plans: dict[str, Plan]) -> None:
    for plan in plans.values():
        arn = plan.settings.load_balancer.certificate_arn
        assert arn is None or arn.split(":")[4] == plan.settings.account_id == "123456789012"


def test_other_accounts_credentials_stop_before_anything_is_declared(plans: dict[str, Plan]) -> None:
    settings = plans["staging"].settings
    monitor = RecordingMonitor(AwsMocks(settings.region, OTHER_ACCOUNT))
    with pytest.raises(pulumi.RunError) as info:
        run_environment(settings, account_id=OTHER_ACCOUNT, monitor=monitor)
    assert str(info.value).startswith(f"these credentials are for AWS account {OTHER_ACCOUNT}, but Pulumi.staging.yaml "
                                      "belongs to account 123456789012")  # fmt: skip
    # Only the identity provider was declared: no resource, not even the provider that would act.
    assert [(r.type, r.name) for r in monitor.recorded if r.custom] == [("pulumi:providers:aws", "aws-identity")]


def test_plan_as_another_account_is_refused_naming_both(plans: dict[str, Plan]) -> None:
    config = load_stack_config("production")
    with pytest.raises(ProgramError, match=f"account {OTHER_ACCOUNT}.*account 123456789012 \\(nexus:account_id\\)"):
        run_program(config, config.settings(), account_id=OTHER_ACCOUNT)


def test_a_personal_stack_inherits_developments_account(plans: dict[str, Plan], planner: Any) -> None:
    alice = planner("development-alice", config_from="development")
    assert alice.settings.account_id == plans["development"].settings.account_id
    assert provider_accounts(alice) == [plans["development"].settings.account_id]


@pytest.mark.parametrize(
    ("value", "hint"),
    [(123456789012, "quoted"), ("12345678901", "12 digits"), ("12345678901a", "12 digits"), (None, "required")],
)
def test_account_id_must_be_12_quoted_digits(value: Any, hint: str) -> None:
    raw = {k.split(":", 1)[1]: copy.deepcopy(v) for k, v in load_stack_config("staging").values.items()
           if k.startswith(f"{PROJECT}:")}  # fmt: skip
    if value is None:
        raw.pop("account_id")
    else:
        raw["account_id"] = value
    with pytest.raises(SettingsError) as info:
        parse_settings(raw, stack="staging", region="us-east-1", source="Pulumi.staging.yaml")
    assert any(p.startswith("nexus:account_id") and hint in p for p in info.value.problems), info.value.problems


def test_certificate_of_another_account_is_refused() -> None:
    raw = {k.split(":", 1)[1]: copy.deepcopy(v) for k, v in load_stack_config("production").values.items()
           if k.startswith(f"{PROJECT}:")}  # fmt: skip
    raw["account_id"] = OTHER_ACCOUNT
    with pytest.raises(SettingsError) as info:
        parse_settings(raw, stack="production", region="us-east-1", source="Pulumi.production.yaml")
    assert any("certificate_arn belongs to account 123456789012" in p for p in info.value.problems)


def test_an_account_with_a_leading_zero_survives_the_cli() -> None:
    config = load_stack_config("development").with_values({"nexus:account_id": "012345678901"})
    cli = config.as_cli_strings()
    assert cli["nexus:account_id"] == "012345678901"
    settings = settings_from_cli_config(cli, stack="development", source="Pulumi.development.yaml")
    assert settings.account_id == "012345678901"


# ------------------------------------------------------------------ data outlives its stack


@pytest.mark.parametrize(("stack", "retained"), [("production", True), ("staging", True), ("development", False)])
def test_the_key_outlives_the_stack_wherever_its_data_does(plans: dict[str, Plan], stack: str, retained: bool) -> None:
    plan = plans[stack]
    key, db = plan.one("aws:kms/key:Key"), plan.one("aws:rds/instance:Instance")
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


def test_the_secret_stays_findable_through_the_published_settings(plan: Plan) -> None:
    secret = plan.one("aws:secretsmanager/secret:Secret")
    published = plan.one("aws:ssm/parameter:Parameter", "app-session_signing_key_secret_arn")
    assert published.input("value") == secret.outputs["arn"]
    assert feeds(published, "value") == [secret.urn]


# ------------------------------------------------------------------ alarms


def test_production_alarms_must_reach_someone(plans: dict[str, Plan]) -> None:
    prod = plans["production"]
    assert prod.settings.monitoring.require_alarm_subscribers
    topic = prod.one("aws:sns/topic:Topic")
    subs = prod.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert subs and all(s.input("topic") == topic.outputs["arn"] for s in subs)


@pytest.mark.parametrize("emails", [[], None])
def test_a_topic_without_subscriber_is_refused_with_exit_2_naming_the_key(
    tmp_path: Path, capsys: Any, emails: list[str] | None
) -> None:
    def drop(config: dict[str, Any]) -> None:
        if emails is None:
            config["nexus:monitoring"].pop("alarm_emails")
        else:
            config["nexus:monitoring"]["alarm_emails"] = emails

    write_project(tmp_path, "production", drop)
    assert main(["plan", "--stack", "production", "--project-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "nexus:monitoring.alarm_emails" in err and "require_alarm_subscribers" in err and "Traceback" not in err


@pytest.mark.parametrize("side", ["staging", "production"])
def test_compare_blocks_alarms_that_reach_nobody(plans: dict[str, Plan], side: str) -> None:
    docs = {s: copy.deepcopy(plans[s].to_json()) for s in ("staging", "production")}
    assert compare_plans(docs["staging"], docs["production"]).blocking == []
    docs[side]["resources"] = [
        r for r in docs[side]["resources"] if r["type"] != "aws:sns/topicSubscription:TopicSubscription"
    ]
    blocking = compare_plans(docs["staging"], docs["production"]).blocking
    assert any(b.startswith(f"{side}: its alarms reach nobody") for b in blocking), blocking


def test_free_storage_alarm_pages_only_when_autoscaling_cannot_help(plan: Plan) -> None:
    db, alarm = plan.settings.database, plan.one("aws:cloudwatch/metricAlarm:MetricAlarm", "db-free-storage")
    percent = plan.settings.monitoring.alarms.db_free_storage_percent_of_cap
    assert alarm.input("threshold") == db.max_allocated_storage_gb * GIB * percent / 100
    # Storage autoscaling acts at 10 % free of the allocation (at least the initial one):
    # the alarm must sit below that, or it pages exactly when autoscaling is about to act.
    assert alarm.input("threshold") < db.allocated_storage_gb * GIB * RDS_AUTOSCALING_FREE_PERCENT / 100
    assert alarm.input("comparisonOperator") == "LessThanThreshold" and alarm.input("statistic") == "Minimum"


def test_production_free_storage_alarm_is_5_gib_of_its_500_gib_cap(plans: dict[str, Plan]) -> None:
    assert (
        plans["production"].one("aws:cloudwatch/metricAlarm:MetricAlarm", "db-free-storage").input("threshold")
        == 5 * GIB
    )


def test_a_storage_alarm_that_would_page_before_autoscaling_is_refused() -> None:
    raw = {k.split(":", 1)[1]: copy.deepcopy(v) for k, v in load_stack_config("production").values.items()
           if k.startswith(f"{PROJECT}:")}  # fmt: skip
    raw["monitoring"]["alarms"] = {"db_free_storage_percent_of_cap": 5}  # 25 GiB of 500 > 10 GiB trigger
    with pytest.raises(SettingsError) as info:
        parse_settings(raw, stack="production", region="us-east-1", source="Pulumi.production.yaml")
    (problem,) = info.value.problems
    assert (
        problem.startswith("nexus:monitoring.alarms.db_free_storage_percent_of_cap = 5")
        and "use less than 2" in problem
    )


def test_the_databases_own_events_reach_the_alarm_topic(plan: Plan) -> None:
    sub = plan.one("aws:rds/eventSubscription:EventSubscription")
    db, topic = plan.one("aws:rds/instance:Instance"), plan.one("aws:sns/topic:Topic")
    assert sub.input("snsTopic") == topic.outputs["arn"]
    assert (sub.input("sourceType"), sub.input("sourceIds")) == ("db-instance", [db.input("identifier")])
    assert {"failure", "failover", "low storage", "maintenance"} <= set(sub.input("eventCategories"))
    assert list(RDS_EVENT_CATEGORIES) == sub.input("eventCategories")
    # The topic is encrypted: RDS (events.rds.amazonaws.com) must be able to use the key.
    statements = json.loads(plan.one("aws:kms/key:Key").input("policy"))["Statement"]
    rds = [s for s in statements if s["Principal"] == {"Service": "events.rds.amazonaws.com"}]
    assert len(rds) == 1 and {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(rds[0]["Action"])
    assert set(rds[0]["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}  # use, not administer, the key


# ------------------------------------------------------------------ teardown

_SET_LINE = re.compile(r"^  pulumi config set --stack (\S+) --path '([^']+)' (\S+)$", re.M)


def apply_config_lines(stack: str, lines: list[tuple[str, str, str]]) -> dict[str, Any]:
    """What `pulumi config set --path` would write into the stack file, as overrides."""
    values = copy.deepcopy(load_stack_config(stack).values)
    for line_stack, path, value in lines:
        assert line_stack == stack
        top, *rest = path.split(".")
        node = values[top]
        for part in rest[:-1]:
            node = node[part]
        node[rest[-1]] = yaml.safe_load(value)
    return {top: values[top] for _, path, _ in lines for top in [path.split(".")[0]]}


@pytest.mark.parametrize(("stack", "blocked"), [("development", False), ("staging", True), ("production", True)])
def test_destroyable_round_trip(
    plans: dict[str, Plan], planner: Any, tmp_path: Path, capsys: Any, stack: str, blocked: bool
) -> None:
    committed = tmp_path / "committed.json"
    committed.write_text(json.dumps(plans[stack].to_json()))
    assert main(["check", "--stack", stack, "--destroyable", "--plan", str(committed)]) == (1 if blocked else 0)
    lines = _SET_LINE.findall(capsys.readouterr().out)
    assert bool(lines) is blocked

    lifted = planner(stack, overrides=apply_config_lines(stack, lines))
    assert destroy_blockers(lifted.to_json()) == []
    after = tmp_path / "after.json"
    after.write_text(json.dumps(lifted.to_json()))
    assert main(["check", "--stack", stack, "--destroyable", "--plan", str(after)]) == 0
    # Lifting the blockers never throws the data away: the final snapshot and the key that
    # can restore it stay wherever they did.
    db = lifted.one("aws:rds/instance:Instance")
    assert db.input("skipFinalSnapshot") is plans[stack].settings.database.skip_final_snapshot
    assert lifted.one("aws:kms/key:Key").options["retain_on_delete"] is (not db.input("skipFinalSnapshot"))


def test_production_teardown_lifts_force_destroy_and_every_protection(plans: dict[str, Plan], tmp_path: Path,
                                                                      capsys: Any) -> None:  # fmt: skip
    committed = tmp_path / "production.json"
    committed.write_text(json.dumps(plans["production"].to_json()))
    main(["check", "--stack", "production", "--destroyable", "--plan", str(committed)])
    out = capsys.readouterr().out
    keys = {path: value for _, path, value in _SET_LINE.findall(out)}
    assert keys == {
        "nexus:protection.protect_stateful_resources": "false",
        "nexus:database.deletion_protection": "false",
        "nexus:load_balancer.deletion_protection": "false",
        "nexus:protection.force_destroy": "true",
    }
    # The runbook shows exactly these lines.
    readme = (ROOT / "README.md").read_text()
    assert all(f"   {line.strip()}\n" in readme for line in out.splitlines() if line.startswith("  pulumi config set"))


def test_destroyable_check_plans_the_stack_itself(
    plans: dict[str, Plan], capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    planned: list[str] = []
    monkeypatch.setattr(check, "plan_json", lambda stack: planned.append(stack) or plans[stack].to_json())
    assert main(["check", "--stack", "development", "--destroyable"]) == 0
    assert planned == ["development"]
    assert "nothing blocks `pulumi destroy --stack development`" in capsys.readouterr().out
    assert main(["check", "--all", "--destroyable"]) == 2


def test_readme_runbooks_use_the_destroyable_check() -> None:
    readme = (ROOT / "README.md").read_text()
    for stack in ("production", "staging"):
        section = re.search(rf"\*\*Tearing down {stack}\*\*(.*?)\n\n\*\*", readme, re.S)
        assert section, f"README lost its {stack} teardown runbook"
        assert f"python -m nexus check --stack {stack} --destroyable" in section.group(1)
    assert "nexus:protection.force_destroy" in re.search(
        r"\*\*Tearing down production\*\*(.*?)\n\n\*\*", readme, re.S
    ).group(1)  # type: ignore[union-attr]


def test_readme_lists_the_permissions_easy_to_miss() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Permissions the deploying identity needs", 1)[1].split("\n## ", 1)[0]
    for action in ("logs:CreateLogDelivery", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies",
                   "logs:DescribeLogGroups", "iam:PassRole", "iam:CreateServiceLinkedRole",
                   "ec2:DescribeAvailabilityZones"):  # fmt: skip
        assert action in section, action
