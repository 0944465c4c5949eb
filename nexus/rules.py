"""The project's invariants as rules over plan resources (wire form: camelCase inputs).

One definition serves three callers: `python -m nexus check` over the offline plan, the
CrossGuard policy pack in `policy/` during `pulumi preview`, and the tests. A rule takes a
resource (type, inputs, options) and the stack's environment tier, and returns problems.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nexus.settings import CLOUDWATCH_RETENTION_DAYS, is_tls12_plus_policy

Resource = dict[str, Any]  # {"type", "name", "inputs", "options"} as in the plan JSON
REQUIRED_TAGS = ("Environment", "Stack", "Project", "ManagedBy")
STATEFUL_TYPES = (
    "aws:rds/instance:Instance",
    "aws:kms/key:Key",
    "aws:secretsmanager/secret:Secret",
    "aws:s3/bucket:Bucket",
)


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    check: Callable[[Resource, str], list[str]]


def _inputs(r: Resource) -> dict[str, Any]:
    return r.get("inputs") or {}


def encrypted_with_customer_key(r: Resource, env: str) -> list[str]:
    i, t = _inputs(r), r["type"]
    if t == "aws:rds/instance:Instance" and not (i.get("storageEncrypted") and i.get("kmsKeyId")):
        return ["RDS storage must be encrypted with the environment's KMS key"]
    if t in ("aws:cloudwatch/logGroup:LogGroup", "aws:secretsmanager/secret:Secret") and not i.get("kmsKeyId"):
        return [f"{t.split(':')[-1]} must be encrypted with the environment's KMS key"]
    if t == "aws:sns/topic:Topic" and not i.get("kmsMasterKeyId"):
        return ["SNS topic must be encrypted with the environment's KMS key"]
    if t == "aws:ssm/parameter:Parameter" and i.get("type") == "SecureString" and not i.get("keyId"):
        return ["SecureString parameters must use the environment's KMS key"]
    return []


def database_not_public(r: Resource, env: str) -> list[str]:
    if r["type"] == "aws:rds/instance:Instance" and _inputs(r).get("publiclyAccessible") is not False:
        return ["the database must not be publicly accessible"]
    return []


def no_open_ingress(r: Resource, env: str) -> list[str]:
    i = _inputs(r)
    if r["type"] == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
        rules = [{"cidrBlocks": [i.get("cidrIpv4")], "ipv6CidrBlocks": [i.get("cidrIpv6")], **i}]
    elif r["type"] == "aws:ec2/securityGroup:SecurityGroup":
        rules = i.get("ingress") or []
    else:
        return []
    problems = []
    for rule in rules:
        world = "0.0.0.0/0" in (rule.get("cidrBlocks") or []) or "::/0" in (rule.get("ipv6CidrBlocks") or [])
        web = rule.get("fromPort") == rule.get("toPort") and rule.get("fromPort") in (80, 443)
        if world and not web:
            problems.append(f"ingress from the internet on ports {rule.get('fromPort')}-{rule.get('toPort')}")
    return problems


def https_where_traffic_enters(r: Resource, env: str) -> list[str]:
    if r["type"] != "aws:lb/listener:Listener" or env not in ("production", "staging"):
        return []
    i = _inputs(r)
    if i.get("protocol") == "HTTPS":
        return [] if is_tls12_plus_policy(i.get("sslPolicy")) else [f"TLS policy {i.get('sslPolicy')} allows TLS < 1.2"]
    actions = i.get("defaultActions") or []
    if all(a.get("type") == "redirect" and (a.get("redirect") or {}).get("protocol") == "HTTPS" for a in actions):
        return []
    return [f"{env} listener on port {i.get('port')} serves plain HTTP instead of redirecting to HTTPS"]


def access_logs_on(r: Resource, env: str) -> list[str]:
    if r["type"] == "aws:lb/loadBalancer:LoadBalancer" and not (_inputs(r).get("accessLogs") or {}).get("enabled"):
        return ["load balancer access logs must be on"]
    return []


def log_retention_set(r: Resource, env: str) -> list[str]:
    if r["type"] == "aws:cloudwatch/logGroup:LogGroup":
        days = _inputs(r).get("retentionInDays")
        if days not in CLOUDWATCH_RETENTION_DAYS:
            return [f"log group retention {days!r} is not a CloudWatch retention value"]
    return []


def production_deletion_protected(r: Resource, env: str) -> list[str]:
    if env != "production":
        return []
    i, t, problems = _inputs(r), r["type"], []
    if t in STATEFUL_TYPES and not (r.get("options") or {}).get("protect"):
        problems.append("production stateful resources must be Pulumi-protected")
    if t == "aws:rds/instance:Instance":
        if not i.get("deletionProtection"):
            problems.append("production database must have deletion protection")
        if i.get("skipFinalSnapshot") or not i.get("finalSnapshotIdentifier"):
            problems.append("production database must take a final snapshot")
    if t == "aws:lb/loadBalancer:LoadBalancer" and not i.get("enableDeletionProtection"):
        problems.append("production load balancer must have deletion protection")
    return problems


RESOURCE_RULES = (
    Rule("encrypted-with-customer-key", "Storage is encrypted with the environment's own KMS key.", encrypted_with_customer_key),
    Rule("database-not-public", "No database is publicly accessible.", database_not_public),
    Rule("no-open-ingress", "No ingress from 0.0.0.0/0 except the load balancer's 80/443.", no_open_ingress),
    Rule("https-modern-tls", "Production and staging take traffic over HTTPS with TLS 1.2+.", https_where_traffic_enters),
    Rule("access-logs-on", "Load balancers write access logs.", access_logs_on),
    Rule("log-retention-set", "Every log group has a valid retention.", log_retention_set),
    Rule("production-deletion-protected", "Production's stateful resources survive a mistaken destroy.", production_deletion_protected),
)  # fmt: skip


def stack_problems(resources: list[Resource], env: str, taggable: Callable[[str], bool]) -> list[tuple[str, str]]:
    """Rules that need the whole stack: flow logs per VPC, tags through the provider."""
    problems: list[tuple[str, str]] = []
    vpcs = [r for r in resources if r["type"] == "aws:ec2/vpc:Vpc"]
    flows = [r for r in resources if r["type"] == "aws:ec2/flowLog:FlowLog"]
    if len(flows) < len(vpcs):
        problems.append(("flow-logs-on", f"{len(vpcs)} VPC(s) but {len(flows)} flow log(s)"))
    providers = {r["urn"]: r for r in resources if r["type"] == "pulumi:providers:aws"}
    for r in resources:
        if not r.get("custom") or not taggable(r["type"]):
            continue
        default_tags = provider_tags((providers.get(r.get("provider") or "") or {}).get("inputs", {}))
        tags = {**default_tags, **(_inputs(r).get("tags") or {})}
        missing = [t for t in REQUIRED_TAGS if t not in tags]
        if missing:
            problems.append(("environment-tags", f"{r['type']} {r['name']}: missing tags {', '.join(missing)}"))
    return problems


def provider_tags(provider_inputs: dict[str, Any]) -> dict[str, str]:
    """Default tags of an AWS provider (a JSON string on the wire under mocks, an object in previews)."""
    value = provider_inputs.get("defaultTags") or {}
    tags = (json.loads(value) if isinstance(value, str) else value).get("tags") or {}
    return dict(tags)


def check_plan(plan: dict[str, Any], taggable: Callable[[str], bool]) -> list[tuple[str, str]]:
    """Every violation of every rule in a plan JSON: (rule name, message)."""
    env = plan["environment"]
    found = [
        (rule.name, f"{r['type']} {r['name']}: {problem}")
        for r in plan["resources"]
        for rule in RESOURCE_RULES
        for problem in rule.check(r, env)
    ]
    return found + stack_problems(plan["resources"], env, taggable)


def destroy_blockers(plan: dict[str, Any]) -> list[str]:
    """Resources that would stop `pulumi destroy` from removing everything (or leave data)."""
    blockers = []
    for r in plan["resources"]:
        i, t, o = _inputs(r), r["type"], r.get("options") or {}
        label = f"{t} {r['name']}"
        if o.get("protect") or o.get("retain_on_delete"):
            blockers.append(f"{label}: protected or retained")
        if t == "aws:rds/instance:Instance" and (i.get("deletionProtection") or not i.get("skipFinalSnapshot")):
            blockers.append(f"{label}: deletion protection or final snapshot")
        if t == "aws:lb/loadBalancer:LoadBalancer" and i.get("enableDeletionProtection"):
            blockers.append(f"{label}: deletion protection")
        if t in ("aws:s3/bucket:Bucket", "aws:route53/zone:Zone") and not i.get("forceDestroy"):
            blockers.append(f"{label}: not emptied on destroy")
        if t in ("aws:cloudwatch/logGroup:LogGroup", "aws:rds/parameterGroup:ParameterGroup") and i.get("skipDestroy"):
            blockers.append(f"{label}: skip_destroy")
        if t == "aws:secretsmanager/secret:Secret" and i.get("recoveryWindowInDays", 30) != 0:
            blockers.append(f"{label}: recovery window keeps the name taken")
    return blockers
