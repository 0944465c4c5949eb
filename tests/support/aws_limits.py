"""AWS limits the project knows, checked on what a plan declares (wire form, camelCase inputs).

Independent of nexus.config.environment on purpose: the property tests generate settings, the program
turns them into resources, and this module checks the resources against the AWS rules as the
services state them. A setting that validation lets through but AWS would refuse fails here.
Each rule names its AWS source.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from nexus.config.limits import CLOUDWATCH_RETENTION_DAYS, is_tls12_plus_policy

Resource = dict[str, Any]

# (type, input) -> (max length, pattern) of physical names, from each service's API reference.
NAMES: dict[tuple[str, str], tuple[int, str]] = {
    # ELB CreateLoadBalancer/CreateTargetGroup Name: 32 alphanumerics or hyphens, no hyphen at
    # either end, not starting with "internal-".
    ("aws:lb/loadBalancer:LoadBalancer", "name"): (32, r"^(?!internal-)[A-Za-z0-9](-?[A-Za-z0-9])*$"),
    ("aws:lb/targetGroup:TargetGroup", "name"): (32, r"^[A-Za-z0-9](-?[A-Za-z0-9])*$"),
    # RDS CreateDBInstance DBInstanceIdentifier: 1..63 lowercase letters, digits, hyphens; a
    # letter first; no "--", no hyphen at the end. The same rules for DB parameter groups and
    # for DB snapshot identifiers (up to 255).
    ("aws:rds/instance:Instance", "identifier"): (63, r"^[a-z](-?[a-z0-9])*$"),
    ("aws:rds/instance:Instance", "finalSnapshotIdentifier"): (255, r"^[a-z](-?[a-z0-9])*$"),
    ("aws:rds/parameterGroup:ParameterGroup", "name"): (255, r"^[a-z](-?[a-z0-9])*$"),
    # CreateDBSubnetGroup: up to 255 letters, digits, periods, underscores, spaces or hyphens.
    ("aws:rds/subnetGroup:SubnetGroup", "name"): (255, r"^[a-z0-9._ -]+$"),
    # S3 "General purpose bucket naming rules": 3..63, lowercase letters, digits, dots and
    # hyphens, a letter or digit at both ends (the prefixes and suffixes AWS reserves: below).
    ("aws:s3/bucket:Bucket", "bucket"): (63, r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"),
    # EC2 CreateSecurityGroup GroupName: up to 255 characters, not starting with "sg-".
    ("aws:ec2/securityGroup:SecurityGroup", "name"): (255, r"^(?!sg-)[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]+$"),
    # IAM CreateRole RoleName: up to 64 of [\w+=,.@-].
    ("aws:iam/role:Role", "name"): (64, r"^[\w+=,.@-]+$"),
    # CloudWatch Logs CreateLogGroup: up to 512 of [\.\-_/#A-Za-z0-9].
    ("aws:cloudwatch/logGroup:LogGroup", "name"): (512, r"^[.\-_/#A-Za-z0-9]+$"),
    # PutMetricAlarm AlarmName: 1..255; PutDashboard DashboardName: up to 255 of [A-Za-z0-9_-].
    ("aws:cloudwatch/metricAlarm:MetricAlarm", "name"): (255, r"^[^\x00-\x1f]+$"),
    ("aws:cloudwatch/dashboard:Dashboard", "dashboardName"): (255, r"^[A-Za-z0-9_-]+$"),
    # SNS CreateTopic Name: up to 256 of [A-Za-z0-9_-].
    ("aws:sns/topic:Topic", "name"): (256, r"^[A-Za-z0-9_-]+$"),
    # WAFv2 CreateWebACL Name: 1..128 of [\w-].
    ("aws:wafv2/webAcl:WebAcl", "name"): (128, r"^[\w-]+$"),
    # KMS CreateAlias: up to 256, "alias/" then [a-zA-Z0-9/_-], not "alias/aws/".
    ("aws:kms/alias:Alias", "name"): (256, r"^alias/(?!aws/)[a-zA-Z0-9/_-]+$"),
    # Secrets Manager CreateSecret Name: up to 512 of [A-Za-z0-9/_+=.@-].
    ("aws:secretsmanager/secret:Secret", "name"): (512, r"^[A-Za-z0-9/_+=.@-]+$"),
    # SSM PutParameter Name: up to 2048 of [a-zA-Z0-9_.\-/] (hierarchy depth checked below).
    ("aws:ssm/parameter:Parameter", "name"): (2048, r"^[a-zA-Z0-9_./-]+$"),
}
# S3 bucket naming rules: reserved prefixes and suffixes.
S3_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
S3_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
# Tagging AWS resources, "Tag naming limits and requirements".
TAG_TEXT = re.compile(r"^[\w .:/=+\-@]*$")
SG_RULES_PER_DIRECTION = 60  # VPC quotas: inbound or outbound rules per security group
RDS_LOG_EXPORTS = {"postgresql", "upgrade", "iam-db-auth-error"}


def violations(plan: dict[str, Any]) -> list[str]:
    """Every AWS limit a plan JSON (Plan.to_json()) breaks, one line each."""
    found: list[str] = []
    resources = [r for r in plan["resources"] if r.get("custom")]
    for r in resources:
        label = f"{r['type']} {r['name']}"
        for problem in _resource(r):
            found.append(f"{label}: {problem}")
    found += _across(resources)
    return found


def _resource(r: Resource) -> list[str]:
    t, i = r["type"], r.get("inputs") or {}
    out: list[str] = []
    for (typ, key), (limit, pattern) in NAMES.items():
        if typ == t and key in i:
            value = i[key]
            if not isinstance(value, str) or not value or len(value) > limit or not re.match(pattern, value):
                out.append(f"{key} {value!r} breaks the AWS rule (at most {limit}, {pattern})")
    out += [p for p in _tags(i.get("tags") or {})]
    check = _CHECKS.get(t)
    if check:
        out += check(i)
    out += [f"non-finite number in {key}" for key, v in _numbers(i) if not math.isfinite(v)]
    return out


def _numbers(value: Any, path: str = "") -> list[tuple[str, float]]:
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [(path, float(value))]
    if isinstance(value, dict):
        return [n for k, v in value.items() for n in _numbers(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [n for k, v in enumerate(value) for n in _numbers(v, f"{path}[{k}]")]
    return []


def _tags(tags: dict[str, Any]) -> list[str]:
    out = []
    if len(tags) > 50:
        out.append(f"{len(tags)} tags; AWS allows 50 per resource")
    for key, value in tags.items():
        if not isinstance(key, str) or not 1 <= len(key) <= 128 or not TAG_TEXT.match(key) or key.startswith("aws:"):
            out.append(f"tag key {key!r} breaks the tag rules")
        if not isinstance(value, str) or len(value) > 256 or not TAG_TEXT.match(value):
            out.append(f"tag value {value!r} of {key!r} breaks the tag rules")
    return out


def _cidr(value: Any, low: int = 0, high: int = 32) -> str | None:
    try:
        net = ipaddress.IPv4Network(value, strict=True)
    except (ValueError, TypeError):
        return f"{value!r} is not an IPv4 CIDR"
    if str(net) != value:
        return f"{value!r} is not in canonical CIDR notation"
    if not low <= net.prefixlen <= high:
        return f"{value!r}: prefix outside /{low}../{high}"
    return None


def _provider(i: dict[str, Any]) -> list[str]:
    raw = i.get("defaultTags") or "{}"
    tags = (json.loads(raw) if isinstance(raw, str) else raw).get("tags") or {}
    # Resource tags "Name" and "Tier" come on top of the default tags.
    return _tags(tags) + ([f"{len(tags)} default tags leave no room for Name and Tier"] if len(tags) > 48 else [])


def _rds(i: dict[str, Any]) -> list[str]:
    out = []
    # RDS for PostgreSQL gp3: 20..65536 GiB; autoscaling cap at least 10% above (RDS user guide).
    allocated, cap = i.get("allocatedStorage"), i.get("maxAllocatedStorage")
    if not 20 <= allocated <= 65536:
        out.append(f"allocatedStorage {allocated} outside 20..65536")
    if cap is not None and (cap > 65536 or cap * 10 < allocated * 11):
        out.append(f"maxAllocatedStorage {cap} is not at least 10% above {allocated} (or above 65536)")
    if not 0 <= i.get("backupRetentionPeriod", 0) <= 35:
        out.append("backupRetentionPeriod outside 0..35")
    if not 1150 <= i.get("port", 5432) <= 65535:
        out.append("port outside 1150..65535")
    if not re.match(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$", i.get("backupWindow", "")):
        out.append(f"backupWindow {i.get('backupWindow')!r} is not hh:mm-hh:mm")
    day = r"(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d"
    if not re.match(f"^{day}-{day}$", i.get("maintenanceWindow", "")):
        out.append(f"maintenanceWindow {i.get('maintenanceWindow')!r} is not ddd:hh:mm-ddd:hh:mm")
    if i.get("monitoringInterval", 0) not in (0, 1, 5, 10, 15, 30, 60):
        out.append("monitoringInterval not one of 0, 1, 5, 10, 15, 30, 60")
    pi = i.get("performanceInsightsRetentionPeriod")
    if pi is not None and not (pi in (7, 731) or (pi % 31 == 0 and 31 <= pi <= 713)):
        out.append(f"performanceInsightsRetentionPeriod {pi} not 7, 31 x n or 731")
    exports = i.get("enabledCloudwatchLogsExports") or []
    if len(set(exports)) != len(exports) or not set(exports) <= RDS_LOG_EXPORTS:
        out.append(f"enabledCloudwatchLogsExports {exports} has duplicates or unknown logs")
    # A restore takes both from its backups (the provider sends neither: instance.go).
    for key in () if i.get("restoreToPointInTime") else ("dbName", "username"):
        value = i.get(key)
        if not isinstance(value, str) or not re.match(r"^[A-Za-z][A-Za-z0-9_]{0,62}$", value):
            out.append(f"{key} {value!r} is not 1..63 letters, digits, underscores starting with a letter")
        elif value.lower() in POSTGRES_RESERVED:
            out.append(f"{key} {value!r} is a PostgreSQL reserved word")
    if str(i.get("username", "")).lower() in ("rdsadmin", "admin") or str(i.get("username", "")).startswith("pg_"):
        out.append(f"username {i.get('username')!r} is reserved by RDS for PostgreSQL")
    return out


# PostgreSQL manual, appendix "SQL Key Words": a sample of the reserved ones, enough to catch a
# validation that lets key words through (the full list lives in nexus.config.environment).
POSTGRES_RESERVED = {"all", "table", "user", "select", "from", "where", "group", "order", "default", "column",
                     "current_user", "session_user", "null", "true", "false", "left", "join", "is", "verbose"}  # fmt: skip


def _alarm(i: dict[str, Any]) -> list[str]:
    out = []
    periods = [i["period"]] if "period" in i else []
    periods += [q["metric"]["period"] for q in i.get("metricQueries") or [] if q.get("metric")]
    n = i.get("evaluationPeriods", 0)
    for period in periods:
        # PutMetricAlarm Period: 10, 20, 30 or a multiple of 60; period x evaluation periods at
        # most one day below a one-hour period, seven days from one hour.
        if period not in (10, 20, 30) and (period < 60 or period % 60):
            out.append(f"period {period} is not 10, 20, 30 or a multiple of 60")
        if n < 1 or period * n > (86_400 if period < 3600 else 604_800):
            out.append(f"evaluation range {period} x {n} exceeds CloudWatch's limit")
    if not periods:
        out.append("no period")
    return out


def _log_group(i: dict[str, Any]) -> list[str]:
    return [] if i.get("retentionInDays") in CLOUDWATCH_RETENTION_DAYS else ["retentionInDays not a CloudWatch value"]


def _listener(i: dict[str, Any]) -> list[str]:
    if i.get("protocol") == "HTTPS" and not is_tls12_plus_policy(i.get("sslPolicy")):
        return [f"sslPolicy {i.get('sslPolicy')!r} is not TLS 1.2+"]
    return []


def _bucket(i: dict[str, Any]) -> list[str]:
    name = str(i.get("bucket", ""))
    bad = name.startswith(S3_RESERVED_PREFIXES) or name.endswith(S3_RESERVED_SUFFIXES) or ".." in name
    return [f"bucket {name!r} uses a reserved prefix, suffix or '..'"] if bad else []


def _parameter(i: dict[str, Any]) -> list[str]:
    # SSM: at most 15 levels of hierarchy; a standard parameter value up to 4 KB.
    out = []
    if str(i.get("name", "")).count("/") > 15:
        out.append("parameter hierarchy deeper than 15 levels")
    value = i.get("value")
    if isinstance(value, str) and len(value.encode()) > 4096:
        out.append("parameter value above 4 KB")
    return out


def _zone(i: dict[str, Any]) -> list[str]:
    name = str(i.get("name", ""))
    labels = name.rstrip(".").split(".")
    if len(name) > 253 or any(not re.match(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", label) for label in labels):
        return [f"zone name {name!r} breaks DNS label rules"]
    return []


_CHECKS: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "pulumi:providers:aws": _provider,
    "aws:rds/instance:Instance": _rds,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _alarm,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:lb/listener:Listener": _listener,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:ssm/parameter:Parameter": _parameter,
    "aws:route53/zone:Zone": _zone,
    "aws:ec2/vpc:Vpc": lambda i: [p for p in [_cidr(i.get("cidrBlock"), 16, 28)] if p],
    "aws:ec2/subnet:Subnet": lambda i: [p for p in [_cidr(i.get("cidrBlock"), 16, 28)] if p],
    "aws:kms/key:Key": lambda i: [] if 7 <= i.get("deletionWindowInDays", 30) <= 30 else ["deletion window not 7..30"],
    "aws:secretsmanager/secret:Secret": lambda i: (
        [] if i.get("recoveryWindowInDays", 30) in (0, *range(7, 31)) else ["recovery window not 0 or 7..30"]
    ),
    "aws:lb/loadBalancer:LoadBalancer": lambda i: (
        [] if 1 <= i.get("idleTimeout", 60) <= 4000 else ["idleTimeout outside 1..4000"]
    ),
}


def _across(resources: list[Resource]) -> list[str]:
    """Rules over several resources: unique names, security group rules."""
    out = []
    groups = Counter(
        r["inputs"].get("name") for r in resources if r["type"] == "aws:cloudwatch/logGroup:LogGroup"
    )  # fmt: skip
    out += [f"log group {name} declared {n} times" for name, n in groups.items() if n > 1]
    rules: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    for r in resources:
        direction = {"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "inbound",
                     "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "outbound"}.get(r["type"])  # fmt: skip
        if not direction:
            continue
        i = r["inputs"]
        if "cidrIpv4" in i and (problem := _cidr(i["cidrIpv4"])):
            out.append(f"{r['name']}: {problem}")
        key = (
            i.get("ipProtocol"),
            i.get("fromPort"),
            i.get("toPort"),
            i.get("cidrIpv4"),
            i.get("referencedSecurityGroupId"),
        )
        rules.setdefault((i.get("securityGroupId"), direction), []).append(key)
    for (group, direction), keys in rules.items():
        # EC2: a rule that exists already is refused (InvalidPermission.Duplicate).
        out += [f"security group {group}: duplicate {direction} rule {k}" for k, n in Counter(keys).items() if n > 1]
        if len(keys) > SG_RULES_PER_DIRECTION:
            out.append(f"security group {group}: {len(keys)} {direction} rules, quota {SG_RULES_PER_DIRECTION}")
    return out
