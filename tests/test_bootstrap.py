"""bootstrap/: the once-per-account project, planned offline under the same mocks as the main
program. The trust policies are read from the plan and evaluated the way IAM evaluates them
(StringEquals / StringLike, values of one key OR-ed, keys and operators AND-ed: IAM user guide,
"Condition element", "Creating a condition with multiple keys or values")."""

from __future__ import annotations

import fnmatch
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nexus.ci.iam import GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST, READ_ONLY_ACTIONS, WAF_LOGGING_ACTIONS
from nexus.cli import main
from nexus.config.stack_files import stack_names
from nexus.plans.bootstrap_plan import BOOTSTRAP_DIR, BootstrapPlan, plan_bootstrap

REPO = "nexus-platform/nexus-infrastructure"  # bootstrap/Pulumi.account.yaml
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
_plans: dict[str, BootstrapPlan] = {}
_trusts: dict[str, dict[str, dict[str, Any]]] = {}


@pytest.fixture(scope="module")
def plan() -> BootstrapPlan:
    if "account" not in _plans:
        _plans["account"] = plan_bootstrap("account")
    return _plans["account"]


def trust(plan: BootstrapPlan, role: str) -> dict[str, Any]:
    return json.loads(plan.one(ROLE, role).input("assumeRolePolicy"))


def permissions(plan: BootstrapPlan, role: str) -> list[dict[str, Any]]:
    return list(json.loads(plan.one(ROLE_POLICY, role).input("policy"))["Statement"])


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def condition_holds(condition: dict[str, dict[str, Any]], context: dict[str, str]) -> bool:
    for operator, tests in condition.items():
        for key, values in tests.items():
            actual = context.get(key)
            if operator == "StringEquals":
                ok = actual is not None and actual in as_list(values)
            elif operator == "StringLike":
                ok = actual is not None and any(fnmatch.fnmatchcase(actual, v) for v in as_list(values))
            else:  # an operator this evaluator does not know must not pass silently
                raise AssertionError(f"unexpected condition operator {operator} in a trust policy")
            if not ok:
                return False
    return True


def admits(policy: dict[str, Any], provider_arn: str, sub: str, aud: str = GITHUB_OIDC_AUDIENCE) -> bool:
    """Would IAM let a GitHub token with this subject and audience assume the role?"""
    context = {f"{GITHUB_OIDC_HOST}:sub": sub, f"{GITHUB_OIDC_HOST}:aud": aud}
    allowed = False
    for statement in policy["Statement"]:
        assert statement["Principal"] == {"Federated": provider_arn}, "only GitHub's OIDC provider is trusted"
        assert as_list(statement["Action"]) == ["sts:AssumeRoleWithWebIdentity"]
        if condition_holds(statement.get("Condition", {}), context):
            allowed = allowed or statement["Effect"] == "Allow"
            if statement["Effect"] == "Deny":
                return False
    return allowed


def provider_arn(plan: BootstrapPlan) -> str:
    return str(plan.outputs["oidc_provider_arn"])


def test_the_oidc_provider_is_githubs_for_sts(plan: BootstrapPlan) -> None:
    provider = plan.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "github")
    assert provider.input("url") == "https://token.actions.githubusercontent.com"
    assert provider.input("clientIdLists") == ["sts.amazonaws.com"]
    assert provider_arn(plan).endswith(":oidc-provider/token.actions.githubusercontent.com")


# Subjects GitHub issues (GitHub docs, "OpenID Connect reference", example subject claims).
PULL_REQUEST = f"repo:{REPO}:pull_request"
BRANCHES = [f"repo:{REPO}:ref:refs/heads/main", f"repo:{REPO}:ref:refs/heads/feature", f"repo:{REPO}:ref:refs/tags/v1"]
OTHER_REPOS = [f"repo:someone/nexus-infrastructure:environment:{e}" for e in ("production", "staging")]


@pytest.mark.parametrize("tier", ["staging", "production"])
def test_only_the_tiers_github_environment_can_assume_its_deploy_role(plan: BootstrapPlan, tier: str) -> None:
    policy, arn = trust(plan, f"deploy-{tier}"), provider_arn(plan)
    assert admits(policy, arn, f"repo:{REPO}:environment:{tier}")
    for sub in [PULL_REQUEST, *BRANCHES, *OTHER_REPOS, f"repo:{REPO}:environment:development"]:
        assert not admits(policy, arn, sub), sub
    other = "production" if tier == "staging" else "staging"
    assert not admits(policy, arn, f"repo:{REPO}:environment:{other}")
    # The audience is checked too: a token minted for another audience is refused.
    assert not admits(policy, arn, f"repo:{REPO}:environment:{tier}", aud="https://github.com/nexus-platform")


