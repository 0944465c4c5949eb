"""CiAccess: GitHub Actions' way into one AWS account, least privilege per job kind."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import pulumi
import pulumi_aws as aws

from nexus.ci.iam import (
    GITHUB_OIDC_AUDIENCE,
    GITHUB_OIDC_HOST,
    StateAccess,
    deploy_policy,
    drift_policy,
    github_oidc_trust,
    preview_policy,
    recovery_drill_policy,
)
from nexus.config.base import PROJECT
from nexus.config.naming import Naming


@dataclass(frozen=True)
class CiAccessArgs:
    naming: Naming
    account_id: str
    region: str
    repository: str  # OWNER/REPO
    # Tiers deployed into this account: one deploy role each.
    environments: tuple[str, ...]
    # The self-managed backend's bucket and keys (None with Pulumi Cloud).
    state: pulumi.Output[dict[str, StateAccess]] | None
    # Where the recovery drill restores (None: no drill roles).
    recovery_region: str | None = None


# Which stacks a tier's role may change: every development stack (development, development-alice,
# development-pr-42) for development; exactly the stack of the same name otherwise.
# The GitHub environments of the nightly drift check, `drift-<tier>` (no reviewers; deployment
# branches: the default branch only, docs/operations.md).
DRIFT_ENVIRONMENT = "drift"
STACK_PATTERNS = {"development": "development*", "staging": "staging", "production": "production"}


def subjects(repository: str, tier: str) -> list[str]:
    """The OIDC subjects a tier's deploy role trusts. Staging and production: only jobs that run
    in the GitHub environment of that name, whose protection rules (required reviewers,
    deployment branches) GitHub enforces before it issues the token. Development: pull
    requests of this repository (their stacks) and the `development` environment (the reaper)."""
    repo = f"repo:{repository}"
    if tier == "development":
        return [f"{repo}:pull_request", f"{repo}:environment:development"]
    return [f"{repo}:environment:{tier}"]


class CiAccess(pulumi.ComponentResource):
    """The GitHub OIDC provider, a read-only preview role for pull requests, and a deploy role
    per tier that can change only that tier's stacks.

    Outputs: `oidc_provider_arn`, `preview_role_arn`, `deploy_role_arns` and `drift_role_arns`
    (tier to ARN).
    """

    def __init__(self, name: str, args: CiAccessArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("nexus:bootstrap:CiAccess", name, None, opts)
        naming, child = args.naming, pulumi.ResourceOptions(parent=self)

        # GitHub's issuer; AWS verifies its certificate against its own trusted CAs, so no
        # thumbprint is needed (provider docs of aws.iam.OpenIdConnectProvider, thumbprint_lists).
        self.provider = aws.iam.OpenIdConnectProvider(
            "github",
            url=f"https://{GITHUB_OIDC_HOST}",
            client_id_lists=[GITHUB_OIDC_AUDIENCE],
            opts=child,
        )

        def state_of(tier: str) -> pulumi.Output[StateAccess | None]:
            if args.state is None:
                return pulumi.Output.from_input(None)
            return args.state.apply(lambda by_tier: by_tier.get(tier))

        # Pull requests preview the development stack: read-only, and only development's state.
        self.preview_role = self._role(
            "preview",
            naming.name("preview", max_len=64),
            [f"repo:{args.repository}:pull_request"],
            state_of("development"),
            partial(preview_policy, PROJECT, STACK_PATTERNS["development"]),
        )
        self.deploy_roles: dict[str, aws.iam.Role] = {}
        for tier in args.environments:
            self.deploy_roles[tier] = self._role(
                f"deploy-{tier}",
                naming.name(f"deploy-{tier}", max_len=64),
                subjects(args.repository, tier),
                state_of(tier),
                partial(
                    deploy_policy,
                    PROJECT,
                    STACK_PATTERNS[tier],
                    args.account_id,
                    args.region,
                    recovery_region=args.recovery_region if tier in ("staging", "production") else None,
                ),
            )

        # The nightly drift check (.github/workflows/drift.yml): read-only, a role per tier,
        # each trusted only in its tier's GitHub environment `drift-<tier>`, whose deployment-
        # branch rule admits the default branch alone (a pull request cannot edit a workflow
        # into it). Like any preview it decrypts its tier's stack secrets (docs/ci-identities.md).
        self.drift_roles: dict[str, aws.iam.Role] = {}
        for tier in args.environments:
            self.drift_roles[tier] = self._role(
                f"drift-{tier}",
                naming.name(f"drift-{tier}", max_len=64),
                [f"repo:{args.repository}:environment:{DRIFT_ENVIRONMENT}-{tier}"],
                state_of(tier),
                partial(drift_policy, PROJECT, STACK_PATTERNS[tier], args.account_id, args.region),
            )

        # The recovery drill (.github/workflows/recovery-drill.yml): per source tier, a role that
        # deploys only recovery-drill-* stacks, in the recovery region, trusted only in the
        # source's environment recovery-drill-<tier> (docs/disaster-recovery.md).
        self.recovery_drill_roles: dict[str, aws.iam.Role] = {}
        drill_sources = [t for t in args.environments if t in ("staging", "production")]
        for tier in drill_sources if args.recovery_region else []:
            self.recovery_drill_roles[tier] = self._role(
                f"recovery-drill-{tier}",
                naming.name(f"recovery-drill-{tier}", max_len=64),
                [f"repo:{args.repository}:environment:recovery-drill-{tier}"],
                state_of(tier),
                partial(recovery_drill_policy, PROJECT, tier, args.account_id, str(args.recovery_region)),
            )

        self.register_outputs(
            {
                "oidc_provider_arn": self.provider.arn,
                "preview_role_arn": self.preview_role.arn,
                "deploy_role_arns": {tier: role.arn for tier, role in self.deploy_roles.items()},
                "drift_role_arns": {tier: role.arn for tier, role in self.drift_roles.items()},
                "recovery_drill_role_arns": {tier: role.arn for tier, role in self.recovery_drill_roles.items()},
            }
        )

    def _role(
        self,
        name: str,
        role_name: str,
        trusted: list[str],
        state: pulumi.Output[StateAccess | None],
        policy: Callable[[StateAccess | None], dict[str, Any]],
    ) -> aws.iam.Role:
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            name,
            name=role_name,
            assume_role_policy=self.provider.arn.apply(lambda arn: json.dumps(github_oidc_trust(arn, trusted))),
            # A deploy takes up to an hour or two (RDS Multi-AZ creation): longer than STS's default.
            max_session_duration=7200,
            opts=child,
        )
        aws.iam.RolePolicy(
            name,
            role=role.id,
            policy=state.apply(lambda value: json.dumps(policy(value))),
            opts=child,
        )
        return role
