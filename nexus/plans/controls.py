"""The AWS Foundational Security Best Practices controls that apply to what this program
declares, each with the policy rule of ours that enforces it (nexus/plans/rules.py, run by
`nexus check` and by the CrossGuard pack alike) and its result per stack.

The control list is data (CONTROLS), read from its source (SOURCE): every FSBP control of the
services the environments use (RDS, EC2/VPC, ELB, KMS, CloudTrail, S3, IAM, Secrets Manager,
WAF, SNS, ACM; FSBP has no CloudWatch control, so the CIS controls Security Hub checks on
CloudWatch, CloudWatch.1-14, follow: the audit trail's watch answers them). A control is
judged against a plan:

- not applicable (n/a) when the plan declares none of the resource types it evaluates, or when
  it is about the account rather than an environment, with the reason;
- a **gap** when it applies and no rule enforces it and no reason is written down: never
  dropped, and `check --controls` fails on it;
- accepted when it applies, no rule enforces it and a reason says why (the reason is the
  decision, shown in the table);
- otherwise its rule decides: fail with the rule's message, or pass; a control that passes
  only because a stack's settings opt out (development's plain HTTP, staging's single zone)
  says "by setting" and names the setting, so the tiers differ only where their files say so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nexus.config.security_monitoring import CIS_MONITORING, SECURITY_HUB_CLOUDWATCH
from nexus.plans.rules import DEFAULT_ADMIN_USERNAMES, RESOURCE_RULES, STACK_RULE_CHECKS, check_plan

SOURCE = {
    "title": "AWS Security Hub user guide: AWS Foundational Security Best Practices (FSBP) standard, and each service's controls page",
    "url": "https://docs.aws.amazon.com/securityhub/latest/userguide/fsbp-standard.html",
    "copy": "awsdocs/aws-security-hub-user-guide, doc_source/fsbp-standard.md and doc_source/<service>-controls.md "
    "at commit bda5bf7 (2023-03-10), the last commit carrying the guide's source",
    "read_on": "2026-12-08",
    "cis_cloudwatch": SECURITY_HUB_CLOUDWATCH,
}

Plan = dict[str, Any]  # the plan JSON (nexus.plans.model)
RULE_NAMES = frozenset({r.name for r in RESOURCE_RULES} | set(STACK_RULE_CHECKS) | {"flow-logs-on", "environment-tags"})

ACCOUNT_LEVEL = "account-level: a setting of the AWS account, not of an environment's stack"
NO_CLASSIC_ELB = "no Classic Load Balancer is declared (an Application Load Balancer only)"
NO_EC2 = "no EC2 instance, volume or launch template is declared (the application's compute is deployed elsewhere)"
NO_CLUSTER = "no Aurora or RDS cluster is declared (an RDS instance)"
NO_WAF_CLASSIC = "no AWS WAF Classic resource is declared (WAFv2)"
NO_USERS = "no IAM user is declared (roles only)"
NO_MANAGED_POLICY = "no customer managed IAM policy is declared (inline role policies only)"
OWN_TRAIL = "audit.trail: shared-account (the account's trail, its owner's, records the stack)"


@dataclass(frozen=True)
class Control:
    id: str
    title: str
    types: tuple[str, ...]  # plan resource types it evaluates; () when account-level
    rules: tuple[str, ...] = ()  # our rules that enforce it
    aspect: str | None = None  # the part of the rules' messages about this control
    absent: str = ""  # why it does not apply when no resource of `types` is declared
    accepted: str | None = None  # why it applies without a rule (a decision, not an oversight)
    how: str = ""  # how the rule enforces it, when the rule's name does not say
    # A stack's settings that opt it out (plan -> the setting, or None): "by setting".
    by_setting: Callable[[Plan], str | None] | None = None


@dataclass(frozen=True)
class Result:
    status: str  # pass | fail | n/a | gap | accepted | by setting
    detail: str = ""

    def cell(self) -> str:
        """The markdown cell: the status, and its detail except an accepted reason (said once)."""
        shown = {"fail": "**fail**", "gap": "**gap**"}.get(self.status, self.status)
        return f"{shown}: {self.detail}" if self.detail and self.status != "accepted" else shown


def _resources(plan: Plan, *types: str) -> list[dict[str, Any]]:
    return [r for r in plan["resources"] if r["type"] in types]


def _inputs(r: dict[str, Any]) -> dict[str, Any]:
    return r.get("inputs") or {}


def _setting_if(
    types: tuple[str, ...], test: Callable[[dict[str, Any]], bool], setting: str
) -> Callable[[Plan], str | None]:
    def by_setting(plan: Plan) -> str | None:
        return setting if any(test(_inputs(r)) for r in _resources(plan, *types)) else None

    return by_setting


RDS = ("aws:rds/instance:Instance",)
ALB = ("aws:lb/loadBalancer:LoadBalancer",)
TRAIL = ("aws:cloudtrail/trail:Trail",)
BUCKET = ("aws:s3/bucket:Bucket",)
KEY = ("aws:kms/key:Key",)


def _plain_http(plan: Plan) -> str | None:
    for listener in _resources(plan, "aws:lb/listener:Listener"):
        i = _inputs(listener)
        actions = i.get("defaultActions") or []
        redirects = all(
            a.get("type") == "redirect" and (a.get("redirect") or {}).get("protocol") == "HTTPS" for a in actions
        )
        if i.get("protocol") == "HTTP" and not redirects:
            return "load_balancer.allow_plain_http: true (no certificate: plain HTTP)"
    return None


def _key_unprotected(plan: Plan) -> str | None:
    unprotected = any(not (r.get("options") or {}).get("protect") for r in _resources(plan, *KEY))
    return "protection.protect_stateful_resources: false" if unprotected else None


_BUCKET_RULES = ("bucket-controls", "every-bucket-guarded")


def _in_sentence(title: str) -> str:
    """'Usage of the root user' -> 'usage of the root user'; 'IAM policy changes' stays."""
    return title[0].lower() + title[1:] if title[1:2].islower() else title


CONTROLS: tuple[Control, ...] = (
    # ---------------------------------------------------------------- ACM
    Control("ACM.1", "Imported and ACM-issued certificates should be renewed after a specified time period",
            ("aws:acm/certificate:Certificate",), ("edge-hardened",), "renewal",
            absent="no certificate is declared: the load balancer uses the given load_balancer.certificate_arn, "
                   "whose renewal is its issuer's (or no certificate: development)"),
    # ---------------------------------------------------------------- CloudTrail
    Control("CloudTrail.1", "CloudTrail should be enabled and configured with at least one multi-Region trail that includes read and write management events",
            TRAIL, ("trail-records-everything",), "multi-region", absent=OWN_TRAIL),
    Control("CloudTrail.2", "CloudTrail should have encryption at-rest enabled", TRAIL,
            ("encrypted-with-customer-key",), absent=OWN_TRAIL),
    Control("CloudTrail.4", "CloudTrail log file validation should be enabled", TRAIL,
            ("trail-records-everything",), "log file validation", absent=OWN_TRAIL),
    Control("CloudTrail.5", "CloudTrail trails should be integrated with Amazon CloudWatch Logs", TRAIL,
            ("trail-records-everything",), "CloudWatch Logs", absent=OWN_TRAIL),
    # ---------------------------------------------------------------- EC2 / VPC
    Control("EC2.1", "Amazon EBS snapshots should not be publicly restorable", (), absent=ACCOUNT_LEVEL),
    Control("EC2.2", "The VPC default security group should not allow inbound and outbound traffic",
            ("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",), ("network-closed-by-default",),
            "default security group", absent="no VPC"),
    Control("EC2.3", "Attached Amazon EBS volumes should be encrypted at-rest",
            ("aws:ebs/volume:Volume", "aws:ec2/instance:Instance"), absent=NO_EC2),
    Control("EC2.4", "Stopped Amazon EC2 instances should be removed after a specified time period",
            ("aws:ec2/instance:Instance",), absent=NO_EC2),
    Control("EC2.6", "VPC flow logging should be enabled in all VPCs", ("aws:ec2/vpc:Vpc",), ("flow-logs-on",),
            absent="no VPC"),
    Control("EC2.7", "Amazon EBS default encryption should be enabled", (), absent=ACCOUNT_LEVEL),
    Control("EC2.8", "Amazon EC2 instances should use Instance Metadata Service Version 2 (IMDSv2)",
            ("aws:ec2/instance:Instance",), absent=NO_EC2),
    Control("EC2.9", "Amazon EC2 instances should not have a public IPv4 address", ("aws:ec2/instance:Instance",),
            absent=NO_EC2),
    Control("EC2.10", "Amazon EC2 should be configured to use VPC endpoints that are created for the Amazon EC2 service",
            ("aws:ec2/vpc:Vpc",), absent="no VPC",
            accepted="no workload in the VPC calls the EC2 API; an interface endpoint costs $0.01 an hour per zone "
                     "($21.90 a month in production's three) for traffic that does not exist"),
    Control("EC2.15", "Amazon EC2 subnets should not automatically assign public IP addresses",
            ("aws:ec2/subnet:Subnet",), ("network-closed-by-default",), "public IP on launch", absent="no subnet"),
    Control("EC2.16", "Unused Network Access Control Lists should be removed", ("aws:ec2/networkAcl:NetworkAcl",),
            absent="no network ACL is declared (each VPC keeps its default one, which its subnets use)"),
    Control("EC2.17", "Amazon EC2 instances should not use multiple ENIs", ("aws:ec2/instance:Instance",), absent=NO_EC2),
    Control("EC2.18", "Security groups should only allow unrestricted incoming traffic for authorized ports",
            ("aws:ec2/securityGroup:SecurityGroup",), ("no-open-ingress",),
            how="only the load balancer's 80 and 443 admit 0.0.0.0/0", absent="no security group"),
    Control("EC2.19", "Security groups should not allow unrestricted access to ports with high risk",
            ("aws:ec2/securityGroup:SecurityGroup",), ("no-open-ingress",),
            how="no port but 80 and 443 admits 0.0.0.0/0 or ::/0", absent="no security group"),
    Control("EC2.20", "Both VPN tunnels for an AWS Site-to-Site VPN connection should be up",
            ("aws:ec2/vpnConnection:VpnConnection",), absent="no VPN connection is declared"),
    Control("EC2.21", "Network ACLs should not allow ingress from 0.0.0.0/0 to port 22 or port 3389",
            ("aws:ec2/vpc:Vpc",), absent="no VPC",
            accepted="the VPC's default network ACL (AWS's, not declared here) admits all traffic; the security "
                     "groups decide (EC2.18, EC2.19: nothing admits 22 or 3389), and nothing in the VPC listens on "
                     "either port"),
    Control("EC2.22", "Unused Amazon EC2 security groups should be removed", ("aws:ec2/securityGroup:SecurityGroup",),
            absent="no security group",
            accepted="the application security group is used by the application's compute, which is deployed "
                     "apart from this program; until it is, Security Hub reports that group unused"),
    Control("EC2.23", "Amazon EC2 Transit Gateways should not automatically accept VPC attachment requests",
            ("aws:ec2transitgateway/transitGateway:TransitGateway",), absent="no transit gateway is declared"),
    Control("EC2.24", "Amazon EC2 paravirtual instance types should not be used", ("aws:ec2/instance:Instance",),
            absent=NO_EC2),
    Control("EC2.25", "Amazon EC2 launch templates should not assign public IPs to network interfaces",
            ("aws:ec2/launchTemplate:LaunchTemplate",), absent=NO_EC2),
    # ---------------------------------------------------------------- ELB
    Control("ELB.1", "Application Load Balancer should be configured to redirect all HTTP requests to HTTPS", ALB,
            ("https-modern-tls",), by_setting=_plain_http, absent="no load balancer"),
    Control("ELB.2", "Classic Load Balancers with SSL/HTTPS listeners should use a certificate provided by AWS Certificate Manager",
            ("aws:elb/loadBalancer:LoadBalancer",), absent=NO_CLASSIC_ELB),
    Control("ELB.3", "Classic Load Balancer listeners should be configured with HTTPS or TLS termination",
            ("aws:elb/loadBalancer:LoadBalancer",), absent=NO_CLASSIC_ELB),
    Control("ELB.4", "Application Load Balancer should be configured to drop http headers", ALB,
            ("edge-hardened",), "invalid headers", absent="no load balancer"),
    Control("ELB.5", "Application and Classic Load Balancers logging should be enabled", ALB, ("access-logs-on",),
            absent="no load balancer"),
    Control("ELB.6", "Application Load Balancer deletion protection should be enabled", ALB,
            ("production-deletion-protected",), absent="no load balancer",
            by_setting=_setting_if(ALB, lambda i: not i.get("enableDeletionProtection"),
                                   "load_balancer.deletion_protection: false")),
    Control("ELB.7", "Classic Load Balancers should have connection draining enabled",
            ("aws:elb/loadBalancer:LoadBalancer",), absent=NO_CLASSIC_ELB),
    Control("ELB.8", "Classic Load Balancers with SSL listeners should use a predefined security policy that has strong AWS Configuration",
            ("aws:elb/loadBalancer:LoadBalancer",), absent=NO_CLASSIC_ELB),
    Control("ELB.9", "Classic Load Balancers should have cross-zone load balancing enabled",
            ("aws:elb/loadBalancer:LoadBalancer",), absent=NO_CLASSIC_ELB),
    Control("ELB.10", "Classic Load Balancer should span multiple Availability Zones",
            ("aws:elb/loadBalancer:LoadBalancer",), absent=NO_CLASSIC_ELB),
    Control("ELB.12", "Application Load Balancer should be configured with defensive or strictest desync mitigation mode",
            ALB, ("edge-hardened",), "desync mitigation", absent="no load balancer"),
    Control("ELB.13", "Application, Network and Gateway Load Balancers should span multiple Availability Zones", ALB,
            ("edge-hardened",), "zones", absent="no load balancer"),
    Control("ELB.14", "Classic Load Balancer should be configured with defensive or strictest desync mitigation mode",
            ("aws:elb/loadBalancer:LoadBalancer",), absent=NO_CLASSIC_ELB),
    # ---------------------------------------------------------------- IAM
    Control("IAM.1", 'IAM policies should not allow full "*" administrative privileges', ("aws:iam/policy:Policy",),
            absent=NO_MANAGED_POLICY),
    Control("IAM.2", "IAM users should not have IAM policies attached", ("aws:iam/user:User",), absent=NO_USERS),
    Control("IAM.3", "IAM users' access keys should be rotated every 90 days or less", ("aws:iam/user:User",),
            absent=NO_USERS),
    Control("IAM.4", "IAM root user access key should not exist", (), absent=ACCOUNT_LEVEL),
    Control("IAM.5", "MFA should be enabled for all IAM users that have a console password", ("aws:iam/user:User",),
            absent=NO_USERS),
    Control("IAM.6", "Hardware MFA should be enabled for the root user", (), absent=ACCOUNT_LEVEL),
    Control("IAM.7", "Password policies for IAM users should have strong AWS Configurations", (), absent=ACCOUNT_LEVEL),
    Control("IAM.8", "Unused IAM user credentials should be removed", ("aws:iam/user:User",), absent=NO_USERS),
    Control("IAM.21", "IAM customer managed policies that you create should not allow wildcard actions for services",
            ("aws:iam/policy:Policy",), absent=NO_MANAGED_POLICY),
    # ---------------------------------------------------------------- KMS
    Control("KMS.1", "IAM customer managed policies should not allow decryption actions on all KMS keys",
            ("aws:iam/policy:Policy",), ("no-data-action-on-any-resource",), absent=NO_MANAGED_POLICY),
    Control("KMS.2", "IAM principals should not have IAM inline policies that allow decryption actions on all KMS keys",
            ("aws:iam/rolePolicy:RolePolicy",), ("no-data-action-on-any-resource",),
            how="kms:Decrypt is a data action: no policy grants it on a wildcard", absent="no inline policy"),
    Control("KMS.3", "AWS KMS keys should not be deleted unintentionally", KEY, ("production-deletion-protected",),
            how="Pulumi protect, and a 7..30-day deletion window (secrets.kms_deletion_window_days)",
            by_setting=_key_unprotected, absent="no key"),
    # ---------------------------------------------------------------- RDS
    Control("RDS.1", "RDS snapshot should be private", ("aws:rds/snapshot:Snapshot", "aws:rds/clusterSnapshot:ClusterSnapshot"),
            absent="no snapshot is declared (RDS takes the automated and final ones, private unless shared)"),
    Control("RDS.2", "RDS DB Instances should prohibit public access, as determined by the PubliclyAccessible AWS Configuration",
            RDS, ("database-not-public",), absent="no database"),
    Control("RDS.3", "RDS DB instances should have encryption at-rest enabled", RDS, ("encrypted-with-customer-key",),
            absent="no database"),
    Control("RDS.4", "RDS cluster snapshots and database snapshots should be encrypted at rest", RDS,
            ("encrypted-with-customer-key",), how="a snapshot of an encrypted instance is encrypted with its key",
            absent="no database"),
    Control("RDS.5", "RDS DB instances should be configured with multiple Availability Zones", RDS,
            ("production-database-resilient",), "Multi-AZ", absent="no database",
            by_setting=_setting_if(RDS, lambda i: not i.get("multiAz"), "database.multi_az: false")),
    Control("RDS.6", "Enhanced monitoring should be configured for RDS DB instances", RDS,
            ("production-database-resilient",), "Enhanced Monitoring", absent="no database",
            by_setting=_setting_if(RDS, lambda i: not i.get("monitoringInterval"),
                                   "database.monitoring_interval_seconds: 0")),
    Control("RDS.7", "RDS clusters should have deletion protection enabled", ("aws:rds/cluster:Cluster",),
            absent=NO_CLUSTER),
    Control("RDS.8", "RDS DB instances should have deletion protection enabled", RDS,
            ("production-deletion-protected",), absent="no database",
            by_setting=_setting_if(RDS, lambda i: not i.get("deletionProtection"), "database.deletion_protection: false")),
    Control("RDS.9", "Database logging should be enabled", RDS, ("database-hardened",), "logs exported",
            absent="no database"),
    Control("RDS.10", "IAM authentication should be configured for RDS instances", RDS, ("database-hardened",),
            "IAM authentication", absent="no database"),
    Control("RDS.11", "RDS instances should have automatic backups enabled", RDS, ("database-hardened",), "backups",
            absent="no database"),
    Control("RDS.12", "IAM authentication should be configured for RDS clusters", ("aws:rds/cluster:Cluster",),
            absent=NO_CLUSTER),
    Control("RDS.13", "RDS automatic minor version upgrades should be enabled", RDS, ("database-hardened",),
            "minor upgrades", absent="no database"),
    Control("RDS.14", "Amazon Aurora clusters should have backtracking enabled", ("aws:rds/cluster:Cluster",),
            absent=NO_CLUSTER),
    Control("RDS.15", "RDS DB clusters should be configured for multiple Availability Zones",
            ("aws:rds/cluster:Cluster",), absent=NO_CLUSTER),
    Control("RDS.16", "RDS DB clusters should be configured to copy tags to snapshots", ("aws:rds/cluster:Cluster",),
            absent=NO_CLUSTER),
    Control("RDS.17", "RDS DB instances should be configured to copy tags to snapshots", RDS, ("database-hardened",),
            "tags to snapshots", absent="no database"),
    Control("RDS.18", "RDS instances should be deployed in a VPC", RDS, ("database-hardened",), "in a VPC",
            absent="no database"),
    Control("RDS.19", "An RDS event notifications subscription should be configured for critical cluster events",
            ("aws:rds/cluster:Cluster",), absent=NO_CLUSTER),
    Control("RDS.20", "An RDS event notifications subscription should be configured for critical database instance events",
            RDS, ("database-events-subscribed",), "instance events", absent="no database"),
    Control("RDS.21", "An RDS event notifications subscription should be configured for critical database parameter group events",
            ("aws:rds/parameterGroup:ParameterGroup",), ("database-events-subscribed",), "parameter group events",
            absent="no parameter group"),
    Control("RDS.22", "An RDS event notifications subscription should be configured for critical database security group events",
            ("aws:rds/securityGroup:SecurityGroup",),
            absent="no DB security group is declared (EC2-Classic's; the database uses a VPC security group)"),
    Control("RDS.23", "RDS instances should not use a database engine default port", RDS, absent="no database",
            accepted="the port is a setting (database.port, 5432 in the committed files): a non-default port hides "
                     "nothing from a client inside the VPC, the database is in isolated subnets and its security "
                     "group admits only the application security group, and every client would need the change"),
    Control("RDS.24", "RDS Database clusters should use a custom administrator username", ("aws:rds/cluster:Cluster",),
            absent=NO_CLUSTER),
    Control("RDS.25", "RDS database instances should use a custom administrator username", RDS, ("database-hardened",),
            "admin username", absent="no database",
            by_setting=_setting_if(RDS, lambda i: str(i.get("username", "")).lower() in DEFAULT_ADMIN_USERNAMES,
                                   "database.master_username: postgres (the engine's default)")),
    # ---------------------------------------------------------------- S3
    Control("S3.1", "S3 Block Public Access setting should be enabled", (), absent=ACCOUNT_LEVEL),
    Control("S3.2", "S3 buckets should prohibit public read access", BUCKET, _BUCKET_RULES, "public access",
            absent="no bucket"),
    Control("S3.3", "S3 buckets should prohibit public write access", BUCKET, _BUCKET_RULES, "public access",
            absent="no bucket"),
    Control("S3.4", "S3 buckets should have server-side encryption enabled", BUCKET, _BUCKET_RULES, "encryption",
            absent="no bucket"),
    Control("S3.5", "S3 buckets should require requests to use Secure Socket Layer", BUCKET, _BUCKET_RULES, "TLS",
            absent="no bucket"),
    Control("S3.6", "S3 permissions granted to other AWS accounts in bucket policies should be restricted", BUCKET,
            ("bucket-controls",), "other accounts",
            how="only the region's ELB log-delivery account is named, for s3:PutObject", absent="no bucket"),
    Control("S3.8", "S3 Block Public Access setting should be enabled at the bucket-level", BUCKET, _BUCKET_RULES,
            "public access", absent="no bucket"),
    Control("S3.9", "S3 bucket server access logging should be enabled", BUCKET, absent="no bucket",
            accepted="both buckets are log buckets written only by AWS services (ELB, CloudTrail); their access "
                     "logs would need a third bucket, and who read or deleted a trail file is in the trail's S3 "
                     "data events if ever needed (a per-event cost), while deletions are denied anyway"),
    Control("S3.10", "S3 buckets with versioning enabled should have lifecycle policies configured", BUCKET,
            _BUCKET_RULES, "lifecycle", absent="no bucket"),
    Control("S3.11", "S3 buckets should have event notifications enabled", BUCKET, absent="no bucket",
            accepted="nothing consumes events of the log buckets; the trail's own watch (CloudWatch.1-14) alarms on "
                     "what matters, S3 bucket policy changes included"),
    Control("S3.12", "S3 access control lists (ACLs) should not be used to manage user access to buckets", BUCKET,
            _BUCKET_RULES, "ACLs", absent="no bucket"),
    Control("S3.13", "S3 buckets should have lifecycle policies configured", BUCKET, _BUCKET_RULES, "lifecycle",
            absent="no bucket"),
    # ---------------------------------------------------------------- Secrets Manager
    Control("SecretsManager.1", "Secrets Manager secrets should have automatic rotation enabled",
            ("aws:secretsmanager/secret:Secret",), absent="no secret",
            accepted="the declared secret is the session signing key, generated and owned by the program: a rotation "
                     "function would fight the program over its value and is disproportionate to a key whose "
                     "sessions last at most security.auth_timeout_seconds; it is rotated by replacing it "
                     "(docs/security.md, rotating the session signing key); so is a master password the program "
                     "keeps (database.master_password: program). An RDS-managed master secret is RDS's, which "
                     "RDS rotates every 7 days"),
    Control("SecretsManager.2", "Secrets Manager secrets configured with automatic rotation should rotate successfully",
            ("aws:secretsmanager/secretRotation:SecretRotation",),
            absent="no secret is declared with automatic rotation (SecretsManager.1)"),
    Control("SecretsManager.3", "Remove unused Secrets Manager secrets", ("aws:secretsmanager/secret:Secret",),
            absent="no secret",
            accepted="whether a secret is used is known only live (its last accessed date), not from a plan; the "
                     "application reads the session key at start (nexus verify checks the grant)"),
    Control("SecretsManager.4", "Secrets Manager secrets should be rotated within a specified number of days",
            ("aws:secretsmanager/secret:Secret",), absent="no secret",
            accepted="as SecretsManager.1: the session signing key is rotated by hand (docs/security.md)"),
    # ---------------------------------------------------------------- SNS
    Control("SNS.1", "SNS topics should be encrypted at-rest using AWS KMS", ("aws:sns/topic:Topic",),
            ("encrypted-with-customer-key",), absent="no topic"),
    Control("SNS.2", "Logging of delivery status should be enabled for notification messages sent to a topic",
            ("aws:sns/topic:Topic",), absent="no topic",
            accepted="the alarm topic's subscribers are e-mail addresses, for which SNS records no delivery status "
                     "(delivery status logging covers HTTP/S, SQS, Lambda, Firehose and platform endpoints)"),
    # ---------------------------------------------------------------- WAF
    *(Control(cid, title, types, absent=NO_WAF_CLASSIC) for cid, title, types in (
        ("WAF.1", "AWS WAF Classic Global Web ACL logging should be enabled", ("aws:waf/webAcl:WebAcl",)),
        ("WAF.2", "A WAF Regional rule should have at least one condition", ("aws:wafregional/rule:Rule",)),
        ("WAF.3", "A WAF Regional rule group should have at least one rule", ("aws:wafregional/ruleGroup:RuleGroup",)),
        ("WAF.4", "A WAF Regional web ACL should have at least one rule or rule group", ("aws:wafregional/webAcl:WebAcl",)),
        ("WAF.6", "A WAF global rule should have at least one condition", ("aws:waf/rule:Rule",)),
        ("WAF.7", "A WAF global rule group should have at least one rule", ("aws:waf/ruleGroup:RuleGroup",)),
        ("WAF.8", "A WAF global web ACL should have at least one rule or rule group", ("aws:waf/webAcl:WebAcl",)),
    )),
    Control("WAF.10", "A WAFV2 web ACL should have at least one rule or rule group", ("aws:wafv2/webAcl:WebAcl",),
            ("web-acl-has-rules",), absent="no web ACL"),
    # ---------------------------------------------------------------- CloudWatch (CIS, on the trail's log group)
    *(Control(str(item.control), f"A log metric filter and alarm should exist for {_in_sentence(item.title)}",
              TRAIL, ("trail-watched",), f"{item.control}:", absent=OWN_TRAIL)
      for item in sorted((i for i in CIS_MONITORING if i.control), key=lambda i: int(str(i.control).split(".")[1]))),
)  # fmt: skip


def evaluate(control: Control, plan: Plan, violations: list[tuple[str, str]]) -> Result:
    """The control's result for one plan; `violations` are check_plan's for that plan."""
    if not control.types:
        return Result("n/a", control.absent)
    if not _resources(plan, *control.types):
        return Result("n/a", control.absent)
    if not control.rules:
        return Result("accepted", control.accepted) if control.accepted else Result("gap", "no rule enforces it")
    found = [
        m for rule, m in violations if rule in control.rules and (control.aspect is None or f": {control.aspect}" in m)
    ]
    if found:
        return Result("fail", found[0] + (f" (and {len(found) - 1} more)" if len(found) > 1 else ""))
    if control.by_setting and (setting := control.by_setting(plan)):
        return Result("by setting", setting)
    return Result("pass")


def control_results(plans: list[Plan], taggable: Callable[[str], bool]) -> dict[str, list[Result]]:
    """Control ID -> its result in each plan, in the plans' order."""
    violations = [check_plan(plan, taggable) for plan in plans]
    return {c.id: [evaluate(c, plan, v) for plan, v in zip(plans, violations, strict=True)] for c in CONTROLS}