@settings(max_examples=200, deadline=None)
@given(suffix=st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40))
def test_no_other_subject_of_the_repository_reaches_staging_or_production(suffix: str) -> None:
    plan = _plans.get("account") or _plans.setdefault("account", plan_bootstrap("account"))
    if "trusts" not in _trusts:
        _trusts["trusts"] = {tier: trust(plan, f"deploy-{tier}") for tier in ("staging", "production")}
    for tier, policy in _trusts["trusts"].items():
        sub = f"repo:{REPO}:{suffix}"
        assert admits(policy, provider_arn(plan), sub) == (suffix == f"environment:{tier}")


def test_pull_requests_get_the_preview_and_development_roles_only(plan: BootstrapPlan) -> None:
    arn = provider_arn(plan)
    assert admits(trust(plan, "preview"), arn, PULL_REQUEST)
    assert admits(trust(plan, "deploy-development"), arn, PULL_REQUEST)
    assert not any(admits(trust(plan, "preview"), arn, sub) for sub in BRANCHES)


def test_the_preview_role_is_read_only(plan: BootstrapPlan) -> None:
    state_bucket = f"arn:aws:s3:::{plan.outputs['state_bucket']}"
    for statement in permissions(plan, "preview"):
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            service, verb = action.split(":")
            assert "*" not in service and verb != "*", action
            if statement["Sid"] == "Read":
                assert verb.startswith(("Describe", "List", "Get")), action
                # Nothing that returns a secret value (Secrets Manager, SecureString, objects).
                assert action not in ("secretsmanager:GetSecretValue", "s3:GetObject"), action
                assert not action.startswith("ssm:GetParameter"), action
            elif service == "s3":  # its own stack state, nothing else
                assert verb.startswith(("Get", "List")), action
                assert all(r.startswith(state_bucket) for r in as_list(statement["Resource"]))
                objects = [r for r in as_list(statement["Resource"]) if r != state_bucket]
                assert all(r.endswith("meta.yaml") or "/nexus/development*" in r for r in objects), objects
            else:  # its own tier's stack secrets and the bucket's SSE-KMS, decrypt only
                assert action == "kms:Decrypt", action


def tier_of(statement: dict[str, Any]) -> set[str]:
    """The Stack tag values a statement's condition names."""
    return {
        str(v)
        for operator, tests in statement.get("Condition", {}).items()
        if operator != "Null"  # Null says only whether the tag is present
        for key, values in tests.items()
        if key.endswith("Tag/Stack")
        for v in as_list(values)
    }


@pytest.mark.parametrize(("tier", "pattern"), [("development", "development*"), ("staging", "staging"), ("production", "production")])  # fmt: skip
def test_deploy_roles_change_only_their_tiers_resources(plan: BootstrapPlan, tier: str, pattern: str) -> None:
    statements = permissions(plan, f"deploy-{tier}")
    for statement in statements:
        actions = as_list(statement["Action"])
        resources = as_list(statement["Resource"])
        if statement["Effect"] == "Deny":
            assert tier_of(statement) <= {pattern, "bootstrap-*"}
            continue
        if set(actions) <= set(READ_ONLY_ACTIONS) or set(actions) <= set(WAF_LOGGING_ACTIONS):
            continue  # reads; and WAF logging, which AWS cannot scope (README)
        if "Condition" in statement and tier_of(statement):
            assert tier_of(statement) == {pattern}, statement["Sid"]
        else:  # name-scoped: every resource carries the tier's name, or is the tier's state/key
            for resource in resources:
                assert (
                    f"nexus-{pattern}" in resource
                    or f"nexus/{pattern}" in resource
                    or (
                        resource.startswith(("arn:aws:s3:::nexus-bootstrap-", "arn:aws:kms:"))
                        and statement["Sid"].startswith(("State", "StackSecrets"))
                    )
                ), (statement["Sid"], resource)
    # Explicit denies: another tier's resources stay out of reach even through a broad allow.
    denies = {s["Sid"] for s in statements if s["Effect"] == "Deny"}
    assert denies == {"NeverAnotherTiersResources", "NeverCreateForAnotherTier"}
    # Its stack secrets key is its tier's own.
    (secrets,) = [s for s in statements if s["Sid"] == "StackSecrets"]
    own_key = plan.one("aws:kms/key:Key", f"secrets-{tier}")
    assert secrets["Resource"] == own_key.outputs["arn"]


