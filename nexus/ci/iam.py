"""IAM helpers shared by the components."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

# ------------------------------------------------------------------ CI identities (bootstrap/)

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
# The audience aws-actions/configure-aws-credentials requests (its README, "OIDC").
GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com"

# Read-only actions a preview or a refresh needs on the services the program uses. Listed
# one by one where a wildcard would reach secret values: secretsmanager:GetSecretValue,
# ssm:GetParameter* (SecureString) and s3:GetObject are deliberately absent.
READ_ONLY_ACTIONS = (
    "sts:GetCallerIdentity",
    "ec2:Describe*",
    "rds:Describe*",
    "rds:ListTagsForResource",
    "elasticloadbalancing:Describe*",
    "wafv2:GetWebACL",
    "wafv2:GetLoggingConfiguration",
    "wafv2:ListTagsForResource",
    "wafv2:ListWebACLs",
    "wafv2:GetWebACLForResource",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListResourceTags",
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetResourcePolicy",
    "secretsmanager:ListSecrets",
    "ssm:DescribeParameters",
    "ssm:ListTagsForResource",
    "logs:DescribeLogGroups",
    "logs:DescribeResourcePolicies",
    "logs:ListTagsForResource",
    "logs:ListTagsLogGroup",
    "cloudwatch:DescribeAlarms",
    "cloudwatch:GetDashboard",
    "cloudwatch:ListTagsForResource",
    "sns:GetTopicAttributes",
    "sns:GetSubscriptionAttributes",
    "sns:ListSubscriptionsByTopic",
    "sns:ListTagsForResource",
    "route53:GetHostedZone",
    "route53:GetChange",
    "route53:ListHostedZones",
    "route53:ListResourceRecordSets",
    "route53:ListTagsForResource",
    "s3:GetBucket*",
    "s3:GetEncryptionConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:GetAccelerateConfiguration",
    "s3:GetReplicationConfiguration",
    "s3:ListBucket",
    "acm:DescribeCertificate",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies",
)

# What `pulumi preview --refresh` calls to read each resource type the program can declare:
# its Read in terraform-provider-aws v6 (internal/service/<service>/<resource>.go), as IAM
# actions. The drift roles must allow every one (tests/ci/test_iam.py evaluates them, and fails
# on a type of any plan missing here: a new resource type must say what reading it takes).
REFRESH_READS: dict[str, tuple[str, ...]] = {
    "aws:acm/certificate:Certificate": ("acm:DescribeCertificate", "acm:ListTagsForCertificate"),
    "aws:acm/certificateValidation:CertificateValidation": ("acm:DescribeCertificate",),
    "aws:cloudtrail/trail:Trail": ("cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus",
                                   "cloudtrail:GetEventSelectors", "cloudtrail:GetInsightSelectors",
                                   "cloudtrail:ListTags"),
    "aws:cloudwatch/dashboard:Dashboard": ("cloudwatch:GetDashboard",),
    "aws:cloudwatch/logGroup:LogGroup": ("logs:DescribeLogGroups", "logs:ListTagsForResource"),
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": ("logs:DescribeMetricFilters",),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": ("ec2:DescribeSecurityGroups",),
    "aws:ec2/eip:Eip": ("ec2:DescribeAddresses",),
    "aws:ec2/flowLog:FlowLog": ("ec2:DescribeFlowLogs",),
    "aws:ec2/internetGateway:InternetGateway": ("ec2:DescribeInternetGateways",),
    "aws:ec2/natGateway:NatGateway": ("ec2:DescribeNatGateways",),
    "aws:ec2/route:Route": ("ec2:DescribeRouteTables",),
    "aws:ec2/routeTable:RouteTable": ("ec2:DescribeRouteTables",),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": ("ec2:DescribeRouteTables",),
    "aws:ec2/securityGroup:SecurityGroup": ("ec2:DescribeSecurityGroups",),
    "aws:ec2/subnet:Subnet": ("ec2:DescribeSubnets",),
    "aws:ec2/vpc:Vpc": ("ec2:DescribeVpcs", "ec2:DescribeVpcAttribute", "ec2:DescribeNetworkAcls",
                        "ec2:DescribeRouteTables", "ec2:DescribeSecurityGroups"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": ("ec2:DescribeVpcEndpoints", "ec2:DescribePrefixLists"),
    "aws:iam/instanceProfile:InstanceProfile": ("iam:GetInstanceProfile",),
    "aws:iam/role:Role": ("iam:GetRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"),
    "aws:iam/rolePolicy:RolePolicy": ("iam:GetRolePolicy",),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ("iam:ListAttachedRolePolicies",),
    "aws:kms/alias:Alias": ("kms:ListAliases",),
    "aws:kms/key:Key": ("kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"),
    "aws:lb/listener:Listener": ("elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeTags",
                                 "elasticloadbalancing:DescribeListenerAttributes"),
    "aws:lb/loadBalancer:LoadBalancer": ("elasticloadbalancing:DescribeLoadBalancers",
                                         "elasticloadbalancing:DescribeLoadBalancerAttributes",
                                         "elasticloadbalancing:DescribeTags"),
    "aws:lb/targetGroup:TargetGroup": ("elasticloadbalancing:DescribeTargetGroups",
                                       "elasticloadbalancing:DescribeTargetGroupAttributes",
                                       "elasticloadbalancing:DescribeTags"),
    "aws:rds/eventSubscription:EventSubscription": ("rds:DescribeEventSubscriptions", "rds:ListTagsForResource"),
    "aws:rds/instance:Instance": ("rds:DescribeDBInstances", "rds:ListTagsForResource"),
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": (
        "rds:DescribeDBInstanceAutomatedBackups",
    ),
    "aws:rds/parameterGroup:ParameterGroup": ("rds:DescribeDBParameterGroups", "rds:DescribeDBParameters",
                                              "rds:ListTagsForResource"),
    "aws:rds/subnetGroup:SubnetGroup": ("rds:DescribeDBSubnetGroups", "rds:ListTagsForResource"),
    "aws:route53/record:Record": ("route53:ListResourceRecordSets", "route53:GetHostedZone"),
    "aws:route53/zone:Zone": ("route53:GetHostedZone", "route53:ListTagsForResource"),
    "aws:s3/bucket:Bucket": ("s3:ListBucket", "s3:GetBucketPolicy", "s3:GetBucketAcl", "s3:GetBucketCORS",
                             "s3:GetBucketWebsite", "s3:GetBucketVersioning", "s3:GetAccelerateConfiguration",
                             "s3:GetBucketRequestPayment", "s3:GetBucketLogging", "s3:GetLifecycleConfiguration",
                             "s3:GetReplicationConfiguration", "s3:GetEncryptionConfiguration",
                             "s3:GetBucketObjectLockConfiguration", "s3:GetBucketTagging"),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": ("s3:GetLifecycleConfiguration",),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": ("s3:GetBucketOwnershipControls",),
    "aws:s3/bucketPolicy:BucketPolicy": ("s3:GetBucketPolicy",),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": ("s3:GetBucketPublicAccessBlock",),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        "s3:GetEncryptionConfiguration",
    ),
    "aws:s3/bucketVersioning:BucketVersioning": ("s3:GetBucketVersioning",),
    "aws:secretsmanager/secret:Secret": ("secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"),
    "aws:sns/topic:Topic": ("sns:GetTopicAttributes", "sns:ListTagsForResource"),
    "aws:sns/topicSubscription:TopicSubscription": ("sns:GetSubscriptionAttributes",),
    # GetParameter with WithDecryption: the settings' SecureStrings (scoped: drift_policy).
    "aws:ssm/parameter:Parameter": ("ssm:GetParameter", "ssm:DescribeParameters", "ssm:ListTagsForResource"),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": ("ec2:DescribeSecurityGroupRules",),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ("ec2:DescribeSecurityGroupRules",),
    "aws:wafv2/webAcl:WebAcl": ("wafv2:GetWebACL", "wafv2:ListTagsForResource"),
    "aws:wafv2/webAclAssociation:WebAclAssociation": ("wafv2:GetWebACLForResource",),
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": ("wafv2:GetLoggingConfiguration",),
}  # fmt: skip
# Never refreshed by the drift check: its Read is GetSecretValue
# (internal/service/secretsmanager/secret_version.go), which no read-only role has; the
# workflow passes its URN to --exclude (.github/workflows/drift.yml), verify checks the secret.
NOT_REFRESHED = frozenset({"aws:secretsmanager/secretVersion:SecretVersion"})
# What the drift roles read beyond the preview role's on `*`: every Read above but the
# published settings' (scoped to the tier's path, drift_policy). `nexus verify` needs nothing
# else (tests/live/test_verify.py records every call of a verify run and evaluates the policy).
# (Those a wildcard of READ_ONLY_ACTIONS already grants are left out: IAM's 10,240-character
# limit on a role's inline policies.)
REFRESH_READ_ACTIONS = tuple(
    sorted(
        a
        for a in {a for reads in REFRESH_READS.values() for a in reads}
        if not a.startswith("ssm:GetParameter")
        and not any(fnmatch.fnmatchcase(a.lower(), granted.lower()) for granted in READ_ONLY_ACTIONS)
    )
)
# Reading the stack's published settings: the parameters under /nexus/<stack>/ only.
SETTINGS_READ_ACTIONS = ("ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath")

# Services whose resources the program creates; a deploy role may change them only where the
# Stack tag (or, for what cannot carry tags, the name) says the resource is its tier's.
# (cloudtrail: a tier's own trail, audit.trail: own; acm: the certificate a stack requests for
# load_balancer.domain_name. Both take tags on create and honour aws:RequestTag/aws:ResourceTag:
# Service Authorization Reference, "Actions, resources, and condition keys" of each.)
DEPLOY_SERVICES = ("ec2", "rds", "elasticloadbalancing", "wafv2", "kms", "secretsmanager", "ssm", "logs",
                   "cloudwatch", "sns", "route53", "s3", "cloudtrail", "acm")  # fmt: skip

# WAF logging to CloudWatch Logs: the caller needs logs:CreateLogDelivery, PutResourcePolicy,
# DescribeResourcePolicies and DescribeLogGroups, the last three on a `*` log-group ARN
# (CloudWatch Logs user guide, "Logs sent to CloudWatch Logs", AWS-logs-infrastructure-CWL:
# "be sure to set the ARN of its Resource line to use a * wildcard"); DeleteLogDelivery undoes
# it. They cannot be scoped to a tier: documented in docs/ci-identities.md.
WAF_LOGGING_ACTIONS = (
    "logs:CreateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
)

# The Stack tag of bootstrap/'s own resources (state bucket, keys): never a tier's, so no deploy
# role's tag conditions reach them; the explicit denies below spare them so that the narrow
# state statements (their own objects and keys) keep working.
BOOTSTRAP_STACK_TAG = "bootstrap-*"

# Services the program's own roles are passed to (flow logs, RDS enhanced monitoring, the trail's
# delivery to CloudWatch Logs: CloudTrail user guide, "Sending events to CloudWatch Logs").
PASSED_TO_SERVICES = ("vpc-flow-logs.amazonaws.com", "monitoring.rds.amazonaws.com", "cloudtrail.amazonaws.com")


def github_oidc_trust(provider_arn: str, subjects: list[str]) -> dict[str, Any]:
    """Trust of a role that GitHub Actions assumes through OIDC: exactly these subjects
    (StringEquals, no wildcards) and GitHub's audience for AWS. GitHub's documented subject
    forms: `repo:OWNER/REPO:pull_request`, `...:environment:NAME`, `...:ref:refs/heads/BRANCH`
    (GitHub docs, "About security hardening with OpenID Connect", example subject claims)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{GITHUB_OIDC_HOST}:aud": GITHUB_OIDC_AUDIENCE,
                        f"{GITHUB_OIDC_HOST}:sub": sorted(subjects),
                    }
                },
            }
        ],
    }


