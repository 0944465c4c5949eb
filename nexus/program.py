"""Settings of the running Pulumi program (CLI or offline), as config hands them over."""

from __future__ import annotations

import pulumi
from pulumi.runtime.config import CONFIG, get_config_env

from nexus.settings import (
    BootstrapSettings,
    Settings,
    SettingsError,
    bootstrap_settings_from_cli_config,
    settings_from_cli_config,
)


def current_settings() -> Settings:
    """Validated settings of the current stack; a bad setting stops the program with a
    one-line-per-problem message (pulumi.RunError prints no traceback)."""
    stack = pulumi.get_stack()
    config = {**get_config_env(), **CONFIG.get()}
    try:
        return settings_from_cli_config(config, stack=stack, source=f"Pulumi.{stack}.yaml")
    except SettingsError as exc:
        raise pulumi.RunError(str(exc)) from None


def current_bootstrap_settings() -> BootstrapSettings:
    """Validated settings of the bootstrap project's current stack (bootstrap/), refused the
    same way: one line per problem, naming the key, no traceback."""
    stack = pulumi.get_stack()
    config = {**get_config_env(), **CONFIG.get()}
    try:
        return bootstrap_settings_from_cli_config(config, stack=stack, source=f"bootstrap/Pulumi.{stack}.yaml")
    except SettingsError as exc:
        raise pulumi.RunError(str(exc)) from None
