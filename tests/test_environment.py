"""The composition: tags, physical names, stack outputs, options and the plan JSON."""

from __future__ import annotations

import json
from typing import Any

from nexus.config.naming import Naming
from nexus.plans.offline import MOCK_SECRET_MARKER, SECRET, Plan
from nexus.plans.rules import is_taggable

REQUIRED_TAGS = {"Environment", "Stack", "Project", "ManagedBy"}
PHYSICAL_NAME_KEYS = ("name", "bucket", "identifier", "dashboardName")


def aws_provider(plan: Plan) -> Any:
    return plan.one("pulumi:providers:aws", "aws")  # ("aws-identity" only asks who the caller is)


def test_every_taggable_resource_gets_the_environment_tags(plan: Plan) -> None:
    provider = aws_provider(plan)
    tags = json.loads(provider.input("defaultTags"))["tags"]
    assert set(tags) >= REQUIRED_TAGS
    assert (tags["Environment"], tags["Stack"], tags["Project"], tags["ManagedBy"]) == (
        plan.settings.environment, plan.stack, "nexus", "pulumi")  # fmt: skip
    taggable = [r for r in plan.resources if r.custom and is_taggable(r.type)]
    assert len(taggable) > 40
    untagged = [r.name for r in taggable if r.provider != provider.urn]
    assert untagged == [], "these would miss the default tags"


def test_every_aws_resource_uses_the_explicit_provider(plan: Plan) -> None:
    provider = aws_provider(plan)
    strays = [r.urn for r in plan.resources if r.custom and r.type.startswith("aws:") and r.provider != provider.urn]
    assert strays == []


def test_every_physical_name_contains_the_stack(plan: Plan) -> None:
    named = [(r.type, r.input(k)) for r in plan.resources if r.custom for k in PHYSICAL_NAME_KEYS
             if isinstance(r.input(k), str) and r.type != "pulumi:providers:aws"]  # fmt: skip
    assert len(named) > 30
    assert [n for n in named if plan.stack not in n[1]] == []


def test_two_stacks_of_one_tier_share_no_physical_name(planner: Any) -> None:
    def names(p: Plan) -> set[tuple[str, str]]:
        return {(r.type, r.input(k)) for r in p.resources if r.custom for k in PHYSICAL_NAME_KEYS
                if isinstance(r.input(k), str)}  # fmt: skip

    dev, alice = planner("development"), planner("development-alice", config_from="development")
    assert names(dev) and names(alice)
    assert names(dev) & names(alice) == set()


def test_names_fit_aws_limits_for_a_40_character_stack(planner: Any) -> None:
    stack = "development-pr-" + "1234567890" * 2 + "12345"
    assert len(stack) == 40
    plan = planner(stack, config_from="development")
    limits = {
        "aws:lb/loadBalancer:LoadBalancer": 32, "aws:lb/targetGroup:TargetGroup": 32,
        "aws:s3/bucket:Bucket": 63, "aws:rds/instance:Instance": 63, "aws:iam/role:Role": 64,
        "aws:ec2/securityGroup:SecurityGroup": 255, "aws:rds/parameterGroup:ParameterGroup": 255,
    }  # fmt: skip
    for type_token, limit in limits.items():
        for r in plan.of_type(type_token):
            name = r.input("name") or r.input("bucket") or r.input("identifier")
            assert len(name) <= limit, (type_token, name)
            assert not name.endswith("-") and "--" not in name, name
    # Shortened names stay unique: the hash of the full stack name tells two long stacks apart.
    other = Naming(stack[:-1] + "6")
    assert Naming(stack).name(max_len=32) != other.name(max_len=32)


def test_stack_outputs_are_complete_and_hold_no_secret(plan: Plan) -> None:
    expected = {"vpc_id", "url", "database_address", "database_port", "database_credentials_secret_arn",
                "kms_key_arn", "settings_path", "alarm_topic_arn", "dashboard_name"}  # fmt: skip
    assert expected <= set(plan.outputs)
    assert MOCK_SECRET_MARKER not in json.dumps(plan.outputs)
    assert plan.outputs["url"].startswith("https://" if plan.settings.load_balancer.https else "http://")


def test_no_secret_value_appears_in_plain_text(plan: Plan) -> None:
    # The generated signing key reaches exactly one input, and there it is marked secret.
    carriers = [r for r in plan.resources if MOCK_SECRET_MARKER in json.dumps([r.input(k) for k in r.inputs])]
    assert [r.type for r in carriers] == ["aws:secretsmanager/secretVersion:SecretVersion"]
    assert carriers[0].inputs["secretString"] != carriers[0].input("secretString")  # still wrapped
    written = json.dumps(plan.to_json())
    assert MOCK_SECRET_MARKER not in written and SECRET in written
    # The database password is never ours to hold: RDS manages it.
    db = plan.one("aws:rds/instance:Instance")
    assert db.input("manageMasterUserPassword") is True and "password" not in db.inputs


def test_plan_json_lists_every_resource_with_inputs_and_options(plan: Plan) -> None:
    doc = plan.to_json()
    assert len(doc["resources"]) == len(plan.resources) > 80
    for r in doc["resources"]:
        assert {"urn", "type", "name", "parent", "inputs", "options"} <= set(r)
        assert {"protect", "retain_on_delete", "depends_on", "delete_before_replace", "ignore_changes"} <= set(
            r["options"]
        )


def test_settings_are_published_to_the_application(plan: Plan) -> None:
    params = {r.input("name"): r for r in plan.of_type("aws:ssm/parameter:Parameter")}
    prefix = f"/nexus/{plan.stack}"
    s = plan.settings
    assert params[f"{prefix}/monitoring/log_level"].input("value") == s.monitoring.log_level
    assert params[f"{prefix}/security/max_login_attempts"].input("value") == str(s.security.max_login_attempts)
    assert params[f"{prefix}/performance/max_workers"].input("value") == str(s.performance.max_workers)
    assert params[f"{prefix}/limits/max_file_size_mb"].input("value") == "100"
    secret_arn = params[f"{prefix}/database/credentials_secret_arn"]
    assert secret_arn.input("type") == "SecureString"
    assert secret_arn.input("keyId") == plan.one("aws:kms/key:Key").outputs["arn"]
