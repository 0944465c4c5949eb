"""StateBackend: a self-managed Pulumi backend in S3 and the KMS keys of `awskms://` secrets."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from nexus.components.buckets import private_bucket_controls
from nexus.config.naming import Naming


@dataclass(frozen=True)
class StateBackendArgs:
    naming: Naming
    account_id: str
    region: str
    # One `awskms://` secrets key per tier: a deploy role decrypts only its tier's stack secrets.
    # (Stack files carry their encrypted data key in the repository: one shared key would let a
    # pull request's development role decrypt production's.)
    environments: tuple[str, ...]
    # KMS ScheduleKeyDeletion allows 7..30 days (validated in nexus.config.bootstrap).
    kms_deletion_window_days: int


class StateBackend(pulumi.ComponentResource):
    """Versioned, KMS-encrypted, private, TLS-only state bucket, and the secrets keys.

    Outputs: `bucket`, `bucket_arn`, `bucket_key_arn`, `secrets_key_arns` and
    `secrets_providers` (tier to `awskms://alias/...` URL, for `pulumi stack init`).
    Protected: losing the state bucket or a key loses every stack's state or secrets.
    """

    def __init__(self, name: str, args: StateBackendArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("nexus:bootstrap:StateBackend", name, None, opts)
        naming = args.naming
        child = pulumi.ResourceOptions(parent=self)
        kept = pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True)

        self.bucket_key = aws.kms.Key(
            "state-key",
            description=f"NEXUS {naming.stack}: Pulumi state bucket",
            deletion_window_in_days=args.kms_deletion_window_days,
            enable_key_rotation=True,
            opts=kept,
        )
        aws.kms.Alias(
            "state-key", name=f"alias/{naming.name('state')}", target_key_id=self.bucket_key.key_id, opts=child
        )

        # Bucket names are global: the account ID keeps ours from colliding with anyone's.
        self.bucket = aws.s3.Bucket("state", bucket=naming.name(f"state-{args.account_id}"), opts=kept)
        bucket = self.bucket.id
        # Every update writes a new state object: versions are the way back from a bad write.
        aws.s3.BucketVersioning(
            "state",
            bucket=bucket,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            "state",
            bucket=bucket,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="aws:kms", kms_master_key_id=self.bucket_key.arn
                    ),
                    # S3 Bucket Keys: one KMS data key per bucket period instead of per object.
                    bucket_key_enabled=True,
                )
            ],
            opts=child,
        )
        private_bucket_controls("state", bucket, child)
        # TLS only: deny any request made without it (S3 user guide, "Enforce encryption of
        # data in transit": aws:SecureTransport).
        aws.s3.BucketPolicy(
            "state",
            bucket=bucket,
            policy=self.bucket.arn.apply(lambda arn: json.dumps(tls_only_policy(arn))),
            opts=child,
        )

        self.secrets_keys: dict[str, aws.kms.Key] = {}
        self.secrets_providers: dict[str, pulumi.Output[str]] = {}
        for tier in args.environments:
            # The default key policy (no `policy`): the account's IAM policies decide who uses
            # the key, so each deploy role's policy (nexus/ci/iam.py) is the whole story.
            key = aws.kms.Key(
                f"secrets-{tier}",
                description=f"NEXUS {naming.stack}: Pulumi stack secrets of the {tier} stacks",
                deletion_window_in_days=args.kms_deletion_window_days,
                enable_key_rotation=True,
                opts=kept,
            )
            alias = aws.kms.Alias(
                f"secrets-{tier}", name=f"alias/{naming.name(f'secrets-{tier}')}", target_key_id=key.key_id, opts=child
            )
            self.secrets_keys[tier] = key
            self.secrets_providers[tier] = alias.name.apply(lambda name: f"awskms://{name}?region={args.region}")

        self.register_outputs(
            {
                "bucket": self.bucket.bucket,
                "bucket_arn": self.bucket.arn,
                "bucket_key_arn": self.bucket_key.arn,
                "secrets_key_arns": {tier: key.arn for tier, key in self.secrets_keys.items()},
                "secrets_providers": self.secrets_providers,
            }
        )


def tls_only_policy(bucket_arn: str) -> dict[str, object]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TlsOnly",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [bucket_arn, f"{bucket_arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
