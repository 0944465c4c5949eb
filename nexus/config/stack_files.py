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

from nexus.config.base import BOOTSTRAP_PROJECT, PROJECT
from nexus.config.environment import Settings, validate_settings
from nexus.config.errors import InputError, UnknownStackError
from nexus.config.messages import SettingsError, YamlError, render_block, yaml_kind

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
        names = stack_names(root)
        # A typo (stagng) or a short form (prod) of an existing stack.
        near = [n for n in names if n.startswith(stack)][:1] or difflib.get_close_matches(stack, names, n=1, cutoff=0.6)
        raise UnknownStackError(stack, stack_file.name, names, near[0] if near else None)

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
    """The safe constructors and floats that keep their text. Duplicate keys, which PyYAML keeps
    silently (the last wins) and the Pulumi CLI's YAML reader refuses: _duplicate_keys."""


def _duplicate_keys(root: yaml.Node) -> list[tuple[int, str]]:
    """(line, "line: what") for every key set twice in one mapping, read from the composed
    nodes, before construction: PyYAML's merge (`<<: *defaults`) rewrites mapping nodes in place
    while constructing, and its constructed keys are YAML 1.1 values (`on` and `yes` are both
    True), where the Pulumi CLI compares the keys' text. Merged keys may be overridden: that is
    what merging means."""
    found: list[tuple[int, str]] = []
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, str]] = [(root, "")]
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack += [(item, f"{path}[{i}]") for i, item in enumerate(node.value)]
        elif isinstance(node, yaml.MappingNode):
            lines: dict[str, list[int]] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                lines.setdefault(key_node.value, []).append(key_node.start_mark.line + 1)
                stack.append((value_node, f"{path}.{key_node.value}" if path else key_node.value))
            for key, at in lines.items():
                if len(at) > 1:
                    name = (f"{path}.{key}" if path else key).removeprefix("config.")
                    times = "twice" if len(at) == 2 else f"{len(at)} times"
                    listed = ", ".join(map(str, at[:-1])) + f" and {at[-1]}"
                    found.append(
                        (
                            at[1],
                            f"{at[1]}: {name} is set {times} (lines {listed}); the Pulumi CLI refuses a duplicate key",
                        )
                    )
    return found


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
        text = path.read_text()
    except UnicodeDecodeError:
        raise SettingsError(path.name, ["not UTF-8 text"]) from None
    try:
        loader = _Loader(text)  # the pure-Python reader checks the characters here already
        node = loader.get_single_node()
        if node is not None and (duplicates := _duplicate_keys(node)):
            raise YamlError(path.name, [problem for _, problem in sorted(duplicates)])
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        raise YamlError(path.name, [yaml_syntax_problem(text, exc)]) from None
    except (ValueError, OverflowError, RecursionError) as exc:
        # A value YAML parses but cannot build: a date that does not exist (2024-02-30), an
        # integer of more digits than Python converts, nesting deeper than the recursion limit.
        raise YamlError(path.name, [f"a value YAML cannot read: {exc}"]) from None
    if not isinstance(data, dict):
        raise SettingsError(path.name, ["must be a YAML mapping"])
    return data


# A line holding one token with a colon inside: `cidr:10.20.0.0/16`, `port:5432`. Without the
# space after the colon YAML reads one piece of text, not a key and its value.
_NO_SPACE = re.compile(r"[^\s#'\"\[\]{},&*!|>%@`-]\S*:\S*[^\s:]")
# A value opening a quote: `key: "16` or `- 'a` (closed on the same line, or not).
_QUOTED = re.compile(r"^\s*(?:-\s+|[^\s#'\"][^#]*?:\s+)(?P<quote>[\"'])(?P<rest>.*)$")
_CLOSERS = {"[": ("]", "list"), "{": ("}", "mapping")}


def _unclosed_bracket(lines: list[str], row: int, col: int) -> tuple[int, int] | None:
    """(line, column), 0-based, of the innermost [ or { still open where the parser stopped: a
    bracket opens a list or mapping after `key:`, `-` or another bracket (`name: a[1]` is text)."""
    opened: list[tuple[int, int]] = []
    for i, line in enumerate(lines[: row + 1]):
        quote = None
        for j, char in enumerate(line[:col] if i == row else line):
            starts = bool(opened) or line[:j].rstrip().endswith((":", "-", "[", "{", ",")) or not line[:j].strip()
            if quote:
                quote = None if char == quote else quote
            elif char == "#" and (j == 0 or line[j - 1] in " \t"):
                break
            elif char in "'\"" and starts:
                quote = char
            elif char in "[{" and starts:
                opened.append((i, j))
            elif char in "]}" and opened:
                opened.pop()
    return opened[-1] if opened else None


def _without_space(token: str) -> str:
    """`cidr:10.20.0.0/16` as it was meant: `cidr: 10.20.0.0/16`; after a namespace, the
    second colon (`nexus:environment:staging`)."""
    head, _, rest = token.partition(":")
    if head in (*KNOWN_NAMESPACES, BOOTSTRAP_PROJECT) and ":" in rest:
        name, _, value = rest.partition(":")
        return f"{head}:{name}: {value}"
    return f"{head}: {rest}"