@dataclass(frozen=True)
class StateAccess:
    """Where a self-managed Pulumi backend keeps state, and the keys that encrypt it."""

    bucket_arn: str
    bucket_key_arn: str  # SSE-KMS of the bucket
    secrets_key_arn: str  # `awskms://` key of this tier's stack secrets
    region: str


def _state_statements(project: str, stacks: str, state: StateAccess, *, write: bool) -> list[dict[str, Any]]:
    """The DIY backend's objects of `stacks` (a stack name or a `development*` pattern): stack
    files, history, backups and locks (pulumi/pulumi pkg/backend/diy: `.pulumi/stacks/<project>/
    <stack>.json`, `.pulumi/history/<project>/<stack>/`, `.pulumi/backups/...`, `.pulumi/locks/
    <org>/<project>/<stack>/`)."""
    objects = [
        f"{state.bucket_arn}/.pulumi/{kind}/{project}/{stacks}{suffix}"
        for kind in ("stacks", "history", "backups")
        for suffix in (".json*", "/*")
    ] + [f"{state.bucket_arn}/.pulumi/locks/*/{project}/{stacks}/*"]
    object_actions = ["s3:GetObject", "s3:GetObjectVersion"] + (["s3:PutObject", "s3:DeleteObject"] if write else [])
    via_s3 = {"StringEquals": {"kms:ViaService": f"s3.{state.region}.amazonaws.com"}}
    secrets_actions = ["kms:Decrypt"] + (["kms:Encrypt", "kms:GenerateDataKey"] if write else [])
    return [
        {"Sid": "StateList", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
         "Resource": state.bucket_arn},
        {"Sid": "StateMeta", "Effect": "Allow", "Action": ["s3:GetObject"],
         "Resource": f"{state.bucket_arn}/.pulumi/meta.yaml"},
        {"Sid": "StateObjects", "Effect": "Allow", "Action": object_actions, "Resource": objects},
        {"Sid": "StateBucketKey", "Effect": "Allow", "Action": ["kms:Decrypt"] + (["kms:GenerateDataKey"] if write else []),
         "Resource": state.bucket_key_arn, "Condition": via_s3},
        {"Sid": "StackSecrets", "Effect": "Allow", "Action": secrets_actions, "Resource": state.secrets_key_arn},
    ]  # fmt: skip


