"""Personal stack files: `pulumi stack init development-alice --copy-config-from development`
writes Pulumi.development-alice.yaml into the project. It is a person's, not a tier: git
ignores it, and `plan --all`, `check --all` and the suite's stack list leave it out."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from nexus.cli import main
from nexus.config.stack_files import ROOT, load_stack_config, personal_stack_files, skipped_notice, stack_names
from tests.conftest import STACKS

COMMITTED = ["development", "production", "staging"]


def project(tmp_path: Path, *stacks: str) -> Path:
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


def test_the_repository_ignores_personal_stack_files_and_tracks_the_tiers() -> None:
    rules = (ROOT / ".gitignore").read_text().splitlines()
    assert "Pulumi.development-*.yaml" in rules
    assert stack_names() == COMMITTED == sorted(STACKS)


def test_a_personal_file_is_skipped_by_plan_all_and_the_suite_list(tmp_path: Path, capsys: Any) -> None:
    root = project(tmp_path, "development")
    copy_config(root, "development", "development-alice")
    assert stack_names(root) == ["development"]  # the suite's list is built the same way
    assert personal_stack_files(root) == ["Pulumi.development-alice.yaml"]

    assert main(["plan", "--all", "--quiet", "--project-dir", str(root)]) == 0
    captured = capsys.readouterr()
    assert "skipping personal stack file(s) ignored by git: Pulumi.development-alice.yaml" in captured.err
    assert captured.out.startswith("development: ") and "development-alice" not in captured.out
    # Still a stack of its own when asked for by name (`plan --stack development-alice`).
    alice = load_stack_config("development-alice", root=root)
    assert alice.stack_file.name == "Pulumi.development-alice.yaml" and alice.settings().environment == "development"


def test_without_the_ignore_rule_the_file_counts_and_its_range_is_checked(tmp_path: Path, capsys: Any) -> None:
    """The overlap rule still guards committed files: a committed file that is not a copy and
    reuses a tier's range is refused before any program runs."""
    root = project(tmp_path, "development", "staging")
    (root / ".gitignore").write_text("venv/\n")
    doc = yaml.safe_load((root / "Pulumi.staging.yaml").read_text())
    doc["config"]["nexus:network"]["cidr"] = "10.30.0.0/16"  # development's
    (root / "Pulumi.development-shared.yaml").write_text(yaml.safe_dump(doc))
    assert skipped_notice(root) is None
    assert main(["plan", "--all", "--quiet", "--project-dir", str(root)]) == 2
    err = capsys.readouterr().err
    assert "Pulumi.development-shared.yaml: nexus:network.cidr 10.30.0.0/16 overlaps Pulumi.development.yaml" in err


@pytest.mark.parametrize("ignored", [True, False])
def test_a_committed_copy_of_a_tier_shares_its_range_by_design(tmp_path: Path, ignored: bool, capsys: Any) -> None:
    root = project(tmp_path, "development")
    if not ignored:
        (root / ".gitignore").write_text("venv/\n")
    copy_config(root, "development", "development-alice")
    assert stack_names(root) == (["development"] if ignored else ["development", "development-alice"])
    # Both stacks are valid; only the ranges would have clashed. No program runs: load only.
    from nexus.config.stack_files import load_all, overlapping_cidrs

    assert overlapping_cidrs(load_all(stack_names(root), root=root)) == []


def test_check_all_says_what_it_skips(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    import nexus.cli.check as check_command

    monkeypatch.setattr(check_command, "skipped_notice", lambda: "skipping personal stack file(s) ignored by git: X")
    monkeypatch.setattr("nexus.cli.check.run_check", lambda stacks, plan_file: 0 if stacks == COMMITTED else 1)
    assert main(["check", "--all"]) == 0
    assert "skipping personal stack file(s)" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_in_a_git_checkout_git_decides_and_a_force_added_file_is_committed(tmp_path: Path) -> None:
    import subprocess

    git = str(shutil.which("git"))
    root = project(tmp_path, "development")
    copy_config(root, "development", "development-alice")
    copy_config(root, "development", "development-shared")
    subprocess.run([git, "init", "-q", str(root)], check=True)
    # A team may still commit a shared copy on purpose: tracked, so a tier despite the rule.
    subprocess.run([git, "-C", str(root), "add", "-f", "Pulumi.development-shared.yaml"], check=True)
    assert personal_stack_files(root) == ["Pulumi.development-alice.yaml"]
    assert stack_names(root) == ["development", "development-shared"]
