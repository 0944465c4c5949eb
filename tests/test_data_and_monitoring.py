"""Data tier (issue 4) and observability (issue 5)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from nexus.components.monitoring import connection_alarm_threshold
from nexus.plans.offline import Plan
from nexus.plans.rules import destroy_blockers

STATEFUL = ("aws:rds/instance:Instance", "aws:kms/key:Key", "aws:secretsmanager/secret:Secret", "aws:s3/bucket:Bucket")


def key_arn(plan: Plan) -> str:
    return str(plan.one("aws:kms/key:Key").outputs["arn"])


def test_database_is_private_encrypted_and_sized_from_settings(plan: Plan) -> None:
    db, s = plan.one("aws:rds/instance:Instance"), plan.settings.database
    assert db.input("publiclyAccessible") is False
    assert db.input("storageEncrypted") is True and db.input("kmsKeyId") == key_arn(plan)
    assert db.input("manageMasterUserPassword") is True and db.input("masterUserSecretKmsKeyId") == key_arn(plan)
    assert (db.input("instanceClass"), db.input("allocatedStorage"), db.input("maxAllocatedStorage")) == (
        s.instance_class, s.allocated_storage_gb, s.max_allocated_storage_gb)  # fmt: skip
    assert (db.input("multiAz"), db.input("backupRetentionPeriod")) == (s.multi_az, s.backup_retention_days)
    assert db.input("port") == s.port == 5432
    assert db.input("enabledCloudwatchLogsExports") == list(s.log_exports)
    if s.performance_insights:
        assert db.input("performanceInsightsKmsKeyId") == key_arn(plan)


def test_database_lives_only_in_the_isolated_data_subnets(plan: Plan) -> None:
    by_id = plan.by_id()
    group = plan.one("aws:rds/subnetGroup:SubnetGroup")
    assert plan.one("aws:rds/instance:Instance").input("dbSubnetGroupName") == group.input("name")
    tiers = {by_id[i].input("tags")["Tier"] for i in group.input("subnetIds")}
    assert tiers == {"data"} and len(group.input("subnetIds")) == len(plan.settings.network.availability_zones)


def test_parameter_group_matches_engine_and_settings(plan: Plan) -> None:
    s = plan.settings.database
    group = plan.one("aws:rds/parameterGroup:ParameterGroup")
    assert group.input("family") == f"postgres{s.engine_version.split('.')[0]}"
    params = {p["name"]: p["value"] for p in group.input("parameters")}
    assert params["max_connections"] == str(s.max_connections)
    assert params["rds.force_ssl"] == ("1" if s.ssl else "0")
    assert plan.one("aws:rds/instance:Instance").input("parameterGroupName") == group.input("name")


def test_database_admits_only_the_application_group(plan: Plan) -> None:
    db_sg = plan.one("aws:ec2/securityGroup:SecurityGroup", "db-sg")
    app_sg = plan.one("aws:ec2/securityGroup:SecurityGroup", "app-sg")
    assert plan.one("aws:rds/instance:Instance").input("vpcSecurityGroupIds") == [db_sg.id]
    rules = [r for r in plan.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
             if r.input("securityGroupId") == db_sg.id]  # fmt: skip
    assert len(rules) == 1
    assert rules[0].input("referencedSecurityGroupId") == app_sg.id and "cidrIpv4" not in rules[0].inputs
    assert rules[0].input("fromPort") == rules[0].input("toPort") == plan.settings.database.port


def test_database_has_a_name_in_the_private_zone(plan: Plan) -> None:
    record = plan.one("aws:route53/record:Record")
    assert record.input("name") == f"db.{plan.stack}.nexus.internal"
    assert record.input("records") == [plan.one("aws:rds/instance:Instance").outputs["address"]]


def test_secrets_store_key_and_secret(plan: Plan) -> None:
    key, s = plan.one("aws:kms/key:Key"), plan.settings.secrets
    assert key.input("enableKeyRotation") is True and key.input("deletionWindowInDays") == s.kms_deletion_window_days
    statements = json.loads(key.input("policy"))["Statement"]
    assert {st["Principal"].get("Service") for st in statements} >= {f"logs.{plan.settings.region}.amazonaws.com"}
    assert plan.one("aws:kms/alias:Alias").input("name") == f"alias/nexus-{plan.stack}"
    secret = plan.one("aws:secretsmanager/secret:Secret")
    assert secret.input("kmsKeyId") == key_arn(plan)
    assert secret.input("recoveryWindowInDays") == s.recovery_window_days
    assert plan.stack in secret.input("namePrefix") and "name" not in secret.inputs


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


def alarms(plan: Plan) -> dict[str, Any]:
    return {r.name: r for r in plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}


def test_alarms_exist_and_notify_the_encrypted_topic(plan: Plan) -> None:
    topic = plan.one("aws:sns/topic:Topic")
    assert topic.input("kmsMasterKeyId") == key_arn(plan)
    found = alarms(plan)
    assert set(found) == {"alb-5xx-rate", "alb-target-response-time", "alb-unhealthy-hosts", "db-cpu",
                          "db-free-storage", "db-freeable-memory", "db-connections"}  # fmt: skip
    for alarm in found.values():
        assert alarm.input("alarmActions") == [topic.outputs["arn"]]
        expected_ok = [topic.outputs["arn"]] if plan.settings.monitoring.notify_on_recovery else []
        assert alarm.input("okActions", []) == expected_ok
        assert plan.stack in alarm.input("name")


def test_production_alarms_also_notify_on_recovery(plans: dict[str, Plan]) -> None:
    assert all(a.input("okActions") for a in alarms(plans["production"]).values())


@pytest.mark.parametrize(("stack", "threshold"), [("production", 80), ("staging", 40), ("development", 16)])
def test_connection_alarm_follows_max_connections(plans: dict[str, Plan], stack: str, threshold: int) -> None:
    assert alarms(plans[stack])["db-connections"].input("threshold") == threshold
    assert connection_alarm_threshold(plans[stack].settings.database.max_connections, 80) == threshold


def test_alarm_email_subscriptions_come_from_settings(planner: Any) -> None:
    emails = ["oncall@example.com", "team@example.com"]
    plan = planner("development", overrides={"nexus:monitoring": {
        "log_level": "DEBUG", "metrics_retention_days": 7, "alarm_emails": emails}})  # fmt: skip
    subs = plan.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert sorted(s.input("endpoint") for s in subs) == emails
    assert {s.input("protocol") for s in subs} == {"email"}


def test_dashboard_is_valid_json_about_this_stack_only(plans: dict[str, Plan], plan: Plan) -> None:
    if not plan.settings.monitoring.dashboard:  # a cost lever (nexus:monitoring.dashboard)
        assert plan.of_type("aws:cloudwatch/dashboard:Dashboard") == [] and plan.outputs["dashboard_name"] is None
        return
    body = json.loads(plan.one("aws:cloudwatch/dashboard:Dashboard").input("dashboardBody"))
    assert plan.one("aws:cloudwatch/dashboard:Dashboard").input("dashboardName") == f"nexus-{plan.stack}"
    own = {plan.one("aws:lb/loadBalancer:LoadBalancer").outputs["arnSuffix"],
           plan.one("aws:lb/targetGroup:TargetGroup").outputs["arnSuffix"],
           plan.one("aws:rds/instance:Instance").input("identifier")}  # fmt: skip
    named = set()
    for widget in body["widgets"]:
        assert widget["properties"]["region"] == plan.settings.region
        for metric in widget["properties"]["metrics"]:
            dims = metric[2:]
            named |= {dims[i + 1] for i in range(0, len(dims), 2)}
    assert named == own
    others = {
        r.input("identifier") for p in plans.values() if p is not plan for r in p.of_type("aws:rds/instance:Instance")
    }
    assert not named & others


def test_every_log_group_has_the_stack_retention_and_key(plan: Plan) -> None:
    groups = plan.of_type("aws:cloudwatch/logGroup:LogGroup")
    assert len(groups) >= 4  # flow logs, WAF, PostgreSQL logs
    expected = {"production": 90, "staging": 30, "development": 7}[plan.settings.environment]
    for group in groups:
        assert group.input("retentionInDays") == expected == plan.settings.monitoring.metrics_retention_days
        assert group.input("kmsKeyId") == key_arn(plan)
