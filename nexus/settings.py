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
import difflib
import ipaddress
import json
import math
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

# ELB security policies that negotiate TLS 1.2 or newer only. A fixed list goes stale (AWS
# published the post-quantum "-PQ-2025-09" family in 2025), so the rule follows how AWS names
# its policies (ELB user guide, "Security policies for your Application Load Balancer"): the
# family says the lowest protocol version after its prefix: "TLS13-1-2"/"TLS13-1-3" (the TLS
# 1.3 families; TLS13-1-0 and TLS13-1-1 also admit 1.0/1.1), "TLS-1-2" and "FS-1-2"; then
# variants (Res, Ext0..2, FIPS, PQ, RFC9151, ...) and the publication date. Plain
# "ELBSecurityPolicy-2016-08" and the 1-0/1-1 families allow TLS 1.0/1.1 and do not match. A
# name that fits the rule but that AWS never published is refused by ELB at deploy
# (SSLPolicyNotFound). TLS12_PLUS_POLICIES: published examples from the docs (tests use them).
TLS12_PLUS_POLICY = re.compile(r"^ELBSecurityPolicy-(TLS13-1-[23]|TLS-1-2|FS-1-2)(-[A-Za-z0-9]+)*-\d{4}-\d{2}$")
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
    "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-PQ-2025-09",
)


def is_tls12_plus_policy(name: object) -> bool:
    """Whether an ELB security policy name admits TLS 1.2 or newer only (see TLS12_PLUS_POLICY)."""
    return isinstance(name, str) and TLS12_PLUS_POLICY.match(name) is not None


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

# Stack names may start with a digit: every AWS name we build starts with "nexus-" (Naming),
# which satisfies the rules that want a leading letter (RDS identifiers, parameter groups).
_STACK_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MAX_STACK_NAME = 40


# Regions of other partitions: their ARNs ("arn:aws-cn:"), service principals and ELB
# log-delivery accounts differ, and this program writes those of the "aws" partition
# (AWS General Reference, "AWS partitions"). Refused with one line rather than half-supported.
def other_partition(region: str) -> str | None:
    """The partition of a region outside "aws" (cn-*, us-gov-*, *-iso*-*, eusc-*), else None."""
    if m := re.match(r"^[a-z]{2}-iso([a-z]?)-", region):
        return "aws-iso" + (f"-{m[1]}" if m[1] else "")
    for prefix, partition in (("cn-", "aws-cn"), ("us-gov-", "aws-us-gov"), ("eusc-", "aws-eusc")):
        if region.startswith(prefix):
            return partition
    return None


_REGION = re.compile(r"^[a-z]{2}-[a-z]+-\d{1,2}$")

# Tag rules common to AWS services (Tagging AWS Resources user guide, "Tag naming limits and
# requirements"): keys 1..128 and values 0..256 Unicode characters; letters, digits, spaces
# and + - = . _ : / @ only; keys starting with "aws:" are reserved; at most 50 tags per resource.
MAX_TAG_KEY, MAX_TAG_VALUE, MAX_TAGS_PER_RESOURCE = 128, 256, 50
_TAG_PUNCTUATION = frozenset("+-=._:/@")
# Tags the program sets on every resource (components.naming.default_tags) and per resource
# ("Name", "Tier"): stack-file tags may not redefine them, and they count against the 50.
PROGRAM_TAG_KEYS = ("Project", "Application", "Environment", "Stack", "ManagedBy")
RESOURCE_TAG_KEYS = ("Name", "Tier")


def tag_text_problem(text: object, *, key: bool) -> str | None:
    """Why `text` cannot be a tag key (key=True) or value, or None when AWS accepts it."""
    what, limit = ("tag key", MAX_TAG_KEY) if key else ("tag value", MAX_TAG_VALUE)
    if text is None:
        return f"a {what} must be text, not empty (write '' for an empty value)"
    if not isinstance(text, str):
        hint = " (YAML read a date: quote it)" if isinstance(text, (dt.date, dt.datetime)) else " (quote it)"
        return f"a {what} must be text, not {type(text).__name__}{hint}"
    if key and not text:
        return "a tag key must not be empty"
    if len(text) > limit:
        return f"a {what} has at most {limit} characters, this one {len(text)}"
    bad = sorted({c for c in text if not (c.isalnum() or c == " " or c in _TAG_PUNCTUATION)})
    if bad:
        return f"{''.join(bad)!r} not allowed in a {what}: AWS accepts letters, digits, spaces and + - = . _ : / @"
    if key and text.lower().startswith("aws:"):
        return "tag keys starting with 'aws:' are reserved by AWS"
    return None


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


def valid_stack_name(value: str) -> str:
    """Stack names become part of S3 bucket, RDS and ALB names: lowercase letters, digits and
    single hyphens only (S3 bucket naming rules; RDS identifiers refuse "--")."""
    if len(value) > MAX_STACK_NAME or not _STACK_NAME.match(value):
        raise ValueError(
            f"{value!r}: stack names must be lowercase letters, digits and single hyphens "
            f"(not at either end), at most {MAX_STACK_NAME} characters"
        )
    return value


