"""AWS limits and tables the settings are checked against, each with the AWS document it
mirrors: log retention values, TLS policies, engine versions, RDS instance classes (table in
rds_classes.json), regions and zone ID prefixes, tag rules, reserved words. Pure data and
predicates: nothing here knows the settings schema."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

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


# CloudWatch Logs PutRetentionPolicy accepts only these values (AWS API reference,
# "retentionInDays ... Valid values are: 1, 3, 5, 7, 14, 30, 60, 90, 120, ...").
CLOUDWATCH_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip


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


REGION_NAME = re.compile(r"^[a-z]{2}-[a-z]+-\d{1,2}$")


# The regions of the aws partition this program knows: those whose zone IDs it can check
# (ZONE_ID_PREFIXES). docs/real-aws.md (Regions) lists what else a new one needs.
KNOWN_REGIONS = tuple(sorted(r for r in ZONE_ID_PREFIXES if other_partition(r) is None))


# The DB instance classes RDS offers for RDS for PostgreSQL and the majors each runs, from
# the RDS User Guide ("Supported DB engines for DB instance classes"): nexus/config/rds_classes.json
# holds the table, its sources, the date it was read and how to refresh it
# (`aws rds describe-orderable-db-instance-options --engine postgres`).
RDS_CLASSES_FILE = Path(__file__).with_name("rds_classes.json")


def _postgres_classes(path: Path = RDS_CLASSES_FILE) -> dict[str, frozenset[int]]:
    table = json.loads(path.read_text())
    return {
        f"{family}.{size}": frozenset(entry["majors"])
        for family, entry in table["families"].items()
        for size in entry["sizes"]
    }


RDS_POSTGRES_CLASSES = _postgres_classes()


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


# Cross-Region automated backup replication of RDS DB instances works between some Region
# pairs only: destination Regions per source Region, from the RDS User Guide "Replicating
# automated backups to another AWS Region", section "AWS Region support" (table "Backup
# replication is supported between the following AWS Regions"), as AWS last published it in
# the awsdocs/amazon-rds-user-guide repository (doc_source/USER_ReplicateBackups.md, read on
# 2026-12-08). AWS has added Regions since: a pair missing here may work today. Refresh with
# `aws rds describe-source-regions --region DESTINATION` (SupportsDBInstanceAutomatedBackupsReplication
# per source Region) and correct the table; the China and GovCloud pairs of that table are left
# out (other partitions are refused).
BACKUP_REPLICATION_DESTINATIONS: dict[str, frozenset[str]] = {
    source: frozenset(destinations.split())
    for source, destinations in {
        "ap-south-1": "ap-southeast-1 us-east-1 us-east-2 us-west-2",
        "ap-northeast-3": "ap-northeast-1",
        "ap-northeast-2": "ap-southeast-1 ap-northeast-1 us-east-1 us-east-2 us-west-2",
        "ap-southeast-1": "ap-south-1 ap-northeast-2 ap-southeast-2 ap-northeast-1 us-east-1 us-east-2 us-west-2",
        "ap-southeast-2": "ap-southeast-1 us-east-1 us-west-1 us-west-2",
        "ap-northeast-1": "ap-northeast-3 ap-northeast-2 ap-southeast-1 us-east-1 us-east-2 us-west-2",
        "ca-central-1": "eu-west-1 us-east-1 us-east-2 us-west-1 us-west-2",
        "eu-central-1": "eu-west-1 eu-west-2 eu-west-3 eu-north-1 us-east-1 us-east-2 us-west-2",
        "eu-west-1": "ca-central-1 eu-central-1 eu-west-2 eu-west-3 eu-north-1 us-east-1 us-east-2 us-west-1 us-west-2",
        "eu-west-2": "eu-central-1 eu-west-1 eu-west-3 eu-north-1 us-east-1",
        "eu-west-3": "eu-central-1 eu-west-1 eu-west-2 eu-north-1 us-east-1",
        "eu-north-1": "eu-central-1 eu-west-1 eu-west-2 eu-west-3 us-east-1",
        "sa-east-1": "us-east-1 us-east-2",
        "us-east-1": "ap-south-1 ap-northeast-2 ap-southeast-1 ap-southeast-2 ap-northeast-1 ca-central-1 "
        "eu-central-1 eu-west-1 eu-west-2 eu-west-3 eu-north-1 sa-east-1 us-east-2 us-west-1 us-west-2",
        "us-east-2": "ap-south-1 ap-northeast-2 ap-southeast-1 ap-northeast-1 ca-central-1 eu-central-1 "
        "eu-west-1 sa-east-1 us-east-1 us-west-1 us-west-2",
        "us-west-1": "ap-southeast-2 ca-central-1 eu-west-1 us-east-1 us-east-2 us-west-2",
        "us-west-2": "ap-south-1 ap-northeast-2 ap-southeast-1 ap-southeast-2 ap-northeast-1 ca-central-1 "
        "eu-central-1 eu-west-1 us-east-1 us-east-2 us-west-1",
    }.items()
}


# RDS automated backups are kept 1..35 days when on (CreateDBInstance BackupRetentionPeriod:
# "Must be a value from 0 to 35", 0 turning them off); StartDBInstanceAutomatedBackupsReplication
# takes a BackupRetentionPeriod "for the replicated automated backups" (botocore rds
# 2014-10-31) with the same bound, and replication needs backups on, so 0 is not a value.
REPLICATED_BACKUP_RETENTION_DAYS = range(1, 36)


# The ARN of replicated automated backups (RDS DBInstanceAutomatedBackup
# DBInstanceAutomatedBackupsArn, e.g. arn:aws:rds:us-east-1:123456789012:auto-backup:ab-L2IJCEXJP7XQ7HOJ4SIEXAMPLE).
AUTOMATED_BACKUPS_ARN = re.compile(r"^arn:aws:rds:([a-z0-9-]+):(\d{12}):auto-backup:ab-[A-Za-z0-9]+$")
