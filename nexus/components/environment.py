"""Environment: one whole NEXUS environment, composed from the stack's validated settings."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from nexus.components.app_identity import AppIdentity, AppIdentityArgs
from nexus.components.app_settings import AppSettings, AppSettingsArgs
from nexus.components.audit_trail import AuditTrail, AuditTrailArgs, key_policy_statements, trail_arn
from nexus.components.backup_replication import BackupReplication, BackupReplicationArgs
from nexus.components.database import Database, DatabaseArgs, RestoreSource
from nexus.components.load_balancer import LoadBalancer, LoadBalancerArgs
from nexus.components.monitoring import Monitoring, MonitoringArgs
from nexus.components.network import Network, NetworkArgs
from nexus.components.secrets_store import SecretsStore, SecretsStoreArgs
from nexus.config.environment import Settings
from nexus.config.naming import Naming, default_tags
from nexus.config.published import SENSITIVE_SETTINGS, published_settings


class Environment(pulumi.ComponentResource):
    """The composition point: an AWS provider that tags everything, then the secrets store,
    network, database, load balancer, application settings and monitoring of one stack.

    `outputs` holds the stack outputs (no secret among them).
    """

    def __init__(self, name: str, settings: Settings, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("nexus:index:Environment", name, None, opts)
        naming = Naming(settings.stack)
        protect = settings.protection.protect_stateful_resources
        retention = settings.monitoring.metrics_retention_days

        # Whose credentials are these? Asked through a provider without `allowed_account_ids`
        # (it creates nothing), before the real provider exists: that one would refuse with
        # the caller's account only ("AWS account ID not allowed: ..."; terraform-provider-aws
        # internal/conns), and a person needs both accounts to see the mistake.
        caller_provider = aws.Provider("aws-identity", region=settings.region, opts=pulumi.ResourceOptions(parent=self))
        caller = aws.get_caller_identity(opts=pulumi.InvokeOptions(provider=caller_provider)).account_id
        if caller != settings.account_id:
            raise pulumi.RunError(
                f"these credentials are for AWS account {caller}, but Pulumi.{settings.stack}.yaml belongs to "
                f"account {settings.account_id} (nexus:account_id): use that account's credentials; nothing was changed"
            )

        # Every AWS resource below uses this provider: its default tags reach every taggable
        # resource, and Pulumi.<stack>.yaml disables the default provider so none escapes. It
        # refuses to act in any other account than the stack file's.
        provider = _provider("aws", settings, settings.region, self)
        child = pulumi.ResourceOptions(parent=self, providers={"aws": provider})
        invoke = pulumi.InvokeOptions(provider=provider)
        account_id = settings.account_id
        # A certificate of another account than nexus:account_id is refused with the settings.
        _check_zones(settings, invoke)

        # A key outlives the stack wherever data encrypted with it does: protected stacks, and
        # any database that leaves a final snapshot and retained backups.
        retain_keys = protect or not settings.database.skip_final_snapshot
        recovery = settings.disaster_recovery

        # An environment with an account of its own keeps its own trail (nexus:audit.trail).
        own_trail = settings.audit.trail == "own"
        secrets = SecretsStore(
            "secrets",
            SecretsStoreArgs(
                naming=naming,
                account_id=account_id,
                region=settings.region,
                kms_deletion_window_days=settings.secrets.kms_deletion_window_days,
                recovery_window_days=settings.secrets.recovery_window_days,
                protect=protect,
                extra_key_policy_statements=tuple(
                    key_policy_statements(account_id, trail_arn(naming, settings.region, account_id))
                    if own_trail
                    else ()
                ),
                retain_key=retain_keys,
            ),
            opts=child,
        )
        key_arn = secrets.key.arn

        network = Network(
            "network",
            NetworkArgs(
                naming=naming,
                region=settings.region,
                cidr=settings.network.cidr,
                availability_zones=list(settings.network.availability_zones),
                nat_gateways=settings.network.nat_gateways,
                flow_logs=settings.network.flow_logs,
                flow_logs_traffic_type=settings.network.flow_logs_traffic_type,
                log_retention_days=retention,
                kms_key_arn=key_arn,
                force_destroy=settings.protection.force_destroy,
            ),
            opts=child,
        )

        database = Database(
            "database",
            DatabaseArgs(
                naming=naming,
                settings=settings.database,
                vpc_id=network.vpc_id,
                data_subnet_ids=network.data_subnet_ids,
                app_security_group_id=network.app_security_group.id,
                kms_key_arn=key_arn,
                zone_id=network.zone.zone_id,
                zone_name=naming.dns_zone,
                log_retention_days=retention,
                protect=protect,
                secret_recovery_window_days=settings.secrets.recovery_window_days,
                restore=_restore_source(settings, self),
            ),
            opts=child,
        )

        replication = None
        if recovery.replicate_backups:
            assert recovery.recovery_region is not None  # validated with replicate_backups
            replication = BackupReplication(
                "backup-replication",
                BackupReplicationArgs(
                    naming=naming,
                    account_id=account_id,
                    # The recovery region's provider pins the same account and tags as `provider`.
                    provider=_provider("aws-recovery", settings, recovery.recovery_region, self),
                    source_db_instance_arn=database.instance.arn,
                    retention_days=recovery.retention_days,
                    kms_deletion_window_days=settings.secrets.kms_deletion_window_days,
                    protect=protect,
                    retain_key=retain_keys,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )

        load_balancer = LoadBalancer(
            "edge",
            LoadBalancerArgs(
                naming=naming,
                settings=settings.load_balancer,
                region=settings.region,
                account_id=account_id,
                vpc_id=network.vpc_id,
                public_subnet_ids=network.public_subnet_ids,
                app_security_group_id=network.app_security_group.id,
                max_requests_per_minute=settings.limits.max_requests_per_minute,
                log_retention_days=retention,
                kms_key_arn=key_arn,
                force_destroy=settings.protection.force_destroy,
                protect=protect,
                # An internet-facing ALB needs the VPC's gateway attached and routed first.
                internet_path=[network.internet_gateway, network.public_default_route],
            ),
            opts=child,
        )

        identity = AppIdentity(
            "app-identity",
            AppIdentityArgs(
                naming=naming,
                region=settings.region,
                account_id=account_id,
                compute_services=settings.identity.compute_services,
                database_user=settings.identity.database_user,
                db_resource_id=database.resource_id,
                # Not the master secret: the application logs in with IAM authentication.
                secret_arns=[secrets.app_secret.arn],
                kms_key_arn=key_arn,
                log_retention_days=retention,
            ),
            opts=child,
        )

        audit = None
        if own_trail:
            audit = AuditTrail(
                "audit",
                AuditTrailArgs(
                    naming=naming,
                    region=settings.region,
                    account_id=account_id,
                    kms_key_arn=key_arn,
                    retention_days=settings.audit_retention_days,
                    log_retention_days=retention,
                    force_destroy=settings.protection.force_destroy,
                    protect=protect,
                ),
                opts=child,
            )

        # The same function tells `nexus verify` what the live parameters must hold.
        published: dict[str, pulumi.Input[str]] = {
            **published_settings(
                settings,
                database_host=database.endpoint_name,
                database_address=database.address,
                database_credentials_secret_arn=database.master_secret_arn,
                session_signing_key_secret_arn=secrets.app_secret.arn,
                app_role_arn=identity.role_arn,
                app_log_group=identity.log_group.name,
            )
        }
        app_settings = AppSettings(
            "app-settings",
            AppSettingsArgs(
                naming=naming,
                values=published,
                sensitive=SENSITIVE_SETTINGS,
                kms_key_arn=key_arn,
            ),
            opts=child,
        )

        monitoring = Monitoring(
            "monitoring",
            MonitoringArgs(
                naming=naming,
                settings=settings.monitoring,
                region=settings.region,
                kms_key_arn=key_arn,
                alb_arn_suffix=load_balancer.arn_suffix,
                target_group_arn_suffix=load_balancer.target_group_arn_suffix,
                db_identifier=database.instance.identifier,
                db_max_allocated_storage_gb=settings.database.max_allocated_storage_gb,
                db_max_connections=settings.database.max_connections,
                db_parameter_group_name=database.parameter_group_name,
                account_id=account_id,
                trail_log_group_name=audit.log_group_name if audit else None,
            ),
            opts=child,
        )

        log_groups = [*network.log_groups, *database.log_groups, *load_balancer.log_groups]
        log_groups += [audit.log_group] if audit else []
        self.outputs: dict[str, pulumi.Input[object]] = {
            "environment": settings.environment,
            "region": settings.region,
            "vpc_id": network.vpc_id,
            "url": load_balancer.url,
            "load_balancer_dns_name": load_balancer.dns_name,
            "database_address": database.address,
            "database_dns_name": database.endpoint_name,
            "database_port": database.port,
            "database_credentials_secret_arn": database.master_secret_arn,
            "kms_key_arn": key_arn,
            "kms_key_alias": secrets.alias_name,
            "settings_path": app_settings.path,
            "alarm_topic_arn": monitoring.topic_arn,
            "dashboard_name": monitoring.dashboard_name,
            "app_role_arn": identity.role_arn,
            "app_log_group": identity.log_group.name,
            "database_app_user": settings.identity.database_user,
            "audit_trail": settings.audit.trail,
            # What `nexus verify` needs to find the live resources (IDs and ARNs, no secret).
            "load_balancer_arn": load_balancer.alb.arn,
            "target_group_arn": load_balancer.target_group.arn,
            "web_acl_arn": load_balancer.web_acl.arn,
            "access_log_bucket": load_balancer.access_log_bucket.bucket,
            "database_identifier": database.identifier,
            "database_security_group_id": database.security_group.id,
            "app_security_group_id": network.app_security_group.id,
            "session_signing_key_secret_arn": secrets.app_secret.arn,
            "alarm_names": monitoring.alarm_names,
            "log_group_names": [g.name for g in log_groups],
        }
        if audit:
            self.outputs["audit_trail_arn"] = audit.trail_arn
        if replication:
            # What a recovery stack restores from (disaster_recovery.restore_from_stack reads it).
            self.outputs["replicated_backups_arn"] = replication.replicated_backups_arn
            self.outputs["recovery_region"] = recovery.recovery_region
            self.outputs["recovery_kms_key_arn"] = replication.key_arn
        self.register_outputs(self.outputs)


def _provider(name: str, settings: Settings, region: str, parent: pulumi.Resource) -> aws.Provider:
    """Every AWS resource uses a provider of this kind: its default tags reach every taggable
    resource, and Pulumi.<stack>.yaml disables the default provider so none escapes. It refuses
    to act in any other account than the stack file's (allowed_account_ids)."""
    return aws.Provider(
        name,
        region=region,
        allowed_account_ids=[settings.account_id],
        default_tags=aws.ProviderDefaultTagsArgs(tags=default_tags(settings)),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def _restore_source(settings: Settings, parent: pulumi.Resource) -> RestoreSource | None:
    """A recovery stack's database comes from replicated backups: an ARN the settings give, or
    the `replicated_backups_arn` output of the stack they name (read from the same backend)."""
    recovery = settings.disaster_recovery
    if not recovery.restores:
        return None
    arn: pulumi.Input[str]
    if recovery.restore_from_backups_arn is not None:
        arn = recovery.restore_from_backups_arn
    else:
        source = pulumi.StackReference(
            f"{pulumi.get_organization()}/{pulumi.get_project()}/{recovery.restore_from_stack}",
            opts=pulumi.ResourceOptions(parent=parent),
        )
        arn = source.require_output("replicated_backups_arn").apply(str)
    return RestoreSource(automated_backups_arn=arn, restore_time=recovery.restore_time)


def _check_zones(settings: Settings, invoke: pulumi.InvokeOptions) -> None:
    """Each pinned zone must be a regular Availability Zone this account has in the region.

    This lookup only verifies the pinned IDs; it never chooses a zone. It is filtered on
    zone-id to exactly the stack file's zones (and on zone-type to regular Availability
    Zones; EC2 API reference, DescribeAvailabilityZones filters), so its answer can only
    shrink, never grow: a zone AWS adds later is not in it (checkov CKV_AWS_394 passes only
    such an identity filter, "zone-id" or "zone-name"). A pinned zone missing from the answer
    is one this account lacks, or a Local or Wavelength Zone."""
    pinned = list(settings.network.availability_zones)
    found = aws.get_availability_zones(
        filters=[
            aws.GetAvailabilityZonesFilterArgs(name="zone-id", values=pinned),
            aws.GetAvailabilityZonesFilterArgs(name="zone-type", values=["availability-zone"]),
        ],
        opts=invoke,
    ).zone_ids
    missing = [z for z in pinned if z not in found]
    if missing:
        raise pulumi.RunError(
            f"nexus:network.availability_zones: {', '.join(missing)} is not a regular Availability Zone of "
            f"{settings.region} for account {settings.account_id} (Local and Wavelength Zones are refused); "
            f"`aws ec2 describe-availability-zones --region {settings.region} --filters "
            "Name=zone-type,Values=availability-zone` lists the account's zone IDs"
        )
