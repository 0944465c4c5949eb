"""The day-two table: for every settings key, what changing it does on AWS, with its source.

`nexus diff` classes every changed setting with `classify` before it lists the resources, and
docs/day-two.md is generated from `ROWS` (`make docs`); tests/config/test_day_two.py fails
when a settings key has no row. A class is one of EFFECTS; "refused" and "data loss" are
BLOCKING: `nexus diff --fail-on blocking` exits 1 and the workflows stop before AWS sees the
change (see docs/delivery.md for the reviewed way through).

Pure functions of two settings documents (the `settings` of two plan JSON files, as
`Settings.model_dump(mode="json")` writes them): no Pulumi, no AWS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from nexus.config.base import leaf_fields

EFFECTS: dict[str, str] = {
    "none": "no AWS call: read by the program's validation or by Pulumi only",
    "published": "an SSM parameter under /nexus/<stack>/ is updated in place; the application reads it when it starts",
    "in place": "updated in place, at once, without interruption",
    "window": "applied in the maintenance window, or at once where database.apply_immediately is true",
    "reboot": "recorded at once, takes effect only at the next reboot (the row gives the command)",
    "downtime": "an interruption of the database or the load balancer (the row says how long)",
    "replacement": "resources are replaced (the row says which and what is lost: nothing, unless it says so)",
    "tags": "tag-only updates of many resources, in place",
    "refused": "cannot be done in place: BLOCKING; the row gives the path that works",
    "data loss": "loses data: BLOCKING",
}
BLOCKING_EFFECTS = frozenset({"refused", "data loss"})

Settings = dict[str, Any]  # a settings document (plan JSON "settings")
Judge = Callable[[Any, Any, Settings, Settings], "tuple[str, str] | None"]


@dataclass(frozen=True)
class Row:
    key: str  # dotted settings path, as in the stack file after `nexus:`
    effect: str  # one of EFFECTS: the usual case
    what: str  # what AWS does, and how long it takes where that matters
    source: str  # where the rule is written down
    judge: Judge | None = None  # the case that depends on the values (a direction, a pair of settings)


@dataclass(frozen=True)
class Verdict:
    key: str
    old: Any
    new: Any
    effect: str
    what: str
    source: str

    @property
    def blocking(self) -> bool:
        return self.effect in BLOCKING_EFFECTS


def _get(settings: Settings, path: str) -> Any:
    value: Any = settings
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _timing(head: Settings) -> str:
    """When a modification of the instance is applied, by the head's apply_immediately."""
    if _get(head, "database.apply_immediately"):
        return "now (database.apply_immediately is true)"
    window = _get(head, "database.maintenance_window")
    return f"in the next maintenance window ({window} UTC); to apply it now, set database.apply_immediately: true"


# ------------------------------------------------------------------ the judges (value-dependent cases)


def _engine(old: Any, new: Any, base: Settings, head: Settings) -> tuple[str, str] | None:
    major_old, major_new = int(str(old).split(".")[0]), int(str(new).split(".")[0])
    if major_old == major_new and "." not in str(new):
        # A major alone lets RDS keep the running minor (auto minor upgrades go on): the
        # provider compares it with engine_version_actual's major only.
        return "none", f"{old} -> {new}: unpinned; the instance keeps the minor it runs"
    if major_old == major_new and "." not in str(old):
        return "window", (
            f"pins {new} {_timing(head)}; the instance may already run a later {major_new} minor (auto minor "
            "upgrades), which RDS refuses to downgrade: check first with aws rds describe-db-instances "
            "--query 'DBInstances[].EngineVersion'"
        )
    if major_new < major_old or (major_new == major_old and _version(new) < _version(old)):
        return "refused", "RDS cannot downgrade an engine: restore a snapshot into a new stack of the older version"
    if _blue_green(base, head):
        return "downtime", (
            f"{'major' if major_new != major_old else 'minor'} upgrade {old} -> {new} through a Blue/Green "
            "deployment, at once: RDS builds a green copy on the new version (logical replication; hours for a "
            "large database, no downtime), switches over in about a minute, and the provider deletes the old "
            "instance without a final snapshot; the instance's resource ID changes and its IAM policy follows"
        )
    if major_new == major_old:
        return "window", f"minor upgrade {_timing(head)}; the database is down while it upgrades (minutes)"
    if not _get(head, "database.apply_immediately"):
        return "refused", (
            f"major upgrade {major_old} -> {major_new} with database.apply_immediately false: the upgrade would "
            "wait for the window while `pulumi up` deletes the old parameter group, which RDS refuses while the "
            "instance is its member (InvalidDBParameterGroupState). Set apply_immediately: true in the same change"
        )
    return "downtime", (
        f"major upgrade {major_old} -> {major_new} now: a new postgres{major_new} parameter group is created, "
        "the instance upgrades onto it (down for the upgrade: typically 10 to 30 minutes, longer for large "
        "catalogs; RDS takes a snapshot before), then the old group is deleted"
    )


