"""Settings of the running Pulumi program (CLI or offline), as config hands them over."""

from __future__ import annotations

import pulumi
from pulumi.runtime.config import CONFIG, get_config_env

from nexus.config.environment import Settings, settings_from_cli_config
from nexus.config.messages import SettingsError


def current_settings() -> Settings:
    """Validated settings of the current stack; a bad setting stops the program with a
    one-line-per-problem message (pulumi.RunError prints no traceback)."""
    stack = pulumi.get_stack()
    config = {**get_config_env(), **CONFIG.get()}
    try:
        return settings_from_cli_config(config, stack=stack, source=f"Pulumi.{stack}.yaml")
    except SettingsError as exc:
        raise pulumi.RunError(str(exc)) from None
