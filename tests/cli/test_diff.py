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
    assert all(c.empty for c in changes) and len(changes) == len(plans)
    assert render_text(changes).count("no changes") == len(plans)


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
    # The database is only moved (its subnet group "updates in place"), but AWS refuses to move
    # a DB subnet group to another VPC's subnets, and the security groups the bridge deletes
    # first (explicit names) are still in use: BLOCKING, led by the setting that causes it.
    assert "aws:rds/instance:Instance postgres" not in changes.replaced
    assert "aws:rds/subnetGroup:SubnetGroup subnet-group" in changes.changed
    assert changes.blocking[0].startswith("staging: network.cidr 10.20.0.0/16 -> 10.21.0.0/16 (refused)")
    assert any("aws:ec2/securityGroup:SecurityGroup db-sg delete-first" in b for b in changes.blocking)
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


def test_an_engine_major_upgrade_adds_a_parameter_group_and_deletes_the_old_one_last(
    plans: dict[str, Plan], planner: Any
) -> None:
    """Not a replacement: the bridge would delete an explicitly named group first, while the
    instance is its member (pulumi-terraform-bridge nameRequiresDeleteBeforeReplace; RDS
    InvalidDBParameterGroupState, terraform-provider-aws#6448). A new logical name per family
    makes it a create, an update of the instance, and a delete at the end of `up`."""
    database = plans["staging"].settings.database.model_dump()
    now = planner(
        "staging", overrides={"nexus:database": {**database, "engine_version": "17", "apply_immediately": True}}
    )
    (changes,) = diff_plans(as_plans(plans["staging"]), as_plans(now))
    assert changes.created == ["aws:rds/parameterGroup:ParameterGroup parameters-postgres17"]
    assert changes.deleted == ["aws:rds/parameterGroup:ParameterGroup parameters-postgres16"]
    assert labels(changes.replaced, "aws:rds/parameterGroup:ParameterGroup") == set()
    instance = dict((p, (o, n)) for p, o, n in changes.changed["aws:rds/instance:Instance postgres"])
    assert instance["engineVersion"] == ("16", "17")
    assert instance["parameterGroupName"] == ("nexus-staging-postgres16", "nexus-staging-postgres17")
    assert "aws:rds/instance:Instance postgres" not in changes.replaced
    assert now.one("aws:rds/instance:Instance").input("allowMajorVersionUpgrade") is True
    assert changes.blocking == []
    assert [(v.key, v.effect) for v in changes.settings] == [
        ("database.apply_immediately", "window"),
        ("database.engine_version", "downtime"),
    ]

    # Waiting for the window, the old group's deletion would fail: stopped before AWS sees it.
    later = planner("staging", overrides={"nexus:database": {**database, "engine_version": "17"}})
    (changes,) = diff_plans(as_plans(plans["staging"]), as_plans(later))
    assert len(changes.blocking) == 1 and "database.engine_version 16 -> 17 (refused)" in changes.blocking[0]


def test_an_alarm_address_inserted_first_adds_one_subscription_and_touches_no_other(
    plans: dict[str, Plan], planner: Any
) -> None:
    """Subscriptions keyed by address: inserting one before the on-call address creates one
    subscription (waiting for its confirmation); keyed by position, the on-call address would
    have been replaced and unsubscribed until confirmed again."""
    monitoring = plans["production"].settings.monitoring.model_dump()
    emails = ["second@example.com", *monitoring["alarm_emails"]]
    more = planner("production", overrides={"nexus:monitoring": {**monitoring, "alarm_emails": emails}})
    (changes,) = diff_plans(as_plans(plans["production"]), as_plans(more))
    assert changes.created == ["aws:sns/topicSubscription:TopicSubscription alarm-email-second@example.com"]
    assert changes.replaced == {} and changes.deleted == [] and changes.blocking == []


