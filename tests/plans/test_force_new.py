"""The force-new table (nexus.plans.force_new): which argument changes replace a resource, for
every type the committed stacks use, each entry with its source."""

from __future__ import annotations

import json
import re
import sys

import pulumi_aws
import pulumi_random
import pytest

from nexus.plans.force_new import FORCE_NEW_FILE, force_new_table
from nexus.plans.offline import Plan


def test_every_type_of_every_committed_stack_is_in_the_force_new_table(plans: dict[str, Plan]) -> None:
    """A new resource type without an entry fails here: read its schema and add it, with its source."""
    used = {r.type for plan in plans.values() for r in plan.resources}
    missing = used - set(force_new_table())
    assert not missing, f"add these types to {FORCE_NEW_FILE.name}: {sorted(missing)}"


def test_force_new_names_are_arguments_of_the_pulumi_resource() -> None:
    """Wire names map terraform's snake_case to Pulumi's camelCase (with its renames, e.g. a
    metric alarm's alarm_name is `name`): each must be an argument of the installed SDK's class."""
    for type_token, args in force_new_table().items():
        package, module, cls = type_token.split(":")
        if package not in ("aws", "random"):
            continue
        sdk = getattr(pulumi_aws, module.split("/")[0]) if package == "aws" else pulumi_random
        init = getattr(sys.modules[getattr(sdk, cls).__module__], cls)._internal_init
        params = set(init.__code__.co_varnames)
        for arg in args:
            snake = re.sub(r"[A-Z]", lambda m: "_" + m.group(0).lower(), arg.split(".")[0])
            assert snake in params, f"{type_token}: {arg} is not an argument of {cls}"


def test_every_entry_names_its_source_and_version() -> None:
    doc = json.loads(FORCE_NEW_FILE.read_text())
    assert {"repository", "wrapped_by", "read_on", "how"} <= set(doc["_provenance"])
    for type_token, entry in doc["types"].items():
        assert entry["source"] and entry["version"], type_token
        assert all(isinstance(tf, str) and tf for tf in entry["forceNew"].values()), type_token


def test_a_subnet_is_replaced_by_either_zone_form() -> None:
    """Branch realaws moves subnets from availabilityZone to availabilityZoneId: both force new."""
    assert {"availabilityZone", "availabilityZoneId", "cidrBlock", "vpcId"} <= set(
        force_new_table()["aws:ec2/subnet:Subnet"]
    )


@pytest.mark.parametrize("path", ["cidrBlock", "s3Import.bucketName", "s3Import", "destinationOptions[0].fileFormat"])
def test_force_new_matches_nested_and_indexed_paths(path: str) -> None:
    from nexus.plans.force_new import forces_new

    type_token = {"cidrBlock": "aws:ec2/vpc:Vpc", "s3Import.bucketName": "aws:rds/instance:Instance",
                  "s3Import": "aws:rds/instance:Instance"}.get(path, "aws:ec2/flowLog:FlowLog")  # fmt: skip
    assert forces_new(type_token, path)
    assert not forces_new("aws:rds/instance:Instance", "instanceClass")