def _blue_green(base: Settings, head: Settings) -> bool:
    """Instance changes go through a Blue/Green deployment: on in both (switching it on is a
    change of its own, see _switch_blue_green)."""
    return bool(_get(base, "database.blue_green_update") and _get(head, "database.blue_green_update"))


def _switch_blue_green(old: Any, new: Any, base: Settings, head: Settings) -> tuple[str, str] | None:
    if new and not old:
        if _get(base, "database.master_password") != _get(head, "database.master_password"):
            return "refused", (
                "blue_green_update and master_password in one change: the provider would start a Blue/Green "
                "deployment for the password change, which RDS refuses while it still manages the password. "
                "Change master_password first, deploy, then turn blue_green_update on"
            )
        return "reboot", (
            "rds.logical_replication is set in the parameter group, a static parameter: reboot before the first "
            "Blue/Green deployment (aws rds reboot-db-instance --db-instance-identifier nexus-<stack>-db; RDS "
            "refuses to create one while the instance is out of sync with its parameter group)"
        )
    return "reboot", "rds.logical_replication is removed (in effect at the next reboot); changes go in place again"


def _password_keeper(old: Any, new: Any, base: Settings, head: Settings) -> tuple[str, str] | None:
    if new == "program":
        return "in place", (
            "RDS stops managing the master password and deletes its secret; the program's secret (a new ARN, "
            "published as the database credentials) holds the new password, which Pulumi state keeps as a secret. "
            "Whoever reads the master secret reads the new ARN"
        )
    return "in place", (
        "RDS takes the master password over (a new secret of its own, the new ARN published); the program's "
        "secret is deleted after its recovery window"
    )


def _version(text: Any) -> tuple[int, ...]:
    return tuple(int(p) for p in str(text).split("."))


def _storage(old: Any, new: Any, base: Settings, head: Settings) -> tuple[str, str] | None:
    if new < old:
        return "refused", (
            f"{old} -> {new} GiB: RDS cannot shrink storage, and the provider's diff suppression hides the "
            "decrease, so `pulumi up` would silently do nothing. Path: keep the size, or restore into a new "
            "stack with the smaller volume"
        )
    return "window", (
        f"{old} -> {new} GiB {_timing(head)}, without downtime; the volume is then 'storage-optimization' for "
        "up to six hours (sometimes more), and a second storage change in that time is refused"
    )


def _backups(old: Any, new: Any, base: Settings, head: Settings) -> tuple[str, str] | None:
    if new == 0:
        return "data loss", (
            "backups off: RDS deletes the automated backups and point-in-time recovery ends, with a brief "
            "outage (refused outright where protection.protect_stateful_resources is true)"
        )
    if old == 0:
        return "downtime", "backups on: a brief outage while RDS takes the first backup (seconds to minutes)"
    shorter = " (backups older than the new retention are deleted)" if new < old else ""
    return "in place", f"{old} -> {new} days, at once{shorter}"