def _unclosed_quote(lines: list[str], last: int) -> tuple[int, int] | None:
    """(line, column), 0-based, of the first quote up to line `last` opening a value it does not
    close on its line (stack files hold one-line values; YAML reads on to the next quote)."""
    for i, line in enumerate(lines[: last + 1]):
        found = _QUOTED.match(line)
        if found is None:
            continue
        rest = found["rest"]
        closed = re.search(r'(?<!\\)"', rest) if found["quote"] == '"' else "'" in rest.replace("''", "")
        if not closed:
            return i, found.start("quote")
    return None


def yaml_syntax_problem(text: str, exc: yaml.YAMLError) -> str:
    """`line:column: what is wrong` (1-based) for text the YAML parser refuses, in a YAML author's
    words: the parser's own message names `<unicode string>` and its grammar."""
    lines = text.split("\n")
    if not isinstance(exc, yaml.MarkedYAMLError) or exc.problem_mark is None:
        position = getattr(exc, "position", None)
        if isinstance(exc, yaml.reader.ReaderError) and isinstance(position, int):
            row, col = text.count("\n", 0, position) + 1, position - text.rfind("\n", 0, position)
            return f"{row}:{col}: character #x{exc.character:04x} is not allowed in YAML (a control character)"
        return f"1:1: not valid YAML: {' '.join(str(exc).split())}"  # one line
    row, col = exc.problem_mark.line, exc.problem_mark.column  # 0-based
    context, problem = exc.context or "", exc.problem or ""
    here = lines[row] if row < len(lines) else ""
    indent = here[: len(here) - len(here.lstrip(" \t"))]
    if "\t" in indent or here[col : col + 1] == "\t":
        tab = indent.index("\t") if "\t" in indent else col
        return f"{row + 1}:{tab + 1}: a tab character here: YAML indents with spaces only"
    if context == "while scanning a quoted scalar" and exc.context_mark is not None:
        mark = exc.context_mark
        return f"{mark.line + 1}:{mark.column + 1}: this quote is not closed (YAML read on to line {row + 1})"
    # In a list or mapping in brackets the parser names the bracket, unless it stopped at a value.
    flow = exc.context_mark if context in ("while parsing a flow sequence", "while parsing a flow mapping") else None
    at_end = not text[exc.problem_mark.index :].strip()
    if context.startswith("while parsing a flow") and (
        at := (flow.line, flow.column) if flow is not None else _unclosed_bracket(lines, row, col) if at_end else None
    ):
        opener = lines[at[0]][at[1] : at[1] + 1] if at[0] < len(lines) else ""
        if opener in _CLOSERS:
            closer, kind = _CLOSERS[opener]
            reached = "the end of the file" if at_end else f"line {row + 1}"
            return (
                f"{at[0] + 1}:{at[1] + 1}: this {opener} is not closed: the {kind} needs {closer} at its end "
                f"and commas between its items (YAML read on to {reached})"
            )
    if (opened := _unclosed_quote(lines, row)) is not None and opened[0] < row:
        return (
            f"{opened[0] + 1}:{opened[1] + 1}: this quote is not closed on its line: YAML reads on to the "
            f"next quote and stopped at line {row + 1}"
        )
    # The mistake is often on the line before the one the parser stopped at.
    content_lines = [i for i in range(row) if lines[i].strip() and not lines[i].lstrip().startswith("#")]
    for i in [*content_lines[-1:], row]:
        content = re.sub(r"\s+#.*$", "", lines[i]).strip()
        if _NO_SPACE.fullmatch(content) is not None:
            column = len(lines[i]) - len(lines[i].lstrip()) + 1
            return (
                f"{i + 1}:{column}: {content} has no space after the colon, so YAML reads it as one piece "
                f"of text, not a key and a value: write {_without_space(content)}"
            )
    if problem.startswith("mapping values are not allowed"):
        return f"{row + 1}:{col + 1}: a colon and a space inside a value: put the value in quotes"
    if context == "while scanning a simple key" and exc.context_mark is not None:
        mark = exc.context_mark
        snippet = lines[mark.line].strip()[:40]
        return f"{mark.line + 1}:{mark.column + 1}: {snippet} has no colon after it: every line of a mapping is `key: value`"
    if context.startswith(("while parsing a block mapping", "while parsing a block collection")):
        if col > len(indent):
            return f"{row + 1}:{col + 1}: more text after the value: quote the value if it is one piece of text"
        return (
            f"{row + 1}:{col + 1}: indented by {len(indent)} spaces, which lines up with no key or list item "
            "above it: the keys of one mapping start in the same column"
        )
    if "cannot start any token" in problem:
        return f"{row + 1}:{col + 1}: {here[col : col + 1]!r} cannot start a value in YAML: put the value in quotes"
    if context == "while parsing a flow node":
        return f"{row + 1}:{col + 1}: a value is missing here (or starts with a character YAML reserves: quote it)"
    if problem.startswith("found undefined alias") and (alias := re.match(r"\*([^\s,\[\]{}]+)", here[col:])):
        return f"{row + 1}:{col + 1}: *{alias[1]} refers to no anchor &{alias[1]} above it (or quote the value)"
    return f"{row + 1}:{col + 1}: not valid YAML: {problem}"


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
        # A file YAML refuses is named line by line (YamlError), the others block by block.
        rendered = [
            text
            for e in errors
            for text in ([str(e)] if isinstance(e, YamlError) else [render_block(s, p) for s, p in e.blocks])
        ]
        super().__init__("\n".join(dict.fromkeys(rendered)))


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