class _Model(BaseModel):
    # No NaN or infinity anywhere: AWS APIs take finite numbers, and Pulumi cannot send .inf.
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


def _ipv4_cidr(value: str) -> ipaddress.IPv4Network:
    """An IPv4 network written exactly as AWS wants it: a.b.c.d/n, no host bits, no netmask form."""
    try:
        net = ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not an IPv4 network in CIDR form ({exc})") from None
    if "/" not in value:
        # EC2 takes CIDR notation only (AuthorizeSecurityGroupIngress CidrIp, CreateVpc CidrBlock).
        raise ValueError(f"{value!r} has no prefix length; write {net} for this one address")
    if str(net) != value:
        raise ValueError(f"{value!r} is not in canonical CIDR notation; write {net}")
    return net


def _one_of(value: int, allowed: tuple[int, ...], rule: str) -> int:
    if value not in allowed:
        raise ValueError(f"{value} is not allowed; {rule}: {', '.join(map(str, allowed))}")
    return value


# PostgreSQL's reserved key words, "reserved" and "reserved (can be function or type)" in the
# PostgreSQL column of the manual's appendix "SQL Key Words" (src/include/parser/kwlist.h:
# RESERVED_KEYWORD, TYPE_FUNC_NAME_KEYWORD), the union over majors 13..18. RDS refuses them as
# DBName and MasterUsername ("can't be a word reserved by the specified database engine").
POSTGRES_RESERVED_WORDS = frozenset(
    """all analyse analyze and any array as asc asymmetric both case cast check collate column
    constraint create current_catalog current_date current_role current_time current_timestamp
    current_user default deferrable desc distinct do else end except false fetch for foreign from
    grant group having in initially intersect into lateral leading limit localtime localtimestamp
    not null offset on only or order placing primary references returning select session_user
    some symmetric system_user table then to trailing true union unique user using variadic when
    where window with
    authorization binary collation concurrently cross current_schema freeze full ilike inner is
    isnull join left like natural notnull outer overlaps right similar tablesample verbose""".split()  # noqa: SIM905
)
# Master user names RDS for PostgreSQL refuses beyond the key words: "rdsadmin" (RDS's own
# administrator, every engine), "admin" ("MasterUsername admin cannot be used as it is a
# reserved word used by the engine": aws-cdk #5076, #10597; cfn-lint #4425, which also
# confirms that "postgres" is accepted), "public" and "none" (PostgreSQL: role names that are
# reserved), and RDS's built-in roles. Names starting with pg_ are checked apart.
RDS_RESERVED_USERNAMES = frozenset({"rdsadmin", "admin", "public", "none", "rds_superuser", "rds_replication",
                                    "rds_iam", "rds_password"})  # fmt: skip
# Databases every RDS for PostgreSQL instance already has: CREATE DATABASE of these fails.
EXISTING_DATABASES = frozenset({"template0", "template1", "rdsadmin"})

# VPC user guide, "Amazon VPC quotas": inbound (and outbound) rules per security group, 60 by
# default (adjustable).
INBOUND_RULES_PER_SECURITY_GROUP = 60


def max_evaluation_range(period_seconds: int) -> int:
    """Longest period x evaluation periods CloudWatch accepts (PutMetricAlarm, Period)."""
    return 86_400 if period_seconds < 3600 else 604_800


def _duplicates(values: tuple[str, ...]) -> list[str]:
    return sorted({v for v in values if values.count(v) > 1})


# --------------------------------------------------------------------------- shared (Pulumi.yaml)


