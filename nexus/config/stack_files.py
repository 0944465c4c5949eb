"""Read a stack's configuration from disk exactly as the Pulumi CLI hands it to the program.

The Python SDK never reads `Pulumi.yaml` or the stack files: the CLI does, then passes every
value as a string. Offline we do the same: project-level `config:` of `Pulumi.yaml` first
(object values under `value:`, declarations with `default:`), overlaid key by key by
`Pulumi.<stack>.yaml`, keys without a namespace taking the project's name.
"""

from __future__ import annotations

import datetime as dt
import difflib
import fnmatch
import importlib.util
import ipaddress
import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from nexus.config.base import PROJECT
from nexus.config.environment import Settings, validate_settings
from nexus.config.errors import InputError
from nexus.config.messages import SettingsError, render_block, yaml_kind

# The repository: the package is installed editable from it (uv sync), so its files sit beside
# the stack files they read.
ROOT = Path(__file__).resolve().parents[2]

# `secure:` values cannot be decrypted without the stack's secrets provider; offline they
# are replaced by this marker and still flagged secret, as the CLI would flag them.
SECRET_PLACEHOLDER = "[secret config value]"

# Namespaces of the config this project reads or passes on: its own, and the providers it uses.
# A namespace close to one of these (`nexsu:`, `asw:`) is a typo; any other belongs to a
# provider we do not know of and is left alone.
KNOWN_NAMESPACES = (PROJECT, "aws", "pulumi", "random")


@dataclass(frozen=True)
class StackConfig:
    stack: str
    stack_file: Path
    values: dict[str, Any]  # full keys ("nexus:database", "aws:region") to decoded values
    secret_keys: frozenset[str]
    # full key -> the file that set it (Pulumi.yaml or the stack file), so that every message
    # names the file holding the mistake
    origins: dict[str, str] = field(default_factory=dict)

    def as_cli_strings(self) -> dict[str, str]:
        """Values the way the CLI passes them: objects and lists as JSON, booleans lowercase."""
        return {key: _to_cli_string(value) for key, value in self.values.items()}

    def with_values(self, overrides: dict[str, Any], stack: str | None = None) -> StackConfig:
        """The same config with some keys replaced, as `pulumi config set` would (tests, what-ifs)."""
        return replace(self, stack=stack or self.stack, values={**self.values, **overrides})

    def settings(self) -> Settings:
        ns = f"{PROJECT}:"
        raw = {k[len(ns) :]: v for k, v in self.values.items() if k.startswith(ns) and k not in _RESERVED}
        region = self.values.get("aws:region")
        settings, problems = validate_settings(
            raw, stack=self.stack, region=region, default_tags=self.values.get("aws:defaultTags")
        )
        found = config_key_problems(self.values)
        key_problems = [(self.origin(key), problem) for key, problem, _ in found]
        # `aws:regoin` also leaves aws:region unset: "did you mean" says it once.
        meant = tuple(f"{m}: required but not set" for _, _, m in found if m)
        setting_problems = [(self.origin(_CLI_KEYS.get(f, ns + f)), p) for f, p in problems if not p.startswith(meant)]
        if key_problems or settings is None:
            raise SettingsError.of_files(key_problems + setting_problems)
        return settings

    def origin(self, key: str) -> str:
        return self.origins.get(key, self.stack_file.name)


# Settings fields that come from elsewhere (the stack name, aws:region), not from nexus: keys.
_RESERVED = {f"{PROJECT}:stack", f"{PROJECT}:region"}
# Settings fields read from keys of another namespace: the file that set that key holds them.
_CLI_KEYS = {"region": "aws:region", "aws_default_tags": "aws:defaultTags"}


