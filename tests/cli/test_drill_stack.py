"""`nexus drill-stack` (nexus.cli.drill_stack): the recovery drill's throwaway stack file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from nexus.config.stack_files import load_stack_config, stack_names
from nexus.plans.offline import run_program
from nexus.plans.rules import check_plan, destroy_blockers, is_taggable
from tests.support.cli import run
from tests.support.projects import project_like_the_repository

CERT = "arn:aws:acm:us-west-2:123456789012:certificate/00000000-0000-4000-8000-000000000009"
STACK = "recovery-drill-42"


def _project(tmp_path: Path, staging_replicates: bool = True) -> Path:
    root = project_like_the_repository(tmp_path, "production", "production-recovery", "staging")
    if staging_replicates:
        path = root / "Pulumi.staging.yaml"
        path.write_text(path.read_text().replace("replicate_backups: false", "replicate_backups: true", 1))
    return root


def _drill(root: Path, capsys: Any, *extra: str) -> tuple[int, str, str]:
    return run(["drill-stack", "--stack", STACK, "--source", "staging", "--certificate-arn", CERT,
                "--project-dir", str(root), *extra], capsys)  # fmt: skip


def test_the_drill_stack_restores_the_source_and_leaves_nothing_behind(tmp_path: Path, capsys: Any) -> None:
    root = _project(tmp_path)
    code, out, _ = _drill(root, capsys)
    assert code == 0 and f"Pulumi.{STACK}.yaml" in out
    config = load_stack_config(STACK, root=root)
    settings, staging = config.settings(), load_stack_config("staging", root=root).settings()
    recovery = load_stack_config("production-recovery", root=root).settings()
    # The recovery stack's place, the source's data: what verify will compare with.
    assert (settings.region, settings.network) == (recovery.region, recovery.network)
    assert settings.account_id == staging.account_id
    assert settings.database.allocated_storage_gb == staging.database.allocated_storage_gb
    assert settings.database.instance_class == staging.database.instance_class
    assert settings.disaster_recovery.restore_from_stack == "staging"
    assert settings.environment == "staging"
    # One plan (of the drill file restoring from an ARN at a given time, which the committed files
    # do not): nothing blocks the destroy at the end of the drill, nothing is retained, and the
    # source and time reach the restore.
    arn = "arn:aws:rds:us-west-2:123456789012:auto-backup:ab-L2IJCEXJP7XQ7HOJ4SIEXAMPLE"
    timed = config.with_values({"nexus:disaster_recovery": {"restore_from_backups_arn": arn,
                                                            "restore_time": "2026-12-01T09:30:00Z"}})  # fmt: skip
    plan = run_program(timed, timed.settings()).to_json()
    assert destroy_blockers(plan) == []
    assert not any(r["options"]["retain_on_delete"] for r in plan["resources"])
    db = next(r for r in plan["resources"] if r["type"] == "aws:rds/instance:Instance")
    assert db["inputs"]["restoreToPointInTime"] == {
        "sourceDbInstanceAutomatedBackupsArn": arn, "restoreTime": "2026-12-01T09:30:00Z"}  # fmt: skip
    assert check_plan(plan, is_taggable) == []  # the policy rules of the staging tier pass
    # Never one of the repository's tiers (.gitignore): plan --all and the tests skip it.
    assert STACK not in stack_names(root) and "production-recovery" in stack_names(root)


def test_a_source_without_replicated_backups_is_refused(tmp_path: Path, capsys: Any) -> None:
    root = _project(tmp_path, staging_replicates=False)
    code, out, err = _drill(root, capsys)
    assert code == 2 and out == "" and "replicate_backups is false" in err and len(err.strip().splitlines()) == 1
    assert not (root / f"Pulumi.{STACK}.yaml").exists()


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--stack", "drill-42"], "named recovery-drill-<run id>"),
        (["--source", "Staging"], "--source 'Staging'"),
        (["--certificate-arn", CERT.replace("us-west-2", "us-east-1")], "certificate_arn is in us-east-1"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(argv: list[str], says: str, tmp_path: Path, capsys: Any) -> None:
    root = _project(tmp_path)
    args = [
        "drill-stack",
        "--stack",
        STACK,
        "--source",
        "staging",
        "--certificate-arn",
        CERT,
        "--project-dir",
        str(root),
    ]
    for flag, value in zip(argv[::2], argv[1::2], strict=True):
        args[args.index(flag) + 1] = value
    code, out, err = run(args, capsys)
    assert code == 2 and out == "" and says in err, err
    assert not list(root.glob("Pulumi.recovery-drill-*.yaml"))


def test_the_written_file_is_yaml_the_cli_reads(tmp_path: Path, capsys: Any) -> None:
    root = _project(tmp_path)
    _drill(root, capsys)
    doc = yaml.safe_load((root / f"Pulumi.{STACK}.yaml").read_text())
    assert doc["config"]["nexus:account_id"] == "123456789012"  # text, as the CLI needs it
    assert doc["config"]["nexus:protection"] == {"protect_stateful_resources": False, "force_destroy": True}
