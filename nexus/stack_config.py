"""Read a stack's configuration from disk exactly as the Pulumi CLI hands it to the program.

The Python SDK never reads `Pulumi.yaml` or the stack files: the CLI does, then passes every
value as a string. Offline we do the same: project-level `config:` of `Pulumi.yaml` first
(object values under `value:`, declarations with `default:`), overlaid key by key by
`Pulumi.<stack>.yaml`, keys without a namespace taking the project's name.
"""

from __future__ import annotations

import fnmatch
import json
import shutil
import subprocess
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
        return parse_settings(raw, stack=self.stack, region=region, source=self.stack_file.name)


def stack_names(root: Path = ROOT) -> list[str]:
    """The committed tiers: stacks whose stack file belongs to the repository (not ignored by
    git), in a stable order. Personal stack files (`pulumi stack init development-alice
    --copy-config-from development` writes Pulumi.development-alice.yaml) are left out."""
    personal = set(personal_stack_files(root))
    return sorted(_stack_of(p) for p in root.glob("Pulumi.*.yaml") if p.name not in personal)


def personal_stack_files(root: Path = ROOT) -> list[str]:
    """Stack files present in `root` but ignored by git (`.gitignore` lists
    `Pulumi.development-*.yaml`): a person's own stack, never a tier of the repository."""
    present = sorted(p.name for p in root.glob("Pulumi.*.yaml"))
    if not present:
        return []
    ignored = _ignored_by_git(root)
    if ignored is None:  # not a git checkout (a tarball, a test's temporary project): its .gitignore
        ignore = root / ".gitignore"
        lines = ignore.read_text().splitlines() if ignore.is_file() else []
        rules = [line.strip().lstrip("/") for line in lines if line.strip() and not line.startswith(("#", "!"))]
        ignored = {name for name in present if any(fnmatch.fnmatchcase(name, rule) for rule in rules)}
    return [name for name in present if name in ignored]


def skipped_notice(root: Path = ROOT) -> str | None:
    """What `--all` leaves out and why, for the person running it (None when nothing is)."""
    personal = personal_stack_files(root)
    if not personal:
        return None
    return (
        f"skipping personal stack file(s) ignored by git: {', '.join(personal)} "
        "(plan one with --stack NAME; the committed tiers are checked)"
    )


def _stack_of(path: Path) -> str:
    return path.name[len("Pulumi.") : -len(".yaml")]


def _ignored_by_git(root: Path) -> set[str] | None:
    """Stack files git ignores in `root` (it knows nested and global ignore files and files
    force-added despite a rule); None when `root` is not in a git work tree or git is missing."""
    git = shutil.which("git")
    if git is None:
        return None
    try:
        inside = subprocess.run(
            [git, "-C", str(root), "rev-parse", "--is-inside-work-tree"], capture_output=True, text=True, timeout=10
        )
        if inside.returncode != 0 or inside.stdout.strip() != "true":
            return None
        listed = subprocess.run(
            [git, "-C", str(root), "ls-files", "--others", "--ignored", "--exclude-standard", "--", "Pulumi.*.yaml"],
            capture_output=True, text=True, check=True, timeout=10,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return {Path(line).name for line in listed.stdout.splitlines()}


def load_stack_config(
    stack: str, *, config_from: str | None = None, root: Path = ROOT, project_name: str = PROJECT
) -> StackConfig:
    """Config of `stack`; `config_from` reads another stack's file, as `--copy-config-from` would.
    `root` and `project_name` name another Pulumi project of the repository (bootstrap/)."""
    project_file = root / "Pulumi.yaml"
    stack_file = root / f"Pulumi.{config_from or stack}.yaml"
    project = _read_yaml(project_file)
    if project.get("name") != project_name:
        raise SettingsError(
            project_file.name, [f"project name must be {project_name!r}, found {project.get('name')!r}"]
        )
    if not stack_file.is_file():
        known = ", ".join(stack_names(root)) or "none"
        raise SettingsError(
            stack_file.name,
            [f"no stack file for stack {stack!r} (stack files here: {known}); use --config-from to reuse one"],
        )

    values: dict[str, Any] = {}
    for key, decl in (project.get("config") or {}).items():
        full = key if ":" in key else f"{project_name}:{key}"
        if isinstance(decl, dict) and "value" in decl:
            values[full] = decl["value"]
        elif isinstance(decl, dict) and "default" in decl:
            values[full] = decl["default"]
        elif not isinstance(decl, dict):
            values[full] = decl

    secret_keys: set[str] = set()
    for key, value in (_read_yaml(stack_file).get("config") or {}).items():
        full = key if ":" in key else f"{project_name}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            values[full] = SECRET_PLACEHOLDER
            secret_keys.add(full)
        else:
            values[full] = value
    return StackConfig(stack, stack_file, values, frozenset(secret_keys))


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
        return json.dumps(value)
    return str(value)