def preview_policy(project: str, stacks: str, state: StateAccess | None) -> dict[str, Any]:
    """Read-only: what `pulumi preview` of `stacks` needs and nothing that reads a secret value
    of the environment (its own stack secrets aside, which a preview must decrypt)."""
    statements: list[dict[str, Any]] = [
        {"Sid": "Read", "Effect": "Allow", "Action": list(READ_ONLY_ACTIONS), "Resource": "*"}
    ]
    if state is not None:
        statements += _state_statements(project, stacks, state, write=False)
    return {"Version": "2012-10-17", "Statement": statements}


def drift_policy(project: str, stacks: str, account: str, region: str, state: StateAccess | None) -> dict[str, Any]:
    """Read-only, for the nightly drift check of one tier: the preview role's reads, what
    `pulumi preview --refresh` and `nexus verify` read besides (REFRESH_READ_ACTIONS), the
    tier's published settings, and the tier's state read-only. A preview takes no lock and
    writes no state on the self-managed backend (pulumi/pulumi pkg/backend/diy/backend.go:
    Preview runs apply with DryRun, without Lock; no snapshot manager, no history).

    The SecureString settings are secret ARNs, not secrets: decrypting them is allowed through
    SSM only, for this tier's parameters (Parameter Store's encryption context is
    PARAMETER_ARN: Systems Manager user guide, "How AWS Systems Manager Parameter Store uses
    AWS KMS"), not through Secrets Manager. The state it reads holds the stack's secret outputs
    all the same, decryptable with its tier's stack secrets key, as for any preview: hence one
    role per tier, trusted only in that tier's drift environment (docs/operations.md)."""
    parameters = f"arn:aws:ssm:{region}:{account}:parameter/{project}/{stacks}"
    statements: list[dict[str, Any]] = [
        {"Sid": "Read", "Effect": "Allow", "Action": list(READ_ONLY_ACTIONS + REFRESH_READ_ACTIONS), "Resource": "*"},
        {"Sid": "PublishedSettings", "Effect": "Allow", "Action": list(SETTINGS_READ_ACTIONS),
         "Resource": [parameters, f"{parameters}/*"]},
        {"Sid": "PublishedSecureStrings", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": "*",
         "Condition": {"StringEquals": {"kms:ViaService": f"ssm.{region}.amazonaws.com"},
                       "StringLike": {"kms:EncryptionContext:PARAMETER_ARN": f"{parameters}/*"}}},
    ]  # fmt: skip
    if state is not None:
        statements += _state_statements(project, stacks, state, write=False)
    return {"Version": "2012-10-17", "Statement": statements}


