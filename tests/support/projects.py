"""Copies of the repository's Pulumi project (Pulumi.yaml and stack files) in a temporary
directory, changed on purpose: as text, as YAML, or as `pulumi stack init` would."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from nexus.config.stack_files import ROOT


def edited_project(tmp: Path, edits: dict[str, list[tuple[str, str]]]) -> Path:
    """A copy of the repository's Pulumi.yaml and stack files with text edits (kept as text:
    YAML's own reading of `16.10` is part of what is tested)."""
    for source in ROOT.glob("Pulumi*.yaml"):
        text = source.read_text()
        for old, new in edits.get(source.name, []):
            assert old in text, (source.name, old)
            text = text.replace(old, new, 1)
        (tmp / source.name).write_text(text)
    return tmp


def write_project(tmp: Path, stack: str, mutate: Callable[[dict[str, Any]], Any]) -> None:
    """Pulumi.yaml and one stack file whose `config` mapping `mutate` changed (read and written as YAML)."""
    (tmp / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    doc = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    mutate(doc["config"])
    (tmp / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(doc))


def project_like_the_repository(tmp_path: Path, *stacks: str) -> Path:
    """A project directory like the repository's (no git checkout: its .gitignore decides)."""
    for name in ("Pulumi.yaml", ".gitignore", *(f"Pulumi.{s}.yaml" for s in stacks)):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def copy_config(tmp_path: Path, source: str, stack: str) -> Path:
    """What `pulumi stack init STACK --copy-config-from SOURCE` writes: the source's config, plus
    the stack's own secrets settings."""
    doc = yaml.safe_load((tmp_path / f"Pulumi.{source}.yaml").read_text())
    doc["encryptionsalt"] = "v1:c2FsdA==:v1:aXY=:dGFn"
    path = tmp_path / f"Pulumi.{stack}.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def overlapping_project(tmp_path: Path) -> Path:
    """Development and staging, plus a committed (not ignored) file that reuses development's
    VPC range without being a copy of it: what `plan --all` refuses."""
    root = project_like_the_repository(tmp_path, "development", "staging")
    (root / ".gitignore").write_text("venv/\n")
    doc = yaml.safe_load((root / "Pulumi.staging.yaml").read_text())
    doc["config"]["nexus:network"]["cidr"] = "10.30.0.0/16"  # development's
    (root / "Pulumi.development-shared.yaml").write_text(yaml.safe_dump(doc))
    return root
