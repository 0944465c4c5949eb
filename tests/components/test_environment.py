"""The composition (nexus.components.environment): tags, the explicit provider and the one
account it accepts, physical names, stack outputs, secrets, what production keeps and
development tears down, and every stack planned inside AWS's limits."""

from __future__ import annotations

import json
import re
from typing import Any

import pulumi
import pulumi.runtime
import pytest
from pulumi.runtime.settings import reset_options

from nexus.components.environment import Environment
from nexus.config.base import PROJECT
from nexus.config.environment import Settings
from nexus.config.stack_files import ROOT
from nexus.plans import offline
from nexus.plans.offline import MOCK_SECRET_MARKER, SECRET, AwsMocks, Plan, RecordingMonitor, region_zones
from nexus.plans.rules import destroy_blockers, is_taggable
from tests.support.aws_limits import violations
from tests.support.plans import OTHER_ACCOUNT

REQUIRED_TAGS = {"Environment", "Stack", "Project", "ManagedBy"}


PHYSICAL_NAME_KEYS = ("name", "bucket", "identifier", "dashboardName")


def aws_provider(plan: Plan) -> Any:
    return plan.one("pulumi:providers:aws", "aws")  # ("aws-identity" only asks who the caller is)


def tagging_providers(plan: Plan) -> set[str]:
    """The providers resources may use: the stack's, and the recovery region's (disaster_recovery
    .replicate_backups), which carries the same default tags and pins the same account."""
    main = aws_provider(plan)
    same = [p for p in plan.of_type("pulumi:providers:aws") if p.name in ("aws", "aws-recovery")
            and (p.input("defaultTags"), p.input("allowedAccountIds")) == (main.input("defaultTags"), main.input("allowedAccountIds"))]  # fmt: skip
    return {p.urn for p in same}


def test_every_taggable_resource_gets_the_environment_tags(plan: Plan) -> None:
    provider = aws_provider(plan)
    tags = json.loads(provider.input("defaultTags"))["tags"]
    assert set(tags) >= REQUIRED_TAGS
    assert (tags["Environment"], tags["Stack"], tags["Project"], tags["ManagedBy"]) == (
        plan.settings.environment, plan.stack, "nexus", "pulumi")  # fmt: skip
    taggable = [r for r in plan.resources if r.custom and is_taggable(r.type)]
    assert len(taggable) > 40
    untagged = [r.name for r in taggable if r.provider not in tagging_providers(plan)]
    assert untagged == [], "these would miss the default tags"


def test_default_tags_of_the_stack_file_reach_every_resource(edgy_plan: Plan) -> None:
    tags = json.loads(edgy_plan.one("pulumi:providers:aws", "aws").input("defaultTags"))["tags"]
    assert tags["CostCenter"] == "CC-42 / R+D" and tags["Owner"] == "platform@example.com"
    assert tags["Stack"] == "1-edge" and tags["Environment"] == "staging"


def test_every_aws_resource_uses_the_explicit_provider(plan: Plan) -> None:
    providers = tagging_providers(plan)
    strays = [r.urn for r in plan.resources if r.custom and r.type.startswith("aws:") and r.provider not in providers]
    assert strays == []
    recovery = [r for r in plan.resources if r.provider is not None and r.provider.endswith("::aws-recovery")]
    assert bool(recovery) is plan.settings.disaster_recovery.replicate_backups


def test_every_physical_name_contains_the_stack(plan: Plan) -> None:
    named = [(r.type, r.input(k)) for r in plan.resources if r.custom for k in PHYSICAL_NAME_KEYS
             if isinstance(r.input(k), str) and r.type != "pulumi:providers:aws"]  # fmt: skip
    assert len(named) > 30
    assert [n for n in named if plan.stack not in n[1]] == []


def test_two_stacks_of_one_tier_share_no_physical_name(planner: Any) -> None:
    def names(p: Plan) -> set[tuple[str, str]]:
        return {(r.type, r.input(k)) for r in p.resources if r.custom for k in PHYSICAL_NAME_KEYS
                if isinstance(r.input(k), str)}  # fmt: skip

    dev, alice = planner("development"), planner("development-alice", config_from="development")
    assert names(dev) and names(alice)
    assert names(dev) & names(alice) == set()


def test_stack_outputs_are_complete_and_hold_no_secret(plan: Plan) -> None:
    expected = {"vpc_id", "url", "database_address", "database_port", "database_credentials_secret_arn",
                "kms_key_arn", "settings_path", "alarm_topic_arn", "dashboard_name"}  # fmt: skip
    assert expected <= set(plan.outputs)
    assert MOCK_SECRET_MARKER not in json.dumps(plan.outputs)
    assert plan.outputs["url"].startswith("https://" if plan.settings.load_balancer.https else "http://")


def test_no_secret_value_appears_in_plain_text(plan: Plan) -> None:
    # The generated signing key reaches exactly one input, and there it is marked secret.
    carriers = [r for r in plan.resources if MOCK_SECRET_MARKER in json.dumps([r.input(k) for k in r.inputs])]
    assert [r.type for r in carriers] == ["aws:secretsmanager/secretVersion:SecretVersion"]
    assert carriers[0].inputs["secretString"] != carriers[0].input("secretString")  # still wrapped
    written = json.dumps(plan.to_json())
    assert MOCK_SECRET_MARKER not in written and SECRET in written
    # The database password is never ours to hold: RDS manages it.
    db = plan.one("aws:rds/instance:Instance")
    assert db.input("manageMasterUserPassword") is True and "password" not in db.inputs


# ------------------------------------------------------------------ accounts and zones, checked at run time


