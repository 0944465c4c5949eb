"""Promotion readiness: is stack A (staging) a faithful rehearsal of stack B (production)?

Differences by design (sizes, retention, protection, availability, network range) are kept
apart from differences that make A not production-like: another engine major version, or a
piece of B's topology missing in A (WAF, HTTPS listener, alarms, flow logs, ...). `nexus
compare` prints the comparison and gates on the latter; `nexus status --html` shows the verdict.
Reads plan documents only (nexus.plans.model).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from nexus.plans.model import resource_count
from nexus.plans.pricing import monthly_summary

# Settings that may differ between a rehearsal and production by design.
BY_DESIGN_PREFIXES = (
    "environment", "region", "account_id", "network.cidr", "network.availability_zones", "network.nat_gateways",
    "database.instance_class", "database.allocated_storage_gb", "database.max_allocated_storage_gb",
    "database.max_connections", "database.multi_az", "database.backup_retention_days",
    "database.deletion_protection", "database.skip_final_snapshot", "database.performance_insights",
    "database.monitoring_interval_seconds", "database.apply_immediately", "database.engine_version",
    "load_balancer.certificate_arn", "load_balancer.deletion_protection", "secrets.", "protection.",
    # where each certificate comes from (a given ARN, or one the stack requests for its domain)
    "load_balancer.domain_name", "load_balancer.hosted_zone_id", "load_balancer.alias_record",
    "monitoring.", "security.", "performance.", "stack",
    "audit.",  # an environment in a shared account is recorded by that account's trail
    # staging replicates its backups only while the recovery drill needs them (its file: off)
    "disaster_recovery.",
)  # fmt: skip
# Resource types whose absence in A is a cost or size choice, not a topology gap. (Alarm
# subscriptions are not: alarms that reach nobody block promotion, see alarm_destinations.)
OPTIONAL_TYPES = {
    "aws:iam/role:Role", "aws:iam/rolePolicyAttachment:RolePolicyAttachment",  # enhanced monitoring
    "aws:cloudtrail/trail:Trail",  # audit.trail: shared-account (the account's trail records it)
    "aws:cloudwatch/logMetricFilter:LogMetricFilter",  # the trail's watch: with the trail only
    # disaster_recovery.replicate_backups: false (staging's default; the drill turns it on)
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
}  # fmt: skip
# The alarms on an own trail's log group (nexus.components.monitoring): by design absent where
# the account's trail records the stack.
TRAIL_ALARM_PREFIX = "security-"


@dataclass
class Comparison:
    a: str
    b: str
    settings: list[tuple[str, Any, Any]] = field(default_factory=list)
    counts: list[tuple[str, int, int]] = field(default_factory=list)
    totals: tuple[int, int] = (0, 0)  # nexus.plan.resource_count of A and B
    by_design: list[str] = field(default_factory=list)
    blocking: list[str] = field(default_factory=list)
    costs: list[tuple[str, str]] = field(default_factory=list)  # (stack, monthly cost or why none)


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}{k}."))
        return out
    return {prefix.rstrip("."): value}


def compare_plans(a: dict[str, Any], b: dict[str, Any]) -> Comparison:
    result = Comparison(a["stack"], b["stack"])
    result.costs = [(plan["stack"], monthly_summary(plan)) for plan in (a, b)]
    sa, sb = _flatten(a["settings"]), _flatten(b["settings"])
    for key in sorted(set(sa) | set(sb)):
        result.settings.append((key, sa.get(key), sb.get(key)))
        if sa.get(key) != sb.get(key):
            bucket = result.by_design if key.startswith(BY_DESIGN_PREFIXES) else result.blocking
            bucket.append(f"setting {key}: {sa.get(key)!r} vs {sb.get(key)!r}")

    major_a = str(sa["database.engine_version"]).split(".")[0]
    major_b = str(sb["database.engine_version"]).split(".")[0]
    if major_a != major_b:
        result.blocking.append(f"PostgreSQL major version {major_a} vs {major_b}: rehearse on production's engine")

    ca = Counter(r["type"] for r in a["resources"] if r.get("custom"))
    cb = Counter(r["type"] for r in b["resources"] if r.get("custom"))
    result.counts = [(t, ca[t], cb[t]) for t in sorted(set(ca) | set(cb))]
    result.totals = (resource_count(a["resources"]), resource_count(b["resources"]))
    for t, na, nb in result.counts:
        if nb and not na and t not in OPTIONAL_TYPES:
            result.blocking.append(f"{t}: {nb} in {b['stack']}, none in {a['stack']}")

    def listener_protocols(plan: dict[str, Any]) -> set[str]:
        return {r["inputs"].get("protocol") for r in plan["resources"] if r["type"] == "aws:lb/listener:Listener"}

    if "HTTPS" in listener_protocols(b) and "HTTPS" not in listener_protocols(a):
        result.blocking.append(f"{a['stack']} has no HTTPS listener; {b['stack']} serves HTTPS")

    def alarm_names(plan: dict[str, Any]) -> set[str]:
        names = {r["name"] for r in plan["resources"] if r["type"] == "aws:cloudwatch/metricAlarm:MetricAlarm"}
        return {n for n in names if not n.startswith(TRAIL_ALARM_PREFIX)}

    if missing := alarm_names(b) - alarm_names(a):
        result.blocking.append(f"alarms missing in {a['stack']}: {', '.join(sorted(missing))}")
    result.blocking += alarm_destinations(a) + alarm_destinations(b)
    return result


def alarm_destinations(plan: dict[str, Any]) -> list[str]:
    """Alarms whose topic has no subscriber page nobody: a promotion must not pass over that."""
    resources = plan["resources"]
    alarm_topics = {
        arn
        for r in resources
        if r["type"] == "aws:cloudwatch/metricAlarm:MetricAlarm"
        for arn in r["inputs"].get("alarmActions") or []
    }
    subscribed = {
        r["inputs"].get("topic") for r in resources if r["type"] == "aws:sns/topicSubscription:TopicSubscription"
    }
    if alarm_topics - subscribed:
        return [f"{plan['stack']}: its alarms reach nobody (no subscriber; set nexus:monitoring.alarm_emails)"]
    return []
