"""BackupReplication: the database's automated backups copied into the recovery region, with
a key of the environment's own there."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from nexus.components.iam import account_administers_key
from nexus.config.naming import Naming


@dataclass(frozen=True)
class BackupReplicationArgs:
    naming: Naming
    account_id: str
    # A provider of the recovery region that pins the same account and tags (Environment).
    provider: aws.Provider
    source_db_instance_arn: pulumi.Input[str]
    # Days the replicated backups are kept there (1..35, validated in nexus.config.environment).
    retention_days: int
    kms_deletion_window_days: int
    protect: bool
    # The key outlives the stack as the primary key does: the replicated backups are encrypted
    # with it, and RDS keeps them for their retention after replication stops.
    retain_key: bool


class BackupReplication(pulumi.ComponentResource):
    """A customer-managed KMS key in the recovery region and RDS automated backups replication
    of the database into that region with it.

    Outputs: `key_arn`, `replicated_backups_arn` (what a recovery stack restores from).
    """

    def __init__(self, name: str, args: BackupReplicationArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("nexus:data:BackupReplication", name, None, opts)
        naming = args.naming
        in_recovery_region = pulumi.ResourceOptions(parent=self, provider=args.provider)

        # StartDBInstanceAutomatedBackupsReplication KmsKeyId: "the Amazon Resource Name (ARN) for
        # the KMS encryption key in the destination Amazon Web Services Region" (botocore rds
        # 2014-10-31): a key of the primary region cannot encrypt the copies.
        self.key = aws.kms.Key(
            "recovery-key",
            description=f"NEXUS {naming.stack}: the database's replicated backups in this region",
            deletion_window_in_days=args.kms_deletion_window_days,
            enable_key_rotation=True,
            policy=json.dumps(_key_policy(args.account_id)),
            opts=pulumi.ResourceOptions.merge(
                in_recovery_region, pulumi.ResourceOptions(protect=args.protect, retain_on_delete=args.retain_key)
            ),
        )
        aws.kms.Alias(
            "recovery-key-alias",
            name=f"alias/{naming.prefix}-replicated-backups",
            target_key_id=self.key.key_id,
            opts=in_recovery_region,
        )

        # terraform-provider-aws internal/service/rds/instance_automated_backups_replication.go:
        # every argument is ForceNew, the resource's ID is the replicated backups' ARN
        # (DBInstanceAutomatedBackupsArn), create waits for status REPLICATING and delete calls
        # StopDBInstanceAutomatedBackupsReplication (the copies are then kept for their
        # retention: RDS User Guide, "Stopping automated backup replication"). A new retention
        # or key is a stop, then a start: delete_before_replace, since a second replication of
        # one instance into one region would be a second copy of the same backups.
        # pre_signed_url stays unset: StartDBInstanceAutomatedBackupsReplication PreSignedUrl is
        # for GovCloud (US) Regions only (botocore rds 2014-10-31).
        self.replication = aws.rds.InstanceAutomatedBackupsReplication(
            "backups-replication",
            source_db_instance_arn=args.source_db_instance_arn,
            kms_key_id=self.key.arn,
            retention_period=args.retention_days,
            opts=pulumi.ResourceOptions.merge(in_recovery_region, pulumi.ResourceOptions(delete_before_replace=True)),
        )
        self.key_arn = self.key.arn
        self.replicated_backups_arn = self.replication.id
        self.register_outputs({"key_arn": self.key.arn, "replicated_backups_arn": self.replication.id})


def _key_policy(account_id: str) -> dict[str, object]:
    """The account administers the key through IAM and nothing else (no service principal: no
    service encrypts with it on the environment's behalf but RDS, for the identity that starts
    the replication and with that identity's IAM permissions)."""
    return {"Version": "2012-10-17", "Statement": [account_administers_key(account_id)]}
