"""The layers of nexus/ (its docstring) held by reading every import: which nexus package may
import which, which third-party SDKs a layer may touch, commands that never import each
other, no sys.path edits, and no test module importing another."""

from __future__ import annotations

import ast
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from nexus.cli import COMMANDS
from nexus.config.stack_files import ROOT

# package -> the nexus packages its modules may import (itself included). A DAG: no circle
# between folders (test_the_layers_have_no_circle).
MAY_IMPORT: dict[str, frozenset[str]] = {
    "config": frozenset({"config"}),
    "components": frozenset({"config", "components"}),
    "ci": frozenset({"config", "components", "ci"}),
    "plans": frozenset({"config", "plans"}),
    "live": frozenset({"config", "live"}),
    "cli": frozenset({"config", "plans", "live", "cli"}),
}
# Third-party modules a layer must never import (the top-level name).
NEVER: dict[str, frozenset[str]] = {
    "config": frozenset({"pulumi", "pulumi_aws", "pulumi_random", "pulumi_policy", "boto3", "botocore"}),
    "components": frozenset({"boto3", "botocore", "pulumi_policy"}),
    "ci": frozenset({"boto3", "botocore", "pulumi_policy"}),
    "plans": frozenset({"boto3", "botocore"}),
    "live": frozenset({"pulumi", "pulumi_aws", "pulumi_random", "pulumi_policy"}),
    "cli": frozenset(),
}
COMMAND_MODULES = frozenset(module for module, _ in COMMANDS.values())


@dataclass(frozen=True)
class Import:
    path: Path
    line: int
    module: str  # absolute module name imported


def imports_of(path: Path) -> list[Import]:
    """Every import in the file, at any depth (lazy imports inside functions count)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [Import(path, node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(Import(path, node.lineno, node.module))
            # `from nexus.cli import check` imports the module nexus.cli.check
            found += [Import(path, node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_violations(root: Path) -> list[str]:
    """What breaks the layering in the tree at `root` (its nexus/ and the files that use it)."""
    problems = []
    for path in sorted((root / "nexus").rglob("*.py")):
        name = module_name(path, root)
        parts = name.split(".")
        layer = parts[1] if len(parts) > 1 and path.parent != root / "nexus" else None
        for imp in imports_of(path):
            where = f"{path.relative_to(root)}:{imp.line}"
            target = imp.module.split(".")
            if layer is None:  # nexus/__init__.py, nexus/__main__.py: the entry point only
                continue
            if target[0] == "nexus" and len(target) > 1 and (root / "nexus" / target[1]).is_dir():
                if target[1] not in MAY_IMPORT[layer]:
                    problems.append(
                        f"{where}: nexus.{layer} imports {imp.module} (may import {sorted(MAY_IMPORT[layer])})"
                    )
            elif target[0] in NEVER[layer]:
                problems.append(f"{where}: nexus.{layer} imports {imp.module}")
            if name in COMMAND_MODULES and imp.module in COMMAND_MODULES and imp.module != name:
                problems.append(f"{where}: command {name} imports command {imp.module}")
    for path in _project_files(root):
        if path.is_relative_to(root / "nexus") or path.is_relative_to(root / "tests"):
            continue
        for imp in imports_of(path):
            if imp.module.startswith("nexus.cli") and path != root / "nexus" / "__main__.py":
                problems.append(
                    f"{path.relative_to(root)}:{imp.line}: imports {imp.module}; nothing but tests imports cli"
                )
    return problems


def _project_files(root: Path) -> list[Path]:
    """The repository's Python files: not those of a virtualenv (./venv, ./venv-3.12 and any
    other directory with a pyvenv.cfg), of .tools or of .git, which are never walked into."""
    skip = {".tools", ".git", "node_modules", "__pycache__"}
    found = []
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = [
            d for d in subdirectories if d not in skip and not (Path(directory, d) / "pyvenv.cfg").exists()
        ]
        found += [Path(directory, f) for f in files if f.endswith(".py")]
    return sorted(found)


def sys_path_edits(root: Path) -> list[str]:
    """Code that touches sys.path (an installed package needs none)."""
    found = []
    for path in _project_files(root):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Attribute) and node.attr == "path" and getattr(node.value, "id", None) == "sys":
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def test_imports_follow_the_layers() -> None:
    assert layer_violations(ROOT) == []


def test_a_planted_violation_is_found(tmp_path: Path) -> None:
    # A copy of nexus/ with three planted mistakes: config reaches for the Pulumi SDK, a
    # component imports a command, and one command imports another.
    shutil.copytree(ROOT / "nexus", tmp_path / "nexus", ignore=shutil.ignore_patterns("__pycache__"))
    with (tmp_path / "nexus" / "config" / "limits.py").open("a") as f:
        f.write("\nimport pulumi  # planted\n")
    with (tmp_path / "nexus" / "components" / "logs.py").open("a") as f:
        f.write("\nfrom nexus.cli.plan import render_tree  # planted\n")
    with (tmp_path / "nexus" / "cli" / "compare.py").open("a") as f:
        f.write("\nfrom nexus.cli import cost  # planted\n")
    problems = layer_violations(tmp_path)
    assert any(p.startswith("nexus/config/limits.py:") and "imports pulumi" in p for p in problems), problems
    assert any(p.startswith("nexus/components/logs.py:") and "imports nexus.cli.plan" in p for p in problems), problems
    assert any("command nexus.cli.compare imports command nexus.cli.cost" in p for p in problems), problems


def test_the_layers_have_no_circle() -> None:
    def reaches(start: str, goal: str, seen: frozenset[str] = frozenset()) -> bool:
        return any(n == goal or (n not in seen and reaches(n, goal, seen | {n})) for n in MAY_IMPORT[start] - {start})

    assert [layer for layer in MAY_IMPORT if reaches(layer, layer)] == []
    # Every package of nexus/ has its place in the table, and its __init__ says what it may
    # import (in its docstring; nexus.cli's docstring is `--help`, so in the comment below it).
    packages = {p.parent.name for p in (ROOT / "nexus").glob("*/__init__.py")}
    assert packages == set(MAY_IMPORT)
    assert [p for p in packages if "May import" not in (ROOT / "nexus" / p / "__init__.py").read_text()] == []


def test_no_sys_path_edits_anywhere() -> None:
    assert sys_path_edits(ROOT) == []


def test_no_test_module_imports_another() -> None:
    offenders = [
        f"{imp.path.relative_to(ROOT)}:{imp.line}: {imp.module}"
        for path in (ROOT / "tests").rglob("*.py")
        for imp in imports_of(path)
        if imp.module.startswith("tests.")
        and (imp.module.split(".")[-1].startswith("test_") or "conftest" in imp.module)
    ]
    assert offenders == []
