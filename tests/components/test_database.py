"""The database (nexus.components.database): private, encrypted and sized from the settings, in
the data subnets, reached only from the application's security group, named in the private
zone."""

from __future__ import annotations

from typing import Any

from nexus.plans.offline import Plan
from tests.support.plans import key_arn


def test_database_is_private_encrypted_and_sized_from_settings(plan: Plan) -> None:
    db, s = plan.one("aws:rds/instance:Instance"), plan.settings.database
    assert db.input("publiclyAccessible") is False
    restored = plan.settings.disaster_recovery.restores
    # A restored instance keeps the key of its replicated backups (RestoreDBInstanceToPointInTime
    # takes no KmsKeyId); kms_key_id is ForceNew, so the program leaves it to the provider.
    assert db.input("storageEncrypted") is True and db.input("kmsKeyId") == (None if restored else key_arn(plan))
    assert bool(db.input("restoreToPointInTime")) is restored
    assert db.input("manageMasterUserPassword") is True and db.input("masterUserSecretKmsKeyId") == key_arn(plan)
    assert (db.input("instanceClass"), db.input("allocatedStorage"), db.input("maxAllocatedStorage")) == (
        s.instance_class, s.allocated_storage_gb, s.max_allocated_storage_gb)  # fmt: skip
    assert (db.input("multiAz"), db.input("backupRetentionPeriod")) == (s.multi_az, s.backup_retention_days)
    assert db.input("port") == s.port == 5432
    assert db.input("enabledCloudwatchLogsExports") == list(s.log_exports)
    if s.performance_insights:
        assert db.input("performanceInsightsKmsKeyId") == key_arn(plan)


def test_database_lives_only_in_the_isolated_data_subnets(plan: Plan) -> None:
    by_id = plan.by_id()
    group = plan.one("aws:rds/subnetGroup:SubnetGroup")
    assert plan.one("aws:rds/instance:Instance").input("dbSubnetGroupName") == group.input("name")
    tiers = {by_id[i].input("tags")["Tier"] for i in group.input("subnetIds")}
    assert tiers == {"data"} and len(group.input("subnetIds")) == len(plan.settings.network.availability_zones)


def test_parameter_group_matches_engine_and_settings(plan: Plan) -> None:
    s = plan.settings.database
    group = plan.one("aws:rds/parameterGroup:ParameterGroup")
    assert group.input("family") == f"postgres{s.engine_version.split('.')[0]}"
    params = {p["name"]: p["value"] for p in group.input("parameters")}
    assert params["max_connections"] == str(s.max_connections)
    assert params["rds.force_ssl"] == ("1" if s.ssl else "0")
    assert plan.one("aws:rds/instance:Instance").input("parameterGroupName") == group.input("name")


def test_database_admits_only_the_application_group(plan: Plan) -> None:
    db_sg = plan.one("aws:ec2/securityGroup:SecurityGroup", "db-sg")
    app_sg = plan.one("aws:ec2/securityGroup:SecurityGroup", "app-sg")
    assert plan.one("aws:rds/instance:Instance").input("vpcSecurityGroupIds") == [db_sg.id]
    rules = [r for r in plan.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
             if r.input("securityGroupId") == db_sg.id]  # fmt: skip
    assert len(rules) == 1
    assert rules[0].input("referencedSecurityGroupId") == app_sg.id and "cidrIpv4" not in rules[0].inputs
    assert rules[0].input("fromPort") == rules[0].input("toPort") == plan.settings.database.port


def test_database_has_a_name_in_the_private_zone(plan: Plan) -> None:
    record = plan.one("aws:route53/record:Record")
    assert record.input("name") == f"db.{plan.stack}.nexus.internal"
    assert record.input("records") == [plan.one("aws:rds/instance:Instance").outputs["address"]]


def test_database_waits_for_the_monitoring_policy_attachment(plans: dict[str, Plan]) -> None:
    prod = plans["production"]
    assert prod.settings.database.monitoring_interval_seconds > 0
    attachment = prod.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "monitoring-policy")
    assert attachment.input("policyArn").endswith("/AmazonRDSEnhancedMonitoringRole")
    assert attachment.urn in prod.one("aws:rds/instance:Instance").options["depends_on"]


def test_blue_green_updates_keep_the_master_password_in_the_programs_own_secret(planner: Any) -> None:
    """RDS Blue/Green deployments don't support an RDS-managed master password (RDS User Guide,
    "Limitations for blue/green deployments"): with master_password: program the password is
    generated, kept in a secret of the environment's key (the master secret output), and the
    parameter group turns logical replication on for the deployment's replication."""
    database = planner("production").settings.database.model_dump()
    plan = planner("production", overrides={
        "nexus:database": {**database, "master_password": "program", "blue_green_update": True}})  # fmt: skip
    db = plan.one("aws:rds/instance:Instance")
    assert db.input("blueGreenUpdate") == {"enabled": True}
    assert db.input("manageMasterUserPassword") is None and db.input("masterUserSecretKmsKeyId") is None
    (recorded,) = [r for r in plan.to_json()["resources"] if r["urn"] == db.urn]
    assert recorded["inputs"]["password"] == "[secret]" and "password" in recorded["secret_digests"]  # noqa: S105
    secret = plan.one("aws:secretsmanager/secret:Secret", "master-secret")
    assert secret.input("kmsKeyId") == key_arn(plan) and secret.input("namePrefix").startswith("nexus/production/")
    assert plan.outputs["database_credentials_secret_arn"] == secret.outputs["arn"]
    (group,) = plan.of_type("aws:rds/parameterGroup:ParameterGroup")
    assert {"name": "rds.logical_replication", "value": "1", "applyMethod": "pending-reboot"} in group.input(
        "parameters"
    )
    # The committed production file keeps RDS's own password management and no Blue/Green.
    committed = planner("production").one("aws:rds/instance:Instance")
    assert committed.input("manageMasterUserPassword") is True and committed.input("blueGreenUpdate") is None
