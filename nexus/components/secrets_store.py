"""SecretsStore: the environment's own KMS key and its application secrets."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from nexus.components.iam import account_administers_key
from nexus.config.naming import Naming


@dataclass(frozen=True)
class SecretsStoreArgs:
    naming: Naming
    account_id: str
    region: str
    # KMS ScheduleKeyDeletion allows 7..30 days (validated in nexus.config.environment).
    kms_deletion_window_days: int
    # Secrets Manager: 0 deletes at once (development re-creates the same name the same day).
    recovery_window_days: int
    protect: bool
    # Extra key policy statements for services that encrypt with the key on the environment's
    # behalf without an IAM caller (the audit trail's CloudTrail statements).
    extra_key_policy_statements: tuple[dict[str, object], ...] = ()
    # Keep the key when the stack is destroyed (retain_on_delete): a final snapshot and
    # retained automated backups encrypted with it can only be restored while it exists.
    retain_key: bool = False


class SecretsStore(pulumi.ComponentResource):
    """A customer-managed KMS key per environment and the secrets encrypted with it.

    Outputs: `key_arn`, `key_id`, `alias_name`, `app_secret_arn` (the session signing key,
    generated here and never shown in plain text).
    """

    key: aws.kms.Key
    app_secret: aws.secretsmanager.Secret

    def __init__(self, name: str, args: SecretsStoreArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("nexus:secrets:SecretsStore", name, None, opts)
        naming, protected = args.naming, pulumi.ResourceOptions(parent=self, protect=args.protect)

        self.key = aws.kms.Key(
            "key",
            description=f"NEXUS {naming.stack}: encryption at rest for this environment only",
            deletion_window_in_days=args.kms_deletion_window_days,
            enable_key_rotation=True,
            policy=json.dumps(_key_policy(args.account_id, args.region, args.extra_key_policy_statements)),
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.retain_key),
        )
        self.alias = aws.kms.Alias(
            "key-alias",
            name=f"alias/{naming.prefix}",
            target_key_id=self.key.key_id,
            opts=pulumi.ResourceOptions(parent=self),
        )

        # A session signing key for the platform's services. RandomPassword keeps `result`
        # secret in state; the secret version below is the only copy the services read.
        signing_key = random.RandomPassword(
            "session-signing-key",
            length=64,
            special=False,
            opts=pulumi.ResourceOptions(parent=self),
        )
        # A prefix, never a fixed name: Secrets Manager keeps a deleted secret's name taken for
        # its whole recovery window ("You can't create a secret with the same name ... scheduled
        # for deletion"; DeleteSecret API), so a re-created stack would fail for up to 30 days.
        # The services find it through the published setting app/session_signing_key_secret_arn.
        self.app_secret = aws.secretsmanager.Secret(
            "session-signing-key",
            name_prefix=naming.path("app", "session-signing-key-").lstrip("/"),
            description="Signs NEXUS user sessions",
            kms_key_id=self.key.arn,
            recovery_window_in_days=args.recovery_window_days,
            opts=protected,
        )
        aws.secretsmanager.SecretVersion(
            "session-signing-key",
            secret_id=self.app_secret.id,
            secret_string=signing_key.result,
            opts=pulumi.ResourceOptions(parent=self),
        )

        self.key_arn = self.key.arn
        self.alias_name = self.alias.name
        self.register_outputs(
            {"key_arn": self.key.arn, "alias_name": self.alias.name, "app_secret_arn": self.app_secret.arn}
        )


def _key_policy(account_id: str, region: str, extra: tuple[dict[str, object], ...] = ()) -> dict[str, object]:
    """Key policy: the account administers the key through IAM; the two services that
    encrypt on our behalf without an IAM caller get only what they need, scoped to this account."""
    logs_arn = f"arn:aws:logs:{region}:{account_id}:log-group:*"
    return {
        "Version": "2012-10-17",
        "Statement": [
            account_administers_key(account_id),
            {
                # CloudWatch Logs encrypts log groups with the key (Logs user guide, "Encrypt log data").
                "Sid": "CloudWatchLogsEncryptsThisAccountsLogGroups",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                "Resource": "*",
                "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": logs_arn}},
            },
            {
                # CloudWatch alarms publish to the encrypted SNS topic (SNS user guide, "Encryption at rest").
                "Sid": "CloudWatchAlarmsPublishToEncryptedTopic",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            },
            {
                # RDS event notifications publish to the same topic as events.rds.amazonaws.com;
                # an encrypted topic needs this grant or RDS drops them (SNS developer guide,
                # "Enable compatibility between event sources from AWS services and encrypted
                # topics", whose statement has no condition: RDS is not documented to send
                # aws:SourceAccount to KMS, and a condition it does not meet would silently drop
                # every event). Who may publish is the topic policy's decision: its default
                # admits only RDS resources of this account (RDS user guide, "Granting
                # permissions to publish notifications to an Amazon SNS topic").
                "Sid": "RdsEventsPublishToEncryptedTopic",
                "Effect": "Allow",
                "Principal": {"Service": "events.rds.amazonaws.com"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
            },
            *extra,
        ],
    }