def _zones(old: Any, new: Any, base: Settings, head: Settings) -> tuple[str, str] | None:
    old_zones, new_zones = list(old or []), list(new or [])
    if new_zones[: len(old_zones)] == old_zones:
        added = ", ".join(new_zones[len(old_zones) :])
        return "in place", (
            f"zone(s) {added} appended: each tier gets subnets in the new zone slots (the existing subnets keep "
            "their ranges), the load balancer and the DB subnet group extend to them"
        )
    return "refused", (
        "a zone removed, reordered or replaced renumbers the subnets: new subnets collide with the ranges of "
        "the old ones still in use (pulumi/pulumi-awsx#520, #910) and the database may sit in the removed zone. "
        "Only appending a zone is done in place; otherwise create a new stack and restore into it"
    )


def _trail(old: Any, new: Any, base: Settings, head: Settings) -> tuple[str, str] | None:
    if old == "own" and new == "shared-account":
        return "refused", (
            "own -> shared-account cannot complete: the key-policy statements that let CloudTrail encrypt go "
            "first, and the trail's bucket holds the audit log (protected or not emptied). Path: keep `own`, or "
            "stop the trail by hand, export its logs, then change the setting"
        )
    return "in place", "shared-account -> own: the trail, its bucket and the key-policy statements are created"


def _retention(old: Any, new: Any, base: Settings, head: Settings) -> tuple[str, str] | None:
    if old is not None and new is not None and new < old:
        return "data loss", f"{old} -> {new} days: logs older than {new} days are deleted"
    return "in place", f"{old} -> {new} days, at once"


def _replication_setting(old: Any, new: Any, base: Settings, head: Settings) -> tuple[str, str] | None:
    """recovery_region and retention_days are arguments of the replication: they change nothing
    while no replication exists on either side, and start it where the head turns it on."""
    before = bool(_get(base, "disaster_recovery.replicate_backups"))
    after = bool(_get(head, "disaster_recovery.replicate_backups"))
    if not before and not after:
        return "none", "no replication on either side (disaster_recovery.replicate_backups: false): read when it is on"
    if not before:
        return "in place", "read by the replication that replicate_backups: true starts"
    if not after:
        return "none", "the replication stops (replicate_backups: false): its backups are kept for their retention"
    return None


def _audit_retention(old: Any, new: Any, base: Settings, head: Settings) -> tuple[str, str] | None:
    """The trail bucket keeps its logs audit.retention_days, or monitoring.metrics_retention_days
    when unset; there is no trail bucket unless audit.trail is own."""
    if _get(base, "audit.trail") != "own" and _get(head, "audit.trail") != "own":
        return "none", "no trail of this stack (audit.trail: shared-account): nothing is kept here"
    before = old if old is not None else _get(base, "monitoring.metrics_retention_days")
    after = new if new is not None else _get(head, "monitoring.metrics_retention_days")
    if before is not None and after is not None and after < before:
        return "data loss", f"the trail's logs: {before} -> {after} days: log files older than {after} days are deleted"
    return "in place", f"the trail's logs: {before} -> {after} days, at once"


def _flush(old: Any, new: Any, base: Settings, head: Settings) -> tuple[str, str] | None:
    if new and not old:
        return "window", (
            "true: this and every modification still pending on the instance are applied at once "
            "(aws rds describe-db-instances --query 'DBInstances[].PendingModifiedValues' shows the queue)"
        )
    return "none", "false: later modifications wait for the maintenance window"


def _protect(old: Any, new: Any, base: Settings, head: Settings) -> tuple[str, str] | None:
    if old and not new:
        return "none", "protection lifted: after this update `pulumi destroy` can delete the database and the key"
    return "none", "protect set on the stateful resources (state only)"


def _skip_snapshot(old: Any, new: Any, base: Settings, head: Settings) -> tuple[str, str] | None:
    if new and not old:
        return "none", (
            "state only, but a later delete or replacement of the database keeps no final snapshot and drops "
            "the automated backups"
        )
    return "none", "state only: a later delete keeps a final snapshot"


def _https(settings: Settings) -> bool:
    return bool(_get(settings, "load_balancer.certificate_arn") or _get(settings, "load_balancer.domain_name"))


