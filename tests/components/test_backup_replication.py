"""Backups in a second region (nexus.components.backup_replication) and the recovery stack that
restores them (nexus.components.database, restore), read from the committed stacks' plans. (A
restore from an ARN at a given time: tests/cli/test_drill_stack.py plans one.)"""

from __future__ import annotations

import json

from nexus.plans.offline import Plan

REPLICATION = "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"


def test_production_replicates_its_backups_with_a_retained_key_of_the_recovery_region(plans: dict[str, Plan]) -> None:
    prod = plans["production"]
    dr = prod.settings.disaster_recovery
    provider = prod.one("pulumi:providers:aws", "aws-recovery")
    main = prod.one("pulumi:providers:aws", "aws")
    # The same account pinned and the same default tags as the stack's own provider.
    assert provider.input("region") == dr.recovery_region == "us-west-2" != main.input("region")
    assert json.loads(provider.input("allowedAccountIds")) == [prod.settings.account_id]
    assert provider.input("defaultTags") == main.input("defaultTags")

    key = prod.one("aws:kms/key:Key", "recovery-key")
    primary = prod.one("aws:kms/key:Key", "key")
    assert key.provider == provider.urn and key.outputs["arn"].startswith("arn:aws:kms:us-west-2:")
    # Retained and protected as the primary key is: the replicated backups outlive the stack.
    assert (key.options["retain_on_delete"], key.options["protect"]) == (True, True)
    assert (primary.options["retain_on_delete"], primary.options["protect"]) == (True, True)
    assert key.input("enableKeyRotation") is True

    replication = prod.one(REPLICATION)
    db = prod.one("aws:rds/instance:Instance")
    assert replication.provider == provider.urn
    assert replication.input("sourceDbInstanceArn") == db.outputs["arn"]
    assert replication.input("kmsKeyId") == key.outputs["arn"]
    assert replication.input("retentionPeriod") == dr.retention_days
    assert replication.options["delete_before_replace"] is True
    assert prod.outputs["replicated_backups_arn"] == replication.id
    assert replication.id.startswith("arn:aws:rds:us-west-2:123456789012:auto-backup:ab-")


def test_stacks_that_do_not_ask_replicate_nothing(plans: dict[str, Plan]) -> None:
    for stack in ("staging", "development", "production-recovery"):
        plan = plans[stack]
        assert not plan.settings.disaster_recovery.replicate_backups
        assert plan.of_type(REPLICATION) == [] and "replicated_backups_arn" not in plan.outputs


def test_the_recovery_stack_restores_productions_replicated_backups(plans: dict[str, Plan]) -> None:
    recovery, prod = plans["production-recovery"], plans["production"]
    assert recovery.settings.region == prod.settings.disaster_recovery.recovery_region
    assert recovery.settings.disaster_recovery.restore_from_stack == "production"
    db = recovery.one("aws:rds/instance:Instance")
    restore = db.input("restoreToPointInTime")
    assert restore == {"sourceDbInstanceAutomatedBackupsArn": prod.outputs["replicated_backups_arn"],
                       "useLatestRestorableTime": True}  # fmt: skip
    # Once restored it is the environment's data: a new source must not replace it.
    assert db.options["ignore_changes"] == ["restoreToPointInTime"] and db.options["protect"] is True
    assert db.input("deletionProtection") is True and db.input("skipFinalSnapshot") is False
    # The backups carry database, user and key (RestoreDBInstanceToPointInTime takes neither a
    # KmsKeyId nor, for PostgreSQL, a DBName that would apply): none is sent.
    assert (db.input("kmsKeyId"), db.input("dbName"), db.input("username")) == (None, None, None)
    # Everything else is the normal environment.
    assert {r.type for r in prod.resources} - {r.type for r in recovery.resources} == {
        REPLICATION, "nexus:data:BackupReplication"}  # fmt: skip
