"""Settings of the running bootstrap program (bootstrap/), as config hands them over."""

from __future__ import annotations

import pulumi
from pulumi.runtime.config import CONFIG, get_config_env

from nexus.config.bootstrap import BootstrapSettings, bootstrap_settings_from_cli_config
from nexus.config.messages import SettingsError


def current_bootstrap_settings() -> BootstrapSettings:
    """Validated settings of the bootstrap project's current stack (bootstrap/), refused the
    same way: one line per problem, naming the key, no traceback."""
    stack = pulumi.get_stack()
    config = {**get_config_env(), **CONFIG.get()}
    try:
        return bootstrap_settings_from_cli_config(config, stack=stack, source=f"bootstrap/Pulumi.{stack}.yaml")
    except SettingsError as exc:
        raise pulumi.RunError(str(exc)) from None