def _certificate(old: Any, new: Any, base: Settings, head: Settings) -> tuple[str, str] | None:
    if _https(base) != _https(head):
        return "in place", (
            "HTTP <-> HTTPS: the port-80 listener is updated in place (forward <-> redirect), the 443 listener "
            "and its ingress rules are created or deleted; clients of the other scheme fail until they follow"
        )
    return "in place", "the HTTPS listener's certificate is swapped at once, without interruption"


def _domain(old: Any, new: Any, base: Settings, head: Settings) -> tuple[str, str] | None:
    if _https(base) != _https(head):
        return _certificate(old, new, base, head)
    if new is None:
        return "in place", (
            f"the listener takes certificate_arn; the certificate of {old}, its validation record and its alias "
            "record are deleted after it (clients resolving the name through that record lose it)"
        )
    requested = (
        f"a certificate for {new} is requested and validated by DNS (minutes; `up` waits 75 at most), then the "
        "HTTPS listener swaps to it without interruption"
    )
    if old is None:
        return "in place", f"{requested}; the alias record is created unless alias_record is false"
    return "replacement", f"{requested}; the certificate of {old} and its records are deleted after it"


def _alias(old: Any, new: Any, base: Settings, head: Settings) -> tuple[str, str] | None:
    if not (_get(base, "load_balancer.domain_name") and _get(head, "load_balancer.domain_name")):
        return "none", "read only with domain_name: its change says what happens to the alias record"
    if (old is not False) == (new is not False):
        return "none", "unset and true both mean an alias record: nothing changes"
    return None


def _app_port(old: Any, new: Any, base: Settings, head: Settings) -> tuple[str, str] | None:
    return "refused", (
        "the target group's port forces its replacement, and its explicit name makes the bridge delete it first "
        "while the listener still forwards to it: ELB refuses (ResourceInUse). Path: keep the port, or change it "
        "in a new stack"
    )


# ------------------------------------------------------------------ the table

_RDS = "RDS User Guide, 'Settings for DB instances'"
_SSM = "nexus/config/published.py: published as SSM parameters (aws_ssm_parameter value: in place)"
_ALARM = "CloudWatch PutMetricAlarm: an alarm is updated in place"

