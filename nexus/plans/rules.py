"""The project's invariants as rules over plan resources (wire form: camelCase inputs).

One definition serves three callers: `python -m nexus check` over the offline plan, the
CrossGuard policy pack in `policy/` during `pulumi preview`, and the tests. A rule takes a
resource (type, inputs, options) and the stack's environment tier, and returns problems.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nexus.config.limits import CLOUDWATCH_RETENTION_DAYS, is_tls12_plus_policy
from nexus.config.security_monitoring import CIS_MONITORING
from nexus.plans.iam_eval import action_matches

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
    # A restored instance keeps the key of the replicated backups it comes from (the source
    # stack's recovery key): RestoreDBInstanceToPointInTime takes no KmsKeyId (botocore rds).
    restored = bool((i.get("restoreToPointInTime") or {}).get("sourceDbInstanceAutomatedBackupsArn"))
    if t == "aws:rds/instance:Instance" and not (i.get("storageEncrypted") and (i.get("kmsKeyId") or restored)):
        return ["RDS storage must be encrypted with the environment's KMS key"]
    if t in (
        "aws:cloudwatch/logGroup:LogGroup", "aws:secretsmanager/secret:Secret", "aws:cloudtrail/trail:Trail"
    ) and not i.get("kmsKeyId"):  # fmt: skip
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


# Actions that read or write data (not configuration): granting one of them on any resource
# hands over every object, secret, parameter, key, database or log of the account.
DATA_ACTIONS = (
    "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject",
    "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue",
    "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:PutParameter",
    "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom",
    "rds-db:connect", "rds-data:ExecuteStatement",
    "logs:PutLogEvents", "logs:GetLogEvents", "logs:FilterLogEvents",
    "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:PutItem",
    "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
    "sqs:ReceiveMessage", "sqs:SendMessage", "sns:Publish",
)  # fmt: skip
# Identity and bucket policies. Key policies are not among them: there `"Resource": "*"`
# means the key the policy is attached to (KMS developer guide, "Key policies").
POLICY_INPUTS = {
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/policy:Policy": "policy",
    "aws:iam/userPolicy:UserPolicy": "policy",
    "aws:iam/groupPolicy:GroupPolicy": "policy",
    "aws:s3/bucketPolicy:BucketPolicy": "policy",
}


def _unscoped(resource: str) -> bool:
    """`*`, or an ARN that names no resource: only wildcards after the resource type
    (arn:aws:s3:::*, arn:aws:ssm:r:a:parameter/*, arn:aws:rds-db:r:a:dbuser:*/*)."""
    if resource == "*":
        return True
    parts = resource.split(":", 5)
    if len(parts) < 6:
        return False
    # S3 ARNs have no resource type: the bucket name comes first.
    rest = parts[5] if parts[2] == "s3" else re.sub(r"^[A-Za-z0-9-]+[/:]", "", parts[5])
    return set(rest) <= set("*?/:")


def no_data_action_on_any_resource(r: Resource, env: str) -> list[str]:
    key = POLICY_INPUTS.get(r["type"])
    if key is None:
        return []
    document = _inputs(r).get(key)
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return []  # unknown during a preview, or not JSON: IAM itself refuses the latter
    if not isinstance(document, dict):
        return []
    problems = []
    statements = document.get("Statement") or []
    for statement in statements if isinstance(statements, list) else [statements]:
        if statement.get("Effect") != "Allow":
            continue
        if "NotAction" in statement:
            excluded = _as_list(statement["NotAction"])
            granted = [a for a in DATA_ACTIONS if not action_matches(excluded, a)]
        else:
            granted = [a for a in DATA_ACTIONS if action_matches(_as_list(statement.get("Action", [])), a)]
        resources = _as_list(statement.get("Resource", []))
        wide = "NotResource" in statement or any(_unscoped(str(res)) for res in resources)
        if granted and wide:
            sid = statement.get("Sid", "(no Sid)")
            problems.append(
                f"statement {sid} grants {', '.join(granted[:3])}{'...' if len(granted) > 3 else ''} on any resource"
            )
    return problems


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# Resource types whose names AWS keeps taken after deletion, and for how long: such a
# resource must take a generated name (name_prefix), or re-creating its stack fails.
#   Secrets Manager: a deleted secret keeps its name for its recovery window, 7..30 days
#   ("You can't create a secret with the same name as one scheduled for deletion", DeleteSecret).
#   SQS: "wait 60 seconds after deleting a queue before creating a queue with the same name".
# Names AWS frees at once on deletion (VPC resources, security groups, IAM roles, RDS
# instance/subnet/parameter groups and event subscriptions, log groups, KMS aliases, SNS
# topics, alarms, dashboards, load balancers, target groups, WAF web ACLs, SSM parameters)
# may stay fixed; so may the access-log bucket (free again once deleted; its name carries the
# account ID so no one else takes it meanwhile). The final DB snapshot, which outlives the
# stack, carries a random suffix (nexus/components/database.py).
RESERVED_NAME_TYPES = {
    "aws:secretsmanager/secret:Secret": "Secrets Manager keeps a deleted secret's name for its recovery window",
    "aws:sqs/queue:Queue": "SQS keeps a deleted queue's name for 60 seconds",
}


def no_fixed_reserved_name(r: Resource, env: str) -> list[str]:
    reason = RESERVED_NAME_TYPES.get(r["type"])
    if reason and _inputs(r).get("name"):
        return [f"fixed name {_inputs(r)['name']!r}: {reason}, so a re-created stack would fail; use name_prefix"]
    return []


# --------------------------------------------------------------------------- hardening rules
# Each message starts with the aspect it is about ("multi-region: ..."), so one rule can answer
# several Security Hub controls (nexus/plans/controls.py matches a control to its aspect).


def trail_records_everything(r: Resource, env: str) -> list[str]:
    """CloudTrail.1, .4, .5: every region and global service, management events read and write
    (no selector means all of them; CloudTrail API reference, PutEventSelectors), validated
    log files, delivery to CloudWatch Logs."""
    if r["type"] != "aws:cloudtrail/trail:Trail":
        return []
    i, problems = _inputs(r), []
    if not (i.get("isMultiRegionTrail") and i.get("includeGlobalServiceEvents", True)):
        problems.append("multi-region: the trail must record every region and the global services")
    selectors = i.get("eventSelectors") or []
    if selectors and not any(
        s.get("readWriteType", "All") == "All" and s.get("includeManagementEvents", True) for s in selectors
    ):
        problems.append("multi-region: no event selector records management events, read and write")
    if not i.get("enableLogFileValidation"):
        problems.append("log file validation: off (digest files prove what was delivered)")
    if not (i.get("cloudWatchLogsGroupArn") and i.get("cloudWatchLogsRoleArn")):
        problems.append("CloudWatch Logs: the trail delivers to no log group (nothing can watch it)")
    return problems


def edge_hardened(r: Resource, env: str) -> list[str]:
    """ELB.4, ELB.12, ELB.13 for an Application Load Balancer; ACM.1 for a certificate the stack
    requests: ACM renews a DNS-validated certificate by itself while its records stay (ACM user
    guide, "Managed renewal for ACM certificates"), an e-mail-validated one needs a person."""
    if r["type"] == "aws:acm/certificate:Certificate" and _inputs(r).get("validationMethod") != "DNS":
        return ["renewal: only a DNS-validated certificate renews without a person"]
    if r["type"] not in ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"):
        return []
    i, problems = _inputs(r), []
    if i.get("loadBalancerType", "application") != "application":
        return []
    if not i.get("dropInvalidHeaderFields"):
        problems.append("invalid headers: the load balancer must drop invalid HTTP header fields")
    # ELB default: defensive (ELB user guide, "Desync mitigation mode").
    if i.get("desyncMitigationMode", "defensive") not in ("defensive", "strictest"):
        problems.append(f"desync mitigation: {i.get('desyncMitigationMode')} (use defensive or strictest)")
    if len(i.get("subnets") or i.get("subnetMappings") or []) < 2:
        problems.append("zones: a load balancer must span at least two Availability Zones")
    return problems


# RDS for PostgreSQL's default master user name (RDS user guide, "Master user account privileges").
DEFAULT_ADMIN_USERNAMES = ("postgres",)


def database_hardened(r: Resource, env: str) -> list[str]:
    """RDS.9, .10, .11, .13, .17, .18 for every database instance, RDS.25 in production."""
    if r["type"] != "aws:rds/instance:Instance":
        return []
    i, problems = _inputs(r), []
    if not i.get("enabledCloudwatchLogsExports"):
        problems.append("logs exported: no database log goes to CloudWatch Logs")
    if not i.get("iamDatabaseAuthenticationEnabled"):
        problems.append("IAM authentication: off")
    if not i.get("backupRetentionPeriod"):
        problems.append("backups: automated backups are off (backup_retention_days 0)")
    if i.get("autoMinorVersionUpgrade") is False:
        problems.append("minor upgrades: automatic minor version upgrades are off")
    if not i.get("copyTagsToSnapshot"):
        problems.append("tags to snapshots: snapshots would lose the stack's tags")
    if not i.get("dbSubnetGroupName"):
        problems.append("in a VPC: no DB subnet group")
    # Production only: the settings accept the default name, as RDS does (docs/design.md,
    # validation that matches AWS); a rehearsal that keeps it shows it as "by setting".
    if env == "production" and str(i.get("username", "")).lower() in DEFAULT_ADMIN_USERNAMES:
        problems.append(f"admin username: {i.get('username')!r} is the engine's default")
    return problems


def production_database_resilient(r: Resource, env: str) -> list[str]:
    """RDS.5, RDS.6 where the tier is production: a standby and Enhanced Monitoring."""
    if env != "production" or r["type"] != "aws:rds/instance:Instance":
        return []
    i, problems = _inputs(r), []
    if not i.get("multiAz"):
        problems.append("Multi-AZ: the production database needs a standby in another zone")
    if not i.get("monitoringInterval"):
        problems.append("Enhanced Monitoring: off in production")
    return problems


def network_closed_by_default(r: Resource, env: str) -> list[str]:
    """EC2.2 (the default security group admits nothing) and EC2.15 (no subnet hands out public
    addresses: only the load balancer and NAT gateways have them, by their own allocation)."""
    i = _inputs(r)
    if r["type"] == "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup" and (i.get("ingress") or i.get("egress")):
        return ["default security group: it must have no rules (nothing may use it)"]
    if r["type"] == "aws:ec2/subnet:Subnet" and i.get("mapPublicIpOnLaunch"):
        return ["public IP on launch: the subnet gives every instance a public address"]
    return []


def web_acl_has_rules(r: Resource, env: str) -> list[str]:
    """WAF.10: a web ACL without rules inspects nothing."""
    if r["type"] == "aws:wafv2/webAcl:WebAcl" and not _inputs(r).get("rules"):
        return ["rules: the web ACL has no rule or rule group"]
    return []


# The actions S3.6 names: another account must not administer the bucket or its objects' ACLs.
S3_FOREIGN_ADMIN_ACTIONS = (
    "s3:DeleteBucketPolicy", "s3:PutBucketAcl", "s3:PutBucketPolicy", "s3:PutEncryptionConfiguration",
    "s3:PutObjectAcl",
)  # fmt: skip


def bucket_controls(r: Resource, env: str) -> list[str]:
    """S3.2, .3, .4, .5, .6, .8, .10, .12, .13 on each of a bucket's configuration resources
    (every-bucket-guarded checks each bucket has them all)."""
    i, t = _inputs(r), r["type"]
    if t == "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":
        flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
        if off := [f for f in flags if i.get(f) is not True]:
            return [f"public access: {', '.join(off)} not set"]
    owner = (i.get("rule") or {}).get("objectOwnership") if t.endswith("BucketOwnershipControls") else None
    if t == "aws:s3/bucketOwnershipControls:BucketOwnershipControls" and owner != "BucketOwnerEnforced":
        return ["ACLs: object ownership must be BucketOwnerEnforced (ACLs disabled)"]
    if t == "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
        algorithms = [
            ((x.get("applyServerSideEncryptionByDefault") or {}).get("sseAlgorithm")) for x in i.get("rules") or []
        ]
        if not any(algorithms):
            return ["encryption: no default server-side encryption"]
    status = (i.get("versioningConfiguration") or {}).get("status") if t.endswith("BucketVersioning") else None
    if t == "aws:s3/bucketVersioning:BucketVersioning" and status != "Enabled":
        return ["versioning: not enabled"]
    if t == "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration":
        enabled = [x for x in i.get("rules") or [] if x.get("status") == "Enabled"]
        problems = []
        if not any((x.get("expiration") or {}).get("days") for x in enabled):
            problems.append("lifecycle: no rule expires the objects")
        if not any(x.get("noncurrentVersionExpiration") for x in enabled):
            problems.append("lifecycle: no rule expires noncurrent versions")
        return problems
    if t == "aws:s3/bucketPolicy:BucketPolicy":
        return _bucket_policy_problems(i.get("policy"))
    return []


def _bucket_policy_problems(document: Any) -> list[str]:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return []  # unknown during a preview
    if not isinstance(document, dict):
        return []
    statements = document.get("Statement") or []
    statements = statements if isinstance(statements, list) else [statements]
    problems = []
    tls = [
        s for s in statements
        if s.get("Effect") == "Deny" and s.get("Principal") == "*" and action_matches(_as_list(s.get("Action", [])), "s3:GetObject")
        and (s.get("Condition") or {}).get("Bool", {}).get("aws:SecureTransport") == "false"
    ]  # fmt: skip
    if not tls:
        problems.append("TLS: the bucket policy must deny requests without TLS (aws:SecureTransport false)")
    for s in statements:
        principal = s.get("Principal")
        accounts = _as_list(principal.get("AWS", [])) if isinstance(principal, dict) else []
        if s.get("Effect") == "Allow" and accounts:
            granted = [a for a in S3_FOREIGN_ADMIN_ACTIONS if action_matches(_as_list(s.get("Action", [])), a)]
            if granted:
                problems.append(f"other accounts: statement {s.get('Sid', '(no Sid)')} grants {', '.join(granted)}")
    return problems


RESOURCE_RULES = (
    Rule("encrypted-with-customer-key", "Storage is encrypted with the environment's own KMS key.", encrypted_with_customer_key),
    Rule("database-not-public", "No database is publicly accessible.", database_not_public),
    Rule("no-open-ingress", "No ingress from 0.0.0.0/0 except the load balancer's 80/443.", no_open_ingress),
    Rule("https-modern-tls", "Production and staging take traffic over HTTPS with TLS 1.2+.", https_where_traffic_enters),
    Rule("access-logs-on", "Load balancers write access logs.", access_logs_on),
    Rule("log-retention-set", "Every log group has a valid retention.", log_retention_set),
    Rule("production-deletion-protected", "Production's stateful resources survive a mistaken destroy.", production_deletion_protected),
    Rule("no-data-action-on-any-resource", "No identity or bucket policy grants a data action on a wildcard resource.", no_data_action_on_any_resource),
    Rule("no-fixed-reserved-name", "Names AWS reserves after deletion are generated, so stacks re-create.", no_fixed_reserved_name),
    Rule("trail-records-everything", "A trail records every region's management events, validated, into CloudWatch Logs.", trail_records_everything),
    Rule("edge-hardened", "Load balancers drop invalid headers, mitigate desync, span two zones; requested certificates renew.", edge_hardened),
    Rule("database-hardened", "Databases export logs, use IAM auth, back up, upgrade minors, tag snapshots, sit in a VPC.", database_hardened),
    Rule("production-database-resilient", "Production's database has a standby and Enhanced Monitoring.", production_database_resilient),
    Rule("network-closed-by-default", "The default security group is empty; no subnet hands out public addresses.", network_closed_by_default),
    Rule("web-acl-has-rules", "Every web ACL has rules.", web_acl_has_rules),
    Rule("bucket-controls", "Buckets block public access, disable ACLs, encrypt, version, expire, require TLS.", bucket_controls),
)  # fmt: skip


# The RDS event categories Security Hub requires a subscription for (RDS.20, RDS.21).
RDS_INSTANCE_EVENTS = ("maintenance", "configuration change", "failure")
RDS_PARAMETER_GROUP_EVENTS = ("configuration change",)
BUCKET_CONTROL_TYPES = {
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "public access",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "ACLs",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": "encryption",
    "aws:s3/bucketVersioning:BucketVersioning": "versioning",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "lifecycle",
    "aws:s3/bucketPolicy:BucketPolicy": "TLS",
}


def every_bucket_guarded(resources: list[Resource]) -> list[str]:
    """Each bucket has each of its configuration resources (bucket-controls judges their content)."""
    problems = []
    for bucket in [r for r in resources if r["type"] in ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")]:
        name = _inputs(bucket).get("bucket")
        present = {
            r["type"] for r in resources if r["type"] in BUCKET_CONTROL_TYPES and _inputs(r).get("bucket") == name
        }
        for t, aspect in BUCKET_CONTROL_TYPES.items():
            if t not in present:
                problems.append(f"{bucket['type']} {bucket['name']}: {aspect}: no {t.split(':')[-1]} for the bucket")
    return problems


def trail_watched(resources: list[Resource]) -> list[str]:
    """CIS 4.1-4.15 (Security Hub CloudWatch.1-14): on the log group each trail delivers to, a
    metric filter with each item's published pattern and an alarm on its metric that notifies."""
    problems = []
    for trail in [r for r in resources if r["type"] == "aws:cloudtrail/trail:Trail"]:
        # arn:aws:logs:<region>:<account>:log-group:<name>:* names the group (the trail's input).
        target = str(_inputs(trail).get("cloudWatchLogsGroupArn") or "")
        group_name = target.split(":log-group:", 1)[1].removesuffix(":*") if ":log-group:" in target else None
        filters = [r for r in resources if r["type"] == "aws:cloudwatch/logMetricFilter:LogMetricFilter"
                   and group_name is not None and _inputs(r).get("logGroupName") == group_name]  # fmt: skip
        alarms = [r for r in resources if r["type"] == "aws:cloudwatch/metricAlarm:MetricAlarm"]
        for item in CIS_MONITORING:
            label = f"{item.control or 'CIS ' + item.cis}:"
            matching = [f for f in filters if _inputs(f).get("pattern") == item.pattern]
            if not matching:
                problems.append(f"{trail['type']} {trail['name']}: {label} no metric filter with the published pattern")
                continue
            metric = _inputs(matching[0]).get("metricTransformation") or {}
            alarmed = [a for a in alarms if _inputs(a).get("alarmActions")
                       and (_inputs(a).get("namespace"), _inputs(a).get("metricName")) == (metric.get("namespace"), metric.get("name"))]  # fmt: skip
            if not alarmed:
                problems.append(f"{trail['type']} {trail['name']}: {label} no alarm that notifies on its metric")
    return problems