class ApplicationSettings(_Model):
    # Published to the application and written into every resource's "Application" tag, so it
    # follows the tag-value rules (see tag_text_problem).
    name: str = Field(min_length=1, max_length=MAX_TAG_VALUE)
    version: str = Field(pattern=r"^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$")

    @field_validator("name")
    @classmethod
    def _name_is_a_tag_value(cls, value: str) -> str:
        if problem := tag_text_problem(value, key=False):
            raise ValueError(f"{problem} (it becomes the Application tag)")
        return value


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
        net = _ipv4_cidr(value)
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
    # Storage autoscaling cap: at least 10% above the allocated storage (checked below).
    max_allocated_storage_gb: int = Field(ge=22, le=65536)
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
    # RDS CreateDBInstance DBName (PostgreSQL): 1 to 63 letters, digits or underscores,
    # starting with a letter; "Can't be a word reserved by the specified database engine".
    database_name: str = Field(default="nexus", pattern=r"^[a-zA-Z][a-zA-Z0-9_]{0,62}$")
    # RDS CreateDBInstance MasterUsername (PostgreSQL): 1 to 63 characters starting with a
    # letter; "Can't be a reserved word for the chosen database engine" (see _username).
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
        return _one_of(value, PI_RETENTION_DAYS, "Performance Insights keeps 7 days or whole months (31 x n) or 731")

    # Performance Insights on any class: the RDS user guide ("Amazon RDS DB engine, Region, and
    # instance class support for Database Insights") restricts micro/small classes for RDS for
    # MariaDB and MySQL only, not for RDS for PostgreSQL.

    @field_validator("log_exports")
    @classmethod
    def _log_exports(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        # Each export gets its own log group (/aws/rds/instance/<id>/<log>): a second one of the
        # same name would be a second resource with one URN and one AWS name.
        if twice := _duplicates(value):
            raise ValueError(f"{', '.join(twice)} listed more than once; list each log export once")
        return value

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
        # The "aws" partition only, like the regions (see other_partition).
        if value is not None and not re.match(r"^arn:aws:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}$", value):
            raise ValueError(f"{value!r} is not an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/UUID)")
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
            _ipv4_cidr(cidr)
        # EC2 AuthorizeSecurityGroupIngress refuses a rule that already exists
        # (InvalidPermission.Duplicate): each CIDR becomes one rule per port.
        if twice := _duplicates(value):
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
    # PutMetricAlarm "Valid Range: Minimum value of 1"; the upper bound is the evaluation range
    # (period x evaluation periods), checked below.
    evaluation_periods: int = Field(default=3, ge=1)
    alb_5xx_percent: float = Field(default=5.0, gt=0, le=100)
    target_response_time_seconds: float = Field(default=2.0, gt=0)
    # Thresholds travel as doubles (PutMetricAlarm Threshold; Pulumi's wire format too): whole
    # numbers up to 2**53 stay exact, larger ones fail to serialise or lose their value.
    unhealthy_hosts: int = Field(default=1, ge=1, le=2**53)
    db_cpu_percent: float = Field(default=80.0, gt=0, le=100)
    # Percent of the storage autoscaling cap (database.max_allocated_storage_gb) that must stay
    # free. Below it a person must act: the volume has grown to its cap, or autoscaling cannot
    # keep up. Checked against autoscaling's own trigger in Settings.
    db_free_storage_percent_of_cap: float = Field(default=1.0, gt=0, lt=10)
    db_freeable_memory_mb: int = Field(default=256, ge=1, le=2**53 // 2**20)  # the threshold is in bytes
    db_connections_percent: float = Field(default=80.0, gt=0, le=100)

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
        # SNS Subscribe returns the existing subscription for the same endpoint: two resources
        # would own one subscription, and deleting either would remove it.
        if twice := _duplicates(tuple(e.lower() for e in value)):
            raise ValueError(f"{', '.join(twice)} listed more than once; list each address once")
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
    region: str
    # The AWS account this stack belongs to; the provider refuses any other
    # (allowed_account_ids). A string: unquoted, YAML reads a number and drops leading zeros.
    account_id: str
    # `aws:defaultTags` of the stack file ({"tags": {...}}): extra tags on every resource.
    aws_default_tags: dict[str, Any] = Field(default_factory=dict)
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
        return valid_stack_name(value)

    @field_validator("account_id", mode="before")
    @classmethod
    def _account(cls, value: Any) -> Any:
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
        if not _REGION.match(value):
            raise ValueError(f"{value!r} is not an AWS region name like us-east-1")
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
    if isinstance(value, float) and not hasattr(value, "yaml_text") and not math.isfinite(value):
        text = ".nan" if math.isnan(value) else ".inf" if value > 0 else "-.inf"  # as YAML writes them
    elif isinstance(value, int | float):
        text = str(getattr(value, "yaml_text", value))
    else:
        text = repr(value) if isinstance(value, str) else json.dumps(value, default=str)
    # One line, not the length of a novel (a 300-character tag value).
    return text if len(text) <= 80 else f"{text[:60]}... ({len(text)} characters)"


def _key(loc: list[str]) -> str:
    if loc and loc[0] == "region":
        return "aws:region"
    if loc and loc[0] == "aws_default_tags":
        return "aws:defaultTags"
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
    if err["type"] == "string_type" and isinstance(value, dt.date | dt.datetime):
        return f"{key} = {value}: expected text, found a date (YAML read a date here: quote it)"
    if err["type"] == "string_type" and isinstance(value, int | float) and not isinstance(value, bool):
        text = yaml_text(value)
        read_as = f" (YAML reads unquoted {text} as the number {value})" if text != str(value) else ""
        return f'{key} = {text}: expected text, found a number{read_as}; put it in quotes: "{text}"'
    if err["type"] in EXPECTED:
        return f"{key} = {yaml_text(value)}: expected {EXPECTED[err['type']]}, found {yaml_kind(value)}"
    if err["type"] == "finite_number":
        return f"{key} = {yaml_text(value)}: must be a finite number (not .inf or .nan)"
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
    internal = ("stack", "region", "aws_default_tags")
    return [name for name in model.model_fields if not (model is Settings and name in internal)]


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
    tags = _decode(config["aws:defaultTags"]) if "aws:defaultTags" in config else None
    return parse_settings(raw, stack=stack, region=config.get("aws:region"), source=source, default_tags=tags)


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
        return valid_stack_name(value)

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
