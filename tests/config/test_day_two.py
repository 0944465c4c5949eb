"""The day-two table (nexus.config.day_two) and `nexus diff`'s class of every settings change.

The table-driven test changes one setting (or a few that go together) in a committed stack's
plan JSON and asserts the class and the BLOCKING flag that `diff_plans` gives it; each case
names the rule it rests on. The program's own answers to the hazards (an alarm address
inserted, HTTP switched to HTTPS, a zone appended, a target group replaced delete-first) are
re-planned with the real program in tests/cli/test_diff.py and below."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import pytest
from pydantic import BaseModel

from nexus.cli.diff import diff_plans
from nexus.config.base import leaf_fields
from nexus.config.day_two import BLOCKING_EFFECTS, EFFECTS, ROW_OF, ROWS, classify, leaves
from nexus.config.environment import Settings
from nexus.plans.offline import Plan

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-0000000000{}"
ZONE = "Z0123456789ABCDEFGHIJ"
# A stack whose certificate the stack requests for its domain (load_balancer.domain_name).
DNS = {"load_balancer.certificate_arn": None, "load_balancer.domain_name": "app.example.com",
       "load_balancer.hosted_zone_id": ZONE}  # fmt: skip


def model_keys(model: type[BaseModel]) -> set[str]:
    return {".".join(path) for path, _ in leaf_fields(model) if path != ("stack",)}


def test_every_settings_key_has_exactly_one_row() -> None:
    keys = [row.key for row in ROWS]
    assert len(keys) == len(set(keys)), "a key with two rows"
    assert set(keys) == model_keys(Settings)


def test_every_row_has_a_class_and_a_source() -> None:
    assert all(row.effect in EFFECTS and row.source and row.what for row in ROWS)
    assert set(EFFECTS) >= BLOCKING_EFFECTS


def test_a_key_without_a_row_is_refused_not_waved_through() -> None:
    (verdict,) = classify({"database": {"port": 5432}}, {"database": {"port": 5432, "new_knob": 1}})
    assert verdict.key == "database.new_knob" and verdict.blocking


# Keys a settings document leaves out while they are unset (Field(exclude_if=...)), so that the
# plans of stacks that do not use them stay as they were.
UNSET_LEFT_OUT = {"load_balancer.domain_name", "load_balancer.hosted_zone_id", "load_balancer.alias_record"}


def test_leaves_are_the_stack_files_keys(plans: dict[str, Plan], planner: Any) -> None:
    assert set(leaves(plans["production"].settings.model_dump(mode="json"))) == model_keys(Settings) - UNSET_LEFT_OUT
    # The plan tests/components/test_load_balancer.py makes too (the same arguments: one plan).
    lb = {**plans["staging"].settings.load_balancer.model_dump(mode="json"), "certificate_arn": None,
          "domain_name": "app.staging.example.com", "hosted_zone_id": ZONE, "alias_record": False}  # fmt: skip
    dns = planner("staging", overrides={"nexus:load_balancer": lb})
    assert set(leaves(dns.settings.model_dump(mode="json"))) == model_keys(Settings)


@dataclass(frozen=True)
class Case:
    stack: str
    head: dict[str, Any]  # dotted key -> new value
    effect: str  # the class of the first key of `head`
    source: str  # the rule the expectation rests on
    base: dict[str, Any] = field(default_factory=dict)  # dotted key -> a base value other than the file's
    says: str = ""  # a phrase the explanation must hold

    @property
    def blocking(self) -> bool:
        return self.effect in BLOCKING_EFFECTS


CASES = [
    Case(
        "production",
        {"disaster_recovery.recovery_region": "eu-west-1"},
        "replacement",
        "aws_db_instance_automated_backups_replication: every argument ForceNew",
        says="retained",
    ),
    Case(
        "staging",
        {"disaster_recovery.retention_days": 5},
        "none",
        "no replication while replicate_backups is false",
        says="no replication on either side",
    ),
    Case(
        "staging",
        {"disaster_recovery.replicate_backups": True},
        "in place",
        "RDS StartDBInstanceAutomatedBackupsReplication",
        says="starts replicating",
    ),
    Case(
        "production",
        {"database.engine_version": "17"},
        "refused",
        "terraform-provider-aws#6448: the old group is deleted while the upgrade waits",
        says="apply_immediately",
    ),
    Case(
        "production",
        {"database.engine_version": "17", "database.apply_immediately": True},
        "downtime",
        "RDS: a major upgrade with AllowMajorVersionUpgrade, applied now",
        says="10 to 30 minutes",
    ),
    Case(
        "staging",
        {"database.engine_version": "16.6"},
        "window",
        "RDS: minor upgrades wait for the window",
        says="maintenance window",
    ),
    Case(
        "development", {"database.engine_version": "16.6"}, "window", "apply_immediately: true applies now", says="now"
    ),
    Case("staging", {"database.engine_version": "15"}, "refused", "RDS cannot downgrade an engine"),
    Case(
        "production",
        {"database.allocated_storage_gb": 80},
        "refused",
        "RDS cannot shrink storage; the provider suppresses the diff",
        says="silently",
    ),
    Case(
        "production",
        {"database.allocated_storage_gb": 120},
        "window",
        "RDS: storage scales up without downtime",
        says="six hours",
    ),
    Case(
        "staging",
        {"network.cidr": "10.21.0.0/16"},
        "refused",
        "aws_vpc cidr_block ForceNew; ModifyDBSubnetGroup",
        says="new stack",
    ),
    Case(
        "development",
        {"network.availability_zones": ["use1-az1", "use1-az2", "use1-az4"]},
        "in place",
        "subnet slots per zone: existing subnets keep their ranges",
        says="appended",
    ),
    Case(
        "development",
        {"network.availability_zones": ["use1-az2", "use1-az1"]},
        "refused",
        "pulumi/pulumi-awsx#520, #910: renumbered subnets collide",
    ),
    Case(
        "production",
        {"network.availability_zones": ["use1-az1", "use1-az2"]},
        "refused",
        "a removed zone may hold the database",
    ),
    Case(
        "development",
        {"load_balancer.certificate_arn": CERT.format("03"), "load_balancer.allow_plain_http": False},
        "in place",
        "one port-80 listener in both modes: ModifyListener",
        says="HTTP <-> HTTPS",
    ),
    Case("production", {"load_balancer.certificate_arn": CERT.format("09")}, "in place", "ModifyListener Certificates"),
    Case(
        "staging",
        {
            "load_balancer.domain_name": "app.example.com",
            "load_balancer.hosted_zone_id": ZONE,
            "load_balancer.certificate_arn": None,
        },
        "in place",
        "certificate_arn -> a requested certificate: the listener swaps once ACM issues it",
        says="validated by DNS",
    ),
    Case(
        "development",
        {"load_balancer.domain_name": "dev.example.com", "load_balancer.hosted_zone_id": ZONE},
        "in place",
        "plain HTTP -> a requested certificate: HTTPS",
        says="HTTP <-> HTTPS",
    ),
    Case(
        "staging",
        {"load_balancer.domain_name": "www.example.com"},
        "replacement",
        "aws_acm_certificate domain_name ForceNew; created before the old one is deleted",
        base=DNS,
        says="deleted after",
    ),
    Case(
        "staging",
        {"load_balancer.hosted_zone_id": "Z9876543210ZYXWVUTSRQ"},
        "replacement",
        "aws_route53_record zone_id ForceNew",
        base=DNS,
    ),
    Case("staging", {"load_balancer.alias_record": False}, "in place", "the alias record is deleted", base=DNS),
    Case("staging", {"load_balancer.alias_record": True}, "none", "unset means true", base=DNS),
    Case("staging", {"database.port": 5433}, "downtime", "ModifyDBInstance DBPortNumber reboots at once"),
    Case(
        "staging",
        {"database.max_connections": 80},
        "reboot",
        "static parameter, pending-reboot",
        says="reboot-db-instance",
    ),
    Case("staging", {"database.backup_retention_days": 0}, "data loss", "BackupRetentionPeriod 0 deletes backups"),
    Case(
        "development",
        {"database.backup_retention_days": 3},
        "downtime",
        "0 to non-zero: a brief outage",
        base={"database.backup_retention_days": 0},
    ),
    Case(
        "production",
        {"database.backup_retention_days": 14},
        "in place",
        "non-zero to non-zero: in place",
        says="deleted",
    ),
    Case(
        "production",
        {"monitoring.alarm_emails": ["second@example.com", "platform-oncall@example.com"]},
        "in place",
        "SNS: each new subscription waits for its confirmation",
        says="confirmation",
    ),
    Case("development", {"database.database_name": "nexus2"}, "data loss", "aws_db_instance db_name ForceNew"),
    Case("staging", {"database.master_username": "owner"}, "data loss", "aws_db_instance username ForceNew"),
    Case(
        "production",
        {"audit.trail": "shared-account"},
        "refused",
        "key-policy statements go before the protected, non-empty trail bucket",
    ),
    Case("staging", {"audit.trail": "own"}, "in place", "a trail is created"),
    Case("staging", {"environment": "production"}, "tags", "the Environment tag of every resource"),
    Case("production", {"aws_default_tags": {"tags": {"CostCenter": "42"}}}, "tags", "pulumi-aws defaultTags"),
    Case("staging", {"monitoring.log_level": "DEBUG"}, "published", "an SSM parameter"),
    Case("production", {"security.max_login_attempts": 5}, "published", "an SSM parameter"),
    Case(
        "production",
        {"database.apply_immediately": True},
        "window",
        "applies the pending modifications at once",
        says="PendingModifiedValues",
    ),
    Case("development", {"database.apply_immediately": False}, "none", "later modifications wait"),
    Case(
        "production",
        {"protection.protect_stateful_resources": False},
        "none",
        "Pulumi protect is state only",
        says="destroy",
    ),
    Case("staging", {"database.skip_final_snapshot": True}, "none", "read at delete only", says="no final snapshot"),
    Case("production", {"monitoring.metrics_retention_days": 30}, "data loss", "PutRetentionPolicy deletes older logs"),
    Case("staging", {"monitoring.metrics_retention_days": 90}, "in place", "a longer retention loses nothing"),
    Case(
        "production",
        {"audit.retention_days": 30},
        "data loss",
        "S3 lifecycle expires older log files",
        base={"audit.retention_days": 365},
    ),
    Case(
        "staging",
        {"region": "eu-west-1", "network.availability_zones": ["euw1-az1", "euw1-az2"]},
        "refused",
        "a changed provider region replaces every resource",
    ),
    Case("staging", {"account_id": "210987654321"}, "refused", "allowed_account_ids"),
    Case(
        "staging",
        {"load_balancer.app_port": 9090},
        "refused",
        "aws_lb_target_group port ForceNew; the bridge deletes an explicitly named group first",
    ),
    Case(
        "production",
        {"database.instance_class": "db.r6g.xlarge"},
        "window",
        "RDS: modifications wait for the window",
        says="maintenance window (sun:04:30-sun:05:30 UTC)",
    ),
    Case("staging", {"database.multi_az": True}, "window", "a standby is built in the window or now"),
    Case("production", {"limits.max_requests_per_minute": 2000}, "in place", "WAFv2 UpdateWebACL"),
    Case("development", {"network.nat_gateways": "single"}, "in place", "NAT gateways created, routes moved"),
    Case("staging", {"network.flow_logs_traffic_type": "REJECT"}, "replacement", "aws_flow_log traffic_type ForceNew"),
    Case("production", {"monitoring.alarms.db_cpu_percent": 70.0}, "in place", "PutMetricAlarm updates in place"),
    # Blue/Green deployments (pulumi-aws blueGreenUpdate; terraform-provider-aws rds/blue_green.go).
    Case(
        "production",
        {"database.engine_version": "17"},
        "downtime",
        "a Blue/Green switchover, not the window",
        base={"database.master_password": "program", "database.blue_green_update": True},
        says="about a minute",
    ),
    Case(
        "production",
        {"database.instance_class": "db.r6g.xlarge"},
        "downtime",
        "every instance change but a few goes through the deployment (HasChangesExcept)",
        base={"database.master_password": "program", "database.blue_green_update": True},
        says="Blue/Green",
    ),
    Case(
        "production",
        {"database.blue_green_update": True, "database.master_password": "program"},
        "refused",
        "the password change would start a deployment RDS refuses while it manages the password",
        says="master_password first",
    ),
    Case(
        "production",
        {"database.blue_green_update": True},
        "reboot",
        "rds.logical_replication is static",
        base={"database.master_password": "program"},
        says="rds.logical_replication",
    ),
    Case(
        "production",
        {"database.master_password": "program"},
        "in place",
        "ModifyDBInstance ManageMasterUserPassword",
        says="new ARN",
    ),
    Case(
        "production",
        {"database.backup_window": "02:00-02:30"},
        "downtime",
        "with Blue/Green on, the provider sends this through a deployment too (HasChangesExcept)",
        base={"database.master_password": "program", "database.blue_green_update": True},
        says="switchover",
    ),
    Case(
        "production",
        {"audit.retention_days": 30},
        "data loss",
        "unset means metrics_retention_days (90): the trail's lifecycle shortens",
        says="90 -> 30",
    ),
    Case("staging", {"audit.retention_days": 30}, "none", "staging keeps no trail (audit.trail: shared-account)"),
    Case(
        "staging",
        {"database.engine_version": "16.4"},
        "window",
        "a pin may be below the minor auto-upgrades reached: RDS refuses a downgrade",
        says="describe-db-instances",
    ),
    Case(
        "staging",
        {"database.engine_version": "16"},
        "none",
        "a bare major keeps the running minor",
        base={"database.engine_version": "16.4"},
    ),
]


def _set(doc: dict[str, Any], key: str, value: Any) -> None:
    *path, last = key.split(".")
    for part in path:
        doc = doc[part]
    doc[last] = value


def _settings_plans(plan: Plan, case: Case) -> tuple[dict[str, Any], dict[str, Any]]:
    base = copy.deepcopy(plan.to_json())
    for key, value in case.base.items():
        _set(base["settings"], key, value)
    head = copy.deepcopy(base)
    for key, value in case.head.items():
        _set(head["settings"], key, value)
    return {plan.stack: base}, {plan.stack: head}


def test_the_cases_cover_the_table() -> None:
    assert len(CASES) >= 30
    assert {key.split(".")[0] for case in CASES for key in case.head} >= {
        "database", "network", "load_balancer", "monitoring", "audit", "protection", "security",
    }  # fmt: skip
    assert {case.effect for case in CASES} == set(EFFECTS), "every class has a case"


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.stack}-{'+'.join(c.head)}-{c.effect}")
def test_diff_classes_each_settings_change(case: Case, plans: dict[str, Plan]) -> None:
    base, head = _settings_plans(plans[case.stack], case)
    (changes,) = diff_plans(base, head)
    verdict = next(v for v in changes.settings if v.key == next(iter(case.head)))
    assert (verdict.effect, verdict.blocking) == (case.effect, case.blocking), case.source
    assert bool(changes.blocking) == any(v.blocking for v in changes.settings)
    assert verdict.source == ROW_OF[verdict.key].source
    assert case.says in verdict.what
    if case.blocking:
        assert any(b.startswith(f"{case.stack}: {verdict.key} ") for b in changes.blocking)


def test_the_reverse_change_is_classed_too(plans: dict[str, Plan]) -> None:
    """Both directions where it matters: what one way is refused, the other is not."""
    pairs = [
        ("database.allocated_storage_gb", 100, 80, "refused", "window"),
        ("audit.trail", "own", "shared-account", "refused", "in place"),
        ("database.backup_retention_days", 7, 0, "data loss", "downtime"),
        ("monitoring.metrics_retention_days", 90, 30, "data loss", "in place"),
        ("load_balancer.certificate_arn", CERT.format("01"), None, "in place", "in place"),
        ("load_balancer.domain_name", "app.example.com", "www.example.com", "replacement", "replacement"),
    ]
    settings = plans["production"].settings.model_dump(mode="json")
    for key, a, b, forth, back in pairs:
        first, second = copy.deepcopy(settings), copy.deepcopy(settings)
        _set(first, key, a)
        _set(second, key, b)
        assert [v.effect for v in classify(first, second)] == [forth], key
        assert [v.effect for v in classify(second, first)] == [back], key


def test_a_key_only_one_program_version_has_is_no_change_at_its_default(plans: dict[str, Plan]) -> None:
    """A base planned before a setting existed has no such key: at its default, nothing changes;
    a key the new program dropped is said, not refused."""
    head = plans["production"].settings.model_dump(mode="json")
    base = copy.deepcopy(head)
    del base["database"]["master_password"], base["database"]["blue_green_update"]
    assert classify(base, head) == []
    base["database"]["retired_knob"] = 3
    (dropped,) = classify(base, head)
    assert (dropped.key, dropped.effect, dropped.blocking) == ("database.retired_knob", "none", False)
