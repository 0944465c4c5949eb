"""Monitoring: the environment's alarm topic, alarms and dashboard."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from nexus.config.environment import MonitoringSettings
from nexus.config.naming import Naming
from nexus.config.security_monitoring import ALARM_PERIOD_SECONDS, ALARM_THRESHOLD, CIS_MONITORING, MonitoringItem

GIB = 1024**3
MIB = 1024**2

# RDS event categories of a DB instance that need a person (RDS user guide, "Amazon RDS
# event categories and event messages"): it went down or came back (availability), failed
# or failed over, runs out of storage (low storage, which includes RDS-EVENT-0225: storage
# approaching the autoscaling cap), faces maintenance it must plan for, or was changed
# (configuration change: Security Hub RDS.20 requires maintenance, configuration change and
# failure).
RDS_EVENT_CATEGORIES = ("availability", "configuration change", "failover", "failure", "low storage", "maintenance")
# A parameter group's changes (Security Hub RDS.21: "configuration change").
RDS_PARAMETER_GROUP_EVENT_CATEGORIES = ("configuration change",)


@dataclass(frozen=True)
class MonitoringArgs:
    naming: Naming
    settings: MonitoringSettings
    region: str
    kms_key_arn: pulumi.Input[str]
    alb_arn_suffix: pulumi.Input[str]
    target_group_arn_suffix: pulumi.Input[str]
    # The instance's output, not a name string: alarms and the dashboard wait for the database.
    db_identifier: pulumi.Input[str]
    db_max_allocated_storage_gb: int
    db_max_connections: int
    db_parameter_group_name: pulumi.Input[str]
    account_id: str
    # The audit trail's log group (audit.trail: own), watched for what CIS lists; None: the
    # account's own trail is someone else's to watch.
    trail_log_group_name: pulumi.Input[str] | None = None


def security_alarm_resource_name(item: MonitoringItem) -> str:
    """The Pulumi name of a trail-watching filter and its alarm (nexus compare reads it)."""
    return f"security-{item.key}"


def security_metric_namespace(naming: Naming) -> str:
    # One namespace per stack: two stacks with their own trails in one account never mix.
    return f"NEXUS/{naming.stack}/CloudTrail"


def free_storage_alarm_bytes(max_allocated_storage_gb: int, percent_of_cap: float) -> float:
    """Free storage (bytes) below which a person must act. Storage autoscaling keeps at least
    10 % of the current allocation free until it reaches its cap (settings refuse a percentage
    that would page before autoscaling acts), so free space this low means the volume has
    grown to the cap, or autoscaling cannot keep up (six-hour cool-down): either way, act."""
    return max_allocated_storage_gb * GIB * percent_of_cap / 100


def connection_alarm_threshold(max_connections: int, percent: float) -> float:
    """Connections that trip the alarm: `percent` of the configured max_connections."""
    return max_connections * percent / 100


class Monitoring(pulumi.ComponentResource):
    """An encrypted SNS topic for alarms (with e-mail subscriptions from the settings),
    alarms on the load balancer and the database, and a dashboard of the same metrics.

    Outputs: `topic_arn`, `dashboard_name` (None without a dashboard), `alarm_names`.
    """

    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("nexus:observability:Monitoring", name, None, opts)
        mon, naming, child = args.settings, args.naming, pulumi.ResourceOptions(parent=self)
        thresholds = mon.alarms

        self.topic = aws.sns.Topic(
            "alarms", name=naming.name("alarms", max_len=256), kms_master_key_id=args.kms_key_arn, opts=child
        )
        # Keyed by address, not by position: inserting or removing an address leaves the other
        # subscriptions alone (an endpoint change replaces a subscription, and each new one waits
        # for its confirmation e-mail: until then that person is not paged). The alias keeps the
        # subscriptions created by position ("alarm-email-0", ...).
        for i, email in enumerate(mon.alarm_emails):
            aws.sns.TopicSubscription(
                f"alarm-email-{email.lower()}",
                topic=self.topic.arn,
                protocol="email",
                endpoint=email,
                opts=pulumi.ResourceOptions(parent=self, aliases=[pulumi.Alias(name=f"alarm-email-{i}")]),
            )

        alb = {"LoadBalancer": args.alb_arn_suffix}
        tg = {"LoadBalancer": args.alb_arn_suffix, "TargetGroup": args.target_group_arn_suffix}
        db = {"DBInstanceIdentifier": args.db_identifier}
        common: dict[str, Any] = {
            "period": thresholds.period_seconds,
            "evaluation_periods": thresholds.evaluation_periods,
            "alarm_actions": [self.topic.arn],
            "ok_actions": [self.topic.arn] if mon.notify_on_recovery else [],
        }

        alarms = [
            aws.cloudwatch.MetricAlarm(
                "alb-5xx-rate",
                name=naming.name("alb-5xx-rate", max_len=255),
                alarm_description=f"More than {thresholds.alb_5xx_percent}% of requests end in a 5xx",
                comparison_operator="GreaterThanThreshold",
                threshold=thresholds.alb_5xx_percent,
                evaluation_periods=thresholds.evaluation_periods,
                treat_missing_data="notBreaching",
                alarm_actions=common["alarm_actions"],
                ok_actions=common["ok_actions"],
                metric_queries=[
                    _metric_query("elb5xx", "HTTPCode_ELB_5XX_Count", alb, thresholds.period_seconds),
                    _metric_query("target5xx", "HTTPCode_Target_5XX_Count", alb, thresholds.period_seconds),
                    _metric_query("requests", "RequestCount", alb, thresholds.period_seconds),
                    aws.cloudwatch.MetricAlarmMetricQueryArgs(
                        id="rate",
                        label="5xx rate (%)",
                        expression="IF(requests > 0, 100 * (FILL(elb5xx, 0) + FILL(target5xx, 0)) / requests, 0)",
                        return_data=True,
                    ),
                ],
                opts=child,
            ),
            self._alarm(
                "alb-target-response-time", args, common,
                description=f"p95 target response time above {thresholds.target_response_time_seconds} s",
                namespace="AWS/ApplicationELB", metric="TargetResponseTime", dimensions=alb,
                extended_statistic="p95", operator="GreaterThanThreshold",
                threshold=thresholds.target_response_time_seconds,
            ),
            self._alarm(
                "alb-unhealthy-hosts", args, common,
                description=f"{thresholds.unhealthy_hosts} or more application targets unhealthy",
                namespace="AWS/ApplicationELB", metric="UnHealthyHostCount", dimensions=tg,
                statistic="Maximum", operator="GreaterThanOrEqualToThreshold", threshold=thresholds.unhealthy_hosts,
            ),
            self._alarm(
                "db-cpu", args, common,
                description=f"Database CPU above {thresholds.db_cpu_percent}%",
                namespace="AWS/RDS", metric="CPUUtilization", dimensions=db,
                statistic="Average", operator="GreaterThanThreshold", threshold=thresholds.db_cpu_percent,
            ),
            self._alarm(
                "db-free-storage", args, common,
                description=f"Database free storage below {thresholds.db_free_storage_percent_of_cap}% of its "
                f"{args.db_max_allocated_storage_gb} GiB autoscaling cap: at the cap, or autoscaling cannot keep up",
                namespace="AWS/RDS", metric="FreeStorageSpace", dimensions=db,
                statistic="Minimum", operator="LessThanThreshold",
                threshold=free_storage_alarm_bytes(args.db_max_allocated_storage_gb,
                                                   thresholds.db_free_storage_percent_of_cap),
            ),
            self._alarm(
                "db-freeable-memory", args, common,
                description=f"Database freeable memory below {thresholds.db_freeable_memory_mb} MiB",
                namespace="AWS/RDS", metric="FreeableMemory", dimensions=db,
                statistic="Minimum", operator="LessThanThreshold", threshold=thresholds.db_freeable_memory_mb * MIB,
            ),
            self._alarm(
                "db-connections", args, common,
                description=f"Database connections above {thresholds.db_connections_percent}% of max_connections "
                f"({args.db_max_connections})",
                namespace="AWS/RDS", metric="DatabaseConnections", dimensions=db,
                statistic="Maximum", operator="GreaterThanThreshold",
                threshold=connection_alarm_threshold(args.db_max_connections, thresholds.db_connections_percent),
            ),
        ]  # fmt: skip

        security = self._security_alarms(args) if args.trail_log_group_name is not None else []

        # The database's own events reach the same people: failures, failovers, storage
        # running out or nearing the autoscaling cap, maintenance.
        self.db_events = aws.rds.EventSubscription(
            "db-events",
            name=naming.name("db-events", max_len=255),
            sns_topic=self.topic.arn,
            source_type="db-instance",
            source_ids=[args.db_identifier],
            event_categories=list(RDS_EVENT_CATEGORIES),
            opts=child,
        )
        # Someone changed the database's parameters (a change this program did not make, or
        # one it made: either way a person should know).
        self.parameter_group_events = aws.rds.EventSubscription(
            "db-parameter-group-events",
            name=naming.name("db-parameter-group-events", max_len=255),
            sns_topic=self.topic.arn,
            source_type="db-parameter-group",
            source_ids=[args.db_parameter_group_name],
            event_categories=list(RDS_PARAMETER_GROUP_EVENT_CATEGORIES),
            opts=child,
        )

        # Optional (nexus:monitoring.dashboard): a cost lever of development stacks.
        self.dashboard = (
            aws.cloudwatch.Dashboard(
                "dashboard",
                dashboard_name=naming.name(max_len=255),
                dashboard_body=pulumi.Output.all(
                    args.alb_arn_suffix, args.target_group_arn_suffix, args.db_identifier
                ).apply(
                    lambda ids: json.dumps(_dashboard(args.region, ids[0], ids[1], ids[2], _alarm_arns(args, security)))
                ),
                # The alarm widget names the trail's alarms by ARN (strings known in advance):
                # the alarms exist before the dashboard shows them.
                opts=pulumi.ResourceOptions(parent=self, depends_on=list(security)),
            )
            if mon.dashboard
            else None
        )
        self.dashboard_name = self.dashboard.dashboard_name if self.dashboard else None

        self.topic_arn = self.topic.arn
        self.alarm_names = [a.name for a in [*alarms, *security]]
        self.register_outputs(
            {"topic_arn": self.topic.arn, "dashboard_name": self.dashboard_name, "alarm_names": self.alarm_names}
        )

    def _security_alarms(self, args: MonitoringArgs) -> list[aws.cloudwatch.MetricAlarm]:
        """A metric filter on the trail's log group and an alarm on its metric for each CIS
        monitoring item (nexus/config/security_monitoring.py), paging the alarm topic."""
        naming, child = args.naming, pulumi.ResourceOptions(parent=self)
        namespace = security_metric_namespace(naming)
        alarms = []
        for item in CIS_MONITORING:
            resource = security_alarm_resource_name(item)
            metric = "".join(word.capitalize() for word in item.key.split("-"))
            aws.cloudwatch.LogMetricFilter(
                resource,
                name=naming.name(resource, max_len=512),
                log_group_name=args.trail_log_group_name,
                pattern=item.pattern,
                metric_transformation=aws.cloudwatch.LogMetricFilterMetricTransformationArgs(
                    name=metric,
                    namespace=namespace,
                    value="1",
                    # 0 for every delivered event that does not match: the metric has data
                    # whenever the trail delivers, so the alarm tells "nothing happened" from
                    # "nothing arrived", and the metric is billed every hour (nexus cost).
                    default_value="0",
                ),
                opts=child,
            )
            alarms.append(
                aws.cloudwatch.MetricAlarm(
                    resource,
                    name=naming.name(resource, max_len=255),
                    alarm_description=f"CIS {item.cis}"
                    + (f" (Security Hub {item.control})" if item.control else "")
                    + f": {item.title} in the audit trail",
                    namespace=namespace,
                    metric_name=metric,
                    statistic="Sum",
                    period=ALARM_PERIOD_SECONDS,
                    evaluation_periods=1,
                    threshold=ALARM_THRESHOLD,
                    comparison_operator="GreaterThanOrEqualToThreshold",
                    treat_missing_data="notBreaching",
                    alarm_actions=[self.topic.arn],
                    ok_actions=[self.topic.arn] if args.settings.notify_on_recovery else [],
                    opts=child,
                )
            )
        return alarms

    def _alarm(
        self,
        suffix: str,
        args: MonitoringArgs,
        common: dict[str, Any],
        *,
        description: str,
        namespace: str,
        metric: str,
        dimensions: dict[str, Any],
        operator: str,
        threshold: float,
        statistic: str | None = None,
        extended_statistic: str | None = None,
    ) -> aws.cloudwatch.MetricAlarm:
        return aws.cloudwatch.MetricAlarm(
            suffix,
            name=args.naming.name(suffix, max_len=255),
            alarm_description=description,
            namespace=namespace,
            metric_name=metric,
            dimensions=dimensions,
            statistic=statistic,
            extended_statistic=extended_statistic,
            comparison_operator=operator,
            threshold=threshold,
            treat_missing_data="notBreaching" if namespace == "AWS/ApplicationELB" else "missing",
            opts=pulumi.ResourceOptions(parent=self),
            **common,
        )


def _metric_query(
    query_id: str, metric: str, dimensions: dict[str, Any], period: int
) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
    return aws.cloudwatch.MetricAlarmMetricQueryArgs(
        id=query_id,
        return_data=False,
        metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
            namespace="AWS/ApplicationELB", metric_name=metric, dimensions=dimensions, period=period, stat="Sum"
        ),
    )


def _alarm_arns(args: MonitoringArgs, alarms: list[aws.cloudwatch.MetricAlarm]) -> list[str]:
    """Alarm ARNs, known from their names (arn:aws:cloudwatch:<region>:<account>:alarm:<name>;
    CloudWatch API reference, "MetricAlarm ... AlarmArn"): the dashboard needs no outputs."""
    if not alarms:
        return []
    names = [args.naming.name(security_alarm_resource_name(item), max_len=255) for item in CIS_MONITORING]
    return [f"arn:aws:cloudwatch:{args.region}:{args.account_id}:alarm:{n}" for n in names]


def _dashboard(region: str, alb: str, target_group: str, db: str, security_alarms: list[str]) -> dict[str, Any]:
    """Dashboard body (CloudWatch dashboard body structure): one row for the load balancer,
    one for the database, every metric bound to this stack's resources; with a trail of its
    own, the state of every trail-watching alarm (an "alarm" status widget)."""

    def widget(title: str, metrics: list[list[Any]], x: int, y: int, stat: str = "Average") -> dict[str, Any]:
        return {
            "type": "metric",
            "x": x,
            "y": y,
            "width": 8,
            "height": 6,
            "properties": {"title": title, "region": region, "stat": stat, "period": 60, "view": "timeSeries",
                           "metrics": metrics},
        }  # fmt: skip

    elb = ["AWS/ApplicationELB"]
    rds = ["AWS/RDS"]
    return {
        "widgets": [
            widget("Requests", [[*elb, "RequestCount", "LoadBalancer", alb]], 0, 0, "Sum"),
            widget(
                "5xx responses",
                [
                    [*elb, "HTTPCode_ELB_5XX_Count", "LoadBalancer", alb],
                    [*elb, "HTTPCode_Target_5XX_Count", "LoadBalancer", alb],
                ],
                8,
                0,
                "Sum",
            ),
            widget("Target response time (p95)", [[*elb, "TargetResponseTime", "LoadBalancer", alb]], 16, 0, "p95"),
            widget(
                "Healthy / unhealthy targets",
                [
                    [*elb, "HealthyHostCount", "TargetGroup", target_group, "LoadBalancer", alb],
                    [*elb, "UnHealthyHostCount", "TargetGroup", target_group, "LoadBalancer", alb],
                ],
                0,
                6,
                "Maximum",
            ),
            widget("Database CPU (%)", [[*rds, "CPUUtilization", "DBInstanceIdentifier", db]], 8, 6),
            widget(
                "Database connections", [[*rds, "DatabaseConnections", "DBInstanceIdentifier", db]], 16, 6, "Maximum"
            ),
            widget("Database free storage", [[*rds, "FreeStorageSpace", "DBInstanceIdentifier", db]], 0, 12, "Minimum"),
            widget(
                "Database freeable memory", [[*rds, "FreeableMemory", "DBInstanceIdentifier", db]], 8, 12, "Minimum"
            ),
            *(
                [
                    {
                        "type": "alarm",
                        "x": 0,
                        "y": 18,
                        "width": 24,
                        "height": 6,
                        "properties": {"title": "Audit trail: CIS monitoring alarms", "alarms": security_alarms},
                    }
                ]
                if security_alarms
                else []
            ),
        ]
    }