def database_events_subscribed(resources: list[Resource]) -> list[str]:
    """RDS.20 / RDS.21: an event subscription covers each instance and each parameter group
    for the categories Security Hub names (no source IDs: every source; no categories: all)."""
    subscriptions = [r for r in resources if r["type"] == "aws:rds/eventSubscription:EventSubscription"]

    def covered(source_type: str, identifier: Any, categories: tuple[str, ...]) -> bool:
        for sub in subscriptions:
            i = _inputs(sub)
            if i.get("sourceType") != source_type or i.get("enabled") is False:
                continue
            ids, wanted = i.get("sourceIds") or [], i.get("eventCategories") or []
            if (not ids or identifier in ids) and (not wanted or set(categories) <= set(wanted)):
                return True
        return False

    problems = []
    for r in resources:
        if r["type"] == "aws:rds/instance:Instance" and not covered(
            "db-instance", _inputs(r).get("identifier"), RDS_INSTANCE_EVENTS
        ):
            problems.append(
                f"{r['type']} {r['name']}: instance events: no subscription for {', '.join(RDS_INSTANCE_EVENTS)}"
            )
        if r["type"] == "aws:rds/parameterGroup:ParameterGroup" and not covered(
            "db-parameter-group", _inputs(r).get("name"), RDS_PARAMETER_GROUP_EVENTS
        ):
            problems.append(
                f"{r['type']} {r['name']}: parameter group events: no subscription for configuration change"
            )
    return problems