def test_plain_http_to_https_updates_the_port_80_listener_in_place(plans: dict[str, Plan], planner: Any) -> None:
    """One port-80 listener in both modes: a second one created before the first is deleted
    would be refused (ELBv2 CreateListener: DuplicateListener)."""
    lb = plans["development"].settings.load_balancer.model_dump()
    cert = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000003"
    https = planner("development", overrides={
        "nexus:load_balancer": {**lb, "certificate_arn": cert, "allow_plain_http": False}})  # fmt: skip
    (changes,) = diff_plans(as_plans(plans["development"]), as_plans(https))
    assert "aws:lb/listener:Listener https" in changes.created
    assert [p for p, _, _ in changes.changed["aws:lb/listener:Listener http"] if not p.startswith("(option)")] == [
        "defaultActions[0].redirect", "defaultActions[0].targetGroupArn", "defaultActions[0].type"]  # fmt: skip
    assert not labels(changes.replaced, "aws:lb/listener:Listener") and changes.deleted == []
    # ... and back: the same listener forwards again, the 443 listener goes.
    (back,) = diff_plans(as_plans(https), as_plans(plans["development"]))
    assert back.deleted == ["aws:lb/listener:Listener https", next(d for d in back.deleted if "443" in d)]
    assert "aws:lb/listener:Listener http" in back.changed and back.blocking == []


def test_an_appended_zone_adds_subnets_and_moves_none(plans: dict[str, Plan], planner: Any) -> None:
    network = plans["development"].settings.network.model_dump()
    zones = [*network["availability_zones"], "use1-az4"]
    wider = planner("development", overrides={"nexus:network": {**network, "availability_zones": zones}})
    (changes,) = diff_plans(as_plans(plans["development"]), as_plans(wider))
    assert labels(dict.fromkeys(changes.created), "aws:ec2/subnet:Subnet") == {
        f"aws:ec2/subnet:Subnet {tier}-use1-az4" for tier in ("public", "private", "data")
    }
    assert changes.replaced == {} and changes.deleted == [] and changes.blocking == []


def test_a_replacement_deleted_first_while_in_use_blocks(plans: dict[str, Plan], planner: Any) -> None:
    """The target group's port is force-new and its name explicit: the bridge deletes it first
    (nameRequiresDeleteBeforeReplace) while the listener forwards to it."""
    lb = plans["staging"].settings.load_balancer.model_dump()
    moved = planner("staging", overrides={"nexus:load_balancer": {**lb, "app_port": 9090}})
    (changes,) = diff_plans(as_plans(plans["staging"]), as_plans(moved))
    assert "aws:lb/targetGroup:TargetGroup app" in changes.replaced
    (delete_first,) = [b for b in changes.blocking if "delete-first" in b]
    assert "aws:lb/listener:Listener https" in delete_first


def test_a_changed_secret_input_is_an_update_shown_without_its_value(plans: dict[str, Plan], planner: Any) -> None:
    monitoring = plans["staging"].settings.monitoring.model_dump()
    louder = planner("staging", overrides={"nexus:monitoring": {**monitoring, "log_level": "DEBUG"}})
    (changes,) = diff_plans(as_plans(plans["staging"]), as_plans(louder))
    assert changes.changed == {
        "aws:ssm/parameter:Parameter monitoring-log_level": [("value", "[secret]", "[secret, changed]")]
    }
    assert "DEBUG" not in json.dumps(as_plans(louder)["staging"]["resources"])


def test_a_new_environment_tag_counts_the_tag_only_updates(plans: dict[str, Plan]) -> None:
    base = as_plans(plans["staging"])
    head = copy.deepcopy(base)
    provider = resource(head, "staging", "pulumi:providers:aws", "aws")
    provider["inputs"]["defaultTags"] = provider["inputs"]["defaultTags"].replace('"staging"', '"qa"', 1)
    (changes,) = diff_plans(base, head)
    assert changes.tag_only > 50 and "tag-only updates" in render_text([changes])


