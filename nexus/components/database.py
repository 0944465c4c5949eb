"""Database: the environment's PostgreSQL on RDS, reachable only from the application tier."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from nexus.components.iam import service_assume_role_policy
from nexus.components.logs import log_group
from nexus.config.environment import DatabaseSettings
from nexus.config.naming import Naming


@dataclass(frozen=True)
class DatabaseArgs:
    naming: Naming
    settings: DatabaseSettings
    vpc_id: pulumi.Input[str]
    data_subnet_ids: list[pulumi.Output[str]]
    app_security_group_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    zone_id: pulumi.Input[str]
    zone_name: str
    log_retention_days: int
    protect: bool
    # Secrets Manager recovery window of the program-kept master secret (master_password: program).
    secret_recovery_window_days: int = 30
    # A recovery stack: the instance is restored from replicated backups instead of created empty.
    restore: RestoreSource | None = None


@dataclass(frozen=True)
class RestoreSource:
    automated_backups_arn: pulumi.Input[str]
    restore_time: str  # "latest" or a UTC time (validated in nexus.config.environment)


class Database(pulumi.ComponentResource):
    """RDS for PostgreSQL in the isolated data subnets.

    The master password is generated and kept by RDS in Secrets Manager, encrypted with the
    environment's key: it never passes through config, code or Pulumi state. With
    `master_password: program` (what Blue/Green deployments need) the program generates it and
    keeps it in a secret of the environment's key instead, in Pulumi state only as a secret.

    Outputs: `address`, `port`, `endpoint_name` (db.<zone>, from the DNS record, so readers
    wait for it), `master_secret_arn`, `identifier`, `security_group_id`.
    """

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("nexus:data:Database", name, None, opts)
        db, naming, child = args.settings, args.naming, pulumi.ResourceOptions(parent=self)
        self.identifier = naming.name("db")

        subnet_group = aws.rds.SubnetGroup(
            "subnet-group",
            name=naming.name("data"),
            description=f"NEXUS {naming.stack}: isolated data subnets",
            subnet_ids=args.data_subnet_ids,
            opts=child,
        )

        self.security_group = aws.ec2.SecurityGroup(
            "db-sg",
            name=naming.name("db"),
            description=f"NEXUS {naming.stack} database: PostgreSQL from the application tier only",
            vpc_id=args.vpc_id,
            opts=child,
        )
        aws.vpc.SecurityGroupIngressRule(
            "db-from-app",
            security_group_id=self.security_group.id,
            referenced_security_group_id=args.app_security_group_id,
            ip_protocol="tcp",
            from_port=db.port,
            to_port=db.port,
            description="PostgreSQL from the application tier",
            opts=child,
        )
        aws.vpc.SecurityGroupEgressRule(
            "app-to-db",
            security_group_id=args.app_security_group_id,
            referenced_security_group_id=self.security_group.id,
            ip_protocol="tcp",
            from_port=db.port,
            to_port=db.port,
            description="PostgreSQL to the environment's database",
            opts=child,
        )

        # One group per major version, its family in both its logical and its physical name: a
        # major upgrade adds the new group, moves the instance onto it in the same update, and
        # deletes the old group last (the engine deletes removed resources after every create
        # and update). Replacing one group instead would fail: the bridge deletes a resource
        # with an explicit name before creating its replacement (pulumi-terraform-bridge
        # pkg/tfbridge/schema.go, nameRequiresDeleteBeforeReplace), and RDS refuses to delete a
        # group an instance still uses (InvalidDBParameterGroupState; terraform-provider-aws
        # #6448). The alias keeps the group that stacks created as "parameters".
        parameter_group = aws.rds.ParameterGroup(
            f"parameters-{db.parameter_group_family}",
            name=naming.name(db.parameter_group_family),
            family=db.parameter_group_family,
            description=f"NEXUS {naming.stack} PostgreSQL {db.major_version}",
            parameters=[
                # Static parameter: takes effect at the next reboot.
                aws.rds.ParameterGroupParameterArgs(
                    name="max_connections", value=str(db.max_connections), apply_method="pending-reboot"
                ),
                aws.rds.ParameterGroupParameterArgs(name="rds.force_ssl", value="1" if db.ssl else "0"),
                aws.rds.ParameterGroupParameterArgs(name="log_min_duration_statement", value="1000"),
                # Blue/Green deployments of RDS for PostgreSQL replicate logically for a major
                # upgrade: "Associate the instance with a custom DB parameter group with logical
                # replication (rds.logical_replication) turned on" (RDS User Guide, "Creating a
                # blue/green deployment"). Static: in effect after a reboot (docs/day-two.md).
                *(
                    [
                        aws.rds.ParameterGroupParameterArgs(
                            name="rds.logical_replication", value="1", apply_method="pending-reboot"
                        )
                    ]
                    if db.blue_green_update
                    else []
                ),
            ],
            opts=pulumi.ResourceOptions(parent=self, aliases=[pulumi.Alias(name="parameters")]),
        )

        # RDS creates /aws/rds/instance/<id>/<log> on first export with no retention and no
        # key; creating them first gives them ours.
        log_groups = [
            log_group(
                f"log-{export}",
                name=f"/aws/rds/instance/{self.identifier}/{export}",
                retention_days=args.log_retention_days,
                kms_key_arn=args.kms_key_arn,
                opts=child,
            )
            for export in db.log_exports
        ]
        self.log_groups = log_groups

        monitoring_role = None
        # RDS checks the role's permissions when it starts Enhanced Monitoring: the instance
        # waits for the policy attachment, not only the role.
        monitoring_ready: list[pulumi.Resource] = []
        if db.monitoring_interval_seconds:
            monitoring_role = aws.iam.Role(
                "monitoring-role",
                name=naming.name("rds-monitoring", max_len=64),
                assume_role_policy=service_assume_role_policy("monitoring.rds.amazonaws.com"),
                opts=child,
            )
            monitoring_ready.append(aws.iam.RolePolicyAttachment(
                "monitoring-policy",
                role=monitoring_role.name,
                policy_arn="arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
                opts=child,
            ))  # fmt: skip

        # RDS refuses to delete an instance without a final snapshot identifier when final
        # snapshots are on; a generated suffix keeps a re-created stack's snapshot unique.
        snapshot_suffix = random.RandomId("final-snapshot-suffix", byte_length=4, opts=child)

        master_secret: aws.secretsmanager.Secret | None = None
        master_password: pulumi.Output[str] | None = None
        if db.program_keeps_password:
            # PostgreSQL master passwords: 8..128 printable ASCII characters except /, ', " and @
            # and the space (RDS CreateDBInstance, MasterUserPassword).
            generated = random.RandomPassword(
                "master-password", length=40, special=True, override_special="!#$%&*()-_=+[]{}<>:?", opts=child
            )
            # A prefix, not a name: a deleted secret keeps its name for its recovery window.
            master_secret = aws.secretsmanager.Secret(
                "master-secret",
                name_prefix=naming.path("database", "master-").lstrip("/"),
                description=f"NEXUS {naming.stack}: the database master user (kept by the program)",
                kms_key_id=args.kms_key_arn,
                recovery_window_in_days=args.secret_recovery_window_days,
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
            )
            aws.secretsmanager.SecretVersion(
                "master-secret",
                secret_id=master_secret.id,
                # The shape of RDS's own master secret, so db-user's script reads either.
                secret_string=pulumi.Output.json_dumps({"username": db.master_username, "password": generated.result}),
                opts=child,
            )
            master_password = generated.result

        restore = args.restore
        # A restore (terraform-provider-aws internal/service/rds/instance.go, resourceInstanceCreate:
        # RestoreDBInstanceToPointInTime, then ModifyDBInstance for what it cannot set, such as
        # the RDS-managed master password): restore_to_point_in_time is ForceNew and conflicts with
        # snapshot_identifier, replicate_source_db and s3_import; restore_time conflicts with
        # use_latest_restorable_time. RestoreDBInstanceToPointInTime takes no KmsKeyId: the instance
        # keeps the key its replicated backups are encrypted with (the source stack's recovery
        # key), so kms_key_id (ForceNew) is left to the provider, as are db_name and username
        # (ForceNew; the backups carry the source's). Once restored, the instance is the
        # environment's data: a later change of its source must never replace it (ignore_changes).
        restore_args = (
            aws.rds.InstanceRestoreToPointInTimeArgs(
                source_db_instance_automated_backups_arn=restore.automated_backups_arn,
                use_latest_restorable_time=True if restore.restore_time == "latest" else None,
                restore_time=None if restore.restore_time == "latest" else restore.restore_time,
            )
            if restore
            else None
        )
        self.instance = aws.rds.Instance(
            "postgres",
            restore_to_point_in_time=restore_args,
            identifier=self.identifier,
            engine="postgres",
            engine_version=db.engine_version,
            instance_class=db.instance_class,
            allocated_storage=db.allocated_storage_gb,
            max_allocated_storage=db.max_allocated_storage_gb,
            storage_type="gp3",
            storage_encrypted=True,
            kms_key_id=None if restore else args.kms_key_arn,
            db_name=None if restore else db.database_name,
            username=None if restore else db.master_username,
            # RDS keeps the password (rds-managed), or the program does (master_password: program).
            manage_master_user_password=None if master_password is not None else True,
            master_user_secret_kms_key_id=None if master_password is not None else args.kms_key_arn,
            password=master_password,
            port=db.port,
            multi_az=db.multi_az,
            db_subnet_group_name=subnet_group.name,
            vpc_security_group_ids=[self.security_group.id],
            parameter_group_name=parameter_group.name,
            publicly_accessible=False,
            iam_database_authentication_enabled=True,
            backup_retention_period=db.backup_retention_days,
            backup_window=db.backup_window,
            maintenance_window=db.maintenance_window,
            copy_tags_to_snapshot=True,
            delete_automated_backups=db.skip_final_snapshot,
            deletion_protection=db.deletion_protection,
            skip_final_snapshot=db.skip_final_snapshot,
            final_snapshot_identifier=snapshot_suffix.hex.apply(lambda h: f"{self.identifier}-final-{h}"),
            # Performance Insights is what AWS now presents as CloudWatch Database Insights
            # (standard mode); the API settings are unchanged.
            performance_insights_enabled=db.performance_insights,
            performance_insights_kms_key_id=args.kms_key_arn if db.performance_insights else None,
            performance_insights_retention_period=(
                db.performance_insights_retention_days if db.performance_insights else None
            ),
            monitoring_interval=db.monitoring_interval_seconds,
            monitoring_role_arn=monitoring_role.arn if monitoring_role else None,
            enabled_cloudwatch_logs_exports=list(db.log_exports),
            auto_minor_version_upgrade=True,
            # ModifyDBInstance refuses a new major EngineVersion without AllowMajorVersionUpgrade;
            # the flag itself changes nothing (the provider sends it with the modification only).
            allow_major_version_upgrade=True,
            # Changes go through a Blue/Green deployment: RDS builds a synchronised green copy
            # with them and switches over (the provider then deletes the old instance without a
            # final snapshot; internal/service/rds/blue_green.go).
            blue_green_update=aws.rds.InstanceBlueGreenUpdateArgs(enabled=True) if db.blue_green_update else None,
            apply_immediately=db.apply_immediately,
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=args.protect,
                depends_on=[*log_groups, *monitoring_ready],
                ignore_changes=["restoreToPointInTime"] if restore else None,
                # The provider waits 40 minutes for a new instance by default (instance.go,
                # Timeouts); a restore replays the transaction logs since the last snapshot
                # first, so a recovery is given longer before pulumi up gives up on it.
                custom_timeouts=pulumi.CustomTimeouts(create="3h") if restore else None,
            ),
        )

        record = aws.route53.Record(
            "dns",
            zone_id=args.zone_id,
            name=f"db.{args.zone_name}",
            type="CNAME",
            ttl=60,
            records=[self.instance.address],
            opts=child,
        )
        # The record's own output: whoever publishes the name waits until it resolves.
        self.endpoint_name = record.fqdn

        self.restored = restore is not None
        self.address = self.instance.address
        # DbiResourceId: what rds-db:connect ARNs name (stable across renames of the identifier).
        self.resource_id = self.instance.resource_id
        self.parameter_group_name = parameter_group.name
        self.port = db.port
        self.master_secret_arn = (
            master_secret.arn
            if master_secret is not None
            else self.instance.master_user_secrets.apply(
                lambda secrets: (secrets[0].secret_arn or "") if secrets else ""
            )
        )
        self.register_outputs(
            {
                "address": self.address,
                "port": self.port,
                "endpoint_name": self.endpoint_name,
                "master_secret_arn": self.master_secret_arn,
                "identifier": self.instance.identifier,
                "security_group_id": self.security_group.id,
            }
        )