def recovery_drill_policy(
    project: str, source: str, account: str, drill_region: str, state: StateAccess | None
) -> dict[str, Any]:
    """The recovery drill of `source` (staging or production): deploy and destroy throwaway
    `recovery-drill-*` stacks in `drill_region`, with the deploy roles' tag and name conditions
    (deploy_policy), and read the source stack's state, which the drill stack references for the
    replicated backups' ARN (a StackReference reads the source's checkpoint), never write it.
    The drill stacks' secrets take the source tier's key, as the source's own do."""
    policy = deploy_policy(project, "recovery-drill-*", account, drill_region, state)
    source_tag = {"StringEquals": {"aws:ResourceTag/Stack": source}}
    # What the restore uses of the source's: its replicated backups (they keep the source's
    # tags) and the recovery-region key that encrypts them, which the restored database keeps
    # (RDS: a restore takes the backups' key). Nothing else of the source's is within reach.
    policy["Statement"] += [
        {"Sid": "RestoreTheSourcesReplicatedBackups", "Effect": "Allow",
         "Action": ["rds:RestoreDBInstanceToPointInTime", "rds:DescribeDBInstanceAutomatedBackups"],
         "Resource": f"arn:aws:rds:{drill_region}:{account}:auto-backup:*", "Condition": source_tag},
        {"Sid": "UseTheSourcesRecoveryKeyThroughRds", "Effect": "Allow",
         "Action": ["kms:CreateGrant", "kms:DescribeKey", "kms:Decrypt", "kms:GenerateDataKeyWithoutPlaintext"],
         "Resource": f"arn:aws:kms:{drill_region}:{account}:key/*",
         "Condition": {**source_tag, "StringLike": {"kms:ViaService": f"rds.{drill_region}.amazonaws.com"}}},
    ]  # fmt: skip
    # The deploy policy's deny of anything tagged for another stack would win over those two:
    # the source's tag is spared in it (the allows above are the only ones that name it).
    for statement in policy["Statement"]:
        if statement["Sid"] == "NeverAnotherTiersResources":
            statement["Condition"]["StringNotLike"]["aws:ResourceTag/Stack"].append(source)
    if state is not None:
        policy["Statement"] += [
            {**s, "Sid": f"Source{s['Sid']}"}
            for s in _state_statements(project, source, state, write=False)
            if s["Sid"] == "StateObjects"
        ]
    return policy