# Rules that need the whole stack (the CrossGuard pack runs them as stack policies).
STACK_RULE_CHECKS: dict[str, Callable[[list[Resource]], list[str]]] = {
    "every-bucket-guarded": every_bucket_guarded,
    "trail-watched": trail_watched,
    "database-events-subscribed": database_events_subscribed,
}


def stack_problems(resources: list[Resource], env: str, taggable: Callable[[str], bool]) -> list[tuple[str, str]]:
    """Rules that need the whole stack: flow logs per VPC, tags through the provider, and
    STACK_RULE_CHECKS."""
    problems: list[tuple[str, str]] = [
        (name, message) for name, check in STACK_RULE_CHECKS.items() for message in check(resources)
    ]
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


@dataclass(frozen=True)
class DestroyBlocker:
    """Something that stops `pulumi destroy`, and the setting that lifts it."""

    resource: str  # "type name"
    reason: str
    key: str | None  # config path for `pulumi config set --path`, None when only code can lift it
    value: Any = None


def versioned_buckets(plan: dict[str, Any]) -> set[str]:
    """Names of the plan's buckets with versioning on (a BucketVersioning resource, Enabled)."""
    return {
        str(_inputs(r).get("bucket"))
        for r in plan["resources"]
        if r["type"] == "aws:s3/bucketVersioning:BucketVersioning"
        and (_inputs(r).get("versioningConfiguration") or {}).get("status") == "Enabled"
    }


