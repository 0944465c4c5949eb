"""Alarms, their topic, the dashboard and the database's events (nexus.components.monitoring)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from nexus.components.monitoring import GIB, RDS_EVENT_CATEGORIES, connection_alarm_threshold
from nexus.config.limits import RDS_AUTOSCALING_FREE_PERCENT
from nexus.config.security_monitoring import CIS_BENCHMARK, CIS_MONITORING, SECURITY_HUB_CLOUDWATCH
from nexus.plans.offline import Plan
from tests.support.plans import feeds, key_arn


def alarms(plan: Plan) -> dict[str, Any]:
    return {r.name: r for r in plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}


def security_alarms(plan: Plan) -> dict[str, Any]:
    return {name: a for name, a in alarms(plan).items() if name.startswith("security-")}


def test_alarms_exist_and_notify_the_encrypted_topic(plan: Plan) -> None:
    topic = plan.one("aws:sns/topic:Topic")
    assert topic.input("kmsMasterKeyId") == key_arn(plan)
    found = alarms(plan)
    assert set(found) - set(security_alarms(plan)) == {
        "alb-5xx-rate", "alb-target-response-time", "alb-unhealthy-hosts", "db-cpu", "db-free-storage",
        "db-freeable-memory", "db-connections"}  # fmt: skip
    assert set(plan.outputs["alarm_names"]) == {a.input("name") for a in found.values()}
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


def test_production_alarms_must_reach_someone(plans: dict[str, Plan]) -> None:
    prod = plans["production"]
    assert prod.settings.monitoring.require_alarm_subscribers
    topic = prod.one("aws:sns/topic:Topic")
    subs = prod.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert subs and all(s.input("topic") == topic.outputs["arn"] for s in subs)


def test_alarms_dashboard_and_events_take_the_database_from_its_output(plan: Plan) -> None:
    db = plan.one("aws:rds/instance:Instance")
    db_alarms = [a for a in plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm") if a.input("namespace") == "AWS/RDS"]
    assert len(db_alarms) == 4
    for alarm in db_alarms:
        assert alarm.input("dimensions") == {"DBInstanceIdentifier": db.input("identifier")}
        assert db.urn in feeds(alarm, "dimensions"), alarm.name
    if plan.settings.monitoring.dashboard:  # development leaves it out (a cost lever)
        assert db.urn in feeds(plan.one("aws:cloudwatch/dashboard:Dashboard"), "dashboardBody")
    assert db.urn in feeds(plan.one("aws:rds/eventSubscription:EventSubscription", "db-events"), "sourceIds")


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


def test_the_databases_own_events_reach_the_alarm_topic(plan: Plan) -> None:
    sub = plan.one("aws:rds/eventSubscription:EventSubscription", "db-events")
    db, topic = plan.one("aws:rds/instance:Instance"), plan.one("aws:sns/topic:Topic")
    # A change to the database's parameter group reaches the same topic (Security Hub RDS.21).
    groups = plan.one("aws:rds/eventSubscription:EventSubscription", "db-parameter-group-events")
    parameters = plan.one("aws:rds/parameterGroup:ParameterGroup")
    assert (groups.input("sourceType"), groups.input("sourceIds")) == ("db-parameter-group", [parameters.input("name")])
    assert (
        groups.input("eventCategories") == ["configuration change"] and groups.input("snsTopic") == topic.outputs["arn"]
    )
    assert parameters.urn in feeds(groups, "sourceIds")
    assert sub.input("snsTopic") == topic.outputs["arn"]
    assert (sub.input("sourceType"), sub.input("sourceIds")) == ("db-instance", [db.input("identifier")])
    assert {"failure", "failover", "low storage", "maintenance", "configuration change"} <= set(
        sub.input("eventCategories")
    )
    assert list(RDS_EVENT_CATEGORIES) == sub.input("eventCategories")
    # The topic is encrypted: RDS (events.rds.amazonaws.com) must be able to use the key.
    statements = json.loads(plan.one("aws:kms/key:Key", "key").input("policy"))["Statement"]
    rds = [s for s in statements if s["Principal"] == {"Service": "events.rds.amazonaws.com"}]
    assert len(rds) == 1 and {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(rds[0]["Action"])
    assert set(rds[0]["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}  # use, not administer, the key


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
    for widget in [w for w in body["widgets"] if w["type"] == "metric"]:
        assert widget["properties"]["region"] == plan.settings.region
        for metric in widget["properties"]["metrics"]:
            dims = metric[2:]
            named |= {dims[i + 1] for i in range(0, len(dims), 2)}
    assert named == own
    others = {
        r.input("identifier") for p in plans.values() if p is not plan for r in p.of_type("aws:rds/instance:Instance")
    }
    assert not named & others


# ------------------------------------------------------------------ the audit trail watched


def test_production_watches_its_trail_for_every_cis_monitoring_item(plans: dict[str, Plan]) -> None:
    """Each metric filter read from the production plan carries its item's pattern exactly as
    the cited source publishes it (Security Hub passes only the exact CIS filters), on the
    trail's own log group, and an alarm on its metric pages the alarm topic."""
    prod = plans["production"]
    group = prod.one("aws:cloudwatch/logGroup:LogGroup", "trail-events")
    topic_arn = prod.one("aws:sns/topic:Topic").outputs["arn"]
    filters = {r.name: r for r in prod.of_type("aws:cloudwatch/logMetricFilter:LogMetricFilter")}
    found = security_alarms(prod)
    assert set(filters) == set(found) == {f"security-{item.key}" for item in CIS_MONITORING}
    for item in CIS_MONITORING:
        metric_filter, alarm = filters[f"security-{item.key}"], found[f"security-{item.key}"]
        assert metric_filter.input("pattern") == item.pattern, item.key
        assert metric_filter.input("logGroupName") == group.input("name")
        assert group.urn in feeds(metric_filter, "logGroupName")
        transformation = metric_filter.input("metricTransformation")
        assert (transformation["value"], transformation["defaultValue"]) == ("1", "0")
        assert (alarm.input("namespace"), alarm.input("metricName")) == (
            transformation["namespace"], transformation["name"])  # fmt: skip
        assert transformation["namespace"] == "NEXUS/production/CloudTrail"
        assert (alarm.input("statistic"), alarm.input("period"), alarm.input("threshold")) == ("Sum", 300, 1)
        assert alarm.input("comparisonOperator") == "GreaterThanOrEqualToThreshold"
        assert alarm.input("alarmActions") == [topic_arn] and alarm.input("treatMissingData") == "notBreaching"
        assert f"CIS {item.cis}" in alarm.input("alarmDescription")