ROWS: tuple[Row, ...] = (
    Row(
        "region",
        "refused",
        "every regional resource would be replaced in another region, empty: create a stack "
        "there and restore a snapshot copied to it (docs/runbooks.md)",
        "pulumi-aws: a changed provider region replaces every resource of that provider",
    ),
    Row(
        "account_id",
        "refused",
        "another account is another environment: a new stack in that account",
        "the provider's allowed_account_ids refuses the old account's resources",
    ),
    Row(
        "aws_default_tags",
        "tags",
        "the provider's default tags reach every taggable resource: tag-only updates",
        "pulumi-aws defaultTags (tags_all of each resource)",
    ),
    Row(
        "environment",
        "tags",
        "the Environment tag of every resource and the published tier change, in place",
        "nexus/config/naming.py tags; " + _SSM,
    ),
    Row(
        "application.name",
        "tags",
        "the Application tag of every resource and the published name, in place",
        "nexus/config/naming.py tags; " + _SSM,
    ),
    Row("application.version", "published", "the published version", _SSM),
    *(
        Row(f"features.{k}", "published", "a published feature switch", _SSM)
        for k in ("automation", "monitoring", "security")
    ),
    Row("limits.max_file_size_mb", "published", "the published upload limit", _SSM),
    Row(
        "limits.max_requests_per_minute",
        "in place",
        "the WAF rate rule's limit, at once",
        "WAFv2 UpdateWebACL (aws_wafv2_web_acl rule: in place)",
    ),
    Row(
        "network.cidr",
        "refused",
        "replaces the VPC and about 45 resources under it; AWS refuses the DB subnet "
        "group's move to the new VPC's subnets ('The new Subnets are not in the same Vpc') and `up` stops with "
        "two half networks. Path: a new stack with the new range, and a restore into it",
        "terraform-provider-aws aws_vpc cidr_block ForceNew; RDS ModifyDBSubnetGroup",
    ),
    Row(
        "network.availability_zones",
        "in place",
        "appending a zone is in place; anything else is refused",
        "nexus/components/network.py subnet slots; pulumi/pulumi-awsx#520, #910",
        _zones,
    ),
    Row(
        "network.nat_gateways",
        "in place",
        "NAT gateways and Elastic IPs are created or deleted and the private "
        "routes move to them; private egress pauses for seconds while a route changes",
        "VPC User Guide, 'NAT gateways'",
    ),
    Row(
        "network.flow_logs",
        "in place",
        "the flow log and its log group are created or deleted (deleting drops the recorded flows)",
        "aws_flow_log",
    ),
    Row(
        "network.flow_logs_traffic_type",
        "replacement",
        "the flow log is replaced (its log group and records stay)",
        "terraform-provider-aws aws_flow_log traffic_type ForceNew",
    ),
    Row(
        "database.engine_version",
        "window",
        "minor: in the window (down for minutes); major: refused unless "
        "apply_immediately, then down for the upgrade; downgrade: refused",
        "RDS User Guide, 'Upgrades of the RDS for PostgreSQL DB engine'; terraform-provider-aws#6448",
        _engine,
    ),
    Row(
        "database.instance_class",
        "window",
        "the instance is modified in the window (or now): down for a few "
        "minutes single-AZ, a failover of about a minute with multi_az",
        _RDS,
    ),
    Row(
        "database.allocated_storage_gb",
        "window",
        "an increase without downtime; a decrease is refused",
        "RDS User Guide, 'Scaling up DB instance storage'; terraform-provider-aws rds/instance.go "
        "allocated_storage DiffSuppressFunc",
        _storage,
    ),
    Row(
        "database.max_allocated_storage_gb",
        "in place",
        "the autoscaling cap, at once, without downtime (a cap "
        "below storage autoscaling already reached is refused by RDS)",
        "RDS User Guide, 'Managing capacity automatically with Amazon RDS storage autoscaling'",
    ),
    Row(
        "database.port",
        "downtime",
        "RDS reboots the instance at once to change the port, whatever "
        "apply_immediately says (a minute or two); the security-group rules follow",
        "RDS ModifyDBInstance DBPortNumber: 'The DB instance is rebooted immediately'",
    ),
    Row(
        "database.ssl",
        "in place",
        "rds.force_ssl is a dynamic parameter: applied at once; clients without TLS are then refused",
        "RDS for PostgreSQL parameters (rds.force_ssl dynamic)",
    ),
    Row(
        "database.max_connections",
        "reboot",
        "a static parameter (apply_method pending-reboot): recorded at once, "
        "in effect after `aws rds reboot-db-instance --db-instance-identifier nexus-<stack>-db` (a minute down)",
        "RDS User Guide, 'Working with parameter groups' (static parameters)",
    ),
    Row(
        "database.multi_az",
        "window",
        "the standby is added or removed in the window (or now), without downtime "
        "(I/O slows while the standby is built)",
        _RDS,
    ),
    Row(
        "database.backup_retention_days",
        "in place",
        "a change between non-zero values is in place at once",
        "RDS ModifyDBInstance BackupRetentionPeriod",
        _backups,
    ),
    Row("database.backup_window", "in place", "at once, no downtime", _RDS),
    Row("database.maintenance_window", "in place", "at once, no downtime (a pending change may then run sooner)", _RDS),
    Row("database.deletion_protection", "in place", "at once", _RDS),
    Row(
        "database.skip_final_snapshot",
        "none",
        "read when the database is deleted",
        "aws_db_instance skip_final_snapshot (state only)",
        _skip_snapshot,
    ),
    Row("database.performance_insights", "in place", "at once, no reboot for RDS for PostgreSQL", _RDS),
    Row(
        "database.performance_insights_retention_days",
        "in place",
        "at once (a shorter retention drops older data)",
        _RDS,
    ),
    Row(
        "database.monitoring_interval_seconds",
        "in place",
        "at once, no reboot; the monitoring role is created or deleted",
        _RDS,
    ),
    Row(
        "database.database_name",
        "data loss",
        "replaces the instance with an empty one (db_name is ForceNew)",
        "terraform-provider-aws aws_db_instance db_name ForceNew",
    ),
    Row(
        "database.master_username",
        "data loss",
        "replaces the instance with an empty one (username is ForceNew)",
        "terraform-provider-aws aws_db_instance username ForceNew",
    ),
    Row(
        "database.log_exports",
        "in place",
        "exports are switched at once; a removed export's log group is deleted with its logs",
        "RDS ModifyDBInstance CloudwatchLogsExportConfiguration",
    ),
    Row(
        "database.apply_immediately",
        "none",
        "when later modifications apply",
        "aws_db_instance apply_immediately",
        _flush,
    ),
    Row(
        "database.blue_green_update",
        "reboot",
        "on: a reboot puts rds.logical_replication in effect; not in the same change as master_password",
        "RDS User Guide, 'Creating a blue/green deployment' and 'Limitations for blue/green deployments'; "
        "terraform-provider-aws internal/service/rds/blue_green.go",
        _switch_blue_green,
    ),
    Row(
        "database.master_password",
        "in place",
        "who keeps the master password changes in place (a new secret and ARN)",
        "RDS ModifyDBInstance ManageMasterUserPassword; RDS User Guide, 'Password management with Secrets Manager'",
        _password_keeper,
    ),
    Row(
        "load_balancer.certificate_arn",
        "in place",
        "certificate swaps and HTTP <-> HTTPS are in place",
        "ELBv2 ModifyListener",
        _certificate,
    ),
    Row(
        "load_balancer.domain_name",
        "replacement",
        "a new name is a new certificate, requested and validated before the listener swaps to it and the "
        "old one is deleted; set or unset switches the certificate source (or HTTP <-> HTTPS)",
        "terraform-provider-aws aws_acm_certificate domain_name ForceNew; ACM User Guide, 'DNS validation'",
        _domain,
    ),
    Row(
        "load_balancer.hosted_zone_id",
        "replacement",
        "the validation and alias records are created in the new zone, then deleted from the old one; the "
        "certificate stays",
        "terraform-provider-aws aws_route53_record zone_id ForceNew",
    ),
    Row(
        "load_balancer.alias_record",
        "in place",
        "the alias record of domain_name is created or deleted (deleting it takes the name off the load balancer)",
        "Route 53 ChangeResourceRecordSets",
        _alias,
    ),
    Row(
        "load_balancer.allow_plain_http",
        "none",
        "validation only (without a certificate source)",
        "nexus/config/environment.py",
    ),
    Row(
        "load_balancer.ssl_policy",
        "in place",
        "at once; clients the new policy refuses fail their handshake",
        "ELBv2 ModifyListener SslPolicy",
    ),
    Row(
        "load_balancer.allowed_ingress_cidrs",
        "in place",
        "one ingress rule per CIDR and port is added or removed at once",
        "aws_vpc_security_group_ingress_rule",
    ),
    Row("load_balancer.deletion_protection", "in place", "at once", "ELBv2 ModifyLoadBalancerAttributes"),
    Row(
        "load_balancer.app_port",
        "refused",
        "replaces the target group, deleted first",
        "terraform-provider-aws "
        "aws_lb_target_group port ForceNew; pulumi-terraform-bridge nameRequiresDeleteBeforeReplace",
        _app_port,
    ),
    Row("load_balancer.health_check_path", "in place", "at once", "ELBv2 ModifyTargetGroup"),
    Row("load_balancer.idle_timeout_seconds", "in place", "at once", "ELBv2 ModifyLoadBalancerAttributes"),
    Row(
        "secrets.kms_deletion_window_days",
        "none",
        "read when the key is scheduled for deletion",
        "aws_kms_key deletion_window_in_days (used by ScheduleKeyDeletion only)",
    ),
    Row(
        "secrets.recovery_window_days",
        "none",
        "read when a secret is deleted",
        "aws_secretsmanager_secret recovery_window_in_days (used by DeleteSecret only)",
    ),
    Row(
        "protection.protect_stateful_resources",
        "none",
        "Pulumi protect (state only)",
        "Pulumi resource option protect",
        _protect,
    ),
    Row(
        "protection.force_destroy",
        "none",
        "state only: whether a destroy empties the buckets and the zone",
        "aws_s3_bucket force_destroy, aws_route53_zone force_destroy",
    ),
    Row("monitoring.log_level", "published", "the published log level", _SSM),
    Row(
        "monitoring.metrics_retention_days",
        "in place",
        "the retention of every log group and access-log bucket",
        "CloudWatch Logs PutRetentionPolicy; S3 lifecycle",
        _retention,
    ),
    Row("monitoring.require_alarm_subscribers", "none", "validation only", "nexus/config/environment.py"),
    Row(
        "monitoring.alarm_emails",
        "in place",
        "one subscription per address: an added address waits for its "
        "confirmation e-mail (not paged until confirmed), a removed one is unsubscribed, the others are untouched",
        "SNS Subscribe (email: PendingConfirmation)",
    ),
    Row("monitoring.notify_on_recovery", "in place", "the alarms' OK actions, at once", _ALARM),
    *(
        Row(f"monitoring.alarms.{k}", "in place", "every alarm that uses it, at once", _ALARM)
        for k in (
            "period_seconds",
            "evaluation_periods",
            "alb_5xx_percent",
            "target_response_time_seconds",
            "unhealthy_hosts",
            "db_cpu_percent",
            "db_free_storage_percent_of_cap",
            "db_freeable_memory_mb",
            "db_connections_percent",
        )
    ),
    Row("monitoring.dashboard", "in place", "the dashboard is created or deleted", "CloudWatch PutDashboard"),
    *(
        Row(f"security.{k}", "published", "published to the application", _SSM)
        for k in ("auth_timeout_seconds", "max_login_attempts")
    ),
    *(
        Row(f"performance.{k}", "published", "published to the application", _SSM)
        for k in ("cache_ttl_seconds", "max_workers")
    ),
    Row(
        "identity.compute_services",
        "in place",
        "the role's trust policy, at once (ec2 adds an instance profile)",
        "IAM UpdateAssumeRolePolicy",
    ),
    Row(
        "identity.database_user",
        "in place",
        "the role's rds-db:connect resource, at once; create the new user in the database first (`nexus db-user`)",
        "RDS User Guide, 'IAM database authentication'",
    ),
    Row(
        "audit.trail",
        "in place",
        "shared-account -> own creates the trail; own -> shared-account is refused",
        "CloudTrail; nexus/components/audit_trail.py",
        _trail,
    ),
    Row(
        "audit.retention_days",
        "in place",
        "the trail bucket's lifecycle, at once",
        "S3 lifecycle expiration",
        _audit_retention,
    ),
    Row(
        "disaster_recovery.replicate_backups",
        "in place",
        "false -> true starts replicating into recovery_region (the first snapshot copies in full, then transaction "
        "logs); true -> false stops it and RDS keeps the replicated backups for their retention",
        "RDS Start/StopDBInstanceAutomatedBackupsReplication",
    ),
    Row(
        "disaster_recovery.recovery_region",
        "replacement",
        "the replication and the recovery-region key are replaced: replication stops into the old region (its "
        "backups kept for their retention, the old key retained) and starts into the new one",
        "aws_db_instance_automated_backups_replication: every argument ForceNew",
        _replication_setting,
    ),
    Row(
        "disaster_recovery.retention_days",
        "replacement",
        "the replication is stopped and started again with the new retention: the replicated backups so far are "
        "kept for their old retention, the new copy starts with a full snapshot",
        "aws_db_instance_automated_backups_replication retention_period: ForceNew",
        _replication_setting,
    ),
    Row(
        "disaster_recovery.max_replication_lag_minutes",
        "none",
        "read by nexus verify only",
        "nexus/live/verify.py",
    ),
    *(
        Row(
            f"disaster_recovery.{k}",
            "none",
            "read when the database is created only: a restored database is never replaced by a change of its "
            "source (ignore_changes)",
            "aws_db_instance restore_to_point_in_time: ForceNew; nexus/components/database.py ignore_changes",
        )
        for k in ("restore_from_stack", "restore_from_backups_arn", "restore_time")
    ),
)
ROW_OF = {row.key: row for row in ROWS}