def config_key_problems(values: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """(key, problem, the key probably meant) for config keys the settings models do not see:
    a misspelled namespace, an AWS provider key the provider does not have, nexus:stack/region."""
    problems: list[tuple[str, str, str | None]] = []
    for key in values:
        namespace, _, name = key.partition(":")
        if key in _RESERVED:
            where = "the stack name comes from --stack" if name == "stack" else "the region is aws:region"
            problems.append((key, f"{key}: unknown key ({where})", None))
        elif namespace == "aws" and (known := aws_config_keys()) and name not in known:
            hint = difflib.get_close_matches(name, known, n=1)
            tip = f"did you mean 'aws:{hint[0]}'?" if hint else "not a key of the AWS provider's configuration"
            problems.append((key, f"{key}: unknown key ({tip})", f"aws:{hint[0]}" if hint else None))
        elif namespace not in KNOWN_NAMESPACES and (
            close := difflib.get_close_matches(namespace, KNOWN_NAMESPACES, n=1, cutoff=0.6)
        ):
            meant = f"{close[0]}:{name}"
            problems.append((key, f"{key}: unknown namespace {namespace!r} (did you mean {meant!r}?)", meant))
    return problems


@cache
def aws_config_keys() -> tuple[str, ...]:
    """The AWS provider's configuration keys (aws:region, aws:defaultTags, ...), read from the
    pinned pulumi_aws's own config accessors (pulumi_aws/config/vars.py) without importing it:
    validation must stay well under a second. Empty if the package is not installed."""
    spec = importlib.util.find_spec("pulumi_aws")
    if spec is None or not spec.submodule_search_locations:
        return ()
    source = Path(next(iter(spec.submodule_search_locations))) / "config" / "vars.py"
    if not source.is_file():
        return ()
    return tuple(sorted(set(re.findall(r"__config__\.get\w*\('(\w+)'", source.read_text()))))


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
    known = ", ".join(stack_names(root)) or "none"
    if config_from and not stack_file.is_file():
        raise InputError(f"--config-from {config_from}: there is no {stack_file.name} (stack files here: {known})")
    if config_from and config_from != stack and (root / f"Pulumi.{stack}.yaml").is_file():
        raise InputError(
            f"--config-from {config_from}: stack {stack!r} has a file of its own, Pulumi.{stack}.yaml, and "
            "the CLI reads that one; --config-from is for a stack without a file (development-alice)"
        )
    if not stack_file.is_file():
        raise InputError(
            f"no stack file {stack_file.name} for stack {stack!r} (stack files here: {known}); "
            f"a stack without a file of its own reads another's: plan --stack {stack} --config-from development"
        )

    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for key, decl in _config_section(project, project_file.name).items():
        full = key if ":" in key else f"{project_name}:{key}"
        if isinstance(decl, dict) and "value" in decl:
            values[full] = decl["value"]
        elif isinstance(decl, dict) and "default" in decl:
            values[full] = decl["default"]
        elif not isinstance(decl, dict):
            values[full] = decl
        origins[full] = project_file.name

    secret_keys: set[str] = set()
    for key, value in _config_section(_read_yaml(stack_file), stack_file.name).items():
        full = key if ":" in key else f"{project_name}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            values[full] = SECRET_PLACEHOLDER
            secret_keys.add(full)
        else:
            values[full] = value
        origins[full] = stack_file.name
    return StackConfig(stack, stack_file, values, frozenset(secret_keys), origins)


class YamlFloat(float):
    """A YAML float that remembers how it was written: unquoted `16.10` reads as 16.1, and the
    message asking to quote it should show what the person typed."""

    yaml_text: str


# libyaml's parser where the PyYAML wheel carries it (about 10x faster), safe constructors either way.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):  # type: ignore[valid-type,misc]
    pass


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    value = YamlFloat(loader.construct_yaml_float(node))
    value.yaml_text = str(node.value)
    return value


_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def _config_section(document: dict[str, Any], source: str) -> dict[str, Any]:
    """The `config:` mapping of a project or stack file, its keys text (as the CLI requires)."""
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise SettingsError(source, [f"config: expected a mapping (`key: value` lines), found {yaml_kind(config)}"])
    if bad := [key for key in config if not isinstance(key, str)]:
        raise SettingsError(source, [f"config key {key!r} must be text such as nexus:database" for key in bad])
    return config


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(), Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)
    except UnicodeDecodeError:
        raise SettingsError(path.name, ["not UTF-8 text"]) from None
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


def load_all(
    stacks: list[str], config_from: str | None = None, root: Path = ROOT
) -> list[tuple[StackConfig, Settings]]:
    """Load and validate every stack before running any; all problems are reported together."""
    loaded, problems = [], []
    for stack in stacks:
        try:
            config = load_stack_config(stack, config_from=config_from, root=root)
            loaded.append((config, config.settings()))
        except SettingsError as exc:
            problems.append(exc)
    if problems:
        raise InvalidStacksError(problems)
    return loaded


class InvalidStacksError(Exception):
    """The problems of several stacks; a mistake in Pulumi.yaml, which every stack reads, is
    reported once, against Pulumi.yaml."""

    def __init__(self, errors: list[SettingsError]) -> None:
        self.errors = errors
        blocks = list(dict.fromkeys((src, tuple(probs)) for e in errors for src, probs in e.blocks))
        super().__init__("\n".join(render_block(src, list(probs)) for src, probs in blocks))


def overlapping_cidrs(loaded: list[tuple[StackConfig, Settings]]) -> list[str]:
    """Stack files of the repository must use disjoint VPC ranges so they can be peered one day.
    Copies of a tier share their source's range by design and are never peered with it: stacks
    sharing one file (development-alice read through --config-from) and stack files whose whole
    configuration equals another's (what `pulumi stack init --copy-config-from` writes) are
    exempt. Personal stack files ignored by git never get here (`stack_names`)."""
    problems = []
    by_file = {config.stack_file.name: (config, settings.network.cidr) for config, settings in loaded}
    files = sorted(by_file)
    for i, a in enumerate(files):
        for b in files[i + 1 :]:
            (config_a, cidr_a), (config_b, cidr_b) = by_file[a], by_file[b]
            if config_a.values == config_b.values:
                continue  # one is a copy of the other
            if ipaddress.IPv4Network(cidr_a).overlaps(ipaddress.IPv4Network(cidr_b)):
                problems.append(f"{a}: nexus:network.cidr {cidr_a} overlaps {b}'s {cidr_b}")
    return problems
