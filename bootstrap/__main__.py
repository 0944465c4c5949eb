"""NEXUS bootstrap: what one AWS account needs before GitHub Actions can preview or deploy.

Shares code with the main program by import of the installed `nexus` package (nexus/ci/,
nexus/config/), never by copy.
"""

import pulumi
import pulumi_aws as aws

from nexus.ci.ci_access import CiAccess, CiAccessArgs
from nexus.ci.iam import BOOTSTRAP_STACK_TAG, StateAccess
from nexus.ci.runtime_config import current_bootstrap_settings
from nexus.ci.state_backend import StateBackend, StateBackendArgs
from nexus.config.base import PROJECT
from nexus.config.naming import Naming

settings = current_bootstrap_settings()
# "bootstrap-<stack>": its names and its Stack tag never match a tier's (nexus-development*,
# Stack=development*), so no deploy role can touch what governs it.
naming = Naming(BOOTSTRAP_STACK_TAG.replace("*", settings.stack))
provider = aws.Provider(
    "aws",
    region=settings.region,
    # Refuse to run with credentials of another account than the stack file names.
    allowed_account_ids=[settings.account_id],
    default_tags=aws.ProviderDefaultTagsArgs(
        tags={"Project": PROJECT, "Stack": naming.stack, "ManagedBy": "pulumi", "Purpose": "ci-access"}
    ),
)
opts = pulumi.ResourceOptions(providers={"aws": provider})

state: pulumi.Output[dict[str, StateAccess]] | None = None
if settings.state_backend.create:
    backend = StateBackend(
        "state",
        StateBackendArgs(
            naming=naming,
            account_id=settings.account_id,
            region=settings.region,
            environments=settings.environments,
            kms_deletion_window_days=settings.state_backend.kms_deletion_window_days,
        ),
        opts=opts,
    )
    tiers = list(settings.environments)
    state = pulumi.Output.all(
        backend.bucket.arn, backend.bucket_key.arn, *(backend.secrets_keys[t].arn for t in tiers)
    ).apply(
        lambda arns: {tier: StateAccess(arns[0], arns[1], arns[2 + i], settings.region) for i, tier in enumerate(tiers)}
    )
    pulumi.export("state_bucket", backend.bucket.bucket)
    pulumi.export("backend_url", backend.bucket.bucket.apply(lambda b: f"s3://{b}"))
    pulumi.export("secrets_providers", backend.secrets_providers)

access = CiAccess(
    "ci",
    CiAccessArgs(
        naming=naming,
        account_id=settings.account_id,
        region=settings.region,
        repository=settings.github.full_name,
        environments=settings.environments,
        state=state,
        recovery_region=settings.recovery_region,
    ),
    opts=opts,
)
pulumi.export("oidc_provider_arn", access.provider.arn)
pulumi.export("preview_role_arn", access.preview_role.arn)
pulumi.export("deploy_role_arns", {tier: role.arn for tier, role in access.deploy_roles.items()})
pulumi.export("drift_role_arns", {tier: role.arn for tier, role in access.drift_roles.items()})
pulumi.export("recovery_drill_role_arns", {tier: role.arn for tier, role in access.recovery_drill_roles.items()})