# A settings document's keys that are not settings of a stack file (the stack name comes from
# --stack).
NOT_SETTINGS = frozenset({"stack"})
# Values that are dicts but one setting each.
DICT_VALUED = frozenset({"aws_default_tags"})


def leaves(settings: Settings, prefix: str = "") -> dict[str, Any]:
    """Dotted key -> value of every setting in a settings document."""
    out: dict[str, Any] = {}
    for name, value in settings.items():
        key = f"{prefix}{name}"
        if key in NOT_SETTINGS:
            continue
        if isinstance(value, dict) and key not in DICT_VALUED:
            out.update(leaves(value, f"{key}."))
        else:
            out[key] = value
    return out


# Instance arguments whose change the provider sends through a Blue/Green deployment when it is
# on: all but tags, deletion_protection, skip_final_snapshot, password and a few others
# (resourceInstanceUpdate: HasChangesExcept). Parameter group values (ssl, max_connections)
# change the group, not the instance.
BLUE_GREEN_KEYS = frozenset({
    "database.engine_version", "database.instance_class", "database.allocated_storage_gb",
    "database.max_allocated_storage_gb", "database.port", "database.multi_az", "database.backup_retention_days",
    "database.backup_window", "database.maintenance_window", "database.performance_insights",
    "database.performance_insights_retention_days", "database.monitoring_interval_seconds", "database.log_exports",
    "database.apply_immediately", "database.master_password",
})  # fmt: skip