def deploy_policy(
    project: str, stacks: str, account: str, region: str, state: StateAccess | None, recovery_region: str | None = None
) -> dict[str, Any]:
    """Deploy role of one tier: change only resources whose Stack tag matches `stacks` (a stack
    name, or `development*` for every development stack), create only resources tagged so, and
    reach untaggable or name-addressed resources only by the names the program gives them
    (nexus/config/naming.py: `nexus-<stack>...`, `/nexus/<stack>/...`). With `recovery_region`,
    also the names backup replication gives there (the recovery key's alias, the backups)."""
    actions = [f"{service}:*" for service in DEPLOY_SERVICES]
    names = f"{project}-{stacks}"
    paths = f"{project}/{stacks}"
    named = [
        f"arn:aws:s3:::{names}",
        f"arn:aws:s3:::{names}/*",
        f"arn:aws:logs:{region}:{account}:log-group:/{paths}*",
        f"arn:aws:logs:{region}:{account}:log-group:aws-waf-logs-{names}*",
        f"arn:aws:ssm:{region}:{account}:parameter/{paths}*",
        f"arn:aws:secretsmanager:{region}:{account}:secret:{paths}*",
        f"arn:aws:kms:{region}:{account}:alias/{names}*",
        f"arn:aws:sns:{region}:{account}:{names}*",
        f"arn:aws:cloudwatch::{account}:dashboard/{names}*",
        f"arn:aws:cloudwatch:{region}:{account}:alarm:{names}*",
        f"arn:aws:rds:{region}:{account}:*:{names}*",
        f"arn:aws:elasticloadbalancing:{region}:{account}:*/{names}*",
        f"arn:aws:wafv2:{region}:{account}:regional/*/{names}*",
        f"arn:aws:cloudtrail:{region}:{account}:trail/{names}*",
    ]
    if recovery_region is not None:
        named += [f"arn:aws:kms:{recovery_region}:{account}:alias/{names}*",
                  f"arn:aws:rds:{recovery_region}:{account}:*:{names}*"]  # fmt: skip
    tag_key = "aws:ResourceTag/Stack"
    request_tag = "aws:RequestTag/Stack"
    statements: list[dict[str, Any]] = [
        {"Sid": "Read", "Effect": "Allow", "Action": list(READ_ONLY_ACTIONS), "Resource": "*"},
        {"Sid": "ChangeResourcesTaggedForTheTier", "Effect": "Allow", "Action": actions, "Resource": "*",
         "Condition": {"StringLike": {tag_key: stacks}}},
        {"Sid": "CreateResourcesTaggedForTheTier", "Effect": "Allow", "Action": actions, "Resource": "*",
         "Condition": {"StringLike": {request_tag: stacks}}},
        {"Sid": "ChangeResourcesNamedForTheTier", "Effect": "Allow", "Action": actions, "Resource": named},
        {"Sid": "WafLogging", "Effect": "Allow", "Action": list(WAF_LOGGING_ACTIONS), "Resource": "*"},
        {"Sid": "RolesOfTheTier", "Effect": "Allow",
         "Action": ["iam:CreateRole", "iam:DeleteRole", "iam:TagRole", "iam:UntagRole", "iam:UpdateRole",
                    "iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy",
                    "iam:AttachRolePolicy", "iam:DetachRolePolicy"],
         "Resource": f"arn:aws:iam::{account}:role/{names}*"},
        {"Sid": "PassRolesOfTheTier", "Effect": "Allow", "Action": "iam:PassRole",
         "Resource": f"arn:aws:iam::{account}:role/{names}*",
         "Condition": {"StringEquals": {"iam:PassedToService": list(PASSED_TO_SERVICES)}}},
        # An explicit deny wins over every allow above: whatever carries another stack's tag,
        # or would be created with one, is out of reach.
        {"Sid": "NeverAnotherTiersResources", "Effect": "Deny", "Action": actions, "Resource": "*",
         "Condition": {"StringNotLike": {tag_key: [stacks, BOOTSTRAP_STACK_TAG]}, "Null": {tag_key: "false"}}},
        {"Sid": "NeverCreateForAnotherTier", "Effect": "Deny", "Action": actions, "Resource": "*",
         "Condition": {"StringNotLike": {request_tag: [stacks]}, "Null": {request_tag: "false"}}},
    ]  # fmt: skip
    if state is not None:
        statements += _state_statements(project, stacks, state, write=True)
    return {"Version": "2012-10-17", "Statement": statements}
