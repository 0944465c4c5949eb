"""Pricing of offline plans (`nexus cost`, `nexus compare`): what each environment costs a month, known before it is deployed.

Prices every resource of the offline plan (its inputs: instance class, storage, Multi-AZ,
subnets of the load balancer, rules of the web ACL, metrics of an alarm, ...) from the price
table `nexus/plans/prices.json` (AWS list prices per region, with the date they were read).

What is counted: fixed charges only, the ones an idle environment pays every hour (instances,
NAT gateways, load balancer hours, public IPv4 addresses, keys, secrets, alarms, dashboards,
zones, web ACLs and rules). Charges that depend on traffic or volume (data processed, requests,
log ingestion, storage of logs and objects, data transfer) are listed with their unit price and
never added in: a guess would look like a fact. A resource type this module does not know is
listed as "not priced" and the total says so; it is never counted as zero. Types that AWS does
not charge for (VPC, subnets, route tables, security groups, IAM, ...) are priced at $0 with
the reason.

One choice to know about: an Application Load Balancer bills its hours plus load balancer
capacity units (LCU) used. We count the hours and ONE LCU for every hour (a lightly used
load balancer), and list every further LCU-hour as usage.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

PRICES_FILE = Path(__file__).with_name("prices.json")
EXIT_INVALID = 2
CENT = Decimal("0.01")
# LCUs counted for every hour of an Application Load Balancer (the rest is usage, see above).
ALB_LCUS_COUNTED = 1
# AWS managed rule groups with a subscription or request fee on top of the $1 rule price
# (WAF pricing page, "Intelligent threat mitigation"): priced by us as unknown, never as $1.
PREMIUM_RULE_GROUPS = (
    "AWSManagedRulesBotControlRuleSet",
    "AWSManagedRulesATPRuleSet",
    "AWSManagedRulesACFPRuleSet",
    "AWSManagedRulesAntiDDoSRuleSet",
)

# Display order of the kinds; a kind not listed sorts after these.
KINDS = (
    "Database instance",
    "Database storage",
    "Database backups in the recovery region",
    "Database insights",
    "NAT gateways",
    "Public IPv4 addresses",
    "Load balancer",
    "WAF",
    "VPC endpoints",
    "KMS keys",
    "Secrets",
    "Alarms",
    "Custom metrics",
    "Dashboards",
    "DNS zones",
    "SSM parameters",
    "Audit trail",
)

# Resource types AWS does not charge for by themselves (their traffic or contents may be
# usage-priced, listed where it applies). Priced at $0 with the reason, so a reader sees the
# type was considered rather than forgotten.
FREE: dict[str, str] = {
    "aws:rds/eventSubscription:EventSubscription": "RDS event notifications are free (the SNS e-mail deliveries are usage)",
    "aws:ec2/vpc:Vpc": "VPCs are free",
    "aws:ec2/subnet:Subnet": "subnets are free",
    "aws:ec2/routeTable:RouteTable": "route tables are free",
    "aws:ec2/route:Route": "routes are free",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "route table associations are free",
    "aws:ec2/defaultRouteTable:DefaultRouteTable": "route tables are free",
    "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation": "route table associations are free",
    "aws:ec2/internetGateway:InternetGateway": "internet gateways are free (data transfer is usage)",
    "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway": "egress-only internet gateways are free",
    "aws:ec2/securityGroup:SecurityGroup": "security groups are free",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "security groups are free",
    "aws:ec2/securityGroupRule:SecurityGroupRule": "security group rules are free",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "security group rules are free",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "security group rules are free",
    "aws:ec2/networkAcl:NetworkAcl": "network ACLs are free",
    "aws:ec2/networkAclRule:NetworkAclRule": "network ACLs are free",
    "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl": "network ACLs are free",
    "aws:ec2/flowLog:FlowLog": "flow logs are billed as the logs they deliver (usage)",
    "aws:iam/role:Role": "IAM is free",
    "aws:iam/rolePolicy:RolePolicy": "IAM is free",
    "aws:iam/policy:Policy": "IAM is free",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "IAM is free",
    "aws:iam/instanceProfile:InstanceProfile": "IAM is free",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": "IAM is free",
    "aws:iam/serviceLinkedRole:ServiceLinkedRole": "IAM is free",
    "aws:iam/policyAttachment:PolicyAttachment": "IAM is free",
    "aws:iam/user:User": "IAM is free",
    "aws:iam/group:Group": "IAM is free",
    "aws:iam/userPolicy:UserPolicy": "IAM is free",
    "aws:iam/groupPolicy:GroupPolicy": "IAM is free",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": "IAM is free",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": "IAM is free",
    "aws:kms/grant:Grant": "grants are free (the key is priced)",
    "aws:lb/listenerCertificate:ListenerCertificate": "part of the load balancer's price",
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": "parameter groups are free",
    "aws:secretsmanager/secretRotation:SecretRotation": "rotation is free (a rotation function would be priced)",
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": "bucket configuration is free",
    "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2": "bucket configuration is free",
    "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration": "bucket configuration is free",
    "aws:s3/bucketCorsConfigurationV2:BucketCorsConfigurationV2": "bucket configuration is free",
    "aws:kms/alias:Alias": "aliases are free (the key is priced)",
    "aws:lb/listener:Listener": "listeners are part of the load balancer's price",
    "aws:lb/listenerRule:ListenerRule": "listener rules are part of the LCU (usage)",
    "aws:lb/targetGroup:TargetGroup": "target groups are free",
    "aws:lb/targetGroupAttachment:TargetGroupAttachment": "target group attachments are free",
    "aws:rds/parameterGroup:ParameterGroup": "parameter groups are free",
    "aws:rds/subnetGroup:SubnetGroup": "subnet groups are free",
    "aws:rds/optionGroup:OptionGroup": "option groups are free",
    "aws:route53/record:Record": "records are part of the hosted zone's price (queries are usage)",
    "aws:acm/certificateValidation:CertificateValidation": "a wait for ACM to issue the certificate: no AWS resource, free",
    "aws:route53/zoneAssociation:ZoneAssociation": "zone associations are free",
    "aws:s3/bucket:Bucket": "buckets are free; storage and requests are usage",
    "aws:s3/bucketV2:BucketV2": "buckets are free; storage and requests are usage",
    "aws:s3/bucketPolicy:BucketPolicy": "bucket configuration is free",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "bucket configuration is free",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "bucket configuration is free",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        "bucket configuration is free"
    ),
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": (
        "bucket configuration is free"
    ),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "bucket configuration is free",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2": "bucket configuration is free",
    "aws:s3/bucketVersioning:BucketVersioning": "bucket configuration is free (old versions are storage)",
    "aws:s3/bucketVersioningV2:BucketVersioningV2": "bucket configuration is free (old versions are storage)",
    "aws:s3/bucketLogging:BucketLogging": "bucket configuration is free (the logs are storage)",
    "aws:s3/bucketLoggingV2:BucketLoggingV2": "bucket configuration is free (the logs are storage)",
    "aws:s3/bucketAcl:BucketAcl": "bucket configuration is free",
    "aws:s3/bucketAclV2:BucketAclV2": "bucket configuration is free",
    "aws:s3/bucketNotification:BucketNotification": "bucket configuration is free",
    "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock": "account setting, free",
    "aws:secretsmanager/secretVersion:SecretVersion": "versions are part of the secret's price",
    "aws:secretsmanager/secretPolicy:SecretPolicy": "secret policies are free",
    "aws:sns/topic:Topic": "topics are free; publishes and deliveries are usage",
    "aws:sns/topicSubscription:TopicSubscription": "subscriptions are free; deliveries are usage",
    "aws:sns/topicPolicy:TopicPolicy": "topic policies are free",
    "aws:wafv2/webAclAssociation:WebAclAssociation": "associations are free",
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": "billed as the logs it delivers (usage)",
    "aws:wafv2/ipSet:IpSet": "IP sets are free",
    "aws:cloudwatch/logGroup:LogGroup": "no fixed charge; ingestion and storage are usage",
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": "resource policies are free",
    "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter": "filters are free (the destination is priced)",
    "aws:cloudwatch/eventRule:EventRule": "rules on AWS service events are free",
    "aws:cloudwatch/eventTarget:EventTarget": "targets are free",
    "aws:kms/keyPolicy:KeyPolicy": "key policies are free (the key is priced)",
}
NOT_AWS = ("pulumi:providers:", "random:")

# Usage-priced items a whole environment has, whatever its resources (unit prices only).
STACK_USAGE = (
    ("Data transfer", "out to the internet (after the account's first 100 GB a month)", "ec2.data_transfer_out_gb",
     "per GB"),
    ("Data transfer", "between zones, each direction", "ec2.data_transfer_inter_az_gb", "per GB"),
)  # fmt: skip


class CostError(Exception):
    """A refusal for a person: one line, exit code 2."""


@dataclass(frozen=True)
class Line:
    kind: str
    resource: str  # "type name"
    detail: str
    monthly: Decimal | None  # None: not priced (never counted as zero)


@dataclass(frozen=True)
class Usage:
    kind: str
    item: str
    price: str


@dataclass
class StackCost:
    stack: str
    region: str
    basis: str
    read_on: str
    lines: list[Line] = field(default_factory=list)  # charged (monthly > 0) and not priced
    free: list[Line] = field(default_factory=list)  # priced at $0, with the reason
    usage: list[Usage] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.monthly for line in self.lines if line.monthly is not None), Decimal(0))

    @property
    def not_priced(self) -> list[Line]:
        return [line for line in self.lines if line.monthly is None]

    def by_kind(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for line in self.lines:
            if line.monthly is not None:
                out[line.kind] = out.get(line.kind, Decimal(0)) + line.monthly
        return dict(sorted(out.items(), key=lambda kv: _kind_order(kv[0])))

    def total_text(self) -> str:
        extra = f" + {len(self.not_priced)} not priced" if self.not_priced else ""
        return f"{money(self.total)}{extra}"

    def to_json(self) -> dict[str, Any]:
        def line(item: Line) -> dict[str, Any]:
            monthly = None if item.monthly is None else float(item.monthly)
            return {"kind": item.kind, "resource": item.resource, "detail": item.detail, "monthly": monthly}

        return {
            "stack": self.stack,
            "region": self.region,
            "prices": self.basis,
            "prices_read_on": self.read_on,
            "total_monthly": float(self.total),
            "not_priced": [line(x) for x in self.not_priced],
            "by_kind": {k: float(v) for k, v in self.by_kind().items()},
            "lines": [line(x) for x in self.lines if x.monthly is not None],
            "free": [line(x) for x in self.free],
            "usage_not_included": [{"kind": u.kind, "item": u.item, "price": u.price} for u in self.usage],
        }


def _kind_order(kind: str) -> tuple[int, str]:
    return (KINDS.index(kind) if kind in KINDS else len(KINDS), kind)


def money(value: Decimal) -> str:
    return f"${value:,.2f}"


def unit(value: Decimal) -> str:
    """A unit price as the price list writes it: $0.0225, $0.005, $1.00, $0.40."""
    text = f"{value.normalize():f}"
    whole, _, frac = text.partition(".")
    return f"${whole}.{frac.ljust(2, '0')}"


def signed(value: Decimal) -> str:
    return f"+{money(value)}" if value > 0 else f"-{money(-value)}" if value < 0 else money(value)


# --------------------------------------------------------------------------- the price table


def load_table(path: Path = PRICES_FILE) -> dict[str, Any]:
    # Decimal, not float: $0.0225 x 730 must be exactly 16.425, and totals exactly their lines.
    table: dict[str, Any] = json.loads(path.read_text(), parse_float=Decimal, parse_int=Decimal)
    return table


def region_prices(region: str, table: dict[str, Any] | None = None) -> tuple[dict[str, Any], str]:
    """The price table of one region and a description of its basis; CostError if none."""
    table = table or load_table()
    regions: dict[str, Any] = table["regions"]
    entry = regions.get(region)
    if entry is None:
        raise CostError(
            f"no prices for region {region!r} in {PRICES_FILE.name} (priced: {', '.join(sorted(regions))}); "
            "add the region's figures (python -m nexus cost --refresh-help shows how to read them)"
        )
    if "same_as" not in entry:
        return entry, _basis(region, entry, table)
    prices = copy.deepcopy(regions[entry["same_as"]])
    for path, factor in entry.get("scale", {}).items():
        parent, key = _walk(prices, path)
        value = parent[key]
        if isinstance(value, dict):
            parent[key] = {k: _scaled(v, factor) for k, v in value.items()}
        else:
            parent[key] = _scaled(value, factor)
    for path, value in entry.get("override", {}).items():
        parent, key = _walk(prices, path)
        parent[key] = value
    return prices, _basis(region, entry, table)


def _basis(region: str, entry: dict[str, Any], table: dict[str, Any]) -> str:
    return f"{region} list prices as of {table['read_on']}, {entry['basis']}"


def _scaled(value: Decimal, factor: Decimal) -> Decimal:
    return (value * factor).quantize(Decimal("0.00001"), ROUND_HALF_UP)


def _walk(prices: dict[str, Any], path: str) -> tuple[dict[str, Any], str]:
    *parents, key = path.split(".")
    node = prices
    for part in parents:
        node = node[part]
    if key not in node:
        raise KeyError(f"{path} is not in the base table")
    return node, key


# --------------------------------------------------------------------------- pricing a plan


@dataclass
class _Context:
    prices: dict[str, Any]
    hours: Decimal
    nat_addresses: set[str]  # IDs of the Elastic IPs NAT gateways use
    current_id: str = ""
    lines: list[Line] = field(default_factory=list)
    free: list[Line] = field(default_factory=list)
    usage: dict[tuple[str, str], str] = field(default_factory=dict)
    # A resource's inputs by the ARNs and IDs others refer to it with (plan JSON "refs").
    by_ref: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The whole table, for what a stack keeps in another region (replicated backups).
    table: dict[str, Any] = field(default_factory=dict)

    def price(self, path: str) -> Decimal:
        node: Any = self.prices
        for part in path.split("."):
            node = node[part]
        return Decimal(node)

    def hourly(self, kind: str, label: str, detail: str, hourly: Decimal, count: int | Decimal = 1) -> None:
        monthly = hourly * self.hours * count
        self.lines.append(Line(kind, label, f"{detail}: {count} x {self.hours} h x {unit(hourly)}", _cents(monthly)))

    def monthly(self, kind: str, label: str, detail: str, monthly: Decimal, count: int | Decimal = 1) -> None:
        self.lines.append(Line(kind, label, f"{detail}: {count} x {unit(monthly)}/month", _cents(monthly * count)))

    def unpriced(self, kind: str, label: str, reason: str) -> None:
        self.lines.append(Line(kind, label, reason, None))

    def zero(self, label: str, reason: str) -> None:
        self.free.append(Line("Free", label, reason, Decimal(0)))

    def per_use(self, kind: str, item: str, path: str, per: str) -> None:
        self.usage[(kind, item)] = f"{unit(self.price(path))} {per}"


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def price_plan(plan: dict[str, Any], table: dict[str, Any] | None = None) -> StackCost:
    """Monthly cost of one plan (the JSON of `nexus plan --json`)."""
    table = table or load_table()
    prices, basis = region_prices(plan["region"], table)
    resources = [r for r in plan["resources"] if r.get("custom")]
    nat_addresses = {r["inputs"].get("allocationId") for r in resources if r["type"] == "aws:ec2/natGateway:NatGateway"}
    ctx = _Context(prices, Decimal(table["hours_per_month"]), nat_addresses - {None})
    ctx.by_ref = {ref: r.get("inputs", {}) for r in resources for ref in r.get("refs", [])}
    ctx.table = table
    for r in resources:
        ctx.current_id = r["id"]
        label = f"{r['type']} {r['name']}"
        pricer = PRICERS.get(r["type"])
        if pricer is not None:
            pricer(ctx, label, r.get("inputs", {}))
        elif r["type"] in FREE:
            ctx.zero(label, FREE[r["type"]])
        elif r["type"].startswith(NOT_AWS):
            ctx.zero(label, "not an AWS resource")
        else:
            ctx.unpriced("Not priced", label, f"{r['type']} is not in nexus/cost.py's price rules")
    for kind, item, path, unit in STACK_USAGE:
        ctx.per_use(kind, item, path, unit)
    usage = [Usage(kind, item, price) for (kind, item), price in ctx.usage.items()]
    usage.sort(key=lambda u: (_kind_order(u.kind), u.item))
    lines = sorted(ctx.lines, key=lambda line: (_kind_order(line.kind), line.resource, line.detail))
    return StackCost(plan["stack"], plan["region"], basis, str(table["read_on"]), lines, ctx.free, usage)


# Each pricer reads a resource's inputs (wire names, camelCase) and adds its lines.
Pricer = Callable[[_Context, str, dict[str, Any]], None]


def _rds_instance(ctx: _Context, label: str, inputs: dict[str, Any]) -> None:
    engine = inputs.get("engine", "")
    cls = inputs.get("instanceClass", "")
    multi_az = bool(inputs.get("multiAz"))
    # Multi-AZ (one standby): instance hours and storage are billed twice (RDS user guide,
    # "Multi-AZ DB instances": "Billed per DB instance-hour for both the primary and standby").
    copies = int(ctx.price("rds.multi_az_factor")) if multi_az else 1
    where = "Multi-AZ (primary + standby)" if multi_az else "single-AZ"
    hourly = ctx.prices["rds"].get(f"{engine}_instance_hour", {}).get(cls)
    if hourly is None:
        ctx.unpriced("Database instance", label, f"{engine} {cls} has no price in nexus/plans/prices.json")
    else:
        ctx.hourly("Database instance", label, f"{engine} {cls}, {where}", Decimal(hourly), copies)

    storage_type = inputs.get("storageType", "gp2")
    gb = int(inputs.get("allocatedStorage", 0))
    per_gb = ctx.prices["rds"]["storage_gb_month"].get(storage_type)
    if per_gb is None:
        ctx.unpriced("Database storage", label, f"{storage_type} storage has no price in nexus/plans/prices.json")
    else:
        # gp3 under 400 GiB includes 3,000 IOPS and 125 MiB/s (RDS user guide, "gp3 storage").
        detail = f"{gb} GB {storage_type}, {where}"
        ctx.monthly("Database storage", label, detail, Decimal(per_gb) * gb, copies)
    if inputs.get("maxAllocatedStorage"):
        ctx.per_use("Database storage", "autoscaled storage beyond the allocated", f"rds.storage_gb_month.{storage_type}",
                    "per GB-month")  # fmt: skip
    ctx.per_use("Database storage", "backups beyond 100% of the provisioned storage", "rds.backup_gb_month",
                "per GB-month")  # fmt: skip

    if inputs.get("performanceInsightsEnabled"):
        retention = int(inputs.get("performanceInsightsRetentionPeriod", 7))
        if retention <= 7:
            # 7 days of Performance Insights (Database Insights, standard mode) are free.
            ctx.zero(label + " (Performance Insights)", "7 days of Performance Insights are free")
        else:
            ctx.unpriced("Database insights", label, f"Performance Insights kept {retention} days: not in the table")
    if int(inputs.get("monitoringInterval", 0) or 0):
        ctx.per_use("Logs", "Enhanced Monitoring (RDSOSMetrics) and other log ingestion", "cloudwatch.logs_ingest_gb",
                    "per GB")  # fmt: skip
    if inputs.get("manageMasterUserPassword"):
        # RDS keeps the master password in a Secrets Manager secret billed to the account
        # (RDS user guide, "Password management with Secrets Manager": "you pay for the secret").
        ctx.monthly("Secrets", label + " (master secret)", "RDS-managed master user secret",
                    ctx.price("secretsmanager.secret_month"))  # fmt: skip


def _nat_gateway(ctx: _Context, label: str, inputs: dict[str, Any]) -> None:
    ctx.hourly("NAT gateways", label, "NAT gateway", ctx.price("ec2.nat_gateway_hour"))
    ctx.per_use("NAT gateways", "data processed", "ec2.nat_gateway_gb", "per GB")


def _eip(ctx: _Context, label: str, inputs: dict[str, Any]) -> None:
    # Every public IPv4 address, attached or not, is billed hourly since February 2024
    # (VPC pricing, "Public IPv4 address").
    used_by = "a NAT gateway's Elastic IP" if ctx.current_id in ctx.nat_addresses else "Elastic IP"
    ctx.hourly("Public IPv4 addresses", label, used_by, ctx.price("ec2.public_ipv4_hour"))


def _load_balancer(ctx: _Context, label: str, inputs: dict[str, Any]) -> None:
    lb_type = inputs.get("loadBalancerType", "application")
    zones = len(inputs.get("subnets") or inputs.get("subnetMappings") or [])
    if lb_type == "application":
        ctx.hourly("Load balancer", label, "Application Load Balancer", ctx.price("elb.alb_hour"))
        ctx.hourly("Load balancer", label, "LCU counted for every hour (lightly used)", ctx.price("elb.alb_lcu_hour"),
                   ALB_LCUS_COUNTED)  # fmt: skip
        ctx.per_use("Load balancer", f"LCU-hours beyond the {ALB_LCUS_COUNTED} counted", "elb.alb_lcu_hour",
                    "per LCU-hour")  # fmt: skip
    elif lb_type == "network":
        ctx.hourly("Load balancer", label, "Network Load Balancer", ctx.price("elb.nlb_hour"))
        ctx.per_use("Load balancer", "NLCU-hours", "elb.nlb_lcu_hour", "per NLCU-hour")
    else:
        ctx.unpriced("Load balancer", label, f"{lb_type} load balancers are not in the table")
        return
    # An internet-facing load balancer holds one public IPv4 address per zone (subnet) it is
    # in (ELB user guide: "each load balancer node ... public IP address"; VPC pricing bills
    # them). More nodes under load mean more addresses: usage.
    if not inputs.get("internal") and inputs.get("ipAddressType") != "dualstack-without-public-ipv4":
        ctx.hourly("Public IPv4 addresses", label, f"one per zone, {zones} zones", ctx.price("ec2.public_ipv4_hour"),
                   zones)  # fmt: skip
        ctx.per_use("Public IPv4 addresses", "addresses of extra load balancer nodes under load",
                    "ec2.public_ipv4_hour", "per address-hour")  # fmt: skip


def _web_acl(ctx: _Context, label: str, inputs: dict[str, Any]) -> None:
    ctx.monthly("WAF", label, "web ACL", ctx.price("waf.web_acl_month"))
    rules = inputs.get("rules") or []
    premium = [
        r["name"]
        for r in rules
        if (r.get("statement") or {}).get("managedRuleGroupStatement", {}).get("name") in PREMIUM_RULE_GROUPS
    ]
    if rules:
        # Each rule, and each rule group added as a rule, is $1 a month (WAF pricing).
        ctx.monthly("WAF", label, "rules (a managed rule group counts as one)", ctx.price("waf.rule_month"), len(rules))
    for name in premium:
        ctx.unpriced("WAF", label, f"rule group {name} has a subscription fee not in the table")
    ctx.per_use("WAF", "requests inspected", "waf.million_requests", "per million requests")


def _kms_key(ctx: _Context, label: str, inputs: dict[str, Any]) -> None:
    detail = "customer managed key"
    if inputs.get("enableKeyRotation"):
        # Each automatic rotation adds $1 a month for the first two (KMS pricing, May 2024).
        detail += " (+$1/month after each of its first two yearly rotations)"
    ctx.monthly("KMS keys", label, detail, ctx.price("kms.key_month"))
    ctx.per_use("KMS keys", "API requests", "kms.per_10k_requests", "per 10,000 requests")


def _secret(ctx: _Context, label: str, inputs: dict[str, Any]) -> None:
    ctx.monthly("Secrets", label, "Secrets Manager secret", ctx.price("secretsmanager.secret_month"))
    ctx.per_use("Secrets", "API calls", "secretsmanager.per_10k_calls", "per 10,000 calls")


def _alarm(ctx: _Context, label: str, inputs: dict[str, Any]) -> None:
    # CloudWatch pricing: an alarm is billed per metric it evaluates ("a metric math alarm
    # ... is billed for each metric in the expression"), at the high-resolution price when it
    # evaluates more often than every 60 seconds.
    queries = inputs.get("metricQueries") or []
    if queries:
        metrics = [q["metric"] for q in queries if q.get("metric")]
        periods = [int(m.get("period", 60)) for m in metrics]
        count = len(metrics)
    else:
        periods, count = [int(inputs.get("period", 60))], 1
    if any(p < 60 for p in periods):
        ctx.monthly("Alarms", label, "high-resolution alarm metric",
                    ctx.price("cloudwatch.alarm_metric_high_resolution_month"), count)  # fmt: skip
    else:
        ctx.monthly("Alarms", label, "standard-resolution alarm metric", ctx.price("cloudwatch.alarm_metric_month"),
                    count)  # fmt: skip


def _composite_alarm(ctx: _Context, label: str, inputs: dict[str, Any]) -> None:
    ctx.monthly("Alarms", label, "composite alarm", ctx.price("cloudwatch.composite_alarm_month"))


CUSTOM_METRICS_FREE_TIER = 10  # CloudWatch pricing, free tier: "10 Custom metrics and 10 Alarms"


def _metric_filter(ctx: _Context, label: str, inputs: dict[str, Any]) -> None:
    # The filter is free; the metric it publishes is a custom metric (CloudWatch pricing:
    # "All custom metrics charges are prorated by the hour and metered only when you send
    # metrics"). With a default value the filter publishes for every delivered log event, so
    # a metric on the audit trail's group is sent every hour: a fixed charge, counted whole.
    # Without one it publishes only on a match: usage.
    transformation = inputs.get("metricTransformation") or {}
    if transformation.get("defaultValue") is not None:
        ctx.monthly("Custom metrics", label,
                    f"custom metric, sent every hour (the account's first {CUSTOM_METRICS_FREE_TIER} are free: "
                    "CloudWatch free tier)", ctx.price("cloudwatch.custom_metric_month"))  # fmt: skip
    else:
        ctx.zero(label, "the filter is free; its metric is sent only on a match (usage)")
        ctx.per_use("Custom metrics", "metrics sent only when their filter matches, per hour sent",
                    "cloudwatch.custom_metric_month", "per metric-month")  # fmt: skip


DASHBOARD_FREE_TIER = 3  # CloudWatch pricing, free tier: "3 dashboards for up to 50 metrics per month"


def _dashboard(ctx: _Context, label: str, inputs: dict[str, Any]) -> None:
    # The account's first dashboards are free (CloudWatch free tier): an account-wide
    # allowance that depends on how many dashboards the account already has, so it is said
    # beside the line rather than subtracted.
    ctx.monthly(
        "Dashboards",
        label,
        f"dashboard (free if among the account's first {DASHBOARD_FREE_TIER}: CloudWatch free tier)",
        ctx.price("cloudwatch.dashboard_month"),
    )


def _zone(ctx: _Context, label: str, inputs: dict[str, Any]) -> None:
    private = bool(inputs.get("vpcs"))
    ctx.monthly("DNS zones", label, "private hosted zone" if private else "public hosted zone",
                ctx.price("route53.hosted_zone_month"))  # fmt: skip
    if not private:
        ctx.per_use("DNS zones", "standard queries", "route53.million_queries", "per million queries")


def _log_group(ctx: _Context, label: str, inputs: dict[str, Any]) -> None:
    ctx.zero(label, FREE["aws:cloudwatch/logGroup:LogGroup"])
    ctx.per_use("Logs", "ingestion (flow logs, WAF, database logs, audit trail events)", "cloudwatch.logs_ingest_gb",
                "per GB")  # fmt: skip
    ctx.per_use("Logs", "storage (compressed), kept for the retention period", "cloudwatch.logs_storage_gb_month",
                "per GB-month")  # fmt: skip


def _bucket(ctx: _Context, label: str, inputs: dict[str, Any]) -> None:
    ctx.zero(label, FREE["aws:s3/bucket:Bucket"])
    ctx.per_use("S3", "Standard storage", "s3.standard_gb_month", "per GB-month")
    ctx.per_use("S3", "PUT requests (access log deliveries)", "s3.put_per_1000", "per 1,000 requests")


def _topic(ctx: _Context, label: str, inputs: dict[str, Any]) -> None:
    ctx.zero(label, FREE["aws:sns/topic:Topic"])
    ctx.per_use("Alarms", "SNS publishes beyond the first million", "sns.million_publishes", "per million")
    ctx.per_use("Alarms", "SNS e-mail deliveries beyond the first 1,000", "sns.email_per_100k", "per 100,000")


def _parameter(ctx: _Context, label: str, inputs: dict[str, Any]) -> None:
    tier = inputs.get("tier", "Standard")
    if tier == "Advanced":
        ctx.monthly("SSM parameters", label, "advanced parameter", ctx.price("ssm.advanced_parameter_month"))
    else:
        # Standard parameters (and Intelligent-Tiering ones that stay standard) are free.
        ctx.zero(label, "standard SSM parameters are free")


def _vpc_endpoint(ctx: _Context, label: str, inputs: dict[str, Any]) -> None:
    kind = inputs.get("vpcEndpointType", "Gateway")
    if kind == "Gateway":
        ctx.zero(label, "gateway endpoints (S3, DynamoDB) are free")
    elif kind == "Interface":
        zones = len(inputs.get("subnetIds") or [])
        ctx.hourly("VPC endpoints", label, f"interface endpoint in {zones} zones",
                   ctx.price("ec2.interface_endpoint_hour"), zones)  # fmt: skip
        ctx.per_use("VPC endpoints", "data processed by interface endpoints", "ec2.interface_endpoint_gb", "per GB")
    else:
        ctx.unpriced("VPC endpoints", label, f"{kind} endpoints are not in the table")


def _certificate(ctx: _Context, label: str, inputs: dict[str, Any]) -> None:
    # Public ACM certificates are free; a private CA's certificates are not (ACM pricing).
    if inputs.get("certificateAuthorityArn"):
        ctx.unpriced("Certificates", label, "certificates of a private CA are not in the table")
    else:
        ctx.zero(label, "public ACM certificates are free")


def _backup_replication(ctx: _Context, label: str, inputs: dict[str, Any]) -> None:
    # RDS pricing (Backup storage; RDS User Guide, "Replicating automated backups to another
    # AWS Region": "DB snapshot copy charges apply to the data transfer. After the DB snapshot is
    # copied, standard charges apply to storage in the destination Region"): the free backup
    # storage (up to the provisioned storage) is the source region's; in the recovery region
    # every GB is billed. The fixed line is one full copy of the allocated storage; transaction
    # logs and changed data beyond it, and the copy's transfer, are usage.
    source = ctx.by_ref.get(str(inputs.get("sourceDbInstanceArn")), {})
    gb = int(source.get("allocatedStorage", 0))
    kind = "Database backups in the recovery region"
    # Priced where the copies are: the region of the key that encrypts them (a key of the
    # destination region: StartDBInstanceAutomatedBackupsReplication KmsKeyId).
    key = str(inputs.get("kmsKeyId") or "")
    region = key.split(":")[3] if key.count(":") >= 5 else ""
    if not gb or not region:
        ctx.unpriced(kind, label, "the source instance's storage or the recovery region is not in the plan")
        return
    try:
        there, _ = region_prices(region, ctx.table)
    except CostError as exc:
        ctx.unpriced(kind, label, str(exc))
        return
    ctx.monthly(kind, label, f"one full copy of {gb} GB in {region}", Decimal(there["rds"]["backup_gb_month"]) * gb)
    ctx.per_use(kind, "replicated transaction logs and changed data beyond one full copy", "rds.backup_gb_month",
                "per GB-month")  # fmt: skip
    ctx.per_use("Data transfer", "between regions (backup replication copies snapshots and transaction logs)",
                "ec2.data_transfer_inter_region_gb", "per GB")  # fmt: skip


def _trail(ctx: _Context, label: str, inputs: dict[str, Any]) -> None:
    # CloudTrail pricing: the first copy of management events in each region is free; a further
    # trail recording them, and every data event, is billed per event.
    ctx.zero(label, "no fixed charge; the account's first trail of management events is free")
    ctx.per_use("Audit trail", "management events when another trail already records them",
                "cloudtrail.management_events_per_100k", "per 100,000 events")  # fmt: skip
    ctx.per_use("Audit trail", "data events", "cloudtrail.data_events_per_100k", "per 100,000 events")


PRICERS: dict[str, Pricer] = {
    "aws:rds/instance:Instance": _rds_instance,
    "aws:ec2/natGateway:NatGateway": _nat_gateway,
    "aws:ec2/eip:Eip": _eip,
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:alb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:wafv2/webAcl:WebAcl": _web_acl,
    "aws:kms/key:Key": _kms_key,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _alarm,
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": _composite_alarm,
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": _metric_filter,
    "aws:cloudwatch/dashboard:Dashboard": _dashboard,
    "aws:route53/zone:Zone": _zone,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketV2:BucketV2": _bucket,
    "aws:sns/topic:Topic": _topic,
    "aws:ssm/parameter:Parameter": _parameter,
    "aws:ec2/vpcEndpoint:VpcEndpoint": _vpc_endpoint,
    "aws:cloudtrail/trail:Trail": _trail,
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": _backup_replication,
    "aws:acm/certificate:Certificate": _certificate,
}


# --------------------------------------------------------------------------- rendering


def render_stack(cost: StackCost, *, detail: bool) -> str:
    lines = [f"{cost.stack}: {cost.total_text()} a month ({cost.basis}; fixed charges only, usage extra)"]
    width = max([len(k) for k in cost.by_kind()] + [5])
    lines += [f"  {kind:<{width}}  {money(v):>10}" for kind, v in cost.by_kind().items()]
    lines.append(f"  {'Total':<{width}}  {money(cost.total):>10}")
    for item in cost.not_priced:
        lines.append(f"  NOT PRICED: {item.resource}: {item.detail}")
    if not detail:
        return "\n".join(lines)
    lines += ["", "  By resource:"]
    lines += [f"    {money(x.monthly):>10}  {x.resource}  [{x.detail}]" for x in cost.lines if x.monthly is not None]
    free: dict[str, list[Line]] = {}
    for x in cost.free:
        free.setdefault(x.resource.split(" ")[0], []).append(x)
    lines += ["", "  Priced at $0:"]
    lines += [f"    {t} x{len(xs)}: {xs[0].detail}" for t, xs in sorted(free.items())]
    lines += ["", "  Usage-priced, NOT included in the total:"]
    lines += [f"    {u.kind}: {u.item}: {u.price}" for u in cost.usage]
    return "\n".join(lines)


def render_totals(costs: list[StackCost]) -> str:
    width = max(len(c.stack) for c in costs)
    lines = ["Monthly cost at list prices (fixed charges only; usage extra):"]
    lines += [f"  {c.stack:<{width}}  {c.total_text()}" for c in costs]
    return "\n".join(lines)


def diff_costs(
    base: dict[str, StackCost], head: dict[str, StackCost]
) -> list[tuple[str, StackCost | None, StackCost | None]]:
    return [(s, base.get(s), head.get(s)) for s in sorted(set(base) | set(head))]


def _side(cost: StackCost | None) -> str:
    return "(none)" if cost is None else cost.total_text()


def _delta(b: StackCost | None, h: StackCost | None) -> Decimal:
    return (h.total if h else Decimal(0)) - (b.total if b else Decimal(0))


def render_diff_text(rows: list[tuple[str, StackCost | None, StackCost | None]]) -> str:
    width = max([len(s) for s, _, _ in rows] + [5])
    lines = ["Monthly cost at list prices (fixed charges only; usage extra): base -> head"]
    lines += [
        f"  {s:<{width}}  base {_side(b)}  head {_side(h)}  difference {signed(_delta(b, h))}" for s, b, h in rows
    ]
    return "\n".join(lines)


def render_diff_markdown(rows: list[tuple[str, StackCost | None, StackCost | None]]) -> str:
    lines = [
        "### Monthly cost (AWS list prices, fixed charges only)",
        "",
        "| Stack | Base | Head | Difference |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += [f"| {s} | {_side(b)} | {_side(h)} | {signed(_delta(b, h))} |" for s, b, h in rows]
    for stack, b, h in rows:
        kinds_b, kinds_h = (b.by_kind() if b else {}), (h.by_kind() if h else {})
        changed = [k for k in sorted(set(kinds_b) | set(kinds_h), key=_kind_order) if kinds_b.get(k) != kinds_h.get(k)]
        if not changed:
            continue
        lines += ["", f"<details><summary><b>{stack}</b>: what changes the cost</summary>", ""]
        lines += ["| Kind | Base | Head | Difference |", "| --- | ---: | ---: | ---: |"]
        for k in changed:
            vb, vh = kinds_b.get(k, Decimal(0)), kinds_h.get(k, Decimal(0))
            lines.append(f"| {k} | {money(vb)} | {money(vh)} | {signed(vh - vb)} |")
        lines += ["", "</details>"]
    basis = next((c.basis for _, b, h in rows for c in (h, b) if c), "")
    lines += ["", f"Prices: {basis} (nexus/plans/prices.json). Traffic, requests and log volume are usage-priced and not "
              "included; `python -m nexus cost --stack STACK` lists them with their unit prices."]  # fmt: skip
    return "\n".join(lines)


def refresh_help(table: dict[str, Any] | None = None) -> str:
    table = table or load_table()
    services = {
        "AmazonRDS": "databaseEngine=PostgreSQL, deploymentOption=Single-AZ, instanceType=db.t4g.micro (each class)",
        "AmazonEC2": "productFamily=NAT Gateway",
        "AmazonVPC": "public IPv4 addresses (group VPCPublicIPv4Address) and interface endpoints",
        "AWSELB": "productFamily=Load Balancer-Application",
        "awswaf": "web ACL, rule and request prices",
        "awskms": "customer managed keys and requests",
        "AWSSecretsManager": "secrets and API calls",
        "AmazonCloudWatch": "alarms, dashboards, logs",
        "AmazonRoute53": "hosted zones and queries (global: region filter not needed)",
        "AmazonS3": "Standard storage and PUT requests",
        "AmazonSNS": "publishes and e-mail deliveries",
        "AWSSystemsManager": "advanced parameters",
        "AWSCloudTrail": "events",
    }
    lines = [
        f"nexus/plans/prices.json was transcribed on {table['read_on']} from AWS's public pricing pages "
        "(not downloaded). To refresh a figure, read it from the AWS Price List and edit the table:",
        "",
        "  # Price List Query API (any credentials; the API answers in us-east-1, eu-central-1, ap-south-1):",
        "  aws pricing get-products --region us-east-1 --service-code AmazonRDS \\",
        "    --filters Type=TERM_MATCH,Field=regionCode,Value=us-east-1 \\",
        "              Type=TERM_MATCH,Field=databaseEngine,Value=PostgreSQL \\",
        "              Type=TERM_MATCH,Field=deploymentOption,Value=Single-AZ \\",
        "              Type=TERM_MATCH,Field=instanceType,Value=db.t4g.micro \\",
        "    --query 'PriceList[]' --output text | jq '.terms.OnDemand[].priceDimensions[].pricePerUnit.USD'",
        "  aws pricing get-attribute-values --region us-east-1 --service-code AmazonEC2 --attribute-name productFamily",
        "",
        "  # Or the bulk offer files (no credentials), one per service and region:",
        "  curl -s https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/SERVICE/current/region_index.json",
        "  curl -s https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/SERVICE/current/REGION/index.json",
        "",
        "Services (SERVICE) and what to read from each:",
    ]
    lines += [f"  {code:<18} {what}" for code, what in services.items()]
    lines += ["", "Then set read_on in nexus/plans/prices.json to the day you read them, and run `make test`."]
    return "\n".join(lines)


# --------------------------------------------------------------------------- the command


def monthly_summary(plan: dict[str, Any]) -> str:
    """One line for other tools (compare): the total, or why there is none."""
    try:
        cost = price_plan(plan)
    except CostError as exc:
        return f"not priced ({exc})"
    return f"{cost.total_text()} a month"