def test_fail_on_blocking_exits_1_and_never_exits_0(plans: dict[str, Plan], tmp_path: Path, capsys: Any) -> None:
    base, head = as_plans(plans["staging"]), as_plans(plans["staging"])
    head["staging"]["settings"]["network"]["cidr"] = "10.21.0.0/16"
    (tmp_path / "base.json").write_text(json.dumps(base["staging"]))
    (tmp_path / "head.json").write_text(json.dumps(head["staging"]))
    files = [str(tmp_path / "base.json"), str(tmp_path / "head.json")]
    assert run(["diff", *files, "--fail-on", "blocking"], capsys)[0] == 1
    assert run(["diff", *files], capsys)[0] == 0
    code, out, _ = run(["diff", *files, "--markdown", "--fail-on", "never"], capsys)
    assert code == 0 and "| `network.cidr` | 10.20.0.0/16 → 10.21.0.0/16 | **BLOCKING** refused |" in out
    with pytest.raises(SystemExit) as refused:  # argparse: usage and one line, exit 2
        main(["diff", *files, "--fail-on", "sometimes"])
    assert refused.value.code == EXIT_INVALID and "invalid choice" in capsys.readouterr().err


# ------------------------------------------------------------------ blocking


def test_replacing_the_production_database_or_a_protected_key_blocks(plans: dict[str, Plan]) -> None:
    base = as_plans(plans["production"])
    head = copy.deepcopy(base)
    # A change of the protected KMS key's multiRegion forces a new key; the database's kmsKeyId
    # (force-new) holds that key's ARN, so the database is replaced too.
    resource(head, "production", "aws:kms/key:Key", "key")["inputs"]["multiRegion"] = True
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


@pytest.mark.parametrize("command", [["diff"], ["cost", "--diff"]])
def test_a_directory_of_plans_against_one_plan_file_is_refused(
    command: list[str], plans: dict[str, Plan], tmp_path: Path, capsys: Any
) -> None:
    """Compared with one file, every other stack of the directory would show as deleted (and a
    deleted database as BLOCKING): refused, both ways round."""
    directory = tmp_path / "plans"
    directory.mkdir()
    for stack, doc in as_plans(*plans.values()).items():
        (directory / f"{stack}.json").write_text(json.dumps(doc))
    for pair in ([directory, directory / "staging.json"], [directory / "staging.json", directory]):
        code, out, err = run([*command, *map(str, pair)], capsys)
        assert code == EXIT_INVALID and out == "" and "is a directory of plans" in err and err.count("\n") == 1


def test_a_group_referred_to_by_its_name_replaced_delete_first_blocks(plans: dict[str, Plan]) -> None:
    """The instance names its parameter group (parameterGroupName is the group's name, its AWS
    ID): replaced delete-first (explicit name), the group is still in use: RDS refuses
    (InvalidDBParameterGroupState)."""
    base = as_plans(plans["staging"])
    head = copy.deepcopy(base)
    group = resource(head, "staging", "aws:rds/parameterGroup:ParameterGroup")
    group["inputs"]["description"] += " (edited)"  # force-new
    (changes,) = diff_plans(base, head)
    (blocking,) = changes.blocking
    assert "ParameterGroup parameters-postgres16 delete-first" in blocking and "Instance postgres" in blocking


def test_a_create_that_takes_the_name_of_a_delete_blocks(plans: dict[str, Plan]) -> None:
    """Creates come before deletes: going back across a rename (no alias the other way) would
    create a group whose name the old one still holds, and a second port-80 listener."""
    head = as_plans(plans["staging"])
    base = copy.deepcopy(head)
    for r in base["staging"]["resources"]:
        if r["name"] in ("parameters-postgres16", "http"):
            r["name"] = {"parameters-postgres16": "parameters", "http": "http-redirect"}[r["name"]]
            r["urn"] = r["urn"].rsplit("::", 1)[0] + "::" + r["name"]
            r["options"].pop("aliases", None)
    (back,) = diff_plans(head, base)  # from today's names back to the old ones
    assert sorted(b.split(" (")[0] for b in back.blocking) == [
        "staging: creates aws:lb/listener:Listener http-redirect",
        "staging: creates aws:rds/parameterGroup:ParameterGroup parameters",
    ]
