"""AppIdentity: the IAM role the environment's services run as, and nothing more than it needs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from nexus.components.logs import log_group
from nexus.config.limits import COMPUTE_SERVICE_PRINCIPALS
from nexus.config.naming import Naming


@dataclass(frozen=True)
class AppIdentityArgs:
    naming: Naming
    region: str
    account_id: str
    # Settings keys of nexus:identity.compute_services (ecs-tasks, ec2, lambda, eks-pods).
    compute_services: tuple[str, ...]
    # The PostgreSQL user the application logs in as with IAM authentication.
    database_user: str
    # RDS DbiResourceId of the environment's instance (rds-db:connect names it, not the identifier).
    db_resource_id: pulumi.Input[str]
    # The secrets the application reads: the session signing key only (see docs/security.md: the
    # RDS-managed master secret is for administration, never for the application).
    secret_arns: list[pulumi.Input[str]]
    kms_key_arn: pulumi.Input[str]
    log_retention_days: int


class AppIdentity(pulumi.ComponentResource):
    """The application role of one environment, its log group, and an instance profile where
    EC2 is named. Its inline policy names this stack's resources only: parameters under
    /nexus/<stack>/, its secrets, its key through SSM and Secrets Manager, its database user,
    its log group. No data action on a wildcard resource (rule `no-data-action-on-any-resource`).

    Outputs: `role_arn`, `role_name`, `log_group_name`, `instance_profile_name` (or None).
    """

    def __init__(self, name: str, args: AppIdentityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("nexus:security:AppIdentity", name, None, opts)
        naming, child = args.naming, pulumi.ResourceOptions(parent=self)

        self.log_group = log_group(
            "app-logs",
            name=naming.path("app"),
            retention_days=args.log_retention_days,
            kms_key_arn=args.kms_key_arn,
            opts=child,
        )

        self.role = aws.iam.Role(
            "app-role",
            name=naming.name("app", max_len=64),
            description=f"NEXUS {naming.stack}: the application's services run as this role",
            assume_role_policy=json.dumps(trust_policy(args.compute_services, args.region, args.account_id)),
            # Long enough for a batch job, short enough to limit a leaked session.
            max_session_duration=3600,
            opts=child,
        )

        policy = pulumi.Output.all(
            db_resource_id=args.db_resource_id,
            secret_arns=pulumi.Output.all(*args.secret_arns),
            key_arn=args.kms_key_arn,
            log_group_arn=self.log_group.arn,
        ).apply(
            lambda v: json.dumps(
                permissions_policy(
                    naming=naming,
                    region=args.region,
                    account_id=args.account_id,
                    database_user=args.database_user,
                    db_resource_id=v["db_resource_id"],
                    secret_arns=list(v["secret_arns"]),
                    key_arn=v["key_arn"],
                    log_group_arn=v["log_group_arn"],
                )
            )
        )
        aws.iam.RolePolicy("app-permissions", name=naming.name("app"), role=self.role.id, policy=policy, opts=child)

        self.instance_profile = None
        if "ec2" in args.compute_services:
            self.instance_profile = aws.iam.InstanceProfile(
                "app-instance-profile", name=naming.name("app", max_len=128), role=self.role.name, opts=child
            )

        self.role_arn = self.role.arn
        self.register_outputs(
            {
                "role_arn": self.role.arn,
                "role_name": self.role.name,
                "log_group_name": self.log_group.name,
                "instance_profile_name": self.instance_profile.name if self.instance_profile else None,
            }
        )


def trust_policy(compute_services: tuple[str, ...], region: str, account_id: str) -> dict[str, Any]:
    """Who may assume the application role: the named compute services of this account."""
    statements: list[dict[str, Any]] = []
    for service in compute_services:
        principal = COMPUTE_SERVICE_PRINCIPALS[service]
        statement: dict[str, Any] = {
            "Sid": "RunAs" + "".join(part.title() for part in service.split("-")),
            "Effect": "Allow",
            "Principal": {"Service": principal},
            "Action": "sts:AssumeRole",
        }
        if service == "ecs-tasks":
            # The ECS developer guide ("Amazon ECS task IAM role") documents both conditions
            # on the task role's trust policy against the confused deputy problem.
            statement["Condition"] = {
                "ArnLike": {"aws:SourceArn": f"arn:aws:ecs:{region}:{account_id}:*"},
                "StringEquals": {"aws:SourceAccount": account_id},
            }
        elif service == "eks-pods":
            # EKS Pod Identity assumes the role and tags the session (EKS user guide, "Create
            # IAM role with trust policy required by EKS Pod Identity").
            statement["Action"] = ["sts:AssumeRole", "sts:TagSession"]
        # EC2 and Lambda document no aws:SourceAccount on role assumption (users hit this:
        # prowler-cloud/prowler#2810); for them, iam:PassRole in this account is the guard.
        statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements}


def parameter_arns(naming: Naming, region: str, account_id: str) -> list[str]:
    """The stack's parameter tree: GetParametersByPath authorizes on the path itself
    (SSM user guide, "Restricting access to Parameter Store parameters using IAM policies"),
    GetParameter(s) on each parameter below it."""
    base = f"arn:aws:ssm:{region}:{account_id}:parameter{naming.path()}"
    return [base, f"{base}/*"]


def db_user_arn(region: str, account_id: str, db_resource_id: str, database_user: str) -> str:
    # RDS user guide, "Creating and using an IAM policy for IAM database access":
    # arn:aws:rds-db:region:account-id:dbuser:DbiResourceId/db-user-name
    return f"arn:aws:rds-db:{region}:{account_id}:dbuser:{db_resource_id}/{database_user}"


def permissions_policy(
    *,
    naming: Naming,
    region: str,
    account_id: str,
    database_user: str,
    db_resource_id: str,
    secret_arns: list[str],
    key_arn: str,
    log_group_arn: str,
) -> dict[str, Any]:
    """The application role's whole permission set, every resource named."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadOwnParameters",
                "Effect": "Allow",
                "Action": ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
                "Resource": parameter_arns(naming, region, account_id),
            },
            {
                "Sid": "ReadOwnSecrets",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                "Resource": sorted(secret_arns),
            },
            {
                # SecureString parameters are decrypted by SSM on the caller's behalf, with the
                # parameter's ARN as encryption context ("How AWS Systems Manager Parameter
                # Store uses AWS KMS": PARAMETER_ARN); kms:ViaService keeps the key usable only
                # that way (KMS developer guide, "kms:ViaService").
                "Sid": "DecryptOwnParametersThroughSsm",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": key_arn,
                "Condition": {
                    "StringEquals": {"kms:ViaService": f"ssm.{region}.amazonaws.com"},
                    "StringLike": {
                        "kms:EncryptionContext:PARAMETER_ARN": parameter_arns(naming, region, account_id)[1]
                    },
                },
            },
            {
                # Secrets Manager decrypts with the secret's ARN as encryption context (Secrets
                # Manager user guide, "Secret encryption and decryption": SecretARN): the key
                # opens the application's secrets only, not the master secret it also encrypts.
                "Sid": "DecryptOwnSecretsThroughSecretsManager",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": key_arn,
                "Condition": {
                    "StringEquals": {
                        "kms:ViaService": f"secretsmanager.{region}.amazonaws.com",
                        "kms:EncryptionContext:SecretARN": sorted(secret_arns),
                    }
                },
            },
            {
                "Sid": "ConnectAsOwnDatabaseUser",
                "Effect": "Allow",
                "Action": "rds-db:connect",
                "Resource": db_user_arn(region, account_id, db_resource_id, database_user),
            },
            {
                # The provider's log group `arn` drops the API's ":*" suffix (terraform-provider-aws,
                # aws_cloudwatch_log_group "arn"); streams are log-group:NAME:log-stream:STREAM.
                # The log group is KMS-encrypted by the Logs service principal: writers need no key.
                "Sid": "WriteOwnLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": [log_group_arn, f"{log_group_arn}:log-stream:*"],
            },
        ],
    }
