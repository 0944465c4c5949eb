"""Typed, validated settings of the bootstrap project (bootstrap/Pulumi.<stack>.yaml): the
GitHub repository whose workflows may assume the CI roles, the tiers of the account, and the
optional self-managed state backend."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator

from nexus.config.base import BOOTSTRAP_PROJECT, PROJECT, FrozenModel, allowed, decode_cli_value, valid_stack_name
from nexus.config.limits import other_partition
from nexus.config.messages import SettingsError, describe

# GitHub's own rules: user and organisation names are alphanumerics and single hyphens, at most
# 39 characters, not starting or ending with a hyphen; repository names are letters, digits,
# ".", "-" and "_", at most 100 characters. Anything else would make a trust subject that no
# token ever carries (or, with wildcards, one that many do).
_GITHUB_OWNER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")


_GITHUB_REPOSITORY = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


class GitHubSettings(FrozenModel):
    owner: str = Field(
        description="GitHub owner (user or organisation) of the repository whose workflows deploy.",
        json_schema_extra=allowed("letters, digits and single inner hyphens, at most 39"),
    )
    repository: str = Field(
        description="The repository whose workflows deploy.",
        json_schema_extra=allowed("letters, digits, `.`, `-`, `_`, at most 100"),
    )

    @field_validator("owner")
    @classmethod
    def _owner(cls, value: str) -> str:
        if not _GITHUB_OWNER.match(value):
            raise ValueError("a GitHub owner is letters, digits and single inner hyphens, at most 39 characters")
        return value

    @field_validator("repository")
    @classmethod
    def _repository(cls, value: str) -> str:
        if not _GITHUB_REPOSITORY.match(value) or value in (".", ".."):
            raise ValueError("a GitHub repository name is letters, digits, '.', '-' and '_', at most 100 characters")
        return value

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.repository}"


class StateBackendSettings(FrozenModel):
    """A self-managed Pulumi backend: an S3 bucket for state and a KMS key for `awskms://`
    stack secrets. Off when the stacks live in Pulumi Cloud."""

    create: bool = Field(
        default=False, description="Create the S3 state bucket and the per-tier KMS keys (false with Pulumi Cloud)."
    )
    kms_deletion_window_days: int = Field(
        default=30, ge=7, le=30, description="Deletion window of the state keys."
    )  # KMS ScheduleKeyDeletion: 7..30


class BootstrapSettings(FrozenModel):
    """What one AWS account needs before the workflows can deploy into it (bootstrap/)."""

    stack: str
    region: str = Field(
        description="The region of the account's bootstrap resources.",
        pattern=r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$",
    )
    account_id: str = Field(
        description="The AWS account this stack bootstraps.", json_schema_extra=allowed("12 digits, quoted")
    )
    github: GitHubSettings = Field(description="The repository CI deploys from.")
    # The tiers deployed into this account: one deploy role each. One account for all three,
    # or one bootstrap stack per account with the tiers that live there.
    environments: tuple[Literal["production", "staging", "development"], ...] = Field(
        default=("production", "staging", "development"),
        min_length=1,
        description="The tiers deployed into this account: one deploy role each.",
    )
    state_backend: StateBackendSettings = Field(
        default=StateBackendSettings(), description="A self-managed Pulumi backend."
    )
    recovery_region: str | None = Field(
        default=None,
        pattern=r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$",
        description=(
            "The tiers' disaster_recovery.recovery_region: the staging and production deploy roles "
            "may also manage their replication's key alias and backups there, and each of those tiers "
            "gets a recovery-drill role that restores in it (.github/workflows/recovery-drill.yml); "
            "none of that when unset."
        ),
    )

    @field_validator("stack")
    @classmethod
    def _stack(cls, value: str) -> str:
        # The stack name becomes part of role and bucket names, as in the main program.
        return valid_stack_name(value)

    @field_validator("account_id", mode="before")
    @classmethod
    def _account(cls, value: Any) -> Any:
        # AWS account IDs are 12 digits, leading zeros included: quoted in YAML, or they are lost.
        # The CLI hands config over as text and JSON-decodes nothing, but `decode_cli_value` does: a
        # 12-digit number arrives as an int here, quoted in the file or not.
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if number and not re.fullmatch(r"\d{12}", str(value)):
            raise ValueError(
                "YAML reads an unquoted account ID as a number and drops leading zeros: quote all 12 "
                f'digits ({BOOTSTRAP_PROJECT}:account_id: "012345678901")'
            )
        if not isinstance(value, str) or not re.fullmatch(r"\d{12}", value):
            raise ValueError('an AWS account ID is 12 digits, quoted in the stack file ("012345678901")')
        return value

    @field_validator("environments")
    @classmethod
    def _unique(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("each environment may be listed once")
        return value

    @field_validator("recovery_region")
    @classmethod
    def _drill_region(cls, value: str | None, info: ValidationInfo) -> str | None:
        region = info.data.get("region")
        if value is not None and value == region:
            raise ValueError(f"{value} is the account's own region; the drill restores in the recovery region")
        if value is not None and region and other_partition(value) != other_partition(region):
            raise ValueError(f"{value} is in another partition than {region}")
        return value


def parse_bootstrap_settings(raw: dict[str, Any], *, stack: str, region: str | None, source: str) -> BootstrapSettings:
    """Validate the bootstrap's `nexus-bootstrap:*` values (namespace stripped), or raise
    SettingsError with one line per problem naming the key."""
    data = {"stack": stack, "region": region, **raw}
    try:
        return BootstrapSettings.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            line = describe(err, BootstrapSettings).replace(f"{PROJECT}:", f"{BOOTSTRAP_PROJECT}:", 1)
            if err["type"] == "extra_forbidden":  # describe's hint reads the main settings' keys
                line = f"{BOOTSTRAP_PROJECT}:" + ".".join(str(p) for p in err["loc"]) + ": unknown key"
            problems.append(line)
        raise SettingsError(source, problems) from None


def bootstrap_settings_from_cli_config(config: dict[str, str], *, stack: str, source: str) -> BootstrapSettings:
    """Bootstrap settings from config as the Pulumi CLI passes it (every value a string)."""
    ns = f"{BOOTSTRAP_PROJECT}:"
    raw = {key[len(ns) :]: decode_cli_value(value) for key, value in config.items() if key.startswith(ns)}
    return parse_bootstrap_settings(raw, stack=stack, region=config.get("aws:region"), source=source)
