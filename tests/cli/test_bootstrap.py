"""`nexus bootstrap`: bootstrap/'s offline plan printed role by role, and a bad bootstrap setting
refused with exit code 2 naming the key."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from nexus.cli import main
from nexus.plans.bootstrap_plan import BOOTSTRAP_DIR, BootstrapPlan
from tests.support.bootstrap import REPO, bootstrap_plan


@pytest.fixture(scope="module")
def plan() -> BootstrapPlan:
    return bootstrap_plan()


def test_the_bootstrap_command_prints_each_role_with_its_subjects(
    plan: BootstrapPlan, tmp_path: Path, capsys: Any
) -> None:
    assert main(["bootstrap", "--stack", "account", "--json", str(tmp_path / "bootstrap.json")]) == 0
    out = capsys.readouterr().out
    assert f"role nexus-bootstrap-account-deploy-production: trusts repo:{REPO}:environment:production\n" in out
    doc = json.loads((tmp_path / "bootstrap.json").read_text())
    assert doc["project"] == "nexus-bootstrap" and len(doc["resources"]) == len(plan.resources)


def bootstrap_project(tmp_path: Path, edit: str, replacement: str) -> Path:
    shutil.copy(BOOTSTRAP_DIR / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    text = (BOOTSTRAP_DIR / "Pulumi.account.yaml").read_text()
    assert edit in text
    (tmp_path / "Pulumi.account.yaml").write_text(text.replace(edit, replacement))
    return tmp_path


@pytest.mark.parametrize(
    ("edit", "replacement", "key"),
    [
        ('account_id: "123456789012"', "account_id: 1234", "nexus-bootstrap:account_id"),
        ("owner: nexus-platform", "owner: -nexus", "nexus-bootstrap:github.owner"),
        ("repository: nexus-infrastructure", "repository: nexus/infra", "nexus-bootstrap:github.repository"),
        ("    - development\n", "    - testing\n", "nexus-bootstrap:environments[2]"),
        ("    create: true", "    creat: true", "nexus-bootstrap:state_backend.creat"),
        (
            "recovery_region: us-west-2",
            "recovery_region: us-east-1",
            "nexus-bootstrap:recovery_region",
        ),
        (
            "recovery_region: us-west-2",
            "recovery_region: cn-north-1",
            "nexus-bootstrap:recovery_region",
        ),
    ],
)
def test_a_bad_bootstrap_setting_exits_2_naming_the_key(
    tmp_path: Path, capsys: Any, edit: str, replacement: str, key: str
) -> None:
    root = bootstrap_project(tmp_path, edit, replacement)
    assert main(["bootstrap", "--stack", "account", "--project-dir", str(root)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "Pulumi.account.yaml: invalid settings" or err[0].endswith("Pulumi.account.yaml: invalid settings")
    assert len(err) == 2 and err[1].startswith(f"  - {key}"), err