def test_role_policies_fit_iams_inline_limit(plan: BootstrapPlan) -> None:
    # IAM quotas: "Role policy size cannot exceed 10,240 characters" (aggregate of inline policies).
    for policy in plan.of_type(ROLE_POLICY):
        assert len(json.dumps(json.loads(policy.input("policy")), separators=(",", ":"))) < 10_240, policy.name


def test_the_state_bucket_is_versioned_encrypted_private_and_tls_only(plan: BootstrapPlan) -> None:
    bucket = plan.one("aws:s3/bucket:Bucket", "state")
    assert bucket.options["protect"] and plan.one("aws:kms/key:Key", "state-key").options["protect"]
    versioning = plan.one("aws:s3/bucketVersioning:BucketVersioning", "state").input("versioningConfiguration")
    assert versioning["status"] == "Enabled"
    (rule,) = plan.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "state"
    ).input("rules")
    by_default = rule["applyServerSideEncryptionByDefault"]
    key = plan.one("aws:kms/key:Key", "state-key")
    assert by_default["sseAlgorithm"] == "aws:kms" and by_default["kmsMasterKeyId"] == key.outputs["arn"]
    block = plan.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "state")
    assert all(
        block.input(k) is True
        for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    (deny,) = json.loads(plan.one("aws:s3/bucketPolicy:BucketPolicy", "state").input("policy"))["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert set(plan.outputs["secrets_providers"]) == {"development", "staging", "production"}


def test_bootstrap_names_and_tags_never_match_a_tier(plan: BootstrapPlan) -> None:
    provider = plan.one("pulumi:providers:aws", "aws")  # provider inputs travel as JSON text
    assert json.loads(provider.inputs["defaultTags"])["tags"]["Stack"] == "bootstrap-account"
    # Run with another account's credentials, the provider refuses to start.
    assert json.loads(provider.inputs["allowedAccountIds"]) == ["123456789012"]
    for role in plan.of_type(ROLE):
        assert role.input("name").startswith("nexus-bootstrap-account-")


def bootstrap_project(tmp_path: Path, edit: str, replacement: str) -> Path:
    shutil.copy(BOOTSTRAP_DIR / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    text = (BOOTSTRAP_DIR / "Pulumi.account.yaml").read_text()
    assert edit in text
    (tmp_path / "Pulumi.account.yaml").write_text(text.replace(edit, replacement))
    return tmp_path


@pytest.mark.parametrize(
    ("edit", "replacement", "key"),
    [
        ('account_id: "123456789012"', "account_id: 1234", "nexus-bootstrap:account_id"),
        ("owner: nexus-platform", "owner: -nexus", "nexus-bootstrap:github.owner"),
        ("repository: nexus-infrastructure", "repository: nexus/infra", "nexus-bootstrap:github.repository"),
        ("    - development\n", "    - testing\n", "nexus-bootstrap:environments[2]"),
        ("    create: true", "    creat: true", "nexus-bootstrap:state_backend.creat"),
    ],
)
def test_a_bad_bootstrap_setting_exits_2_naming_the_key(
    tmp_path: Path, capsys: Any, edit: str, replacement: str, key: str
) -> None:
    root = bootstrap_project(tmp_path, edit, replacement)
    assert main(["bootstrap", "--stack", "account", "--project-dir", str(root)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "Pulumi.account.yaml: invalid settings" or err[0].endswith("Pulumi.account.yaml: invalid settings")
    assert len(err) == 2 and err[1].startswith(f"  - {key}"), err


def test_the_bootstrap_is_its_own_project(plan: BootstrapPlan) -> None:
    assert stack_names(BOOTSTRAP_DIR) == ["account"]
    assert "account" not in stack_names()  # not a tier of the main program


def test_the_bootstrap_command_prints_each_role_with_its_subjects(
    plan: BootstrapPlan, tmp_path: Path, capsys: Any
) -> None:
    assert main(["bootstrap", "--stack", "account", "--json", str(tmp_path / "bootstrap.json")]) == 0
    out = capsys.readouterr().out
    assert f"role nexus-bootstrap-account-deploy-production: trusts repo:{REPO}:environment:production\n" in out
    doc = json.loads((tmp_path / "bootstrap.json").read_text())
    assert doc["project"] == "nexus-bootstrap" and len(doc["resources"]) == len(plan.resources)
