"""`nexus diff` says what gets replaced: its propagation through IDs (the force-new table:
tests/plans/test_force_new.py), and what the pull-request comment shows (blocking replacements
first, nothing cut short); what is not a plan is refused."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from nexus.cli import main
from nexus.cli.diff import diff_plans, render_markdown, render_text
from nexus.config.errors import EXIT_INVALID
from nexus.plans.offline import Plan
from tests.support.cli import BAD_FILES, bad_paths, run

Doc = dict[str, dict[str, Any]]


def as_plans(*plans: Plan) -> Doc:
    return {p.stack: copy.deepcopy(p.to_json()) for p in plans}


def labels(changes: dict[str, Any], type_token: str) -> set[str]:
    return {label for label in changes if label.startswith(type_token + " ")}


def resource(doc: Doc, stack: str, type_token: str, name: str | None = None) -> dict[str, Any]:
    return next(r for r in doc[stack]["resources"] if r["type"] == type_token and (name is None or r["name"] == name))


def test_diff_of_identical_plans_reports_no_changes(plans: dict[str, Plan]) -> None:
    changes = diff_plans(as_plans(*plans.values()), as_plans(*plans.values()))
    assert all(c.empty for c in changes) and len(changes) == 3
    assert render_text(changes).count("no changes") == 3


def test_identical_plans_have_no_changes(plans: dict[str, Plan]) -> None:
    changes = diff_plans(as_plans(*plans.values()), as_plans(*plans.values()))
    assert all(c.empty and not c.blocking for c in changes) and len(changes) == len(plans)
    assert "BLOCKING" not in render_text(changes) + render_markdown(changes)


def test_diff_reports_exactly_the_changed_resource_and_property(plans: dict[str, Plan], planner: Any) -> None:
    database = plans["staging"].settings.database.model_dump()
    bigger = planner("staging", overrides={"nexus:database": {**database, "instance_class": "db.r6g.xlarge"}})
    (changes,) = diff_plans(as_plans(plans["staging"]), as_plans(bigger))
    assert changes.created == [] and changes.deleted == []
    assert changes.changed == {
        "aws:rds/instance:Instance postgres": [("instanceClass", "db.t4g.medium", "db.r6g.xlarge")]
    }
    markdown = render_markdown([changes])
    assert "| staging | 0 | 1 | 0 |" in markdown and "<details>" in markdown


def test_diff_reports_created_and_deleted_resources(plans: dict[str, Plan]) -> None:
    base, head = as_plans(plans["development"]), copy.deepcopy(as_plans(plans["development"]))
    removed = head["development"]["resources"].pop()
    head["development"]["resources"].append({**removed, "urn": removed["urn"] + "-new", "name": "new"})
    (changes,) = diff_plans(base, head)
    assert changes.deleted == [f"{removed['type']} {removed['name']}"]
    assert changes.created == [f"{removed['type']} new"]


def test_diff_masks_secrets(plans: dict[str, Plan]) -> None:
    base = as_plans(plans["development"])
    head = copy.deepcopy(base)
    version = next(r for r in head["development"]["resources"] if r["type"].endswith("SecretVersion"))
    assert version["inputs"]["secretString"] == "[secret]"


# ------------------------------------------------------------------ what gets replaced


def test_a_cidr_change_replaces_the_vpc_every_subnet_and_what_sits_in_them(
    plans: dict[str, Plan], planner: Any
) -> None:
    network = plans["staging"].settings.network.model_dump()
    moved = planner("staging", overrides={"nexus:network": {**network, "cidr": "10.21.0.0/16"}})
    (changes,) = diff_plans(as_plans(plans["staging"]), as_plans(moved))

    subnets = {f"aws:ec2/subnet:Subnet {r.name}" for r in plans["staging"].of_type("aws:ec2/subnet:Subnet")}
    assert labels(changes.replaced, "aws:ec2/vpc:Vpc") == {"aws:ec2/vpc:Vpc vpc"}
    assert subnets and labels(changes.replaced, "aws:ec2/subnet:Subnet") == subnets
    # What sits in the VPC and its subnets goes with them (vpcId / subnetId are force-new).
    for inside in ("aws:ec2/routeTable:RouteTable", "aws:ec2/securityGroup:SecurityGroup",
                   "aws:ec2/natGateway:NatGateway", "aws:ec2/routeTableAssociation:RouteTableAssociation",
                   "aws:ec2/flowLog:FlowLog", "aws:lb/targetGroup:TargetGroup"):  # fmt: skip
        assert labels(changes.replaced, inside) == {f"{inside} {r.name}" for r in plans["staging"].of_type(inside)}, (
            inside
        )
    assert any("vpcId: refers to replaced aws:ec2/vpc:Vpc vpc" in why for why in changes.reasons[next(iter(subnets))])
    # The database is only moved (its subnet group updates in place): not replaced, so not blocking.
    assert "aws:rds/instance:Instance postgres" not in changes.replaced
    assert "aws:rds/subnetGroup:SubnetGroup subnet-group" in changes.changed
    assert changes.blocking == []
    assert f"staging: 0 to create, {len(changes.changed)} to update, {len(changes.replaced)} to replace" in render_text(
        [changes]
    )


def test_an_instance_class_change_is_an_update(plans: dict[str, Plan], planner: Any) -> None:
    database = plans["staging"].settings.database.model_dump()
    bigger = planner("staging", overrides={"nexus:database": {**database, "instance_class": "db.r6g.xlarge"}})
    (changes,) = diff_plans(as_plans(plans["staging"]), as_plans(bigger))
    assert changes.replaced == {} and changes.blocking == []
    assert changes.changed == {
        "aws:rds/instance:Instance postgres": [("instanceClass", "db.t4g.medium", "db.r6g.xlarge")]
    }


def test_an_engine_major_change_replaces_the_parameter_group(plans: dict[str, Plan], planner: Any) -> None:
    database = plans["staging"].settings.database.model_dump()
    newer = planner("staging", overrides={"nexus:database": {**database, "engine_version": "17"}})
    (changes,) = diff_plans(as_plans(plans["staging"]), as_plans(newer))
    (group,) = labels(changes.replaced, "aws:rds/parameterGroup:ParameterGroup")
    assert ("family", "postgres16", "postgres17") in changes.replaced[group]
    assert "family: forces replacement" in changes.reasons[group]
    # The database itself upgrades in place (engineVersion is not force-new).
    assert "aws:rds/instance:Instance postgres" in changes.changed
    assert "aws:rds/instance:Instance postgres" not in changes.replaced


# ------------------------------------------------------------------ blocking


def test_replacing_the_production_database_or_a_protected_key_blocks(plans: dict[str, Plan]) -> None:
    base = as_plans(plans["production"])
    head = copy.deepcopy(base)
    # A change of the protected KMS key's multiRegion forces a new key; the database's kmsKeyId
    # (force-new) holds that key's ARN, so the database is replaced too.
    resource(head, "production", "aws:kms/key:Key")["inputs"]["multiRegion"] = True
    (changes,) = diff_plans(base, head)
    assert "aws:kms/key:Key key" in changes.replaced
    assert "aws:rds/instance:Instance postgres" in changes.replaced
    assert any(why.startswith("kmsKeyId: refers to replaced aws:kms/key:Key key")
               for why in changes.reasons["aws:rds/instance:Instance postgres"])  # fmt: skip
    assert {b.split(" (")[0] for b in changes.blocking} >= {
        "production: replaces aws:kms/key:Key key",
        "production: replaces aws:rds/instance:Instance postgres",
    }

    text, markdown = render_text([changes]), render_markdown([changes])
    assert text.splitlines()[0].startswith("BLOCKING: production: replaces")
    assert "BLOCKING: production: replaces aws:rds/instance:Instance postgres (a database" in text
    top = markdown.split("| Stack |")[0]  # above the summary table
    assert "**BLOCKING**" in top and "aws:rds/instance:Instance postgres" in top


def test_deleting_a_protected_resource_blocks(plans: dict[str, Plan]) -> None:
    base = as_plans(plans["production"])
    head = copy.deepcopy(base)
    head["production"]["resources"] = [r for r in head["production"]["resources"] if r["type"] != "aws:kms/key:Key"]
    (changes,) = diff_plans(base, head)
    assert any(b.startswith("production: deletes aws:kms/key:Key key") for b in changes.blocking)


# ------------------------------------------------------------------ nothing hidden


def test_a_removed_subnet_is_visible_element_by_element(plans: dict[str, Plan]) -> None:
    base = as_plans(plans["staging"])
    head = copy.deepcopy(base)
    lb = resource(head, "staging", "aws:lb/loadBalancer:LoadBalancer")
    removed = lb["inputs"]["subnets"].pop(1)
    (changes,) = diff_plans(base, head)
    assert changes.changed["aws:lb/loadBalancer:LoadBalancer alb"] == [("subnets[1]", removed, None)]
    assert f"subnets[1]: {removed} -> (unset)" in render_text([changes])


def test_a_long_value_is_never_cut_short(plans: dict[str, Plan]) -> None:
    """A change deep inside a JSON policy shows the changed element itself, in full."""
    base = as_plans(plans["staging"])
    head = copy.deepcopy(base)
    key = resource(head, "staging", "aws:kms/key:Key")
    policy = json.loads(key["inputs"]["policy"])
    policy["Statement"][-1]["Sid"] = "x" * 200
    key["inputs"]["policy"] = json.dumps(policy)
    (changes,) = diff_plans(base, head)
    ((path, _, new),) = changes.changed["aws:kms/key:Key key"]
    assert path == f"policy(json).Statement[{len(policy['Statement']) - 1}].Sid" and new == "x" * 200
    for rendered in (render_text([changes]), render_markdown([changes])):
        assert "x" * 200 in rendered and "…" not in rendered


def test_diff_cli_prints_the_blocking_line_first(plans: dict[str, Plan], tmp_path: Path, capsys: Any) -> None:
    base = as_plans(plans["production"])
    head = copy.deepcopy(base)
    resource(head, "production", "aws:rds/instance:Instance")["inputs"]["storageEncrypted"] = False
    (tmp_path / "base.json").write_text(json.dumps(base["production"]))
    (tmp_path / "head.json").write_text(json.dumps(head["production"]))
    assert main(["diff", str(tmp_path / "base.json"), str(tmp_path / "head.json"), "--markdown"]) == 0
    out = capsys.readouterr().out
    assert out.index("**BLOCKING**") < out.index("| Stack |")


# ------------------------------------------------------------------ what is not a plan


@pytest.mark.parametrize("case", BAD_FILES)
def test_diff_refuses_what_is_not_a_plan(case: str, tmp_path: Path, dev_plan_file: Path, capsys: Any) -> None:
    bad = bad_paths(tmp_path)[case]
    for argv in (["diff", str(bad), str(dev_plan_file)], ["diff", str(dev_plan_file), str(bad)]):
        code, _, err = run(argv, capsys)
        assert code == EXIT_INVALID and err.startswith(str(bad)) and len(err.splitlines()) == 1, err


def test_diff_against_a_directory_without_plans(tmp_path: Path, dev_plan_file: Path, capsys: Any) -> None:
    # The pull-request workflow diffs against an empty directory when the base cannot be planned.
    empty = bad_paths(tmp_path)["directory without plans"]
    code, out, err = run(["diff", str(empty), str(dev_plan_file)], capsys)
    assert code == 0 and re.match(r"development: \d+ to create, 0 to update, 0 to replace, 0 to delete", out)
    assert err.startswith(f"note: {empty} holds no plan JSON")
    code, out, err = run(["diff", str(empty), str(empty)], capsys)
    assert code == EXIT_INVALID and out == "" and "hold no plan JSON" in err.splitlines()[-1]
