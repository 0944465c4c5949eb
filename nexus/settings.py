"""Typed, validated settings of one stack: the only place that knows the config schema.

The stack files (`Pulumi.<stack>.yaml`) overlaid on the project config in `Pulumi.yaml` are
the single source of truth. `Settings.model_validate` turns the raw `nexus:*` values into one
frozen object, refusing anything AWS would reject later, so a bad setting costs one second
here instead of twenty minutes into `pulumi up`. Every rule cites the AWS limit it mirrors.

This module must stay cheap to import (no Pulumi SDK): the offline plan validates the config
before it pays for loading the providers.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import re
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

PROJECT = "nexus"

# CloudWatch Logs PutRetentionPolicy accepts only these values (AWS API reference,
# "retentionInDays ... Valid values are: 1, 3, 5, 7, 14, 30, 60, 90, 120, ...").
CLOUDWATCH_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip

# ELB security policies that negotiate TLS 1.2 or newer only (ELB user guide, "Security
# policies for your Application Load Balancer"). Anything else would allow TLS 1.0/1.1.
TLS12_PLUS_POLICIES = (
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
    "ELBSecurityPolicy-TLS-1-2-2017-01",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
)

# RDS for PostgreSQL major versions we accept; the parameter group family is derived from
# the major version ("postgres16" for 16.x), so the two can never disagree.
SUPPORTED_POSTGRES_MAJORS = range(13, 19)

# Enhanced Monitoring: "Valid Values: 0, 1, 5, 10, 15, 30, 60" (RDS CreateDBInstance).
MONITORING_INTERVALS = (0, 1, 5, 10, 15, 30, 60)

# Performance Insights retention: 7, a multiple of 31 (months) up to 713, or 731 (RDS API).
PI_RETENTION_DAYS = (7, *(31 * m for m in range(1, 24)), 731)

# AZ ID prefix of each region (AWS Regions and Availability Zones guide, "AWS Availability
# Zones": the AZ ID table per region, e.g. use1-az1 in us-east-1, apse2-az1 in
# ap-southeast-2). A regular Availability Zone's ID is "<prefix>-az<n>"; Local Zones
# ("use1-bos1-az1") and Wavelength Zones ("use1-wl1-bos-wlz1") carry more parts.
ZONE_ID_PREFIXES = {
    "us-east-1": "use1", "us-east-2": "use2", "us-west-1": "usw1", "us-west-2": "usw2",
    "ca-central-1": "cac1", "ca-west-1": "caw1", "mx-central-1": "mxc1", "sa-east-1": "sae1",
    "eu-west-1": "euw1", "eu-west-2": "euw2", "eu-west-3": "euw3", "eu-central-1": "euc1",
    "eu-central-2": "euc2", "eu-north-1": "eun1", "eu-south-1": "eus1", "eu-south-2": "eus2",
    "af-south-1": "afs1", "me-south-1": "mes1", "me-central-1": "mec1", "il-central-1": "ilc1",
    "ap-south-1": "aps1", "ap-south-2": "aps2", "ap-east-1": "ape1", "ap-east-2": "ape2",
    "ap-northeast-1": "apne1", "ap-northeast-2": "apne2", "ap-northeast-3": "apne3",
    "ap-southeast-1": "apse1", "ap-southeast-2": "apse2", "ap-southeast-3": "apse3",
    "ap-southeast-4": "apse4", "ap-southeast-5": "apse5", "ap-southeast-7": "apse7",
    "us-gov-west-1": "usgw1", "us-gov-east-1": "usge1", "cn-north-1": "cnn1", "cn-northwest-1": "cnnw1",
}  # fmt: skip

# RDS storage autoscaling starts when free space is at most 10 % of the allocated storage
# for five minutes (RDS user guide, "Managing capacity automatically with Amazon RDS storage
# autoscaling").
RDS_AUTOSCALING_FREE_PERCENT = 10

_STACK_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
MAX_STACK_NAME = 40


class SettingsError(Exception):
    """Invalid settings; `problems` are one line each, ready to show a person. `blocks` holds
    the problems of every file involved (Pulumi.yaml and the stack file), each under its file."""

    def __init__(self, source: str, problems: list[str], *, more: list[tuple[str, list[str]]] | None = None) -> None:
        self.source = source
        self.problems = problems
        self.blocks = [(source, problems), *(more or [])]
        super().__init__("\n".join(render_block(src, probs) for src, probs in self.blocks))

    @classmethod
    def of_files(cls, problems: list[tuple[str, str]]) -> SettingsError:
        """One error from (file, problem) pairs, grouped by file in order of appearance."""
        by_file: dict[str, list[str]] = {}
        for source, problem in problems:
            by_file.setdefault(source, []).append(problem)
        (first, firsts), *rest = by_file.items()
        return cls(first, firsts, more=rest)


def render_block(source: str, problems: list[str]) -> str:
    return f"{source}: invalid settings\n" + "\n".join(f"  - {p}" for p in problems)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _one_of(value: int, allowed: tuple[int, ...], rule: str) -> int:
    if value not in allowed:
        raise ValueError(f"{value} is not allowed; {rule}: {', '.join(map(str, allowed))}")
    return value


# --------------------------------------------------------------------------- shared (Pulumi.yaml)


class ApplicationSettings(_Model):
    name: str = Field(min_length=1, max_length=64)
    version: str = Field(pattern=r"^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$")


class FeatureSettings(_Model):
    automation: bool
    monitoring: bool
    security: bool


class LimitSettings(_Model):
    max_file_size_mb: int = Field(ge=1, le=5120)
    # WAFv2 rate-based rule: "Limit ... minimum 10, maximum 2,000,000,000" requests per window.
    max_requests_per_minute: int = Field(ge=10, le=2_000_000_000)


# --------------------------------------------------------------------------- per stack


class NetworkSettings(_Model):
    cidr: str
    # Zone IDs, pinned: the same physical zone in every account, never re-derived from what
    # AWS lists today (a zone added or withdrawn later must not move subnets). An ALB needs
    # subnets in at least two zones (ELB CreateLoadBalancer); our subnet plan reserves four
    # zone slots per tier, see `subnet_plan`. Region membership is checked in Settings.
    availability_zones: tuple[str, ...] = Field(min_length=2, max_length=4)
    nat_gateways: Literal["none", "single", "one_per_az"]
    flow_logs: bool = True
    flow_logs_traffic_type: Literal["ACCEPT", "REJECT", "ALL"] = "ALL"

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        try:
            net = ipaddress.IPv4Network(value, strict=True)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not an IPv4 network in CIDR form ({exc})") from None
        # VPC CIDR blocks must be between /16 and /28 (VPC user guide). Our plan cuts each
        # VPC into 16 equal subnets (4 tiers x 4 zones) and an ALB subnet needs at least
        # a /27, so the VPC must be /23 or larger.
        if not 16 <= net.prefixlen <= 23:
            raise ValueError(
                f"{value} has prefix /{net.prefixlen}; use /16 to /23 (AWS allows VPCs of /16 "
                "at most, and 16 subnets of at least /27 must fit)"
            )
        if not any(net.subnet_of(p) for p in _RFC1918):
            raise ValueError(f"{value} is not a private (RFC 1918) range: use 10/8, 172.16/12 or 192.168/16")
        return value

    @field_validator("availability_zones", mode="before")
    @classmethod
    def _zone_list(cls, value: Any) -> Any:
        if not isinstance(value, (list, tuple)):
            raise ValueError(
                f"{value!r} is not a list of zone IDs: name each zone, e.g. [use1-az1, use1-az2, use1-az4]"
            )
        return value

    @field_validator("availability_zones")
    @classmethod
    def _distinct_zones(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        twice = sorted({z for z in value if value.count(z) > 1})
        if twice:
            raise ValueError(f"{', '.join(twice)} listed more than once: each zone may appear once")
        return value

    @property
    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(self.cidr)


_RFC1918 = [ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]

_BACKUP_WINDOW = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
_MAINT_WINDOW = re.compile(
    r"^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)$"
)
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEK = 7 * 24 * 60


def _weekly_intervals(window: str) -> list[tuple[int, int]]:
    """Minutes-of-week intervals covered by a maintenance window (split at the week's end)."""
    m = _MAINT_WINDOW.match(window)
    assert m
    start = _DAYS.index(m[1]) * 1440 + int(m[2]) * 60 + int(m[3])
    end = _DAYS.index(m[4]) * 1440 + int(m[5]) * 60 + int(m[6])
    return [(start, end)] if end > start else [(start, _WEEK), (0, end)]


def _daily_intervals(window: str) -> list[tuple[int, int]]:
    """Minutes-of-week intervals covered by a daily backup window."""
    m = _BACKUP_WINDOW.match(window)
    assert m
    start, end = int(m[1]) * 60 + int(m[2]), int(m[3]) * 60 + int(m[4])
    out: list[tuple[int, int]] = []
    for day in range(7):
        s, e = day * 1440 + start, day * 1440 + end + (1440 if end <= start else 0)
        out += [(s, min(e, _WEEK))] + ([(0, e - _WEEK)] if e > _WEEK else [])
    return out


def _length(intervals: list[tuple[int, int]]) -> int:
    return sum(e - s for s, e in intervals)


class DatabaseSettings(_Model):
    engine_version: str
    instance_class: str = Field(pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$")
    # gp3 storage for RDS for PostgreSQL: 20 GiB to 65,536 GiB (RDS user guide, storage types).
    allocated_storage_gb: int = Field(ge=20, le=65536)
    # Storage autoscaling cap; must exceed allocated storage (RDS rejects a smaller cap).
    max_allocated_storage_gb: int = Field(ge=21, le=65536)
    # RDS for PostgreSQL accepts ports 1150-65535 (CreateDBInstance, "Port").
    port: int = Field(ge=1150, le=65535)
    ssl: bool
    # RDS for PostgreSQL parameter max_connections allows 6..8388607.
    max_connections: int = Field(ge=6, le=8388607)
    multi_az: bool
    # "BackupRetentionPeriod: must be a value from 0 to 35" (RDS CreateDBInstance).
    backup_retention_days: int = Field(ge=0, le=35)
    backup_window: str = "03:00-03:30"
    maintenance_window: str = "sun:04:30-sun:05:30"
    deletion_protection: bool
    skip_final_snapshot: bool
    performance_insights: bool = True
    performance_insights_retention_days: int = 7
    monitoring_interval_seconds: int = 0
    database_name: str = Field(default="nexus", pattern=r"^[a-zA-Z][a-zA-Z0-9_]{0,62}$")
    # RDS: 1 to 63 letters, digits or underscores, starting with a letter; "rdsadmin" and
    # "postgres"-style reserved words are refused by the engine.
    master_username: str = Field(default="nexus_admin", pattern=r"^[a-zA-Z][a-zA-Z0-9_]{0,62}$")
    log_exports: tuple[Literal["postgresql", "upgrade", "iam-db-auth-error"], ...] = ("postgresql", "upgrade")
    apply_immediately: bool = False

    @field_validator("engine_version", mode="before")
    @classmethod
    def _whole_major(cls, value: Any) -> Any:
        # `engine_version: 16` (a YAML integer) means "16"; a YAML float does not: 16.10 is
        # read as 16.1, so floats are refused with a hint to quote them (see _describe).
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("engine_version")
    @classmethod
    def _engine_version(cls, value: str) -> str:
        # A major version alone ("16") lets RDS apply minor upgrades without a diff here.
        m = re.match(r"^(\d+)(\.\d+)?$", value)
        if not m:
            raise ValueError(f"{value!r} is not a PostgreSQL version like '16' or '16.4'")
        if int(m[1]) not in SUPPORTED_POSTGRES_MAJORS:
            majors = f"{SUPPORTED_POSTGRES_MAJORS.start}..{SUPPORTED_POSTGRES_MAJORS.stop - 1}"
            raise ValueError(f"major version {m[1]} is not offered by RDS for PostgreSQL here; use {majors}")
        return value

    @field_validator("master_username")
    @classmethod
    def _username(cls, value: str) -> str:
        if value.lower() in {"rdsadmin", "postgres", "admin", "rds_superuser", "public"}:
            raise ValueError(f"{value!r} is reserved by RDS for PostgreSQL; choose another name")
        return value

    @field_validator("performance_insights_retention_days")
    @classmethod
    def _pi_retention(cls, value: int) -> int:
        return _one_of(value, PI_RETENTION_DAYS, "Performance Insights keeps 7 days or whole months (31 x n) or 731")

    @model_validator(mode="after")
    def _insights_class(self) -> DatabaseSettings:
        # Database Insights (Performance Insights) is not offered on the smallest burstable
        # classes (RDS user guide, "instance class support for Database Insights").
        small = {"db.t2.micro", "db.t2.small", "db.t3.micro", "db.t3.small", "db.t4g.micro", "db.t4g.small"}
        if self.performance_insights and self.instance_class in small:
            raise ValueError(
                f"performance_insights is not available on {self.instance_class}; turn it off or use a larger class"
            )
        return self

    @field_validator("monitoring_interval_seconds")
    @classmethod
    def _monitoring(cls, value: int) -> int:
        return _one_of(value, MONITORING_INTERVALS, "RDS Enhanced Monitoring intervals are")

    @field_validator("backup_window")
    @classmethod
    def _backup_window(cls, value: str) -> str:
        if not _BACKUP_WINDOW.match(value):
            raise ValueError(f"{value!r} is not 'hh:mm-hh:mm' in UTC")
        # "Must be at least 30 minutes" (RDS PreferredBackupWindow).
        if _length(_daily_intervals(value)) < 7 * 30:
            raise ValueError(f"{value!r} is shorter than the 30 minutes RDS requires")
        return value

    @field_validator("maintenance_window")
    @classmethod
    def _maintenance_window(cls, value: str) -> str:
        if not _MAINT_WINDOW.match(value):
            raise ValueError(f"{value!r} is not 'ddd:hh:mm-ddd:hh:mm' in UTC (ddd = mon..sun)")
        # "Minimum 30-minute window" (RDS PreferredMaintenanceWindow).
        if _length(_weekly_intervals(value)) < 30:
            raise ValueError(f"{value!r} is shorter than the 30 minutes RDS requires")
        return value

    @model_validator(mode="after")
    def _cross_checks(self) -> DatabaseSettings:
        if self.max_allocated_storage_gb <= self.allocated_storage_gb:
            raise ValueError(
                f"max_allocated_storage_gb ({self.max_allocated_storage_gb}) must be greater than "
                f"allocated_storage_gb ({self.allocated_storage_gb}): RDS refuses an autoscaling cap "
                "that does not exceed the allocated storage"
            )
        # "The backup window must not overlap with the maintenance window" (RDS).
        backup, maintenance = _daily_intervals(self.backup_window), _weekly_intervals(self.maintenance_window)
        if any(bs < me and ms < be for bs, be in backup for ms, me in maintenance):
            raise ValueError(
                f"backup_window {self.backup_window} overlaps maintenance_window {self.maintenance_window}; "
                "RDS requires them apart"
            )
        return self

    @property
    def major_version(self) -> int:
        return int(self.engine_version.split(".")[0])

    @property
    def parameter_group_family(self) -> str:
        # RDS names PostgreSQL families by major version from 10 on ("postgres16").
        return f"postgres{self.major_version}"


class LoadBalancerSettings(_Model):
    certificate_arn: str | None = None
    # Without a certificate the ALB serves plain HTTP; only a stack file that says so may.
    allow_plain_http: bool = False
    ssl_policy: str = "ELBSecurityPolicy-TLS13-1-2-2021-06"
    allowed_ingress_cidrs: tuple[str, ...] = ("0.0.0.0/0",)
    deletion_protection: bool
    app_port: int = Field(default=8080, ge=1, le=65535)
    health_check_path: str = Field(default="/health", pattern=r"^/[\x21-\x7e]{0,1023}$")
    # ALB idle timeout: 1-4000 seconds (ELB attributes).
    idle_timeout_seconds: int = Field(default=60, ge=1, le=4000)

    @field_validator("certificate_arn")
    @classmethod
    def _certificate(cls, value: str | None) -> str | None:
        if value is not None and not re.match(
            r"^arn:aws(-cn|-us-gov)?:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}$", value
        ):
            raise ValueError(f"{value!r} is not an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/UUID)")
        return value

    @field_validator("ssl_policy")
    @classmethod
    def _ssl_policy(cls, value: str) -> str:
        if value not in TLS12_PLUS_POLICIES:
            raise ValueError(f"{value!r} is not a TLS 1.2+ ELB policy; use one of: {', '.join(TLS12_PLUS_POLICIES)}")
        return value

    @field_validator("allowed_ingress_cidrs")
    @classmethod
    def _ingress(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("at least one CIDR must be allowed to reach the load balancer")
        for cidr in value:
            try:
                ipaddress.IPv4Network(cidr, strict=True)
            except ValueError as exc:
                raise ValueError(f"{cidr!r} is not an IPv4 network in CIDR form ({exc})") from None
        return value

    @model_validator(mode="after")
    def _https_or_explicit_http(self) -> LoadBalancerSettings:
        if self.certificate_arn is None and not self.allow_plain_http:
            raise ValueError(
                "no certificate_arn: set certificate_arn to an ACM certificate, or set "
                "allow_plain_http: true to accept an HTTP-only load balancer (development only)"
            )
        return self

    @property
    def https(self) -> bool:
        return self.certificate_arn is not None


class SecretsSettings(_Model):
    # KMS ScheduleKeyDeletion: "PendingWindowInDays ... minimum 7, maximum 30".
    kms_deletion_window_days: int = Field(ge=7, le=30)
    # Secrets Manager DeleteSecret: RecoveryWindowInDays 7..30, or 0 to delete at once.
    recovery_window_days: int

    @field_validator("recovery_window_days")
    @classmethod
    def _recovery(cls, value: int) -> int:
        if value != 0 and not 7 <= value <= 30:
            raise ValueError(f"{value} is not allowed; Secrets Manager takes 0 (delete at once) or 7..30 days")
        return value


class ProtectionSettings(_Model):
    # Pulumi `protect` on stateful resources: `pulumi destroy` refuses to delete them.
    protect_stateful_resources: bool
    # Buckets and DNS zones emptied on destroy, so development stacks tear down completely.
    force_destroy: bool

    @model_validator(mode="after")
    def _coherent(self) -> ProtectionSettings:
        if self.protect_stateful_resources and self.force_destroy:
            raise ValueError(
                "protect_stateful_resources and force_destroy contradict each other: "
                "a protected environment must not empty its buckets on destroy"
            )
        return self


class AlarmSettings(_Model):
    # CloudWatch alarm periods: 10, 20, 30 or a multiple of 60 seconds (PutMetricAlarm).
    period_seconds: int = 60
    evaluation_periods: int = Field(default=3, ge=1, le=100)
    alb_5xx_percent: float = Field(default=5.0, gt=0, le=100)
    target_response_time_seconds: float = Field(default=2.0, gt=0)
    unhealthy_hosts: int = Field(default=1, ge=1)
    db_cpu_percent: float = Field(default=80.0, gt=0, le=100)
    # Percent of the storage autoscaling cap (database.max_allocated_storage_gb) that must stay
    # free. Below it a person must act: the volume has grown to its cap, or autoscaling cannot
    # keep up. Checked against autoscaling's own trigger in Settings.
    db_free_storage_percent_of_cap: float = Field(default=1.0, gt=0, lt=10)
    db_freeable_memory_mb: int = Field(default=256, ge=1)
    db_connections_percent: float = Field(default=80.0, gt=0, le=100)

    @field_validator("period_seconds")
    @classmethod
    def _period(cls, value: int) -> int:
        if value not in (10, 20, 30) and (value < 60 or value % 60):
            raise ValueError(f"{value} is not a CloudWatch alarm period: use 10, 20, 30 or a multiple of 60")
        return value


class MonitoringSettings(_Model):
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
    metrics_retention_days: int
    # The alarms of this stack must reach a person: refuse an alarm topic without subscriber.
    require_alarm_subscribers: bool = False
    alarm_emails: tuple[str, ...] = Field(default=(), validate_default=True)
    notify_on_recovery: bool = False
    alarms: AlarmSettings = AlarmSettings()
    # The CloudWatch dashboard: $3 a month each (CloudWatch pricing). The alarms do not need
    # it, and CloudWatch's automatic per-service dashboards show the same metrics for free.
    dashboard: bool = True

    @field_validator("metrics_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        return _one_of(value, CLOUDWATCH_RETENTION_DAYS, "CloudWatch Logs retention must be one of")

    @field_validator("alarm_emails")
    @classmethod
    def _emails(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        for email in value:
            if not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
                raise ValueError(f"{email!r} is not an e-mail address")
        if not value and info.data.get("require_alarm_subscribers"):
            raise ValueError(
                "empty, but monitoring.require_alarm_subscribers is true: the alarm topic would have no "
                "subscriber and every alarm would page nobody; add the on-call address"
            )
        return value


class SecuritySettings(_Model):
    auth_timeout_seconds: int = Field(ge=60, le=86400)
    max_login_attempts: int = Field(ge=1, le=100)


class PerformanceSettings(_Model):
    cache_ttl_seconds: int = Field(ge=0, le=86400)
    max_workers: int = Field(ge=1, le=256)


# Compute services that may run the application as its role, and the service principal each
# one assumes roles with (IAM user guide, "AWS services that work with IAM"; EKS Pod Identity
# uses pods.eks.amazonaws.com, EKS user guide "Create IAM role with trust policy required by
# EKS Pod Identity").
COMPUTE_SERVICE_PRINCIPALS = {
    "ecs-tasks": "ecs-tasks.amazonaws.com",
    "ec2": "ec2.amazonaws.com",
    "lambda": "lambda.amazonaws.com",
    "eks-pods": "pods.eks.amazonaws.com",
}
_PG_IDENTIFIER = r"^[a-z][a-z0-9_]{0,62}$"


class IdentitySettings(_Model):
    """The application's identity: who may run as its role, and the database user it logs in as."""

    compute_services: tuple[Literal["ecs-tasks", "ec2", "lambda", "eks-pods"], ...] = ("ecs-tasks",)
    # PostgreSQL folds unquoted names to lower case; a lower-case name is the same quoted or not.
    database_user: str = Field(default="nexus_app", pattern=_PG_IDENTIFIER)

    @field_validator("compute_services")
    @classmethod
    def _services(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError(f"name at least one compute service: {', '.join(COMPUTE_SERVICE_PRINCIPALS)}")
        if len(set(value)) != len(value):
            raise ValueError("each compute service may be named once")
        return value

    @field_validator("database_user")
    @classmethod
    def _user(cls, value: str) -> str:
        if value in {"rdsadmin", "postgres", "admin", "rds_superuser", "public", "rds_iam"} or value.startswith("pg_"):
            raise ValueError(f"{value!r} is reserved by PostgreSQL or RDS; choose another name")
        return value


class AuditSettings(_Model):
    """Where the environment's audit trail lives. `own`: the environment has an AWS account of
    its own and creates a CloudTrail trail there. `shared-account`: it shares an account whose
    trail (kept by whoever owns the account) already records it; no second trail is created."""

    trail: Literal["own", "shared-account"] = "own"
    # Days the trail's log files are kept in S3; default: monitoring.metrics_retention_days.
    retention_days: int | None = Field(default=None, ge=1, le=36500)


class Settings(_Model):
    """Everything one stack declares. `stack` and `region` come from the CLI and `aws:region`."""

    stack: str
    region: str = Field(pattern=r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
    # The AWS account this stack belongs to; the provider refuses any other
    # (allowed_account_ids). A string: unquoted, YAML reads a number and drops leading zeros.
    account_id: str
    environment: Literal["production", "staging", "development"]
    application: ApplicationSettings
    features: FeatureSettings
    limits: LimitSettings
    network: NetworkSettings
    database: DatabaseSettings
    load_balancer: LoadBalancerSettings
    secrets: SecretsSettings
    protection: ProtectionSettings
    monitoring: MonitoringSettings
    security: SecuritySettings
    performance: PerformanceSettings
    identity: IdentitySettings = IdentitySettings()
    audit: AuditSettings = AuditSettings()

    @field_validator("stack")
    @classmethod
    def _stack(cls, value: str) -> str:
        # Stack names become part of S3 bucket, RDS and ALB names: lowercase letters, digits
        # and single hyphens only (S3 bucket naming rules; RDS identifiers refuse "--").
        if len(value) > MAX_STACK_NAME or not _STACK_NAME.match(value):
            raise ValueError(
                f"{value!r}: stack names must be lowercase letters, digits and single hyphens, "
                f"start with a letter, and be at most {MAX_STACK_NAME} characters"
            )
        return value

    @field_validator("account_id", mode="before")
    @classmethod
    def _account(cls, value: Any) -> Any:
        if not isinstance(value, str) or not re.fullmatch(r"\d{12}", value):
            raise ValueError(
                f"{value!r} is not an AWS account ID: 12 digits, quoted "
                '(nexus:account_id: "123456789012"; unquoted, YAML reads a number and drops leading zeros)'
            )
        return value

    @model_validator(mode="after")
    def _certificate_region(self) -> Settings:
        arn = self.load_balancer.certificate_arn
        if arn is not None and arn.split(":")[3] != self.region:
            raise ValueError(
                f"load_balancer.certificate_arn is in {arn.split(':')[3]} but the stack deploys to "
                f"{self.region}: an ALB can only use an ACM certificate of its own region"
            )
        if arn is not None and arn.split(":")[4] != self.account_id:
            raise ValueError(
                f"{PROJECT}:load_balancer.certificate_arn belongs to account {arn.split(':')[4]} but "
                f"{PROJECT}:account_id is {self.account_id}: an ALB can only use a certificate of its own account"
            )
        return self

    @model_validator(mode="after")
    def _zones_of_region(self) -> Settings:
        prefix = ZONE_ID_PREFIXES.get(self.region)
        zones = self.network.availability_zones
        if prefix is None:
            raise ValueError(
                f"{PROJECT}:network.availability_zones: no zone ID table for region {self.region} "
                "(add its AZ ID prefix to ZONE_ID_PREFIXES in nexus/settings.py)"
            )
        foreign = [z for z in zones if not re.fullmatch(rf"{prefix}-az\d+", z)]
        if foreign:
            raise ValueError(
                f"{PROJECT}:network.availability_zones = {', '.join(foreign)}: not a regular Availability Zone "
                f"ID of {self.region} (those look like {prefix}-az1; Local and Wavelength Zones are refused)"
            )
        return self

    @model_validator(mode="after")
    def _storage_alarm_after_autoscaling(self) -> Settings:
        # The free-storage alarm must not page while storage autoscaling can still act: it
        # acts at 10 % free of the current allocation, at least the initial one.
        db, percent = self.database, self.monitoring.alarms.db_free_storage_percent_of_cap
        threshold = db.max_allocated_storage_gb * percent / 100
        trigger = db.allocated_storage_gb * RDS_AUTOSCALING_FREE_PERCENT / 100
        if threshold >= trigger:
            most = 100 * trigger / db.max_allocated_storage_gb
            raise ValueError(
                f"{PROJECT}:monitoring.alarms.db_free_storage_percent_of_cap = {percent}: {threshold:g} GiB of the "
                f"{db.max_allocated_storage_gb} GiB cap is not below the {trigger:g} GiB free at which storage "
                f"autoscaling acts on the initial {db.allocated_storage_gb} GiB, so the alarm would page while "
                f"autoscaling still works; use less than {most:.3g}"
            )
        return self

    @field_validator("identity")
    @classmethod
    def _own_database_user(cls, value: IdentitySettings, info: ValidationInfo) -> IdentitySettings:
        # The master user keeps its RDS-managed password; granting it rds_iam would switch it
        # to IAM authentication only (RDS user guide, "Creating a database account using IAM
        # authentication"), so the application must log in as a user of its own.
        database = info.data.get("database")
        if database is not None and value.database_user.lower() == database.master_username.lower():
            raise ValueError(
                f"database_user {value.database_user!r} is the database's master user: "
                "the application needs a user of its own"
            )
        return value

    @property
    def audit_retention_days(self) -> int:
        return self.audit.retention_days or self.monitoring.metrics_retention_days


# --------------------------------------------------------------------------- loading


def parse_settings(raw: dict[str, Any], *, stack: str, region: str | None, source: str) -> Settings:
    """Validate raw `nexus:*` values (namespace stripped) or raise SettingsError naming each key."""
    settings, problems = validate_settings(raw, stack=stack, region=region)
    if settings is None:
        raise SettingsError(source, [problem for _, problem in problems])
    return settings


def validate_settings(
    raw: dict[str, Any], *, stack: str, region: str | None
) -> tuple[Settings | None, list[tuple[str, str]]]:
    """Settings, or None and the problems as (top-level field, message): the field ("database",
    "region") tells the caller which file holds the mistake."""
    # Without aws:region pydantic would say "expected text, found nothing": say "not set".
    data = {"stack": stack, **({"region": region} if region is not None else {}), **raw}
    try:
        return Settings.model_validate(data), []
    except ValidationError as exc:
        errors = exc.errors()
    # A misspelled key also leaves the real one unset: say "did you mean" once, not also "required".
    suggested = {(tuple(e["loc"][:-1]), hint) for e in errors if (hint := _suggestion(e)) is not None}
    return None, [
        (str(e["loc"][0]) if e["loc"] else "", _describe(e))
        for e in errors
        if not (e["type"] == "missing" and (tuple(e["loc"][:-1]), str(e["loc"][-1])) in suggested)
    ]


# What a YAML reader calls the shape pydantic expected ("valid tuple" means nothing to them).
EXPECTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "tuple_type": "a list (`- item` lines, or [a, b])",
    "list_type": "a list (`- item` lines, or [a, b])",
    "model_type": "a mapping (`key: value` lines)",
    "model_attributes_type": "a mapping (`key: value` lines)",
    "dict_type": "a mapping (`key: value` lines)",
}


def yaml_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "nothing" if value is None else type(value).__name__


def yaml_text(value: Any) -> str:
    """A value as it would read in YAML (the source text when the reader kept it)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return str(getattr(value, "yaml_text", value))
    if isinstance(value, str):
        return repr(value)
    return json.dumps(value, default=str)


def _key(loc: list[str]) -> str:
    if loc and loc[0] == "region":
        return "aws:region"
    if loc and loc[0] == "stack":
        return "stack name"
    path = ""
    for part in loc:
        path += f"[{part}]" if part.isdigit() else f".{part}" if path else part
    return f"{PROJECT}:{path}" if loc else f"{PROJECT}:*"


def _suggestion(err: Any) -> str | None:
    if err["type"] != "extra_forbidden":
        return None
    hint = difflib.get_close_matches(str(err["loc"][-1]), _known_keys([str(p) for p in err["loc"][:-1]]), n=1)
    return hint[0] if hint else None


def _describe(err: Any) -> str:
    loc = [str(p) for p in err["loc"]]
    key = _key(loc)
    value = err.get("input")
    if err["type"] == "extra_forbidden":
        hint = _suggestion(err)
        known = _known_keys(loc[:-1])
        hint = f"{PROJECT}:{hint}" if hint and len(loc) == 1 else hint  # a top-level key has a namespace
        suggestion = f" (did you mean {hint!r}?)" if hint else f" (known keys: {', '.join(known)})"
        return f"{key}: unknown key{suggestion}"
    if err["type"] == "missing":
        return f"{key}: required but not set"
    if err["type"] == "string_type" and isinstance(value, int | float) and not isinstance(value, bool):
        text = yaml_text(value)
        read_as = f" (YAML reads unquoted {text} as the number {value})" if text != str(value) else ""
        return f'{key} = {text}: expected text, found a number{read_as}; put it in quotes: "{text}"'
    if err["type"] in EXPECTED:
        return f"{key} = {yaml_text(value)}: expected {EXPECTED[err['type']]}, found {yaml_kind(value)}"
    if err["type"] == "literal_error":
        return f"{key} = {yaml_text(value)}: must be one of {err['ctx']['expected']}"
    msg = str(err["msg"]).removeprefix("Value error, ")
    if not loc and msg.startswith(f"{PROJECT}:"):
        return msg  # a cross-setting rule that names its own key
    shown = "" if isinstance(value, dict) or value is None else f" = {yaml_text(value)}"
    return f"{key}{shown}: {msg}"


def _known_keys(path: list[str]) -> list[str]:
    model: Any = Settings
    for part in path:
        field = model.model_fields.get(part)
        if field is None or not isinstance(field.annotation, type) or not issubclass(field.annotation, BaseModel):
            return []
        model = field.annotation
    return [name for name in model.model_fields if not (model is Settings and name in ("stack", "region"))]


def settings_from_cli_config(config: dict[str, str], *, stack: str, source: str) -> Settings:
    """Settings from config as the Pulumi CLI passes it to a program: every value a string,
    objects as JSON. Only `nexus:*` keys and `aws:region` are read."""
    ns = f"{PROJECT}:"
    # account_id stays the string it is ("012345678901" must not become a number).
    raw = {
        key[len(ns) :]: value if key == f"{ns}account_id" else _decode(value)
        for key, value in config.items()
        if key.startswith(ns)
    }
    return parse_settings(raw, stack=stack, region=config.get("aws:region"), source=source)


def _decode(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value  # a plain string such as "production"


# --------------------------------------------------------------------------- bootstrap

BOOTSTRAP_PROJECT = "nexus-bootstrap"

# GitHub's own rules: user and organisation names are alphanumerics and single hyphens, at most
# 39 characters, not starting or ending with a hyphen; repository names are letters, digits,
# ".", "-" and "_", at most 100 characters. Anything else would make a trust subject that no
# token ever carries (or, with wildcards, one that many do).
_GITHUB_OWNER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
_GITHUB_REPOSITORY = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


class GitHubSettings(_Model):
    owner: str
    repository: str

    @field_validator("owner")
    @classmethod
    def _owner(cls, value: str) -> str:
        if not _GITHUB_OWNER.match(value):
            raise ValueError("a GitHub owner is letters, digits and single inner hyphens, at most 39 characters")
        return value

    @field_validator("repository")
    @classmethod
    def _repository(cls, value: str) -> str:
        if not _GITHUB_REPOSITORY.match(value) or value in (".", ".."):
            raise ValueError("a GitHub repository name is letters, digits, '.', '-' and '_', at most 100 characters")
        return value

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.repository}"


class StateBackendSettings(_Model):
    """A self-managed Pulumi backend: an S3 bucket for state and a KMS key for `awskms://`
    stack secrets. Off when the stacks live in Pulumi Cloud."""

    create: bool = False
    kms_deletion_window_days: int = Field(default=30, ge=7, le=30)  # KMS ScheduleKeyDeletion: 7..30


class BootstrapSettings(_Model):
    """What one AWS account needs before the workflows can deploy into it (bootstrap/)."""

    stack: str
    region: str = Field(pattern=r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
    account_id: str
    github: GitHubSettings
    # The tiers deployed into this account: one deploy role each. One account for all three,
    # or one bootstrap stack per account with the tiers that live there.
    environments: tuple[Literal["production", "staging", "development"], ...] = Field(
        default=("production", "staging", "development"), min_length=1
    )
    state_backend: StateBackendSettings = StateBackendSettings()

    @field_validator("stack")
    @classmethod
    def _stack(cls, value: str) -> str:
        # The stack name becomes part of role and bucket names, as in the main program.
        if len(value) > MAX_STACK_NAME or not _STACK_NAME.match(value):
            raise ValueError(
                f"{value!r}: stack names must be lowercase letters, digits and single hyphens, "
                f"start with a letter, and be at most {MAX_STACK_NAME} characters"
            )
        return value

    @field_validator("account_id", mode="before")
    @classmethod
    def _account(cls, value: Any) -> Any:
        # AWS account IDs are 12 digits, leading zeros included: quoted in YAML, or they are lost.
        # The CLI hands config over as text and JSON-decodes nothing, but `_decode` does: a
        # 12-digit number arrives as an int here.
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not re.fullmatch(r"\d{12}", value):
            raise ValueError('an AWS account ID is 12 digits, quoted in the stack file ("012345678901")')
        return value

    @field_validator("environments")
    @classmethod
    def _unique(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("each environment may be listed once")
        return value


def parse_bootstrap_settings(raw: dict[str, Any], *, stack: str, region: str | None, source: str) -> BootstrapSettings:
    """Validate the bootstrap's `nexus-bootstrap:*` values (namespace stripped), or raise
    SettingsError with one line per problem naming the key."""
    data = {"stack": stack, "region": region, **raw}
    try:
        return BootstrapSettings.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            line = _describe(err).replace(f"{PROJECT}:", f"{BOOTSTRAP_PROJECT}:", 1)
            if err["type"] == "extra_forbidden":  # _describe's hint reads the main settings' keys
                line = f"{BOOTSTRAP_PROJECT}:" + ".".join(str(p) for p in err["loc"]) + ": unknown key"
            problems.append(line)
        raise SettingsError(source, problems) from None


def bootstrap_settings_from_cli_config(config: dict[str, str], *, stack: str, source: str) -> BootstrapSettings:
    """Bootstrap settings from config as the Pulumi CLI passes it (every value a string)."""
    ns = f"{BOOTSTRAP_PROJECT}:"
    raw = {key[len(ns) :]: _decode(value) for key, value in config.items() if key.startswith(ns)}
    return parse_bootstrap_settings(raw, stack=stack, region=config.get("aws:region"), source=source)
