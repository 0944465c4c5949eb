"""Security isolation: each environment's application role reaches its own data and nothing of
another stack's; the database user needs no password; the audit trail follows the settings.

The role's policy documents come from the offline plans (the real program under mocks) and
are evaluated with nexus.iam_eval, development and production side by side.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest

from nexus.cli import main
from nexus.cli.db_user import bootstrap_script, create_user_sql
from nexus.config.stack_files import ROOT
from nexus.plans.iam_eval import Request, evaluate
from nexus.plans.offline import MOCK_ACCOUNT, Plan
from nexus.plans.rules import DATA_ACTIONS, destroy_blockers, no_data_action_on_any_resource


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
        key=plan.one("aws:kms/key:Key").outputs["arn"],
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
    """The evaluated allow/deny table, development against production (README embeds it)."""
    columns = [(dev, dev), (dev, prod), (prod, prod), (prod, dev)]
    results = [decisions(role, data) for role, data in columns]
    head = "| request | dev role → dev data | dev role → prod data | prod role → prod data | prod role → dev data |"
    lines = [head, "| --- | --- | --- | --- | --- |"]
    for i, (label, _, _) in enumerate(results[0]):
        lines.append("| " + " | ".join([label] + ["allow" if col[i][1] else "deny" for col in results]) + " |")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ the application role

# One what-if plan serves two tests: development with every compute service and its own trail.
EVERY_SERVICE_OWN_TRAIL = {
    "nexus:identity": {"compute_services": ["ecs-tasks", "ec2", "lambda", "eks-pods"], "database_user": "nexus_app"},
    "nexus:audit": {"trail": "own", "retention_days": 30},
}


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
    readme = (ROOT / "README.md").read_text()
    embedded = re.search(r"<!-- access-table -->\n(.*?)<!-- /access-table -->", readme, re.S)
    assert embedded, "README.md lost its access-table markers"
    assert embedded.group(1) == table, "README access table is stale: paste the table this test prints (pytest -s)"


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
    assert group.input("kmsKeyId") == plan.one("aws:kms/key:Key").outputs["arn"]


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


# ------------------------------------------------------------------ the policy rule


@pytest.mark.parametrize(
    ("statement", "flagged"),
    [
        ({"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}, True),
        ({"Effect": "Allow", "Action": "*", "Resource": "*"}, True),
        ({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:us-east-1:1:key/*"}, True),
        ({"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "arn:aws:ssm:us-east-1:1:parameter/*"}, True),
        ({"Effect": "Allow", "Action": "rds-db:connect", "Resource": "arn:aws:rds-db:us-east-1:1:dbuser:*/*"}, True),
        ({"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::*"}, True),
        ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, True),
        ({"Effect": "Allow", "Action": "dynamodb:Query", "NotResource": "arn:aws:dynamodb:us-east-1:1:table/x"}, True),
        ({"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"}, False),
        ({"Effect": "Deny", "Action": "s3:*", "Resource": "*"}, False),
        ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket-1/*"}, False),
        ({"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "arn:aws:ssm:us-east-1:1:parameter/nexus/p/*"}, False),
    ],
)  # fmt: skip
def test_data_actions_on_any_resource_are_refused(statement: dict[str, Any], flagged: bool) -> None:
    resource = {"type": "aws:iam/policy:Policy", "inputs": {"policy": json.dumps({"Statement": [statement]})}}
    assert bool(no_data_action_on_any_resource(resource, "production")) is flagged
    assert "kms:Decrypt" in DATA_ACTIONS and "rds-db:connect" in DATA_ACTIONS


# ------------------------------------------------------------------ the database user


def test_the_database_user_sql_grants_iam_login_without_a_password(plans: dict[str, Plan]) -> None:
    settings = plans["production"].settings
    sql = create_user_sql(settings)
    assert 'CREATE ROLE "nexus_app" WITH LOGIN;' in sql and 'GRANT rds_iam TO "nexus_app";' in sql
    assert "WHERE rolname = 'nexus_app'" in sql, "idempotent: a second run must not fail"
    assert 'GRANT CONNECT ON DATABASE "nexus" TO "nexus_app";' in sql
    statements = "\n".join(line for line in sql.splitlines() if not line.startswith("--"))
    assert "PASSWORD" not in statements.upper() and "nexus_admin" not in sql
    script = bootstrap_script(settings)
    assert "aws secretsmanager get-secret-value --region us-east-1" in script
    assert "user=nexus_admin" in script and "sslmode=require" in script and sql in script
    assert "<<'SQL'" in script, "a quoted heredoc: the shell must not expand $$ in the SQL"


def test_db_user_cli_prints_the_sql_and_refuses_an_unknown_stack(capsys: Any) -> None:
    assert main(["db-user", "--stack", "staging"]) == 0
    assert 'GRANT rds_iam TO "nexus_app";' in capsys.readouterr().out
    assert main(["db-user", "--stack", "development-alice", "--config-from", "development", "--script"]) == 0
    assert "--stack development-alice" in capsys.readouterr().out
    assert main(["db-user", "--stack", "nope"]) == 2
    assert "no stack file" in capsys.readouterr().err


# ------------------------------------------------------------------ the audit trail


def test_an_environment_with_its_own_account_keeps_its_own_trail(plans: dict[str, Plan]) -> None:
    prod = plans["production"]
    assert prod.settings.audit.trail == "own"
    trail = prod.one("aws:cloudtrail/trail:Trail")
    key_arn = prod.one("aws:kms/key:Key").outputs["arn"]
    assert trail.input("isMultiRegionTrail") is True and trail.input("enableLogFileValidation") is True
    assert trail.input("includeGlobalServiceEvents") is True and trail.input("kmsKeyId") == key_arn
    (selector,) = trail.input("eventSelectors")
    # Read management events include secretsmanager:GetSecretValue and kms:Decrypt.
    assert selector["readWriteType"] == "All" and selector["includeManagementEvents"] is True
    assert not selector.get("excludeManagementEventSources")
    assert prod.outputs["audit_trail_arn"] == trail.outputs["arn"]

    bucket = prod.one("aws:s3/bucket:Bucket", "trail-logs")
    assert bucket.input("bucket") == f"nexus-production-trail-{MOCK_ACCOUNT}" and trail.input(
        "s3BucketName"
    ) == bucket.input("bucket")
    assert bucket.options["protect"] is True and bucket.input("forceDestroy") is False
    block = prod.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "trail-logs")
    assert all(
        block.input(k) is True
        for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    rule = prod.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "trail-logs").input("rules")[0]
    assert rule["expiration"]["days"] == prod.settings.audit_retention_days == 90

    policy = json.loads(prod.one("aws:s3/bucketPolicy:BucketPolicy", "trail-logs").input("policy"))
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["CloudTrailWrite"]["Condition"]["StringEquals"]["aws:SourceArn"] == trail.outputs["arn"]
    assert by_sid["CloudTrailWrite"]["Resource"].endswith(f"/AWSLogs/{MOCK_ACCOUNT}/*")
    assert by_sid["CloudTrailAclCheck"]["Condition"]["StringEquals"]["aws:SourceArn"] == trail.outputs["arn"]
    assert by_sid["DenyInsecureTransport"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    # The trail waits for the policy that lets it write (CreateTrail checks it).
    assert prod.one("aws:s3/bucketPolicy:BucketPolicy", "trail-logs").urn in trail.options["depends_on"]

    key_policy = json.loads(prod.one("aws:kms/key:Key").input("policy"))
    cloudtrail = [s for s in key_policy["Statement"] if s["Principal"] == {"Service": "cloudtrail.amazonaws.com"}]
    assert {s["Sid"] for s in cloudtrail} == {"CloudTrailEncryptsThisTrailsLogs", "CloudTrailDescribesTheKey"}
    assert all(s["Condition"]["StringEquals"]["aws:SourceArn"] == trail.outputs["arn"] for s in cloudtrail)


@pytest.mark.parametrize("stack", ["staging", "development"])
def test_an_environment_in_a_shared_account_adds_no_trail(plans: dict[str, Plan], stack: str) -> None:
    plan = plans[stack]
    assert plan.settings.audit.trail == "shared-account" and plan.outputs["audit_trail"] == "shared-account"
    assert plan.of_type("aws:cloudtrail/trail:Trail") == [] and "audit_trail_arn" not in plan.outputs
    assert "cloudtrail" not in plan.one("aws:kms/key:Key").input("policy")


def test_settings_not_the_stack_name_decide_the_trail(planner: Any) -> None:
    dev = planner("development", overrides=EVERY_SERVICE_OWN_TRAIL)
    bucket = dev.one("aws:s3/bucket:Bucket", "trail-logs")
    assert bucket.input("forceDestroy") is True and bucket.options["protect"] is False
    rule = dev.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "trail-logs").input("rules")[0]
    assert rule["expiration"]["days"] == 30
    assert dev.one("aws:cloudtrail/trail:Trail").input("name") == "nexus-development-trail"
    assert destroy_blockers(dev.to_json()) == [], "a development stack with its own trail still tears down completely"


# ------------------------------------------------------------------ settings


def test_bad_identity_and_audit_settings_exit_2_naming_the_key(tmp_path: Any, capsys: Any) -> None:
    import yaml

    cases = [
        ({"nexus:identity": {"compute_services": ["fargate"]}}, "nexus:identity.compute_services"),
        ({"nexus:identity": {"database_user": "nexus_admin"}}, "nexus:identity"),
        ({"nexus:identity": {"database_user": "App-User"}}, "nexus:identity.database_user"),
        ({"nexus:audit": {"trail": "mine"}}, "nexus:audit.trail"),
    ]
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    for change, key in cases:
        doc = yaml.safe_load((ROOT / "Pulumi.staging.yaml").read_text())
        doc["config"].update(change)
        (tmp_path / "Pulumi.staging.yaml").write_text(yaml.safe_dump(doc))
        assert main(["plan", "--stack", "staging", "--project-dir", str(tmp_path)]) == 2, change
        err = capsys.readouterr().err
        problems = [line for line in err.splitlines() if line.startswith("  - ")]
        assert len(problems) == 1 and problems[0].startswith(f"  - {key}"), err


def test_the_policy_pack_refuses_a_wildcard_data_grant(plans: dict[str, Plan]) -> None:
    from tests.test_policy_pack import mutated, resources_of, violations

    wide = json.dumps({"Statement": [{"Effect": "Allow", "Action": "ssm:*", "Resource": "*"}]})
    assert "no-data-action-on-any-resource" not in violations(resources_of(plans["production"]))
    found = violations(
        mutated(plans["production"], "aws:iam/rolePolicy:RolePolicy", "app-permissions", {"policy": wide})
    )
    assert (
        list(found) == ["no-data-action-on-any-resource"]
        and "ssm:GetParameter" in found["no-data-action-on-any-resource"][0]
    )