def test_every_pattern_is_cited_to_a_source_that_publishes_it() -> None:
    """The table's own claims: the 15 CIS v1.4.0 monitoring items 4.1-4.15, each Security Hub
    control CloudWatch.1-14 once, and a pattern whose braces and parentheses balance."""
    assert sorted(item.cis for item in CIS_MONITORING) == sorted(f"4.{n}" for n in range(1, 16))
    controls = sorted(item.control for item in CIS_MONITORING if item.control)
    assert controls == sorted(f"CloudWatch.{n}" for n in range(1, 15))
    for item in CIS_MONITORING:
        assert item.source == (SECURITY_HUB_CLOUDWATCH if item.control else CIS_BENCHMARK)
        assert item.pattern.startswith("{") and item.pattern.endswith("}")
        assert item.pattern.count("(") == item.pattern.count(")") and item.pattern.count("{") == 1
        # PutMetricFilter takes at most 1024 characters (terraform-provider-aws logs/metric_filter.go).
        assert len(item.pattern.encode()) <= 1024


def test_the_dashboard_shows_the_trail_alarms(plans: dict[str, Plan]) -> None:
    prod = plans["production"]
    body = json.loads(prod.one("aws:cloudwatch/dashboard:Dashboard").input("dashboardBody"))
    (widget,) = [w for w in body["widgets"] if w["type"] == "alarm"]
    names = sorted(a.input("name") for a in security_alarms(prod).values())
    prefix = f"arn:aws:cloudwatch:{prod.settings.region}:{prod.settings.account_id}:alarm:"
    assert sorted(widget["properties"]["alarms"]) == [prefix + n for n in names]
    dashboard = prod.one("aws:cloudwatch/dashboard:Dashboard")
    assert {a.urn for a in security_alarms(prod).values()} <= set(dashboard.options["depends_on"])


@pytest.mark.parametrize("stack", ["staging", "development"])
def test_a_stack_the_accounts_trail_records_adds_no_watch(plans: dict[str, Plan], stack: str) -> None:
    plan = plans[stack]
    assert plan.of_type("aws:cloudwatch/logMetricFilter:LogMetricFilter") == [] and not security_alarms(plan)
    if plan.settings.monitoring.dashboard:
        body = json.loads(plan.one("aws:cloudwatch/dashboard:Dashboard").input("dashboardBody"))
        assert all(w["type"] == "metric" for w in body["widgets"])
