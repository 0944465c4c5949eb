"""Typed, validated settings of one stack: the only place that knows the config schema.

The stack files (`Pulumi.<stack>.yaml`) overlaid on the project config in `Pulumi.yaml` are
the single source of truth. `Settings.model_validate` turns the raw `nexus:*` values into one
frozen object, refusing anything AWS would reject later, so a bad setting costs one second
here instead of twenty minutes into `pulumi up`. Every rule cites the AWS limit it mirrors.

This module must stay cheap to import (no Pulumi SDK): the offline plan validates the config
before it pays for loading the providers.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from typing import Any, Literal

from pydantic import (
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from nexus.config.base import (
    PROJECT,
    FrozenModel,
    allowed,
    decode_cli_value,
    duplicates,
    ipv4_cidr,
    one_of,
    valid_stack_name,
)
from nexus.config.limits import (
    AUTOMATED_BACKUPS_ARN,
    BACKUP_REPLICATION_DESTINATIONS,
    CLOUDWATCH_RETENTION_DAYS,
    COMPUTE_SERVICE_PRINCIPALS,
    EXISTING_DATABASES,
    INBOUND_RULES_PER_SECURITY_GROUP,
    KNOWN_REGIONS,
    MAX_TAG_VALUE,
    MAX_TAGS_PER_RESOURCE,
    MONITORING_INTERVALS,
    PI_RETENTION_DAYS,
    POSTGRES_RESERVED_WORDS,
    PROGRAM_TAG_KEYS,
    RDS_AUTOSCALING_FREE_PERCENT,
    RDS_POSTGRES_CLASSES,
    RDS_RESERVED_USERNAMES,
    REGION_NAME,
    REPLICATED_BACKUP_RETENTION_DAYS,
    RESOURCE_TAG_KEYS,
    SUPPORTED_POSTGRES_MAJORS,
    ZONE_ID_PREFIXES,
    is_tls12_plus_policy,
    max_evaluation_range,
    other_partition,
    tag_text_problem,
)
from nexus.config.messages import SettingsError, closest, describe, suggestion, unknown_name

# --------------------------------------------------------------------------- shared (Pulumi.yaml)


class ApplicationSettings(FrozenModel):
    # Published to the application and written into every resource's "Application" tag, so it
    # follows the tag-value rules (see tag_text_problem).
    name: str = Field(
        min_length=1,
        max_length=MAX_TAG_VALUE,
        description="Shared (Pulumi.yaml): published to the application and written into every resource's `Application` tag.",
        json_schema_extra=allowed(
            f"tag-value text (letters, digits, spaces, `+ - = . _ : / @`), 1..{MAX_TAG_VALUE} characters"
        ),
    )
    version: str = Field(
        pattern=r"^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$",
        description="Shared: the application version, published.",
        json_schema_extra=allowed("a semantic version (1.2.3, 1.2.3-rc.1)"),
    )

    @field_validator("name")
    @classmethod
    def _name_is_a_tag_value(cls, value: str) -> str:
        if problem := tag_text_problem(value, key=False):
            raise ValueError(f"{problem} (it becomes the Application tag)")
        return value


class FeatureSettings(FrozenModel):
    automation: bool = Field(description="Shared feature switch, published.")
    monitoring: bool = Field(description="Shared feature switch, published.")
    security: bool = Field(description="Shared feature switch, published.")


class LimitSettings(FrozenModel):
    max_file_size_mb: int = Field(
        ge=1,
        le=5120,
        description="Shared upload limit, published (enforced by the application: WAF on an ALB sees only the first 8 KB of a body).",
    )
    # WAFv2 rate-based rule: "Limit ... minimum 10, maximum 2,000,000,000" requests per window.
    max_requests_per_minute: int = Field(
        ge=10, le=2_000_000_000, description="Shared per-client limit: the WAF rate rule (60-second window)."
    )


# --------------------------------------------------------------------------- per stack


class NetworkSettings(FrozenModel):
    cidr: str = Field(
        description="VPC range; the committed stack files' ranges are disjoint (`plan --all` checks).",
        json_schema_extra=allowed("an RFC 1918 range, /16../23"),
    )
    # Zone IDs, pinned: the same physical zone in every account, never re-derived from what
    # AWS lists today (a zone added or withdrawn later must not move subnets). An ALB needs
    # subnets in at least two zones (ELB CreateLoadBalancer); our subnet plan reserves four
    # zone slots per tier, see `subnet_plan`. Region membership is checked in Settings.
    availability_zones: tuple[str, ...] = Field(
        min_length=2,
        max_length=4,
        description="The zones, by zone ID, of every subnet tier (pinned: see [zones](real-aws.md#zones-are-pinned-by-id)).",
        json_schema_extra=allowed("2..4 distinct regular-AZ IDs of the region (an ALB needs 2)"),
    )
    nat_gateways: Literal["none", "single", "one_per_az"] = Field(
        description="Egress of the private subnets (`none`: see [cost](cost.md))."
    )
    flow_logs: bool = Field(default=True, description="VPC flow logs to CloudWatch Logs.")
    flow_logs_traffic_type: Literal["ACCEPT", "REJECT", "ALL"] = Field(
        default="ALL", description="Which traffic the flow logs record."
    )

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        net = ipv4_cidr(value)
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


def _majors_text(majors: list[int]) -> str:
    """PostgreSQL 10..12, or PostgreSQL 13, 15 when the majors are not consecutive."""
    consecutive = len(majors) > 2 and majors == list(range(majors[0], majors[-1] + 1))
    return f"PostgreSQL {majors[0]}..{majors[-1]}" if consecutive else f"PostgreSQL {', '.join(map(str, majors))}"


class DatabaseSettings(FrozenModel):
    engine_version: str = Field(
        description="PostgreSQL version; the parameter group family follows its major.",
        json_schema_extra=allowed(
            f"`16` or `16.4`, majors {SUPPORTED_POSTGRES_MAJORS.start}..{SUPPORTED_POSTGRES_MAJORS.stop - 1}"
        ),
    )
    # The classes RDS offers for RDS for PostgreSQL, and the majors each runs (RDS User Guide,
    # "Supported DB engines for DB instance classes"): nexus/config/rds_classes.json.
    instance_class: str = Field(
        pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$",
        description="RDS instance class.",
        json_schema_extra=allowed(
            "an RDS for PostgreSQL class that runs the engine's major (nexus/config/rds_classes.json), e.g. `db.t4g.medium`"
        ),
    )
    # gp3 storage for RDS for PostgreSQL: 20 GiB to 65,536 GiB (RDS user guide, storage types).
    allocated_storage_gb: int = Field(ge=20, le=65536, description="gp3 storage, GiB.")
    # Storage autoscaling cap: at least 10% above the allocated storage (checked below).
    max_allocated_storage_gb: int = Field(
        ge=22,
        le=65536,
        description="Storage autoscaling cap, GiB.",
        json_schema_extra=allowed(
            f"22..65,536 and at least {RDS_AUTOSCALING_FREE_PERCENT}% above allocated_storage_gb"
        ),
    )
    # RDS for PostgreSQL accepts ports 1150-65535 (CreateDBInstance, "Port").
    port: int = Field(ge=1150, le=65535, description="PostgreSQL port.")
    ssl: bool = Field(description="`rds.force_ssl`: clients must use TLS.")
    # RDS for PostgreSQL parameter max_connections allows 6..8388607.
    max_connections: int = Field(ge=6, le=8388607, description="Parameter group `max_connections`.")
    multi_az: bool = Field(description="A standby in another zone.")
    # "BackupRetentionPeriod: must be a value from 0 to 35" (RDS CreateDBInstance).
    backup_retention_days: int = Field(ge=0, le=35, description="Days of automated backups (point-in-time recovery).")
    backup_window: str = Field(
        default="03:00-03:30",
        description="Daily backup window, UTC.",
        json_schema_extra=allowed("`hh:mm-hh:mm`, at least 30 minutes, apart from the maintenance window"),
    )
    maintenance_window: str = Field(
        default="sun:04:30-sun:05:30",
        description="Weekly maintenance window, UTC.",
        json_schema_extra=allowed("`ddd:hh:mm-ddd:hh:mm`, at least 30 minutes"),
    )
    deletion_protection: bool = Field(description="RDS deletion protection.")
    skip_final_snapshot: bool = Field(description="No final snapshot on delete (also drops the automated backups).")
    performance_insights: bool = Field(
        default=True,
        description="Performance Insights (CloudWatch Database Insights, standard), encrypted with the environment's key.",
    )
    performance_insights_retention_days: int = Field(
        default=7,
        description="Days Performance Insights keeps.",
        json_schema_extra=allowed("7, 31 x n (n = 1..23) or 731"),
    )
    monitoring_interval_seconds: int = Field(
        default=0,
        description="Enhanced Monitoring interval (0: off).",
        json_schema_extra=allowed(", ".join(map(str, MONITORING_INTERVALS))),
    )
    # RDS CreateDBInstance DBName (PostgreSQL): 1 to 63 letters, digits or underscores,
    # starting with a letter; "Can't be a word reserved by the specified database engine".
    database_name: str = Field(
        default="nexus",
        pattern=r"^[a-zA-Z][a-zA-Z0-9_]{0,62}$",
        description="The initial database.",
        json_schema_extra=allowed(
            "an identifier (a letter, then letters, digits, `_`; up to 63), not a PostgreSQL reserved word"
        ),
    )
    # RDS CreateDBInstance MasterUsername (PostgreSQL): 1 to 63 characters starting with a
    # letter; "Can't be a reserved word for the chosen database engine" (see _username).
    master_username: str = Field(
        default="nexus_admin",
        pattern=r"^[a-zA-Z][a-zA-Z0-9_]{0,62}$",
        description="The master user (its password kept by RDS in Secrets Manager, or by the program: master_password).",
        json_schema_extra=allowed("an identifier (up to 63), not a reserved word, not an RDS user, not `pg_*`"),
    )
    log_exports: tuple[Literal["postgresql", "upgrade", "iam-db-auth-error"], ...] = Field(
        default=("postgresql", "upgrade"), description="PostgreSQL logs exported to CloudWatch Logs."
    )
    apply_immediately: bool = Field(
        description="Apply database modifications now, not in the maintenance window; every tier says which (`nexus diff` shows the timing of each change).",
        json_schema_extra=allowed("true/false, set in every stack file"),
    )
    # Who keeps the master password. rds-managed: RDS generates it and keeps it in Secrets
    # Manager (it never passes through config, code or Pulumi state). program: the program
    # generates it (kept in Pulumi state as a secret, encrypted by the stack's secrets provider)
    # and stores it in a secret of the environment's key, shaped like RDS's own; Blue/Green
    # deployments need this (they don't support RDS-managed master passwords).
    master_password: Literal["rds-managed", "program"] = Field(
        default="rds-managed",
        description="Who keeps the master password: RDS in Secrets Manager, or the program (needed by blue_green_update).",
    )
    blue_green_update: bool = Field(
        default=False,
        description="Engine upgrades and other instance changes through an RDS Blue/Green deployment (pulumi-aws `blueGreenUpdate`): about a minute of switchover instead of the upgrade's downtime.",
        json_schema_extra=allowed(
            "true/false; true needs master_password: program and backups (backup_retention_days 1..35)"
        ),
    )

    @field_validator("engine_version", mode="before")
    @classmethod
    def _whole_major(cls, value: Any) -> Any:
        # `engine_version: 16` (a YAML integer) means "16"; a YAML float does not: 16.10 is
        # read as 16.1, so floats are refused with a hint to quote them (see describe).
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

    @field_validator("instance_class")
    @classmethod
    def _instance_class(cls, value: str) -> str:
        # CreateDBInstance refuses any other class for engine postgres; offline, it would
        # surface only as "not priced" in `nexus cost`.
        if value not in RDS_POSTGRES_CLASSES:
            raise unknown_name(
                value, RDS_POSTGRES_CLASSES, "an RDS for PostgreSQL instance class", "see nexus/config/rds_classes.json"
            )
        return value

    @field_validator("database_name")
    @classmethod
    def _database_name(cls, value: str) -> str:
        if value.lower() in POSTGRES_RESERVED_WORDS:
            raise ValueError(
                f"{value!r} is a reserved word of PostgreSQL (SQL Key Words appendix); RDS refuses it as DBName"
            )
        if value.lower() in EXISTING_DATABASES:
            raise ValueError(f"{value!r} already exists on every RDS for PostgreSQL instance; choose another name")
        return value

    @field_validator("master_username")
    @classmethod
    def _username(cls, value: str) -> str:
        name = value.lower()
        if name in POSTGRES_RESERVED_WORDS:
            raise ValueError(f"{value!r} is a reserved word of PostgreSQL (SQL Key Words appendix); RDS refuses it")
        if name in RDS_RESERVED_USERNAMES:
            raise ValueError(f"{value!r} is reserved by RDS for PostgreSQL; choose another name")
        if name.startswith("pg_"):
            # RDS: 'role names starting with "pg_" are reserved by the PostgreSQL engine'.
            raise ValueError(f"{value!r}: role names starting with pg_ are reserved by PostgreSQL")
        return value

    @field_validator("performance_insights_retention_days")
    @classmethod
    def _pi_retention(cls, value: int) -> int:
        return one_of(value, PI_RETENTION_DAYS, "Performance Insights keeps 7 days or whole months (31 x n) or 731")

    # Performance Insights on any class: the RDS user guide ("Amazon RDS DB engine, Region, and
    # instance class support for Database Insights") restricts micro/small classes for RDS for
    # MariaDB and MySQL only, not for RDS for PostgreSQL.

    @field_validator("log_exports")
    @classmethod
    def _log_exports(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        # Each export gets its own log group (/aws/rds/instance/<id>/<log>): a second one of the
        # same name would be a second resource with one URN and one AWS name.
        if twice := duplicates(value):
            raise ValueError(f"{', '.join(twice)} listed more than once; list each log export once")
        return value

    @field_validator("monitoring_interval_seconds")
    @classmethod
    def _monitoring(cls, value: int) -> int:
        return one_of(value, MONITORING_INTERVALS, "RDS Enhanced Monitoring intervals are")

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
    def _blue_green(self) -> DatabaseSettings:
        # RDS User Guide, "Limitations for blue/green deployments": "Blue/green deployments don't
        # support managing master user passwords with AWS Secrets Manager"; pulumi-aws
        # (aws_db_instance): "Backups must be enabled to use low-downtime updates".
        if self.blue_green_update and not self.program_keeps_password:
            raise ValueError(
                "blue_green_update needs master_password: program: RDS Blue/Green deployments don't support a "
                "master password that RDS manages in Secrets Manager (docs/day-two.md, engine upgrades)"
            )
        if self.blue_green_update and self.backup_retention_days == 0:
            raise ValueError("blue_green_update needs automated backups: set backup_retention_days to 1..35")
        return self

    @model_validator(mode="after")
    def _class_runs_the_major(self) -> DatabaseSettings:
        # RDS User Guide, "Supported DB engines for DB instance classes": each class runs some
        # PostgreSQL majors only (CreateDBInstance: "RDS does not support creating a DB instance
        # with the following combination").
        majors = RDS_POSTGRES_CLASSES[self.instance_class]
        if self.major_version not in majors:
            runs = sorted(majors)
            usable = sorted(set(runs) & set(SUPPORTED_POSTGRES_MAJORS))
            advice = (
                f"use engine_version {', '.join(map(str, usable))} or another class"
                if usable
                else f"none of them is one this program accepts ({SUPPORTED_POSTGRES_MAJORS.start}.."
                f"{SUPPORTED_POSTGRES_MAJORS.stop - 1}): choose a current class, e.g. db.m7g.large"
            )
            raise ValueError(
                f"instance_class {self.instance_class} does not run PostgreSQL {self.major_version} "
                f"(engine_version {self.engine_version!r}): RDS for PostgreSQL offers it for "
                f"{_majors_text(runs)} only; {advice}"
            )
        return self

    @model_validator(mode="after")
    def _cross_checks(self) -> DatabaseSettings:
        # RDS user guide, "Managing capacity automatically with Amazon RDS storage autoscaling":
        # "Set the maximum storage threshold to at least 10% more than the currently allocated
        # storage" (else "Invalid max storage size"); 26% or more avoids RDS-EVENT-0225.
        if self.max_allocated_storage_gb * 10 < self.allocated_storage_gb * 11:
            least = -(-self.allocated_storage_gb * 11 // 10)
            raise ValueError(
                f"max_allocated_storage_gb ({self.max_allocated_storage_gb}) must be at least 10% greater than "
                f"allocated_storage_gb ({self.allocated_storage_gb}), so {least} or more: RDS refuses a smaller "
                "autoscaling cap"
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
    def program_keeps_password(self) -> bool:
        return self.master_password == "program"  # noqa: S105 (who keeps it, not a password)

    @property
    def parameter_group_family(self) -> str:
        # RDS names PostgreSQL families by major version from 10 on ("postgres16").
        return f"postgres{self.major_version}"


class LoadBalancerSettings(FrozenModel):
    certificate_arn: str | None = Field(
        default=None,
        description="ACM certificate of the stack's region and account: HTTPS on 443, and 80 redirects.",
        json_schema_extra=allowed("an ACM certificate ARN of the aws partition; not with domain_name"),
    )
    # The other certificate source: the stack requests a public ACM certificate for this name and
    # validates it with DNS records in hosted_zone_id. Left out of the settings document while
    # unset (exclude_if), so plans of stacks that give certificate_arn stay what they were.
    domain_name: str | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="The name the load balancer serves (e.g. `app.example.com`): instead of `certificate_arn`, the stack requests a public ACM certificate for it, validated by DNS in `hosted_zone_id`; the HTTPS listener waits until it is issued ([the HTTPS certificate](runbooks.md#the-https-certificate)).",
        json_schema_extra=allowed(
            "a DNS name of 2+ labels (letters, digits, inner hyphens; each 1..63), at most 64 characters "
            "(ACM's limit for a certificate's first name); a leading `*.` for a wildcard; with hosted_zone_id"
        ),
    )
    hosted_zone_id: str | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        validate_default=True,
        description="With `domain_name`: the Route 53 public hosted zone that holds the name; the validation record (and the alias record) go there.",
        json_schema_extra=allowed("a Route 53 hosted zone ID: `Z` and 1..31 uppercase letters or digits"),
    )
    alias_record: bool | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="With `domain_name`: an alias A record of the name to the load balancer in `hosted_zone_id` (unset: true; false: point the name yourself, e.g. while it still serves elsewhere).",
        json_schema_extra=allowed("true/false, only with domain_name"),
    )
    # Without a certificate the ALB serves plain HTTP; only a stack file that says so may.
    allow_plain_http: bool = Field(
        default=False, description="Without a certificate, serve HTTP on 80 (must be said explicitly)."
    )
    ssl_policy: str = Field(
        default="ELBSecurityPolicy-TLS13-1-2-2021-06",
        description="TLS policy of the HTTPS listener.",
        json_schema_extra=allowed(
            "a TLS 1.2+ ELB policy (`ELBSecurityPolicy-TLS13-1-2-*`, `-TLS13-1-3-*`, `-TLS-1-2-*`, `-FS-1-2-*`)"
        ),
    )
    allowed_ingress_cidrs: tuple[str, ...] = Field(
        default=("0.0.0.0/0",),
        description="Who may reach ports 80/443.",
        json_schema_extra=allowed(
            f"IPv4 CIDRs as `a.b.c.d/n`, each once; one rule per CIDR and port, {INBOUND_RULES_PER_SECURITY_GROUP} per security group"
        ),
    )
    deletion_protection: bool = Field(description="ALB deletion protection.")
    app_port: int = Field(default=8080, ge=1, le=65535, description="The application's port behind the load balancer.")
    health_check_path: str = Field(
        default="/health",
        pattern=r"^/[\x21-\x7e]{0,1023}$",
        description="Target group health check path.",
        json_schema_extra=allowed("`/path`, up to 1024 printable characters"),
    )
    # ALB idle timeout: 1-4000 seconds (ELB attributes).
    idle_timeout_seconds: int = Field(default=60, ge=1, le=4000, description="ALB idle timeout.")

    @field_validator("certificate_arn")
    @classmethod
    def _certificate(cls, value: str | None) -> str | None:
        # The "aws" partition only, like the regions (see other_partition).
        if value is not None and not re.match(r"^arn:aws:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}$", value):
            raise ValueError(f"{value!r} is not an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/UUID)")
        return value

    @field_validator("domain_name")
    @classmethod
    def _domain_name(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return value
        if info.data.get("certificate_arn") is not None:
            raise ValueError(
                "certificate_arn is set too: give one certificate source, certificate_arn (a certificate issued "
                "by hand) or domain_name with hosted_zone_id (the stack requests and validates one)"
            )
        # ACM RequestCertificate DomainName (botocore acm 2015-12-08, DomainNameString): 1..253
        # characters matching (\*\.)?(((?!-)[A-Za-z0-9-]{0,62}[A-Za-z0-9])\.)+((?!-)[A-Za-z0-9-]{1,62}[A-Za-z0-9]),
        # and "the length of the domain name (technically, the Common Name) ... cannot exceed 64
        # octets" (RFC 5280). The provider refuses a trailing period ("cannot end with a period").
        if value.endswith("."):
            raise ValueError(f"ends with a period: write {value.rstrip('.')!r} (the provider refuses the dot)")
        if len(value) > 253:
            raise ValueError(f"{len(value)} characters: a DNS name has at most 253")
        name = value.removeprefix("*.")
        if "*" in name:
            raise ValueError("a wildcard may only be the whole first label: *.example.com")
        labels = name.split(".")
        if len(labels) < 2:
            raise ValueError("not a fully qualified name: write the whole name, e.g. app.example.com")
        for label in labels:
            if not label:
                raise ValueError("has an empty label (two periods in a row, or a leading period)")
            if len(label) > 63:
                raise ValueError(f"label {label[:20]}... has {len(label)} characters: a DNS label has at most 63")
            if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?", label):
                raise ValueError(
                    f"label {label!r}: letters, digits and inner hyphens only (an internationalized name: "
                    "write its xn-- form)"
                )
        if len(labels[-1]) < 2:
            raise ValueError(f"top-level label {labels[-1]!r}: ACM wants at least 2 characters")
        if len(value) > 64:
            raise ValueError(
                f"{len(value)} characters: ACM refuses a certificate's first name (its common name) longer "
                "than 64 (RFC 5280); use a shorter name or a wildcard of its parent"
            )
        return value

    @field_validator("hosted_zone_id")
    @classmethod
    def _hosted_zone(cls, value: str | None, info: ValidationInfo) -> str | None:
        # Route 53 hosted zone IDs (API reference, HostedZone Id: "Maximum length of 32"): Z and
        # upper-case letters and digits, as `aws route53 list-hosted-zones` shows them.
        if value is not None and value.startswith("/hostedzone/"):
            raise ValueError(f"write the zone ID alone: {value.removeprefix('/hostedzone/')!r}")
        if value is not None and not re.fullmatch(r"Z[A-Z0-9]{1,31}", value):
            raise ValueError(
                "not a Route 53 hosted zone ID: Z and 1..31 upper-case letters or digits "
                "(aws route53 list-hosted-zones-by-name --dns-name example.com)"
            )
        if "domain_name" not in info.data:  # domain_name itself is refused
            return value
        domain = info.data["domain_name"]
        if value is None and domain is not None:
            raise ValueError(
                f"required with domain_name: the ID of the Route 53 public hosted zone that holds {domain}, "
                "where the certificate's validation record goes"
            )
        if value is not None and domain is None:
            raise ValueError("set without domain_name: name the domain the stack requests a certificate for")
        return value

    @field_validator("alias_record")
    @classmethod
    def _alias_record(cls, value: bool | None, info: ValidationInfo) -> bool | None:
        if value is not None and "domain_name" in info.data and info.data["domain_name"] is None:
            raise ValueError("is read only with domain_name (the name its alias record points at the load balancer)")
        return value

    @field_validator("ssl_policy")
    @classmethod
    def _ssl_policy(cls, value: str) -> str:
        if not is_tls12_plus_policy(value):
            raise ValueError(
                f"{value!r} is not a TLS 1.2+ ELB policy; use ELBSecurityPolicy-TLS13-1-2-*, -TLS13-1-3-*, "
                "-TLS-1-2-* or -FS-1-2-* (e.g. ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09)"
            )
        return value

    @field_validator("allowed_ingress_cidrs")
    @classmethod
    def _ingress(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("at least one CIDR must be allowed to reach the load balancer")
        for cidr in value:
            ipv4_cidr(cidr)
        # EC2 AuthorizeSecurityGroupIngress refuses a rule that already exists
        # (InvalidPermission.Duplicate): each CIDR becomes one rule per port.
        if twice := duplicates(value):
            raise ValueError(f"{', '.join(twice)} listed more than once; list each CIDR once")
        return value

    @model_validator(mode="after")
    def _rules_per_security_group(self) -> LoadBalancerSettings:
        # VPC user guide, "Amazon VPC quotas": 60 inbound rules per security group (default
        # quota, counted separately for IPv4); one rule per CIDR and listener port (80, and 443
        # with HTTPS).
        ports = 2 if self.https else 1
        if len(self.allowed_ingress_cidrs) * ports > INBOUND_RULES_PER_SECURITY_GROUP:
            raise ValueError(
                f"allowed_ingress_cidrs has {len(self.allowed_ingress_cidrs)} CIDRs x {ports} port(s) = "
                f"{len(self.allowed_ingress_cidrs) * ports} inbound rules; a security group holds "
                f"{INBOUND_RULES_PER_SECURITY_GROUP} (default VPC quota): use at most "
                f"{INBOUND_RULES_PER_SECURITY_GROUP // ports} CIDRs, or wider ones"
            )
        return self

    @model_validator(mode="after")
    def _https_or_explicit_http(self) -> LoadBalancerSettings:
        if not self.https and not self.allow_plain_http:
            raise ValueError(
                "no certificate_arn: set certificate_arn to an ACM certificate, or domain_name and "
                "hosted_zone_id to have the stack request one, or set allow_plain_http: true to accept an "
                "HTTP-only load balancer (development only)"
            )
        return self

    @property
    def https(self) -> bool:
        return self.certificate_arn is not None or self.domain_name is not None

    @property
    def dns_validated(self) -> bool:
        """The stack requests its certificate for domain_name and validates it in hosted_zone_id."""
        return self.domain_name is not None

    @property
    def creates_alias_record(self) -> bool:
        return self.domain_name is not None and self.alias_record is not False


class SecretsSettings(FrozenModel):
    # KMS ScheduleKeyDeletion: "PendingWindowInDays ... minimum 7, maximum 30".
    kms_deletion_window_days: int = Field(ge=7, le=30, description="KMS key deletion window.")
    # Secrets Manager DeleteSecret: RecoveryWindowInDays 7..30, or 0 to delete at once.
    recovery_window_days: int = Field(
        description="Secrets Manager recovery window (0: delete at once).", json_schema_extra=allowed("0 or 7..30")
    )

    @field_validator("recovery_window_days")
    @classmethod
    def _recovery(cls, value: int) -> int:
        if value != 0 and not 7 <= value <= 30:
            raise ValueError(f"{value} is not allowed; Secrets Manager takes 0 (delete at once) or 7..30 days")
        return value


class ProtectionSettings(FrozenModel):
    # Pulumi `protect` on stateful resources: `pulumi destroy` refuses to delete them.
    protect_stateful_resources: bool = Field(
        description="Pulumi `protect` on the database, key, secrets and log buckets."
    )
    # Buckets and DNS zones emptied on destroy, so development stacks tear down completely.
    force_destroy: bool = Field(description="Empty the buckets and the DNS zone on destroy (not with protect).")

    @model_validator(mode="after")
    def _coherent(self) -> ProtectionSettings:
        if self.protect_stateful_resources and self.force_destroy:
            raise ValueError(
                "protect_stateful_resources and force_destroy contradict each other: "
                "a protected environment must not empty its buckets on destroy"
            )
        return self


class AlarmSettings(FrozenModel):
    # CloudWatch alarm periods: 10, 20, 30 or a multiple of 60 seconds (PutMetricAlarm).
    period_seconds: int = Field(
        default=60,
        description="Period of every alarm.",
        json_schema_extra=allowed(
            "10, 20, 30 or a multiple of 60; x evaluation_periods at most one day (seven days for periods of an hour or more)"
        ),
    )
    # PutMetricAlarm "Valid Range: Minimum value of 1"; the upper bound is the evaluation range
    # (period x evaluation periods), checked below.
    evaluation_periods: int = Field(default=3, ge=1, description="Periods an alarm evaluates.")
    alb_5xx_percent: float = Field(default=5.0, gt=0, le=100, description="ALB 5xx responses, percent of requests.")
    target_response_time_seconds: float = Field(default=2.0, gt=0, description="Target response time, p95.")
    # Thresholds travel as doubles (PutMetricAlarm Threshold; Pulumi's wire format too): whole
    # numbers up to 2**53 stay exact, larger ones fail to serialise or lose their value.
    unhealthy_hosts: int = Field(default=1, ge=1, le=2**53, description="Unhealthy targets.")
    db_cpu_percent: float = Field(default=80.0, gt=0, le=100, description="Database CPU.")
    # Percent of the storage autoscaling cap (database.max_allocated_storage_gb) that must stay
    # free. Below it a person must act: the volume has grown to its cap, or autoscaling cannot
    # keep up. Checked against autoscaling's own trigger in Settings.
    db_free_storage_percent_of_cap: float = Field(
        default=1.0,
        gt=0,
        lt=10,
        description="Free storage, percent of `max_allocated_storage_gb` (see [the storage alarm](real-aws.md#the-free-storage-alarm-and-rds-events)).",
    )
    db_freeable_memory_mb: int = Field(
        default=256, ge=1, le=2**53 // 2**20, description="Database freeable memory."
    )  # the threshold is in bytes
    db_connections_percent: float = Field(
        default=80.0, gt=0, le=100, description="Connections, percent of `max_connections`."
    )

    @field_validator("period_seconds")
    @classmethod
    def _period(cls, value: int) -> int:
        if value not in (10, 20, 30) and (value < 60 or value % 60):
            raise ValueError(f"{value} is not a CloudWatch alarm period: use 10, 20, 30 or a multiple of 60")
        return value

    @model_validator(mode="after")
    def _evaluation_range(self) -> AlarmSettings:
        # PutMetricAlarm, Period: "An alarm's total current evaluation period can be no longer
        # than seven days, so Period multiplied by EvaluationPeriods can't be more than 604,800
        # seconds. For alarms with a period of less than one hour (3,600 seconds), the total
        # evaluation period can't be longer than one day (86,400 seconds)."
        limit = max_evaluation_range(self.period_seconds)
        if self.period_seconds * self.evaluation_periods > limit:
            raise ValueError(
                f"period_seconds x evaluation_periods = {self.period_seconds} x {self.evaluation_periods} = "
                f"{self.period_seconds * self.evaluation_periods} s; CloudWatch evaluates at most {limit} s "
                f"({'one day' if limit == 86_400 else 'seven days'}) with this period: use at most "
                f"{limit // self.period_seconds} evaluation periods"
            )
        return self


class MonitoringSettings(FrozenModel):
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(description="Published log level.")
    metrics_retention_days: int = Field(
        description="Retention of every log group and of the access logs.",
        json_schema_extra=allowed("a CloudWatch Logs retention: " + ", ".join(map(str, CLOUDWATCH_RETENTION_DAYS))),
    )
    # The alarms of this stack must reach a person: refuse an alarm topic without subscriber.
    require_alarm_subscribers: bool = Field(
        default=False,
        description="The alarms must reach a person: refused (exit 2, naming `alarm_emails`) without an address.",
    )
    alarm_emails: tuple[str, ...] = Field(
        default=(),
        validate_default=True,
        description="E-mail subscriptions of the alarm topic (alarms and the database's RDS events); `nexus compare` blocks a stack whose alarms reach nobody.",
        json_schema_extra=allowed("e-mail addresses, each once"),
    )
    notify_on_recovery: bool = Field(default=False, description="Alarms also notify when they recover.")
    alarms: AlarmSettings = Field(default=AlarmSettings(), description="Alarm thresholds.")
    # The CloudWatch dashboard: $3 a month each (CloudWatch pricing). The alarms do not need
    # it, and CloudWatch's automatic per-service dashboards show the same metrics for free.
    dashboard: bool = Field(
        default=True, description="The stack's CloudWatch dashboard ($3 a month; see [cost](cost.md))."
    )

    @field_validator("metrics_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        return one_of(value, CLOUDWATCH_RETENTION_DAYS, "CloudWatch Logs retention must be one of")

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
        # SNS Subscribe returns the existing subscription for the same endpoint: two resources
        # would own one subscription, and deleting either would remove it.
        if twice := duplicates(tuple(e.lower() for e in value)):
            raise ValueError(f"{', '.join(twice)} listed more than once; list each address once")
        return value


class SecuritySettings(FrozenModel):
    auth_timeout_seconds: int = Field(ge=60, le=86400, description="Published to the application.")
    max_login_attempts: int = Field(ge=1, le=100, description="Published to the application.")


class PerformanceSettings(FrozenModel):
    cache_ttl_seconds: int = Field(ge=0, le=86400, description="Published to the application.")
    max_workers: int = Field(ge=1, le=256, description="Published to the application.")


_PG_IDENTIFIER = r"^[a-z][a-z0-9_]{0,62}$"


class IdentitySettings(FrozenModel):
    """The application's identity: who may run as its role, and the database user it logs in as."""

    compute_services: tuple[Literal["ecs-tasks", "ec2", "lambda", "eks-pods"], ...] = Field(
        default=("ecs-tasks",),
        description="Who may run as the application role (`ec2` adds an instance profile; `eks-pods`: EKS Pod Identity).",
    )
    # PostgreSQL folds unquoted names to lower case; a lower-case name is the same quoted or not.
    database_user: str = Field(
        default="nexus_app",
        pattern=_PG_IDENTIFIER,
        description="PostgreSQL user the application logs in as (IAM authentication).",
        json_schema_extra=allowed("a lower-case identifier, not the master user nor a reserved one"),
    )

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


