"""The application's identity (nexus.components.app_identity): each environment's role reaches
its own data and nothing of another stack's.

The role's policy documents come from the offline plans (the real program under mocks) and
are evaluated with nexus.plans.iam_eval, development and production side by side."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest

from nexus.config.stack_files import ROOT
from nexus.plans.iam_eval import Request, evaluate
from nexus.plans.offline import MOCK_ACCOUNT, Plan
from nexus.plans.rules import no_data_action_on_any_resource
from tests.support.plans import EVERY_SERVICE_OWN_TRAIL


@dataclass(frozen=True)
class Targets:
    """One stack's data, as ARNs a request would name."""

    stack: str
    region: str
    parameter: str
    parameter_path: str
    session_secret: str
    master_secret: str
    key: str
    app_db_user: str
    master_db_user: str
    log_stream: str


def app_policy(plan: Plan) -> dict[str, Any]:
    return dict(json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", "app-permissions").input("policy")))


def targets(plan: Plan) -> Targets:
    region, s = plan.settings.region, plan.settings
    ssm = f"arn:aws:ssm:{region}:{MOCK_ACCOUNT}:parameter"
    host = next(r.input("name") for r in plan.of_type("aws:ssm/parameter:Parameter") if r.name == "database-host")
    db = plan.one("aws:rds/instance:Instance").outputs
    dbuser = f"arn:aws:rds-db:{region}:{MOCK_ACCOUNT}:dbuser:{db['resourceId']}"
    return Targets(
        stack=plan.stack,
        region=region,
        parameter=f"{ssm}{host}",
        parameter_path=f"{ssm}/nexus/{plan.stack}/",
        session_secret=plan.one("aws:secretsmanager/secret:Secret", "session-signing-key").outputs["arn"],
        master_secret=db["masterUserSecrets"][0]["secretArn"],
        key=plan.one("aws:kms/key:Key", "key").outputs["arn"],
        app_db_user=f"{dbuser}/{s.identity.database_user}",
        master_db_user=f"{dbuser}/{s.database.master_username}",
        log_stream=plan.one("aws:cloudwatch/logGroup:LogGroup", "app-logs").outputs["arn"] + ":log-stream:web-1",
    )


# (label, request on a stack's data, allowed for that stack's own role?)
def requests(t: Targets) -> list[tuple[str, Request, bool]]:
    ssm = f"ssm.{t.region}.amazonaws.com"
    sm = f"secretsmanager.{t.region}.amazonaws.com"
    via = {
        "ssm": {"kms:ViaService": ssm, "kms:EncryptionContext:PARAMETER_ARN": t.parameter},
        "sm": {"kms:ViaService": sm, "kms:EncryptionContext:SecretARN": t.session_secret},
        "sm-master": {"kms:ViaService": sm, "kms:EncryptionContext:SecretARN": t.master_secret},
        "s3": {"kms:ViaService": f"s3.{t.region}.amazonaws.com"},
    }
    return [
        ("ssm:GetParameter database/host", Request("ssm:GetParameter", t.parameter), True),
        ("ssm:GetParametersByPath /nexus/STACK/", Request("ssm:GetParametersByPath", t.parameter_path), True),
        ("secretsmanager:GetSecretValue session signing key", Request("secretsmanager:GetSecretValue", t.session_secret), True),
        ("secretsmanager:GetSecretValue RDS master secret", Request("secretsmanager:GetSecretValue", t.master_secret), False),
        ("kms:Decrypt via SSM", Request("kms:Decrypt", t.key, via["ssm"]), True),
        ("kms:Decrypt via Secrets Manager", Request("kms:Decrypt", t.key, via["sm"]), True),
        ("kms:Decrypt via Secrets Manager for the master secret", Request("kms:Decrypt", t.key, via["sm-master"]), False),
        ("kms:Decrypt via S3", Request("kms:Decrypt", t.key, via["s3"]), False),
        ("kms:Decrypt called directly", Request("kms:Decrypt", t.key), False),
        ("rds-db:connect as nexus_app", Request("rds-db:connect", t.app_db_user), True),
        ("rds-db:connect as the master user", Request("rds-db:connect", t.master_db_user), False),
        ("logs:PutLogEvents application log group", Request("logs:PutLogEvents", t.log_stream), True),
    ]  # fmt: skip


def decisions(role_of: Plan, data_of: Plan) -> list[tuple[str, bool, bool]]:
    """(label, allowed?, expected) for role_of's application role on data_of's resources."""
    policy, own = app_policy(role_of), role_of.stack == data_of.stack
    return [
        (label, evaluate([policy], request) == "Allow", expected and own)
        for label, request, expected in requests(targets(data_of))
    ]


def access_table(dev: Plan, prod: Plan) -> str:
    """The evaluated allow/deny table, development against production (docs/security.md embeds it)."""
    columns = [(dev, dev), (dev, prod), (prod, prod), (prod, dev)]
    results = [decisions(role, data) for role, data in columns]
    head = "| request | dev role → dev data | dev role → prod data | prod role → prod data | prod role → dev data |"
    lines = [head, "| --- | --- | --- | --- | --- |"]
    for i, (label, _, _) in enumerate(results[0]):
        lines.append("| " + " | ".join([label] + ["allow" if col[i][1] else "deny" for col in results]) + " |")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("role_stack", ["development", "staging", "production"])
def test_each_role_reaches_its_own_data_and_nothing_of_another_stack(plans: dict[str, Plan], role_stack: str) -> None:
    for data_stack, data_plan in plans.items():
        found = decisions(plans[role_stack], data_plan)
        wrong = [(label, allowed) for label, allowed, expected in found if allowed != expected]
        assert wrong == [], f"{role_stack} role on {data_stack} data"
        if data_stack != role_stack:
            assert not any(allowed for _, allowed, _ in found)
        else:
            assert sum(allowed for _, allowed, _ in found) == 7 and len(found) == 12


def test_a_personal_stack_and_its_template_stack_are_isolated(plans: dict[str, Plan], planner: Any) -> None:
    # /nexus/development/* must not reach /nexus/development-alice/ (nor the reverse).
    dev, alice = plans["development"], planner("development-alice", config_from="development")
    for role, data in ((dev, alice), (alice, dev)):
        assert not any(allowed for _, allowed, _ in decisions(role, data)), (role.stack, data.stack)
    assert all(allowed == expected for _, allowed, expected in decisions(alice, alice))


def test_the_evaluated_table_is_in_the_readme(plans: dict[str, Plan]) -> None:
    table = access_table(plans["development"], plans["production"])
    print("\n" + table)
    rows = [line.split(" | ") for line in table.splitlines()[2:]]
    assert all(row[2] == "deny" and row[4] == "deny |" for row in rows), "a role reached the other stack's data"
    page = (ROOT / "docs" / "security.md").read_text()
    embedded = re.search(r"<!-- access-table -->\n(.*?)<!-- /access-table -->", page, re.S)
    assert embedded, "docs/security.md lost its access-table markers"
    assert embedded.group(1) == table, (
        "the access table of docs/security.md is stale: paste the table this test prints (pytest -s)"
    )


def test_no_statement_grants_a_data_action_on_any_resource(plan: Plan) -> None:
    policy = plan.one("aws:iam/rolePolicy:RolePolicy", "app-permissions")
    assert no_data_action_on_any_resource({"type": policy.type, "inputs": {"policy": policy.input("policy")}}, "") == []
    t = targets(plan)
    log_group = t.log_stream.removesuffix(":log-stream:web-1")
    own = {t.parameter_path.rstrip("/"), t.parameter_path + "*", t.session_secret, t.key, t.app_db_user,
           log_group, f"{log_group}:log-stream:*"}  # fmt: skip
    for statement in app_policy(plan)["Statement"]:
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        assert set(resources) <= own, statement
        assert "NotAction" not in statement and "NotResource" not in statement


def test_the_role_is_exported_and_published(plan: Plan) -> None:
    role = plan.one("aws:iam/role:Role", "app-role")
    assert plan.outputs["app_role_arn"] == role.outputs["arn"] and plan.stack in role.outputs["arn"]
    published = {r.name: r for r in plan.of_type("aws:ssm/parameter:Parameter")}
    assert published["app-role_arn"].input("value") == role.outputs["arn"]
    assert published["database-user"].input("value") == plan.settings.identity.database_user
    assert published["database-iam_auth"].input("value") == "true"
    assert (
        published["database-endpoint_address"].input("value")
        == plan.one("aws:rds/instance:Instance").outputs["address"]
    )
    group = plan.one("aws:cloudwatch/logGroup:LogGroup", "app-logs")
    assert group.input("retentionInDays") == plan.settings.monitoring.metrics_retention_days
    assert group.input("kmsKeyId") == plan.one("aws:kms/key:Key", "key").outputs["arn"]


def test_trust_follows_the_named_compute_services(plans: dict[str, Plan], planner: Any) -> None:
    trust = json.loads(plans["production"].one("aws:iam/role:Role", "app-role").input("assumeRolePolicy"))
    (ecs,) = trust["Statement"]
    assert ecs["Principal"] == {"Service": "ecs-tasks.amazonaws.com"} and ecs["Action"] == "sts:AssumeRole"
    assert ecs["Condition"]["StringEquals"] == {"aws:SourceAccount": MOCK_ACCOUNT}
    assert ecs["Condition"]["ArnLike"] == {"aws:SourceArn": f"arn:aws:ecs:us-east-1:{MOCK_ACCOUNT}:*"}
    assert plans["production"].of_type("aws:iam/instanceProfile:InstanceProfile") == []

    every = planner("development", overrides=EVERY_SERVICE_OWN_TRAIL)
    statements = json.loads(every.one("aws:iam/role:Role", "app-role").input("assumeRolePolicy"))["Statement"]
    by_principal = {s["Principal"]["Service"]: s for s in statements}
    assert set(by_principal) == {"ecs-tasks.amazonaws.com", "ec2.amazonaws.com", "lambda.amazonaws.com",
                                 "pods.eks.amazonaws.com"}  # fmt: skip
    assert by_principal["pods.eks.amazonaws.com"]["Action"] == ["sts:AssumeRole", "sts:TagSession"]
    profile = every.one("aws:iam/instanceProfile:InstanceProfile")
    assert profile.input("role") == "nexus-development-app" and "development" in profile.input("name")
