"""Hypothesis strategies for whole stack files, one explicit strategy per settings key.

FIELDS lists every `nexus:*` key with the values AWS accepts (`good`) and values just beyond
or plainly wrong (`bad`, refused naming that key). A new key, or a key whose type changes
(e.g. network.availability_zones becoming a list of zone IDs), is one entry here. Rules
between keys (storage cap and allocation, backup and maintenance windows, alarm period and
evaluation periods, listener ports and ingress rules) are drawn together in CROSS, with the
key the refusal must name computed from AWS's rule, independently of nexus.config.environment.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from nexus.config.limits import CLOUDWATCH_RETENTION_DAYS, ZONE_ID_PREFIXES

S = st.SearchStrategy


@dataclass(frozen=True)
class Field:
    good: S[Any]
    bad: S[Any] | None = None
    optional: bool = False  # the key has a default and may be left out


@dataclass
class StackFile:
    """One generated project: stack name, Pulumi.yaml config, stack file config, and the keys a
    refusal must name (key -> True when only checked if the rest of its section is valid)."""

    stack: str
    project: dict[str, Any]
    config: dict[str, Any]
    expected: dict[str, bool] = field(default_factory=dict)
    has_date: bool = False  # or another value the file and the CLI read differently (skips that comparison)


def ints(low: int, high: int) -> S[int]:
    """Whole range, with the limits themselves drawn often."""
    return st.one_of(st.sampled_from([low, high]), st.integers(low, high))


def beyond(low: int | None, high: int | None) -> S[int]:
    return st.sampled_from([v for v in ((low - 1) if low is not None else None, (high + 1) if high is not None else None)
                            if v is not None])  # fmt: skip


def text(alphabet: str, low: int, high: int) -> S[str]:
    return st.text(alphabet, min_size=low, max_size=high)


def cidrs(low: int, high: int, bases: tuple[str, ...] = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")) -> S[str]:
    def build(base: str, prefix: int, offset: int) -> str:
        net = ipaddress.IPv4Network(base)
        prefix = max(prefix, net.prefixlen)
        return str(ipaddress.IPv4Network((int(net.network_address) + offset % net.num_addresses, prefix), strict=False))

    return st.builds(build, st.sampled_from(bases), st.integers(low, high), st.integers(0, 2**32 - 1))


DATE = dt.date(2026, 11, 30)
TAG_ALPHABET = "abcXYZ019 +-=._:/@éß"
REGIONS = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-2", "ap-southeast-3", "ap-east-2",
           "il-central-1", "mx-central-1", "ca-west-1", "me-central-1", "af-south-1", "sa-east-1"]  # fmt: skip
OTHER_PARTITIONS = ["cn-north-1", "cn-northwest-1", "us-gov-west-1", "us-gov-east-1", "us-iso-east-1",
                    "us-isob-east-1", "eu-isoe-west-1", "eusc-de-east-1", "mars-1", "US-EAST-1", "us_east_1"]  # fmt: skip
# Regions of the aws partition that no AWS region has (refused as unknown, with a did-you-mean).
UNKNOWN_REGIONS = ["us-east-7", "eu-west-9", "sa-north-3"]
# Instance classes, written by hand from the RDS User Guide ("Supported DB engines for DB
# instance classes", PostgreSQL column), not from the program's table: real classes that run
# every major 13..18; names RDS has no class for (no micro m5, no medium r6g, no db.t5, x2g from
# large, m7g up to 16xlarge); and previous-generation classes that run majors below 13 only.
CLASSES = ["db.t3.micro", "db.t4g.micro", "db.t4g.small", "db.t4g.medium", "db.m5.large", "db.m7g.large",
           "db.r6g.large", "db.r6i.32xlarge", "db.r7i.48xlarge", "db.x2iedn.32xlarge"]  # fmt: skip
NOT_CLASSES = ["db.t4g.mediun", "db.m5.micro", "db.r6g.medium", "db.t5.large", "db.x2g.medium", "db.m7g.48xlarge"]
BEFORE_13_CLASSES = ["db.t2.micro", "db.m4.large", "db.r4.xlarge"]
TLS_GOOD = ["ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-TLS13-1-3-2021-06",
            "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09", "ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09",
            "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09", "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
            "ELBSecurityPolicy-FS-1-2-Res-2020-10", "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04"]  # fmt: skip
TLS_BAD = ["ELBSecurityPolicy-2016-08", "ELBSecurityPolicy-TLS13-1-1-2021-06", "ELBSecurityPolicy-TLS13-1-0-2021-06",
           "ELBSecurityPolicy-TLS-1-1-2017-01", "ELBSecurityPolicy-FS-1-1-2019-08", "ELBSecurityPolicy-FS-2018-06",
           "TLS13-1-2"]  # fmt: skip
PI_DAYS = [7, 31, 62, 93, 186, 372, 713, 731]
IDENT = st.from_regex(r"[a-zA-Z][a-zA-Z0-9_]{0,20}", fullmatch=True)
HUGE = st.sampled_from([10**6, 2**53])  # large: CloudWatch thresholds are doubles, exact up to 2**53

FIELDS: dict[str, Field] = {
    # Pulumi.yaml (shared)
    "application.name": Field(text(TAG_ALPHABET, 1, 256), st.sampled_from(["", "x" * 257, "NEXUS <Platform>", "a!", DATE])),
    "application.version": Field(st.from_regex(r"\d{1,3}\.\d{1,3}\.\d{1,3}", fullmatch=True), st.sampled_from(["1.0", "v1.0.0"])),
    "features.automation": Field(st.booleans()),
    "features.monitoring": Field(st.booleans()),
    "features.security": Field(st.booleans()),
    "limits.max_file_size_mb": Field(ints(1, 5120), beyond(1, 5120)),
    "limits.max_requests_per_minute": Field(ints(10, 2_000_000_000), beyond(10, 2_000_000_000)),
    # per stack
    "environment": Field(st.sampled_from(["production", "staging", "development"]), st.sampled_from(["prod", ""])),
    "network.cidr": Field(
        cidrs(16, 23),
        st.sampled_from(["10.20.0.1/16", "10.0.0.0/24", "10.0.0.0/15", "8.8.0.0/16", "10.0.0.0", "10.0.0.0/255.255.0.0"]),
    ),
    "network.nat_gateways": Field(st.sampled_from(["none", "single", "one_per_az"]), st.just("two")),
    "network.flow_logs": Field(st.booleans(), optional=True),
    "network.flow_logs_traffic_type": Field(st.sampled_from(["ACCEPT", "REJECT", "ALL"]), st.just("all"), optional=True),
    "database.engine_version": Field(
        st.builds(lambda m, minor: f"{m}{minor}", st.integers(13, 18), st.sampled_from(["", ".1", ".12"])),
        st.sampled_from(["12", "19", "9.6", "16.x", "latest"]),
    ),
    "database.instance_class": Field(st.sampled_from(CLASSES), st.sampled_from(["t4g.micro", "db.T4G.micro", "db.t4g", *NOT_CLASSES])),
    "database.port": Field(ints(1150, 65535), beyond(1150, 65535)),
    "database.ssl": Field(st.booleans()),
    "database.max_connections": Field(ints(6, 8388607), beyond(6, 8388607)),
    "database.multi_az": Field(st.booleans()),
    "database.backup_retention_days": Field(ints(0, 35), beyond(0, 35)),
    "database.deletion_protection": Field(st.booleans()),
    "database.skip_final_snapshot": Field(st.booleans()),
    "database.performance_insights": Field(st.booleans(), optional=True),
    "database.performance_insights_retention_days": Field(st.sampled_from(PI_DAYS), st.sampled_from([0, 8, 30, 732]), optional=True),
    "database.monitoring_interval_seconds": Field(st.sampled_from([0, 1, 5, 10, 15, 30, 60]), st.sampled_from([2, 120]), optional=True),
    "database.database_name": Field(
        st.one_of(IDENT, st.just("postgres")),
        st.sampled_from(["table", "user", "Select", "current_user", "template1", "1abc", "a-b", "x" * 64]),
        optional=True,
    ),
    "database.master_username": Field(
        st.one_of(IDENT.filter(lambda n: not n.lower().startswith("pg_")), st.sampled_from(["postgres", "nexus_admin"])),
        st.sampled_from(["admin", "rdsadmin", "pg_owner", "user", "PUBLIC", "9lives", "group"]),
        optional=True,
    ),
    "database.log_exports": Field(
        st.lists(st.sampled_from(["postgresql", "upgrade", "iam-db-auth-error"]), unique=True, max_size=3),
        st.sampled_from([["postgresql", "postgresql"], ["audit"], ["upgrade", "postgresql", "upgrade"]]),
        optional=True,
    ),
    "database.apply_immediately": Field(st.booleans()),
    # Blue/Green needs a program-kept master password and backups (checked together in CROSS).
    "database.blue_green_update": Field(st.booleans(), optional=True),
    "database.master_password": Field(st.sampled_from(["rds-managed", "program"]), st.sampled_from(["aws", "none", ""]), optional=True),
    "load_balancer.ssl_policy": Field(st.sampled_from(TLS_GOOD), st.sampled_from(TLS_BAD), optional=True),
    "load_balancer.deletion_protection": Field(st.booleans()),
    "load_balancer.app_port": Field(ints(1, 65535), beyond(1, 65535), optional=True),
    "load_balancer.health_check_path": Field(
        st.builds(lambda p: "/" + p, text("abz09-_./~", 0, 40)), st.sampled_from(["health", "/a b", ""]), optional=True
    ),
    "load_balancer.idle_timeout_seconds": Field(ints(1, 4000), beyond(1, 4000), optional=True),
    "secrets.kms_deletion_window_days": Field(ints(7, 30), beyond(7, 30)),
    "secrets.recovery_window_days": Field(st.one_of(st.just(0), ints(7, 30)), st.sampled_from([1, 6, 31, -1])),
    "protection.protect_stateful_resources": Field(st.booleans()),
    "protection.force_destroy": Field(st.booleans()),
    "monitoring.log_level": Field(st.sampled_from(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]), st.just("VERBOSE")),
    "monitoring.metrics_retention_days": Field(st.sampled_from(CLOUDWATCH_RETENTION_DAYS), st.sampled_from([0, 2, 10, 4000])),
    "monitoring.alarm_emails": Field(
        st.lists(st.sampled_from(["ops@example.com", "a.b+c@example.org", "x@y.io"]), unique=True, max_size=3),
        st.sampled_from([["ops@example.com", "ops@example.com"], ["OPS@example.com", "ops@example.com"], ["not-an-email"]]),
        optional=True,
    ),
    "monitoring.notify_on_recovery": Field(st.booleans(), optional=True),
    "monitoring.dashboard": Field(st.booleans(), optional=True),
    "monitoring.alarms.alb_5xx_percent": Field(st.floats(0.001, 100), st.sampled_from([0, 100.5, math.inf, math.nan]), optional=True),
    "monitoring.alarms.target_response_time_seconds": Field(st.one_of(st.floats(0.001, 1e6), HUGE), st.sampled_from([0, -1, math.inf]), optional=True),
    "monitoring.alarms.unhealthy_hosts": Field(st.one_of(ints(1, 1000), HUGE), st.sampled_from([0, 2**53 + 1, 10**400]), optional=True),
    "monitoring.alarms.db_cpu_percent": Field(st.floats(0.001, 100), st.sampled_from([0, 100.5, math.nan]), optional=True),
    "monitoring.alarms.db_freeable_memory_mb": Field(ints(1, 2**33), st.sampled_from([0, 2**33 + 1, 10**400]), optional=True),
    "monitoring.alarms.db_connections_percent": Field(st.floats(0.001, 100), st.sampled_from([0, 101]), optional=True),
    "security.auth_timeout_seconds": Field(ints(60, 86400), beyond(60, 86400)),
    "security.max_login_attempts": Field(ints(1, 100), beyond(1, 100)),
    "performance.cache_ttl_seconds": Field(ints(0, 86400), beyond(0, 86400)),
    "performance.max_workers": Field(ints(1, 256), beyond(1, 256)),
    "identity.compute_services": Field(
        st.lists(st.sampled_from(["ecs-tasks", "ec2", "lambda", "eks-pods"]), unique=True, min_size=1, max_size=4),
        st.sampled_from([[], ["ecs-tasks", "ecs-tasks"], ["fargate"]]),
        optional=True,
    ),
    "identity.database_user": Field(
        st.sampled_from(["nexus_app", "svc_reader_7", "app"]), st.sampled_from(["postgres", "pg_app", "Nexus-App", "rds_iam"]), optional=True
    ),
    "audit.trail": Field(st.sampled_from(["own", "shared-account"]), st.just("shared"), optional=True),
    "audit.retention_days": Field(ints(1, 36500), beyond(1, 36500), optional=True),
}  # fmt: skip
SHARED_SECTIONS = ("application", "features", "limits")  # live in Pulumi.yaml


def _put(tree: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for part in parents:
        tree = tree.setdefault(part, {})
    tree[leaf] = value


def _weekly_minutes(start: int, length: int) -> set[int]:
    return {(start + k) % 10080 for k in range(length)}


@st.composite
def stack_files(draw: Callable[..., Any], bad_percent: int = 10) -> StackFile:
    """A whole project: every key drawn from FIELDS (bad with `bad_percent`), then CROSS rules."""

    def bad_now() -> bool:
        return draw(st.integers(0, 99)) >= 100 - bad_percent

    values: dict[str, Any] = {}
    expected: dict[str, bool] = {}
    for key, spec in FIELDS.items():
        if spec.optional and draw(st.integers(0, 3)) == 0:
            continue
        if spec.bad is not None and bad_now():
            values[key] = draw(spec.bad)
            expected[f"nexus:{key}"] = False
        else:
            values[key] = draw(spec.good)

    region = draw(st.sampled_from(OTHER_PARTITIONS + UNKNOWN_REGIONS)) if bad_now() else draw(st.sampled_from(REGIONS))
    if region in OTHER_PARTITIONS + UNKNOWN_REGIONS:
        expected["aws:region"] = False

    # Zones: 2..4 distinct regular-AZ IDs of the region ("<prefix>-az<n>", AWS Regions and Zones
    # guide); every region here has at least az1..az3.
    prefix = ZONE_ID_PREFIXES.get(region, "use1")
    # A list of one, a repeated zone or text is refused with the field; a Local Zone or another
    # region's zone only once every other setting is valid (the check needs the region).
    foreign_zone = False
    if bad_now():
        field_level = [[f"{prefix}-az1"], [f"{prefix}-az1", f"{prefix}-az1"], "use1-az1"]
        region_level = [["use1-bos1-az1", f"{prefix}-az2"], [f"{prefix}-az1", "zz9-az2"]]
        zones = draw(st.sampled_from(field_level + region_level))
        values["network.availability_zones"] = zones
        foreign_zone = zones in region_level
        if not foreign_zone:
            expected["nexus:network.availability_zones"] = False
    else:
        ids = draw(st.lists(st.integers(1, 3), unique=True, min_size=2, max_size=3))
        values["network.availability_zones"] = [f"{prefix}-az{i}" for i in ids]

    # The account: 12 digits as text (certificates below are of this placeholder account).
    # Unquoted, YAML reads a number: refused from the file, text once the CLI passes it on.
    cli_may_differ = False
    if bad_now():
        values["account_id"] = draw(st.sampled_from(["12345678901", "1234567890123", "acct-1", 123456789012]))
        expected["nexus:account_id"] = False
        cli_may_differ = values["account_id"] == 123456789012
    else:
        values["account_id"] = "123456789012"

    # Alarms must reach someone where the file says so.
    if draw(st.booleans()):
        values["monitoring.require_alarm_subscribers"] = True
        if not values.get("monitoring.alarm_emails") and "nexus:monitoring.alarm_emails" not in expected:
            if bad_now():
                expected["nexus:monitoring.alarm_emails"] = False
            else:
                values["monitoring.alarm_emails"] = ["oncall@example.com"]

    # Storage: the cap at least 10% above the allocation (RDS storage autoscaling), at the edge.
    if bad_now():
        allocated = draw(st.one_of(ints(20, 59578), beyond(20, 65536)))
        cap = draw(st.sampled_from([-(-allocated * 11 // 10) - 1, 21, 65537]))
    else:
        allocated = draw(ints(20, 59578))
        cap = draw(st.one_of(st.just(-(-allocated * 11 // 10)), ints(-(-allocated * 11 // 10), 65536)))
    values["database.allocated_storage_gb"], values["database.max_allocated_storage_gb"] = allocated, cap
    if not 20 <= allocated <= 65536:
        expected["nexus:database.allocated_storage_gb"] = False
    if not 22 <= cap <= 65536:
        expected["nexus:database.max_allocated_storage_gb"] = False
    elif cap * 10 < allocated * 11 and 20 <= allocated <= 65536:
        expected["nexus:database"] = True
    # The free-storage alarm (percent of the cap) must page only below autoscaling's own trigger,
    # 10 % free of the allocation (RDS user guide, storage autoscaling); its own range is (0, 10).
    if bad_now():
        values["monitoring.alarms.db_free_storage_percent_of_cap"] = draw(st.sampled_from([0, 10, -math.inf, math.nan]))
        expected["nexus:monitoring.alarms.db_free_storage_percent_of_cap"] = False
    else:
        most = 10 * max(allocated, 20) / max(cap, 22)
        values["monitoring.alarms.db_free_storage_percent_of_cap"] = draw(
            st.floats(0.001, min(max(most * 0.99, 0.001), 9.99))
        )

    # Windows, around day and week boundaries: at least 30 minutes each (RDS), never overlapping.
    days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    b_start = draw(st.sampled_from([1410, 0, 1439, 180]))
    b_len = draw(st.sampled_from([29, 30, 31, 480])) if bad_now() else draw(st.sampled_from([30, 31, 60]))
    m_day, m_start = draw(st.integers(0, 6)), draw(st.sampled_from([1410, 0, 1439, 210, 630]))
    m_len = draw(st.sampled_from([29, 30, 1440, 2880])) if bad_now() else draw(st.sampled_from([30, 60, 1440]))
    backup = set().union(*(_weekly_minutes(d * 1440 + b_start, b_len) for d in range(7)))
    m_abs = m_day * 1440 + m_start
    if b_len >= 30 and m_len >= 30 and backup & _weekly_minutes(m_abs, m_len) and not bad_now():
        m_abs, m_len = (b_start + b_len + m_day * 1440) % 10080, 30  # right after a backup window: apart

    def hhmm(minute: int) -> str:
        return f"{minute % 1440 // 60:02d}:{minute % 60:02d}"

    m_end = (m_abs + m_len) % 10080
    values["database.backup_window"] = f"{hhmm(b_start)}-{hhmm(b_start + b_len)}"
    values["database.maintenance_window"] = f"{days[m_abs // 1440]}:{hhmm(m_abs)}-{days[m_end // 1440]}:{hhmm(m_end)}"
    if b_len < 30:
        expected["nexus:database.backup_window"] = False
    if m_len < 30:
        expected["nexus:database.maintenance_window"] = False
    if b_len >= 30 and m_len >= 30 and backup & _weekly_minutes(m_abs, m_len):
        expected["nexus:database"] = True

    # Alarms: period x evaluation periods within one day (period < 1 h) or seven days (PutMetricAlarm).
    bad_alarm = bad_now()
    period = draw(st.sampled_from([60, 10, 20, 30, 300, 3540, 3600, 7200, 86400] + ([0, 45, 90] if bad_alarm else [])))
    limit = 86_400 if period < 3600 else 604_800
    good_period = period in (10, 20, 30) or (period >= 60 and period % 60 == 0)
    top = limit // period if good_period else 5
    periods = draw(st.sampled_from([top + 1, 0]) if bad_alarm else st.one_of(st.integers(1, 5), st.just(top)))
    values["monitoring.alarms.period_seconds"], values["monitoring.alarms.evaluation_periods"] = period, periods
    if not good_period:
        expected["nexus:monitoring.alarms.period_seconds"] = False
    if periods < 1:
        expected["nexus:monitoring.alarms.evaluation_periods"] = False
    elif good_period and period * periods > limit:
        expected["nexus:monitoring.alarms"] = True

    # Load balancer: HTTPS with a certificate of the stack's region, or HTTP said explicitly;
    # one inbound rule per CIDR and port, 60 per security group (VPC quotas), no duplicates.
    https = draw(st.booleans())
    if https and draw(st.booleans()):
        # Or a certificate the stack requests for a name and validates in the public zone that
        # holds it: DNS labels of 1..63, ACM's 64 characters at most for a certificate's first
        # name, a leading `*.`; Route 53 zone IDs of at most 32 characters (Z first).
        label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
        values["load_balancer.domain_name"] = draw(st.one_of(
            st.builds(lambda wild, labels: ("*." if wild else "") + ".".join(labels) + ".example.com",
                      st.booleans(), st.lists(label, min_size=1, max_size=3)),
            st.sampled_from(["x" * 52 + ".example.com", "*." + "x" * 50 + ".example.com", "A-1.Example.COM"]),
        ))  # fmt: skip
        values["load_balancer.hosted_zone_id"] = "Z" + draw(text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 1, 31))
        if draw(st.booleans()):
            values["load_balancer.alias_record"] = draw(st.booleans())
        if bad_now():
            key, value = draw(st.sampled_from([
                ("domain_name", "app.example.com."), ("domain_name", "x" * 53 + ".example.com"),
                ("domain_name", "localhost"), ("domain_name", "a..example.com"), ("domain_name", "a.*.example.com"),
                ("hosted_zone_id", None), ("hosted_zone_id", "/hostedzone/Z1"), ("hosted_zone_id", "Z" + "A" * 32),
                ("certificate_arn", f"arn:aws:acm:{region}:123456789012:certificate/00000000-0000-4000-8000-000000000001"),
            ]))  # fmt: skip
            if value is None:
                values.pop(f"load_balancer.{key}")
            else:
                values[f"load_balancer.{key}"] = value
            # Both sources: refused naming domain_name (the second one given).
            expected[f"nexus:load_balancer.{'domain_name' if key == 'certificate_arn' else key}"] = False
    elif https:
        values["load_balancer.certificate_arn"] = (
            f"arn:aws:acm:{region}:123456789012:certificate/00000000-0000-4000-8000-000000000001"
        )
    else:
        values["load_balancer.allow_plain_http"] = not bad_now()
        if not values["load_balancer.allow_plain_http"]:
            expected["nexus:load_balancer"] = True
    quota = 30 if https else 60
    count = draw(st.sampled_from([quota + 1, 61]) if bad_now() else st.sampled_from([1, 2, 3, quota]))
    # Distinct networks of one prefix: start + i x step (step odd, so distinct modulo 2**prefix).
    prefix = draw(st.integers(12, 32))
    start, step = draw(st.integers(0, 2**prefix - 1)), draw(st.integers(0, 2**prefix // 2 - 1)) * 2 + 1
    shift = 32 - prefix
    ingress = [f"{ipaddress.IPv4Address(((start + i * step) % 2**prefix) << shift)}/{prefix}" for i in range(count)]
    if draw(st.booleans()) and "0.0.0.0/0" not in ingress:
        ingress[0] = "0.0.0.0/0"  # the whole internet, as the stack files say by default
    if bad_now():
        ingress.append(draw(st.sampled_from([ingress[0], "203.0.113.5"])))
        expected["nexus:load_balancer.allowed_ingress_cidrs"] = False
    elif len(ingress) * (2 if https else 1) > 60:
        expected["nexus:load_balancer"] = True
    values["load_balancer.allowed_ingress_cidrs"] = ingress

    if values.get("protection.protect_stateful_resources") and values.get("protection.force_destroy"):
        if bad_now():
            expected["nexus:protection"] = True
        else:
            values["protection.force_destroy"] = False

    # Backups off (retention 0) where the data is protected is refused by a rule across two
    # sections, which runs only when every section is valid: never drawn here (a case that
    # only sometimes names its key is no property); tests/config/test_environment.py refuses it.
    if values.get("protection.protect_stateful_resources") and values.get("database.backup_retention_days") == 0:
        values["database.backup_retention_days"] = 1

    # RDS Blue/Green deployments don't support an RDS-managed master password ("Limitations for
    # blue/green deployments") and need automated backups (pulumi-aws aws_db_instance docs).
    if (
        values.get("database.blue_green_update") is True
        and "nexus:database.master_password" not in expected
        and (values.get("database.master_password") != "program" or values.get("database.backup_retention_days") == 0)
    ):
        expected["nexus:database"] = True

    # A real class that runs none of the majors drawn (13..18): refused naming the database
    # section, where instance_class and engine_version meet (the class check runs only when
    # both are valid).
    if "nexus:database.instance_class" not in expected and bad_now():
        values["database.instance_class"] = draw(st.sampled_from(BEFORE_13_CLASSES))
        expected["nexus:database"] = True

    stack = draw(
        st.one_of(
            st.from_regex(r"[a-z0-9]{1,10}(-[a-z0-9]{1,10}){0,3}", fullmatch=True),
            st.sampled_from(["1st", "development-pr-" + "9" * 25, "a" * 40]),
        )
    )
    if bad_now():
        stack = draw(st.sampled_from(["a" * 41, "Staging", "dev--x", "dev_x", "dev-", "-dev"]))
        expected["stack name"] = False

    config: dict[str, Any] = {"aws:region": region, "pulumi:disable-default-providers": ["aws"]}
    project: dict[str, Any] = {}
    tree: dict[str, Any] = {}
    for key, value in values.items():
        _put(tree, key, value)
    for section, body in tree.items():
        (project if section in SHARED_SECTIONS else config)[f"nexus:{section}"] = body

    if draw(st.booleans()):
        tags = draw(st.dictionaries(text(TAG_ALPHABET, 1, 128).filter(lambda k: not k.lower().startswith("aws:")),
                                    text(TAG_ALPHABET, 0, 256), max_size=4))  # fmt: skip
        tags = {k: v for k, v in tags.items() if k not in ("Project", "Application", "Environment", "Stack",
                                                            "ManagedBy", "Name", "Tier")}  # fmt: skip
        if bad_now():
            key, value = draw(st.sampled_from([("Owner", DATE), ("CostCenter", 1234), ("aws:owner", "x"), ("a!", "x"),
                                               ("Owner", "x" * 257), ("Environment", "x"), ("Owner", None)]))  # fmt: skip
            tags[key] = value
            expected["aws:defaultTags"] = False
        config["aws:defaultTags"] = {"tags": tags}

    if foreign_zone and not expected:  # every other setting valid: the region check runs
        expected["nexus:network.availability_zones"] = False
    has_date = (
        cli_may_differ
        or any(isinstance(v, dt.date) for v in values.values())
        or (
            "aws:defaultTags" in config
            and any(isinstance(v, dt.date) for v in config["aws:defaultTags"]["tags"].values())
        )
    )
    return StackFile(stack, project, config, expected, has_date)
