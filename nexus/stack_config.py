"""Read a stack's configuration from disk exactly as the Pulumi CLI hands it to the program.

The Python SDK never reads `Pulumi.yaml` or the stack files: the CLI does, then passes every
value as a string. Offline we do the same: project-level `config:` of `Pulumi.yaml` first
(object values under `value:`, declarations with `default:`), overlaid key by key by
`Pulumi.<stack>.yaml`, keys without a namespace taking the project's name.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from nexus.settings import PROJECT, Settings, SettingsError, parse_settings

ROOT = Path(__file__).resolve().parent.parent

# `secure:` values cannot be decrypted without the stack's secrets provider; offline they
# are replaced by this marker and still flagged secret, as the CLI would flag them.
SECRET_PLACEHOLDER = "[secret config value]"


@dataclass(frozen=True)
class StackConfig:
    stack: str
    stack_file: Path
    values: dict[str, Any]  # full keys ("nexus:database", "aws:region") to decoded values
    secret_keys: frozenset[str]

    def as_cli_strings(self) -> dict[str, str]:
        """Values the way the CLI passes them: objects and lists as JSON, booleans lowercase."""
        return {key: _to_cli_string(value) for key, value in self.values.items()}

    def with_values(self, overrides: dict[str, Any], stack: str | None = None) -> StackConfig:
        """The same config with some keys replaced, as `pulumi config set` would (tests, what-ifs)."""
        return replace(self, stack=stack or self.stack, values={**self.values, **overrides})

    def settings(self) -> Settings:
        ns = f"{PROJECT}:"
        raw = {k[len(ns) :]: v for k, v in self.values.items() if k.startswith(ns)}
        region = self.values.get("aws:region")
        tags = self.values.get("aws:defaultTags")
        return parse_settings(raw, stack=self.stack, region=region, source=self.stack_file.name, default_tags=tags)


def stack_names(root: Path = ROOT) -> list[str]:
    """Stacks that have a stack file in the repository, in a stable order."""
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in root.glob("Pulumi.*.yaml"))


def load_stack_config(stack: str, *, config_from: str | None = None, root: Path = ROOT) -> StackConfig:
    """Config of `stack`; `config_from` reads another stack's file, as `--copy-config-from` would."""
    project_file = root / "Pulumi.yaml"
    stack_file = root / f"Pulumi.{config_from or stack}.yaml"
    project = _read_yaml(project_file)
    if project.get("name") != PROJECT:
        raise SettingsError(project_file.name, [f"project name must be {PROJECT!r}, found {project.get('name')!r}"])
    if not stack_file.is_file():
        known = ", ".join(stack_names(root)) or "none"
        raise SettingsError(
            stack_file.name,
            [f"no stack file for stack {stack!r} (stack files here: {known}); use --config-from to reuse one"],
        )

    values: dict[str, Any] = {}
    for key, decl in _config_section(project, project_file.name).items():
        full = key if ":" in key else f"{PROJECT}:{key}"
        if isinstance(decl, dict) and "value" in decl:
            values[full] = decl["value"]
        elif isinstance(decl, dict) and "default" in decl:
            values[full] = decl["default"]
        elif not isinstance(decl, dict):
            values[full] = decl

    secret_keys: set[str] = set()
    for key, value in _config_section(_read_yaml(stack_file), stack_file.name).items():
        full = key if ":" in key else f"{PROJECT}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            values[full] = SECRET_PLACEHOLDER
            secret_keys.add(full)
        else:
            values[full] = value
    return StackConfig(stack, stack_file, values, frozenset(secret_keys))


def _config_section(document: dict[str, Any], source: str) -> dict[str, Any]:
    """The `config:` mapping of a project or stack file, its keys text (as the CLI requires)."""
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise SettingsError(source, [f"config must be a mapping of keys to values, not {type(config).__name__}"])
    if bad := [key for key in config if not isinstance(key, str)]:
        raise SettingsError(source, [f"config key {key!r} must be text such as nexus:database" for key in bad])
    return config


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise SettingsError(path.name, [f"not valid YAML: {exc}"]) from None
    if not isinstance(data, dict):
        raise SettingsError(path.name, ["must be a YAML mapping"])
    return data


def _to_cli_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        # YAML dates (and anything else JSON lacks) travel as their text, as the CLI's YAML
        # reader keeps them: never a TypeError for a key the settings do not read.
        return json.dumps(value, default=_as_text)
    return str(value)


def _as_text(value: Any) -> str:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)