class AuditSettings(FrozenModel):
    """Where the environment's audit trail lives. `own`: the environment has an AWS account of
    its own and creates a CloudTrail trail there. `shared-account`: it shares an account whose
    trail (kept by whoever owns the account) already records it; no second trail is created."""

    trail: Literal["own", "shared-account"] = Field(
        default="own",
        description="`own`: the environment has an AWS account of its own and keeps a CloudTrail trail; `shared-account`: the account's trail records it.",
    )
    # Days the trail's log files are kept in S3; default: monitoring.metrics_retention_days.
    retention_days: int | None = Field(
        default=None,
        ge=1,
        le=36500,
        description="Days the trail's log files are kept (unset: `monitoring.metrics_retention_days`).",
    )


# RFC 3339 in UTC, as the provider's restore_time takes it (verify.ValidUTCTimestamp).
_UTC_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


class DisasterRecoverySettings(FrozenModel):
    """Backups in a second region (replicate_backups), and, for a recovery stack, the replicated
    backups its database is restored from (restore_from_stack or restore_from_backups_arn)."""

    replicate_backups: bool = Field(
        default=False,
        description="Replicate the database's automated backups (snapshots and transaction logs) into `recovery_region`, encrypted with a key of the stack's own there ([disaster recovery](disaster-recovery.md)).",
        json_schema_extra=allowed("true/false; true needs recovery_region and backup_retention_days 1..35"),
    )
    recovery_region: str | None = Field(
        default=None,
        description="Where the backups are replicated to and a recovery stack restores them.",
        json_schema_extra=allowed(
            "a region of the aws partition other than the stack's, that RDS replicates backups to from it "
            "(nexus/config/limits.py BACKUP_REPLICATION_DESTINATIONS)"
        ),
    )
    retention_days: int = Field(
        default=7,
        ge=REPLICATED_BACKUP_RETENTION_DAYS.start,
        le=REPLICATED_BACKUP_RETENTION_DAYS.stop - 1,
        description="Days the replicated backups are kept in the recovery region (point-in-time recovery there).",
    )
    max_replication_lag_minutes: int = Field(
        default=60,
        ge=5,
        le=24 * 60,
        description="`nexus verify` fails when the latest restorable time of the replicated backups is older than this (RDS uploads transaction logs every five minutes, then copies them to the recovery region).",
    )
    restore_from_stack: str | None = Field(
        default=None,
        description="A recovery stack: restore the database from the replicated backups of this stack (its `replicated_backups_arn` output, read with a stack reference).",
        json_schema_extra=allowed("a stack name; not with restore_from_backups_arn"),
    )
    restore_from_backups_arn: str | None = Field(
        default=None,
        description="A recovery stack: restore the database from these replicated automated backups (when the source stack's state cannot be read).",
        json_schema_extra=allowed(
            "`arn:aws:rds:<this region>:<this account>:auto-backup:ab-...`; not with restore_from_stack"
        ),
    )
    restore_time: str = Field(
        default="latest",
        description="With a restore source: the point in time restored (`latest`: the latest restorable time).",
        json_schema_extra=allowed("`latest` or a UTC time `YYYY-MM-DDTHH:MM:SSZ`"),
    )

    @field_validator("restore_from_stack")
    @classmethod
    def _source_stack(cls, value: str | None) -> str | None:
        return None if value is None else valid_stack_name(value)

    @field_validator("restore_from_backups_arn")
    @classmethod
    def _backups_arn(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return value
        if info.data.get("restore_from_stack") is not None:
            raise ValueError("restore_from_stack is set too: name one restore source")
        if not AUTOMATED_BACKUPS_ARN.match(value):
            raise ValueError(
                "not the ARN of replicated automated backups (arn:aws:rds:REGION:ACCOUNT:auto-backup:ab-...; "
                "aws rds describe-db-instance-automated-backups --region REGION)"
            )
        return value

    @field_validator("restore_time")
    @classmethod
    def _restore_time(cls, value: str) -> str:
        # RestoreDBInstanceToPointInTime RestoreTime: "Must be a time in Universal Coordinated
        # Time (UTC) format"; the provider parses it as RFC 3339 (verify.ValidUTCTimestamp).
        if value != "latest" and not _UTC_TIMESTAMP.match(value):
            raise ValueError("use latest or a UTC time like 2026-12-01T09:30:00Z")
        if value != "latest":
            try:
                dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise ValueError(f"{value!r} is not a real date and time") from None
        return value

    @model_validator(mode="after")
    def _coherent(self) -> DisasterRecoverySettings:
        if self.replicate_backups and self.recovery_region is None:
            raise ValueError("replicate_backups is true: set recovery_region, the region the backups go to")
        if self.restore_time != "latest" and not self.restores:
            raise ValueError("restore_time is read only with restore_from_stack or restore_from_backups_arn")
        return self

    @property
    def restores(self) -> bool:
        """A recovery stack: its database is restored from replicated backups, not created empty."""
        return self.restore_from_stack is not None or self.restore_from_backups_arn is not None


class Settings(FrozenModel):
    """Everything one stack declares. `stack` and `region` come from the CLI and `aws:region`."""

    stack: str
    region: str = Field(
        description="The region of the stack.",
        json_schema_extra=allowed("a region of the aws partition (China, GovCloud, ISO, EUSC refused)"),
    )
    # The AWS account this stack belongs to; the provider refuses any other
    # (allowed_account_ids). A string: unquoted, YAML reads a number and drops leading zeros.
    account_id: str = Field(
        description="The stack's AWS account: the provider refuses any other (`allowed_account_ids`) and the program stops first, naming both.",
        json_schema_extra=allowed("12 digits, quoted"),
    )
    # `aws:defaultTags` of the stack file ({"tags": {...}}): extra tags on every resource.
    aws_default_tags: dict[str, Any] = Field(
        default_factory=dict,
        description="Extra tags on every resource: `{tags: {Key: value}}`.",
        json_schema_extra=allowed(
            f"AWS tag text, at most {MAX_TAGS_PER_RESOURCE - len(PROGRAM_TAG_KEYS) - len(RESOURCE_TAG_KEYS)} tags, not the program's keys"
        ),
    )
    environment: Literal["production", "staging", "development"] = Field(
        description="The tier, for tags and published settings; never derived from the stack name."
    )
    application: ApplicationSettings = Field(description="Shared application settings.")
    features: FeatureSettings = Field(description="Shared feature switches.")
    limits: LimitSettings = Field(description="Shared limits.")
    network: NetworkSettings = Field(description="The VPC.")
    database: DatabaseSettings = Field(description="The PostgreSQL database.")
    load_balancer: LoadBalancerSettings = Field(description="The application load balancer.")
    secrets: SecretsSettings = Field(description="The key and the secrets.")
    protection: ProtectionSettings = Field(description="What survives a destroy.")
    monitoring: MonitoringSettings = Field(description="Logs, alarms, dashboard.")
    security: SecuritySettings = Field(description="Published security settings.")
    performance: PerformanceSettings = Field(description="Published performance settings.")
    identity: IdentitySettings = Field(default=IdentitySettings(), description="The application's identity.")
    audit: AuditSettings = Field(default=AuditSettings(), description="The audit trail.")
    disaster_recovery: DisasterRecoverySettings = Field(
        default=DisasterRecoverySettings(), description="Backups in a second region; restoring from them."
    )

    @field_validator("stack")
    @classmethod
    def _stack(cls, value: str) -> str:
        return valid_stack_name(value)

    @field_validator("account_id", mode="before")
    @classmethod
    def _account(cls, value: Any) -> Any:
        # A number comes only from the stack file read offline: the CLI passes text.
        if isinstance(value, int | float) and not isinstance(value, bool):
            text = str(getattr(value, "yaml_text", value))
            example = text if re.fullmatch(r"\d{12}", text) else "123456789012"
            fix = "quote it" if example == text else "an account ID is 12 digits, quoted"
            raise ValueError(
                f"YAML reads an unquoted {text} as a number (and drops leading zeros); "
                f'{fix}: {PROJECT}:account_id: "{example}"'
            )
        if not isinstance(value, str) or not re.fullmatch(r"\d{12}", value):
            raise ValueError(
                f"{value!r} is not an AWS account ID: 12 digits, quoted "
                '(nexus:account_id: "123456789012"; unquoted, YAML reads a number and drops leading zeros)'
            )
        return value

    @field_validator("region", mode="before")
    @classmethod
    def _region(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value  # "Input should be a valid string" (or "required" when unset)
        if partition := other_partition(value):
            raise ValueError(
                f"{value} is a region of partition {partition}; this program supports the aws partition "
                "only (its ARNs, service principals and log-delivery accounts): use a commercial region"
            )
        if not REGION_NAME.match(value):
            raise ValueError(f"{value!r} is not an AWS region name like us-east-1")
        # A region without a zone ID table (ZONE_ID_PREFIXES) is a typo or a region this
        # program was never told about: one line here, and no certificate or zone messages
        # that follow only from it (the model validators run on valid fields only).
        # docs/real-aws.md (Regions) says what a new region needs.
        if value not in KNOWN_REGIONS:
            raise unknown_name(value, KNOWN_REGIONS, "an AWS region this project knows", "docs/real-aws.md#regions")
        return value

    @field_validator("aws_default_tags", mode="before")
    @classmethod
    def _aws_default_tags(cls, value: Any) -> Any:
        if value is None:
            return {}
        if not isinstance(value, dict) or set(value) - {"tags"}:
            raise ValueError("must be a mapping with one key, tags: {Key: value, ...} (pulumi-aws defaultTags)")
        tags = value.get("tags") or {}
        if not isinstance(tags, dict):
            raise ValueError("tags must be a mapping of tag keys to values")
        for key, text in tags.items():
            if problem := tag_text_problem(key, key=True):
                raise ValueError(f"tags.{key}: {problem}")
            if key in PROGRAM_TAG_KEYS or key in RESOURCE_TAG_KEYS:
                raise ValueError(f"tags.{key} is set by the program on every resource; choose another key")
            if problem := tag_text_problem(text, key=False):
                raise ValueError(f"tags.{key}: {problem}")
        room = MAX_TAGS_PER_RESOURCE - len(PROGRAM_TAG_KEYS) - len(RESOURCE_TAG_KEYS)
        if len(tags) > room:
            raise ValueError(
                f"{len(tags)} tags; AWS allows {MAX_TAGS_PER_RESOURCE} per resource and the program sets "
                f"{MAX_TAGS_PER_RESOURCE - room}: at most {room} here"
            )
        return {"tags": dict(tags)}

    @property
    def extra_tags(self) -> dict[str, str]:
        """Tags of the stack file's aws:defaultTags, validated (see _aws_default_tags)."""
        return dict(self.aws_default_tags.get("tags") or {})

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
        prefix = ZONE_ID_PREFIXES[self.region]  # every region that passes _region has one
        zones = self.network.availability_zones
        foreign = [z for z in zones if not re.fullmatch(rf"{prefix}-az\d+", z)]
        if foreign:
            raise ValueError(
                f"{PROJECT}:network.availability_zones = {', '.join(foreign)}: not a regular Availability Zone "
                f"ID of {self.region} (those look like {prefix}-az1; Local and Wavelength Zones are refused)"
            )
        return self

    @model_validator(mode="after")
    def _backups_where_protected(self) -> Settings:
        # BackupRetentionPeriod 0 turns automated backups off: RDS deletes the existing ones and
        # point-in-time recovery ends, with a brief outage (ModifyDBInstance: changing between 0
        # and a non-zero value "causes an outage"). An environment whose data is protected keeps
        # them.
        if self.protection.protect_stateful_resources and self.database.backup_retention_days == 0:
            raise ValueError(
                f"{PROJECT}:database.backup_retention_days = 0 turns off automated backups (and deletes the "
                f"existing ones) while {PROJECT}:protection.protect_stateful_resources is true: keep 1..35 days"
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

    @field_validator("disaster_recovery")
    @classmethod
    def _recovery_region(cls, value: DisasterRecoverySettings, info: ValidationInfo) -> DisasterRecoverySettings:
        region, database = info.data.get("region"), info.data.get("database")
        target = value.recovery_region
        if target is not None and region is not None:
            if target == region:
                raise ValueError(
                    f"recovery_region {target} is the stack's own region: a regional outage would take both copies; "
                    "name another region"
                )
            if partition := other_partition(target):
                raise ValueError(
                    f"recovery_region {target} is a region of partition {partition}: RDS replicates backups within "
                    "a partition, and this program supports the aws partition only"
                )
            if target not in KNOWN_REGIONS:
                hint = closest(target, KNOWN_REGIONS)
                raise ValueError(
                    f"recovery_region {target} is not an AWS region this project knows"
                    + (f" (did you mean {hint}?)" if hint else " (docs/real-aws.md#regions)")
                )
            destinations = BACKUP_REPLICATION_DESTINATIONS.get(region, frozenset())
            if value.replicate_backups and target not in destinations:
                offered = ", ".join(sorted(destinations)) or "none in the table"
                raise ValueError(
                    f"recovery_region {target}: RDS does not replicate automated backups from {region} to it "
                    f"(RDS User Guide, Replicating automated backups, AWS Region support); from {region}: {offered}"
                )
        # The engine needs no check here: "Amazon RDS supports backup replication for all
        # currently available versions of RDS for PostgreSQL" (RDS User Guide, "Supported Regions
        # and DB engines for cross-Region automated backups"). Whether the recovery region offers
        # the instance class is not in the offline table (rds_classes.json is not per region;
        # docs/real-aws.md, Instance classes, says how to look).
        if value.replicate_backups and database is not None and database.backup_retention_days == 0:
            raise ValueError(
                f"replicate_backups needs automated backups: {PROJECT}:database.backup_retention_days is 0 (use 1..35)"
            )
        arn = value.restore_from_backups_arn
        if arn is not None and region is not None:
            m = AUTOMATED_BACKUPS_ARN.match(arn)
            assert m  # checked by the model
            if m[1] != region:
                raise ValueError(
                    f"restore_from_backups_arn is in {m[1]} but the stack deploys to {region}: RDS restores "
                    "replicated backups in the region that holds them"
                )
            account = info.data.get("account_id")
            if account is not None and m[2] != account:
                raise ValueError(
                    f"restore_from_backups_arn belongs to account {m[2]} but {PROJECT}:account_id is {account}"
                )
        if value.restore_from_stack is not None and value.restore_from_stack == info.data.get("stack"):
            raise ValueError("restore_from_stack names this stack: name the stack whose backups are restored")
        return value

    @property
    def audit_retention_days(self) -> int:
        return self.audit.retention_days or self.monitoring.metrics_retention_days


# --------------------------------------------------------------------------- loading


def parse_settings(
    raw: dict[str, Any], *, stack: str, region: str | None, source: str, default_tags: Any = None
) -> Settings:
    """Validate raw `nexus:*` values (namespace stripped) or raise SettingsError naming each key.
    `default_tags` is the stack's `aws:defaultTags` value, if any."""
    settings, problems = validate_settings(raw, stack=stack, region=region, default_tags=default_tags)
    if settings is None:
        raise SettingsError(source, [problem for _, problem in problems])
    return settings


# Settings fields the CLI fills (the stack name, aws:region, aws:defaultTags), never nexus:* keys.
INTERNAL_FIELDS = ("stack", "region", "aws_default_tags")


def validate_settings(
    raw: dict[str, Any], *, stack: str, region: str | None, default_tags: Any = None
) -> tuple[Settings | None, list[tuple[str, str]]]:
    """Settings, or None and the problems as (top-level field, message): the field ("database",
    "region") tells the caller which file holds the mistake."""
    if internal := sorted(k for k in INTERNAL_FIELDS if k in raw):
        return None, [(k, f"{PROJECT}:{k}: unknown key (set by the CLI or the aws namespace)") for k in internal]
    # Without aws:region pydantic would say "expected text, found nothing": say "not set".
    data = {
        **raw,
        "stack": stack,
        **({"region": region} if region is not None else {}),
        **({"aws_default_tags": default_tags} if default_tags is not None else {}),
    }
    try:
        return Settings.model_validate(data), []
    except ValidationError as exc:
        errors = exc.errors()
    # A misspelled key also leaves the real one unset: say "did you mean" once, not also "required".
    suggested = {(tuple(e["loc"][:-1]), hint) for e in errors if (hint := suggestion(e, Settings)) is not None}
    return None, [
        (str(e["loc"][0]) if e["loc"] else "", describe(e, Settings))
        for e in errors
        if not (e["type"] == "missing" and (tuple(e["loc"][:-1]), str(e["loc"][-1])) in suggested)
    ]


def settings_from_cli_config(config: dict[str, str], *, stack: str, source: str) -> Settings:
    """Settings from config as the Pulumi CLI passes it to a program: every value a string,
    objects as JSON. Only `nexus:*` keys and `aws:region` are read."""
    ns = f"{PROJECT}:"
    # account_id stays the string it is ("012345678901" must not become a number).
    raw = {
        key[len(ns) :]: value if key == f"{ns}account_id" else decode_cli_value(value)
        for key, value in config.items()
        if key.startswith(ns)
    }
    tags = decode_cli_value(config["aws:defaultTags"]) if "aws:defaultTags" in config else None
    return parse_settings(raw, stack=stack, region=config.get("aws:region"), source=source, default_tags=tags)


# --------------------------------------------------------------------------- bootstrap