def _row(control: Control, results: list[Result]) -> tuple[str, list[str], str]:
    """The rule cell, the per-stack cells and the notes of one control's markdown row: a reason
    every stack shares is said once, in the notes."""
    notes = [n for n in (control.how, control.accepted) if n]
    shared_na = len({(r.status, r.detail) for r in results}) == 1 and results[0].status == "n/a"
    if shared_na:
        notes.append(results[0].detail)
        cells = ["n/a" for _ in results]
    else:
        cells = [r.cell() for r in results]
    if control.rules:
        rule = ", ".join(f"`{r}`" for r in control.rules)
    elif shared_na:
        rule = "-"
    else:
        rule = "none (accepted)" if control.accepted else "**none**"
    return rule, cells, "; ".join(notes)


def render_markdown(stacks: list[str], results: dict[str, list[Result]]) -> str:
    lines = [
        f"Source: [{SOURCE['title']}]({SOURCE['url']}), read {SOURCE['read_on']} from {SOURCE['copy']}; "
        f"CloudWatch.1-14 from [the CloudWatch controls]({SOURCE['cis_cloudwatch']}).",
        "",
        "| Control | Title | Enforced by | " + " | ".join(stacks) + " | Notes |",
        "| --- | --- | --- | " + " | ".join("---" for _ in stacks) + " | --- |",
    ]
    for control in CONTROLS:
        rule, cells, notes = _row(control, results[control.id])
        row = [control.id, control.title, rule, *cells, notes]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    return "\n".join(lines) + "\n"


def render_text(stacks: list[str], results: dict[str, list[Result]]) -> str:
    lines = [f"AWS Foundational Security Best Practices controls ({SOURCE['url']}, read {SOURCE['read_on']})"]
    for stack_index, stack in enumerate(stacks):
        counts: dict[str, int] = {}
        for rs in results.values():
            counts[rs[stack_index].status] = counts.get(rs[stack_index].status, 0) + 1
        lines.append(f"{stack}: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    for control in CONTROLS:
        lines.append(f"  {control.id:<17} {', '.join(control.rules) or '(no rule)'}")
        for stack, result in zip(stacks, results[control.id], strict=True):
            detail = f": {result.detail}" if result.detail else ""
            lines.append(f"      {stack:<12} {result.status}{detail}")
    return "\n".join(lines)


def failing(results: dict[str, list[Result]]) -> list[tuple[str, int]]:
    """(control ID, plan index) of every fail and gap: what makes `check --controls` exit 1."""
    return [(cid, i) for cid, rs in results.items() for i, r in enumerate(rs) if r.status in ("fail", "gap")]