@cache
def _defaults() -> dict[str, Any]:
    """Dotted key -> default of every settings key that has one (the models')."""
    from nexus.config.environment import Settings as Model

    return {
        ".".join(path): list(value)
        if isinstance(value := field.get_default(call_default_factory=True), tuple)
        else value
        for path, field in leaf_fields(Model)
        if not field.is_required()
    }


def classify(base: Settings, head: Settings) -> list[Verdict]:
    """Every setting that differs between two settings documents, with what the change does.
    A key the table does not know is classed "refused": the safe answer until it has a row."""
    old, new = leaves(base), leaves(head)
    defaults = _defaults()
    verdicts = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) == new.get(key):
            continue
        if (key not in old or key not in new) and key in defaults:
            # A key one program version has and the other has not: its default is no change.
            present = new[key] if key in new else old[key]
            if present == defaults[key]:
                continue
        row = ROW_OF.get(key)
        if row is None and key not in new:
            verdicts.append(
                Verdict(key, old.get(key), None, "none", "a setting this version of the program dropped", "")
            )
            continue
        if row is None:
            verdicts.append(Verdict(key, old.get(key), new.get(key), "refused", "no day-two row for this key", ""))
            continue
        judged = row.judge(old.get(key), new.get(key), base, head) if row.judge else None
        effect, what = judged or (row.effect, row.what)
        if _blue_green(base, head) and key in BLUE_GREEN_KEYS and effect not in BLOCKING_EFFECTS | {"downtime"}:
            # The provider sends every instance change but a few through a deployment, at once
            # (terraform-provider-aws rds/instance.go resourceInstanceUpdate: HasChangesExcept).
            effect, what = (
                "downtime",
                (
                    f"{what}; through a Blue/Green deployment at once: about a minute of switchover, the old instance "
                    "deleted without a final snapshot, a new resource ID"
                ),
            )
        elif effect == "window" and not judged:
            what = f"{what}: {_timing(head)}"
        verdicts.append(Verdict(key, old.get(key), new.get(key), effect, what, row.source))
    return verdicts
