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
    """Invalid settings; `problems` are one line each, ready to show a person."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: invalid settings\n" + "\n".join(f"  - {p}" for p in problems))


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


# --------------------------------------------------------------------------- loading


def parse_settings(raw: dict[str, Any], *, stack: str, region: str | None, source: str) -> Settings:
    """Validate raw `nexus:*` values (namespace stripped) or raise SettingsError naming each key."""
    data = {"stack": stack, "region": region, **raw}
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise SettingsError(source, [_describe(err) for err in exc.errors()]) from None


def _describe(err: Any) -> str:
    loc = [str(p) for p in err["loc"]]
    if loc and loc[0] == "region":
        key = "aws:region"
    elif loc and loc[0] == "stack":
        key = "stack name"
    else:
        key = f"{PROJECT}:" + ".".join(loc) if loc else f"{PROJECT}:*"
    if err["type"] == "extra_forbidden":
        known = _known_keys(loc[:-1])
        hint = difflib.get_close_matches(loc[-1], known, n=1)
        suggestion = f" (did you mean {hint[0]!r}?)" if hint else f" (known keys: {', '.join(known)})"
        return f"{key}: unknown key{suggestion}"
    if err["type"] == "missing":
        return f"{key}: required but not set"
    msg = str(err["msg"]).removeprefix("Value error, ")
    if not loc and msg.startswith(f"{PROJECT}:"):
        return msg  # a cross-setting rule that names its own key
    value = err.get("input")
    shown = "" if isinstance(value, dict) or value is None else f" = {value!r}"
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