def destroy_blockers(plan: dict[str, Any]) -> list[DestroyBlocker]:
    """Resources that would stop `pulumi destroy` of the planned stack, each with its remedy."""
    blockers = []
    versioned = versioned_buckets(plan)
    for r in plan["resources"]:
        i, t, o = _inputs(r), r["type"], r.get("options") or {}
        label = f"{t} {r['name']}"

        def add(reason: str, key: str | None, value: Any = None, label: str = label) -> None:
            blockers.append(DestroyBlocker(label, reason, key, value))

        if o.get("protect"):
            # Pulumi refuses to delete a protected resource ("pulumi destroy" stops at it).
            add("Pulumi protect", "nexus:protection.protect_stateful_resources", False)
        if t == "aws:rds/instance:Instance" and i.get("deletionProtection"):
            # DeleteDBInstance fails while DeletionProtection is on (RDS API reference).
            add("RDS deletion protection", "nexus:database.deletion_protection", False)
        if t == "aws:lb/loadBalancer:LoadBalancer" and i.get("enableDeletionProtection"):
            # DeleteLoadBalancer fails while deletion_protection.enabled (ELB API reference).
            add("load balancer deletion protection", "nexus:load_balancer.deletion_protection", False)
        if t in ("aws:s3/bucket:Bucket", "aws:route53/zone:Zone") and not i.get("forceDestroy"):
            # S3 refuses to delete a bucket with objects (BucketNotEmpty), Route 53 a zone with
            # records made outside the stack (HostedZoneNotEmpty); force_destroy empties them.
            # A versioned bucket is empty only without versions and delete markers too, which
            # force_destroy deletes (terraform-provider-aws internal/service/s3 EmptyBucket).
            reason = "not emptied on destroy"
            if i.get("bucket") in versioned:
                reason += " (versioned: every version and delete marker must go)"
            add(reason, "nexus:protection.force_destroy", True)
        if t in ("aws:cloudwatch/logGroup:LogGroup", "aws:rds/parameterGroup:ParameterGroup") and i.get("skipDestroy"):
            add("skip_destroy in code", None)
    return blockers


def destroy_leftovers(plan: dict[str, Any]) -> list[str]:
    """What `pulumi destroy` leaves behind on purpose (it does not block the destroy)."""
    left = []
    for r in plan["resources"]:
        i, t, o = _inputs(r), r["type"], r.get("options") or {}
        label = f"{t} {r['name']}"
        if o.get("retain_on_delete"):
            left.append(f"{label}: retained (removed from the stack, kept in AWS)")
        if t == "aws:rds/instance:Instance" and not i.get("skipFinalSnapshot"):
            left.append(f"{label}: final snapshot {i.get('finalSnapshotIdentifier')} and retained automated backups")
        if t == "aws:secretsmanager/secret:Secret" and i.get("recoveryWindowInDays", 30) != 0:
            left.append(f"{label}: recoverable for {i.get('recoveryWindowInDays', 30)} days, then deleted")
    return left


def is_taggable(type_token: str) -> bool:
    """An AWS resource type is taggable when the provider's class has `tags_all`."""
    import pulumi_aws

    package, module_path, cls = type_token.split(":")
    if package != "aws" or module_path.startswith("index"):
        return False
    module = getattr(pulumi_aws, module_path.split("/")[0], None)
    return hasattr(getattr(module, cls, None), "tags_all")