def provider_accounts(plan: Plan) -> list[str]:
    value = plan.one("pulumi:providers:aws", "aws").input("allowedAccountIds")
    return list(json.loads(value) if isinstance(value, str) else value)


def test_provider_accepts_only_the_stack_files_account(plan: Plan) -> None:
    assert re.fullmatch(r"\d{12}", plan.settings.account_id)
    assert provider_accounts(plan) == [plan.settings.account_id]
    # The offline plan runs as that account: account-scoped names and policies carry it.
    assert plan.one("aws:s3/bucket:Bucket", "access-logs").input("bucket").endswith(f"-{plan.settings.account_id}")


def test_a_personal_stack_inherits_developments_account(plans: dict[str, Plan], planner: Any) -> None:
    alice = planner("development-alice", config_from="development")
    assert alice.settings.account_id == plans["development"].settings.account_id
    assert provider_accounts(alice) == [plans["development"].settings.account_id]


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


def test_other_accounts_credentials_stop_before_anything_is_declared(plans: dict[str, Plan]) -> None:
    settings = plans["staging"].settings
    monitor = RecordingMonitor(AwsMocks(settings.region, OTHER_ACCOUNT))
    with pytest.raises(pulumi.RunError) as info:
        run_environment(settings, account_id=OTHER_ACCOUNT, monitor=monitor)
    assert str(info.value).startswith(f"these credentials are for AWS account {OTHER_ACCOUNT}, but Pulumi.staging.yaml "
                                      "belongs to account 123456789012")  # fmt: skip
    # Only the identity provider was declared: no resource, not even the provider that would act.
    assert [(r.type, r.name) for r in monitor.recorded if r.custom] == [("pulumi:providers:aws", "aws-identity")]


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


def test_the_zone_lookup_only_verifies_the_pinned_ids(plans: dict[str, Plan], monkeypatch: pytest.MonkeyPatch) -> None:
    """The one DescribeAvailabilityZones is filtered on zone-id to exactly the pinned zones
    (checkov CKV_AWS_394 passes only such an identity filter): a zone AWS opens later can
    never enter its answer, and a pinned zone missing from it stops the program."""
    settings, queries = plans["production"].settings, []
    answer = AwsMocks._availability_zones

    def recording(self: AwsMocks, query: dict[str, Any]) -> dict[str, Any]:
        queries.append(query)
        return answer(self, query)

    monkeypatch.setattr(AwsMocks, "_availability_zones", recording)
    newer = {"zoneName": "us-east-1g", "zoneId": "use1-az7", "zoneType": "availability-zone", "groupName": "us-east-1",
             "optInStatus": "opt-in-not-required", "state": "available"}  # fmt: skip
    monkeypatch.setattr(offline, "region_zones", lambda region, zones=region_zones: [*zones(region), newer])
    network = settings.network.model_copy(update={"availability_zones": ("use1-az1", "use1-az8")})
    with pytest.raises(pulumi.RunError, match=r"^nexus:network\.availability_zones: use1-az8 is not a regular"):
        run_environment(settings.model_copy(update={"network": network}))
    (query,) = queries
    assert {f["name"]: f["values"] for f in query["filters"]} == {
        "zone-id": ["use1-az1", "use1-az8"], "zone-type": ["availability-zone"]}  # fmt: skip
    assert answer(AwsMocks("us-east-1", settings.account_id), query)["zoneIds"] == ["use1-az1"]


def test_readme_lists_the_permissions_easy_to_miss() -> None:
    page = (ROOT / "docs" / "real-aws.md").read_text()
    section = page.split("## Permissions the deploying identity needs", 1)[1].split("\n## ", 1)[0]
    for action in ("logs:CreateLogDelivery", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies",
                   "logs:DescribeLogGroups", "iam:PassRole", "iam:CreateServiceLinkedRole",
                   "ec2:DescribeAvailabilityZones"):  # fmt: skip
        assert action in section, action
    # The roles the deploying identity passes, by name: a missing PassRole fails half-way.
    for role in ("rds-monitoring", "flow-logs", "trail-delivery"):
        assert f"`nexus-<stack>-{role}`" in section, role


# ------------------------------------------------------------------ data outlives its stack


STATEFUL = ("aws:rds/instance:Instance", "aws:kms/key:Key", "aws:secretsmanager/secret:Secret", "aws:s3/bucket:Bucket")


def test_production_keeps_its_data(plans: dict[str, Plan]) -> None:
    prod = plans["production"]
    for type_token in STATEFUL:
        assert all(r.options["protect"] for r in prod.of_type(type_token)), type_token
    db = prod.one("aws:rds/instance:Instance")
    assert db.input("deletionProtection") is True and db.input("skipFinalSnapshot") is False
    assert db.input("finalSnapshotIdentifier").startswith("nexus-production-db-final-")
    assert db.input("backupRetentionPeriod") >= 7 and db.input("deleteAutomatedBackups") is False
    assert prod.one("aws:secretsmanager/secret:Secret").input("recoveryWindowInDays") >= 7
    assert all(b.input("forceDestroy") is False for b in prod.of_type("aws:s3/bucket:Bucket"))
    assert destroy_blockers(prod.to_json())  # the helper finds blockers where there are some


def test_development_tears_down_completely(plans: dict[str, Plan]) -> None:
    dev = plans["development"]
    assert destroy_blockers(dev.to_json()) == []
    assert dev.one("aws:secretsmanager/secret:Secret").input("recoveryWindowInDays") == 0


# ------------------------------------------------------------------ inside AWS's limits


def test_every_stack_file_plans_inside_aws_limits(plan: Plan) -> None:
    assert violations(plan.to_json()) == []


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
