"""Alarms, their topic, the dashboard and the database's events (nexus.components.monitoring)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from nexus.components.monitoring import GIB, RDS_EVENT_CATEGORIES, connection_alarm_threshold
from nexus.config.limits import RDS_AUTOSCALING_FREE_PERCENT
from nexus.plans.offline import Plan
from tests.support.plans import feeds, key_arn


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
    assert db.urn in feeds(plan.one("aws:rds/eventSubscription:EventSubscription"), "sourceIds")


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
    sub = plan.one("aws:rds/eventSubscription:EventSubscription")
    db, topic = plan.one("aws:rds/instance:Instance"), plan.one("aws:sns/topic:Topic")
    assert sub.input("snsTopic") == topic.outputs["arn"]
    assert (sub.input("sourceType"), sub.input("sourceIds")) == ("db-instance", [db.input("identifier")])
    assert {"failure", "failover", "low storage", "maintenance"} <= set(sub.input("eventCategories"))
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
