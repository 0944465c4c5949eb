"""Who may assume the CI roles bootstrap/ declares (nexus.ci.ci_access): GitHub's OIDC provider,
and trust policies read from bootstrap/'s offline plan and evaluated the way IAM evaluates
them (StringEquals / StringLike, values of one key OR-ed, keys and operators AND-ed: IAM user
guide, "Condition element", "Creating a condition with multiple keys or values")."""

from __future__ import annotations

import fnmatch
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nexus.ci.iam import GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST
from nexus.config.stack_files import stack_names
from nexus.plans.bootstrap_plan import BOOTSTRAP_DIR, BootstrapPlan
from tests.support.bootstrap import REPO, ROLE, as_list, bootstrap_plan, provider_arn, trust

_trusts: dict[str, dict[str, dict[str, Any]]] = {}


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
    plan = bootstrap_plan()
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


def test_bootstrap_names_and_tags_never_match_a_tier(plan: BootstrapPlan) -> None:
    provider = plan.one("pulumi:providers:aws", "aws")  # provider inputs travel as JSON text
    assert json.loads(provider.inputs["defaultTags"])["tags"]["Stack"] == "bootstrap-account"
    # Run with another account's credentials, the provider refuses to start.
    assert json.loads(provider.inputs["allowedAccountIds"]) == ["123456789012"]
    for role in plan.of_type(ROLE):
        assert role.input("name").startswith("nexus-bootstrap-account-")


def test_the_bootstrap_is_its_own_project(plan: BootstrapPlan) -> None:
    assert stack_names(BOOTSTRAP_DIR) == ["account"]
    assert "account" not in stack_names()  # not a tier of the main program


@pytest.mark.parametrize("tier", ["development", "staging", "production"])
def test_only_the_tiers_drift_environment_can_assume_its_drift_role(plan: BootstrapPlan, tier: str) -> None:
    policy, arn = trust(plan, f"drift-{tier}"), provider_arn(plan)
    assert admits(policy, arn, f"repo:{REPO}:environment:drift-{tier}")
    others = [f"repo:{REPO}:environment:drift-{t}" for t in ("development", "staging", "production") if t != tier]
    for sub in [PULL_REQUEST, *BRANCHES, *others, f"repo:{REPO}:environment:{tier}", f"repo:{REPO}:environment:drift",
                f"repo:someone/x:environment:drift-{tier}"]:  # fmt: skip
        assert not admits(policy, arn, sub), sub


@pytest.mark.parametrize("source", ["staging", "production"])
def test_only_the_sources_drill_environment_can_assume_its_recovery_drill_role(
    plan: BootstrapPlan, source: str
) -> None:
    policy, arn = trust(plan, f"recovery-drill-{source}"), provider_arn(plan)
    assert admits(policy, arn, f"repo:{REPO}:environment:recovery-drill-{source}")
    other = "production" if source == "staging" else "staging"
    for sub in [
        PULL_REQUEST,
        *BRANCHES,
        f"repo:{REPO}:environment:{source}",
        f"repo:{REPO}:environment:recovery-drill-{other}",
    ]:
        assert not admits(policy, arn, sub), sub
