"""`nexus check`: a plan file read or refused, the policy rules failing the command, and
`--destroyable`, which says what blocks `pulumi destroy` and how to lift it."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from nexus.cli import check, main
from nexus.config.errors import EXIT_INVALID
from nexus.config.stack_files import ROOT, load_stack_config
from nexus.plans.offline import Plan
from nexus.plans.rules import destroy_blockers
from tests.support.cli import BAD_FILES, bad_paths, run
from tests.support.plans import COMMITTED
from tests.support.projects import overlapping_project


def test_check_cli_reads_a_plan_file_and_fails_on_violations(plans: dict[str, Plan], tmp_path: Path,
                                                              capsys: Any) -> None:  # fmt: skip
    good = tmp_path / "good.json"
    good.write_text(json.dumps(plans["production"].to_json()))
    assert main(["check", "--stack", "production", "--plan", str(good)]) == 0
    doc = plans["production"].to_json()
    next(r for r in doc["resources"] if r["type"] == "aws:rds/instance:Instance")["inputs"]["publiclyAccessible"] = True
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    assert main(["check", "--stack", "production", "--plan", str(bad)]) == 1
    assert "[database-not-public]" in capsys.readouterr().out


@pytest.mark.parametrize("case", [*BAD_FILES, "directory"])
def test_check_refuses_a_plan_file_that_is_not_one(case: str, tmp_path: Path, capsys: Any) -> None:
    bad = tmp_path if case == "directory" else bad_paths(tmp_path)[case]
    code, _, err = run(["check", "--stack", "development", "--plan", str(bad)], capsys)
    assert code == EXIT_INVALID and str(bad) in err, err


def test_check_all_says_what_it_skips(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    import nexus.cli.check as check_command

    monkeypatch.setattr(check_command, "skipped_notice", lambda: "skipping personal stack file(s) ignored by git: X")
    monkeypatch.setattr("nexus.cli.check.run_check", lambda stacks, plan_file: 0 if stacks == COMMITTED else 1)
    assert main(["check", "--all"]) == 0
    assert "skipping personal stack file(s)" in capsys.readouterr().err


# ------------------------------------------------------------------ --destroyable


_SET_LINE = re.compile(r"^  pulumi config set --stack (\S+) --path '([^']+)' (\S+)$", re.M)


def apply_config_lines(stack: str, lines: list[tuple[str, str, str]]) -> dict[str, Any]:
    """What `pulumi config set --path` would write into the stack file, as overrides."""
    values = copy.deepcopy(load_stack_config(stack).values)
    for line_stack, path, value in lines:
        assert line_stack == stack
        top, *rest = path.split(".")
        node = values[top]
        for part in rest[:-1]:
            node = node[part]
        node[rest[-1]] = yaml.safe_load(value)
    return {top: values[top] for _, path, _ in lines for top in [path.split(".")[0]]}


@pytest.mark.parametrize(("stack", "blocked"), [("development", False), ("staging", True), ("production", True)])
def test_destroyable_round_trip(
    plans: dict[str, Plan], planner: Any, tmp_path: Path, capsys: Any, stack: str, blocked: bool
) -> None:
    committed = tmp_path / "committed.json"
    committed.write_text(json.dumps(plans[stack].to_json()))
    assert main(["check", "--stack", stack, "--destroyable", "--plan", str(committed)]) == (1 if blocked else 0)
    lines = _SET_LINE.findall(capsys.readouterr().out)
    assert bool(lines) is blocked

    lifted = planner(stack, overrides=apply_config_lines(stack, lines))
    assert destroy_blockers(lifted.to_json()) == []
    after = tmp_path / "after.json"
    after.write_text(json.dumps(lifted.to_json()))
    assert main(["check", "--stack", stack, "--destroyable", "--plan", str(after)]) == 0
    # Lifting the blockers never throws the data away: the final snapshot and the key that
    # can restore it stay wherever they did.
    db = lifted.one("aws:rds/instance:Instance")
    assert db.input("skipFinalSnapshot") is plans[stack].settings.database.skip_final_snapshot
    assert lifted.one("aws:kms/key:Key", "key").options["retain_on_delete"] is (not db.input("skipFinalSnapshot"))


def test_production_teardown_lifts_force_destroy_and_every_protection(plans: dict[str, Plan], tmp_path: Path,
                                                                      capsys: Any) -> None:  # fmt: skip
    committed = tmp_path / "production.json"
    committed.write_text(json.dumps(plans["production"].to_json()))
    main(["check", "--stack", "production", "--destroyable", "--plan", str(committed)])
    out = capsys.readouterr().out
    keys = {path: value for _, path, value in _SET_LINE.findall(out)}
    assert keys == {
        "nexus:protection.protect_stateful_resources": "false",
        "nexus:database.deletion_protection": "false",
        "nexus:load_balancer.deletion_protection": "false",
        "nexus:protection.force_destroy": "true",
    }
    # Both log buckets keep versions: the check says emptying them means every version.
    for bucket in (b.input("bucket") for b in plans["production"].of_type("aws:s3/bucket:Bucket")):
        assert f"bucket {bucket} is versioned: force_destroy deletes every version and delete marker" in out
    assert "(versioned: every version and delete marker must go)" in out
    # The runbook shows exactly these lines.
    page = (ROOT / "docs" / "runbooks.md").read_text()
    assert all(f"   {line.strip()}\n" in page for line in out.splitlines() if line.startswith("  pulumi config set"))


def test_destroyable_check_plans_the_stack_itself(
    plans: dict[str, Plan], capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    planned: list[str] = []
    monkeypatch.setattr(check, "plan_json", lambda stack: planned.append(stack) or plans[stack].to_json())
    assert main(["check", "--stack", "development", "--destroyable"]) == 0
    assert planned == ["development"]
    assert "nothing blocks `pulumi destroy --stack development`" in capsys.readouterr().out
    assert main(["check", "--all", "--destroyable"]) == 2


def test_readme_runbooks_use_the_destroyable_check() -> None:
    page = (ROOT / "docs" / "runbooks.md").read_text()
    for stack in ("production", "staging"):
        section = re.search(rf"\*\*Tearing down {stack}\*\*(.*?)\n\n\*\*", page, re.S)
        assert section, f"docs/runbooks.md lost its {stack} teardown runbook"
        assert f"python -m nexus check --stack {stack} --destroyable" in section.group(1)
    assert "nexus:protection.force_destroy" in re.search(
        r"\*\*Tearing down production\*\*(.*?)\n\n\*\*", page, re.S
    ).group(1)  # type: ignore[union-attr]


@pytest.mark.parametrize("command", ["check", "cost"])
def test_every_command_that_reads_all_stacks_refuses_overlapping_ranges(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """`plan --all` refuses stack files whose VPC ranges overlap; so do `check --all` and
    `cost --all`, which read the same stacks (here: a project in tmp_path)."""
    from nexus.config import stack_files

    root = overlapping_project(tmp_path)
    stacks, load = stack_files.stack_names, stack_files.load_all
    for module in (stack_files, check):
        monkeypatch.setattr(module, "stack_names", lambda root_=root: stacks(root_))
        monkeypatch.setattr(module, "load_all", lambda names, **kw: load(names, root=root, **kw))
    assert main([command, "--all"]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert "Pulumi.development-shared.yaml: nexus:network.cidr 10.30.0.0/16 overlaps Pulumi.development.yaml" in err
    assert "Traceback" not in err


# ------------------------------------------------------------------ --controls


def test_controls_reads_a_plan_file_and_fails_on_a_failing_control(plans: dict[str, Plan], tmp_path: Path,
                                                                   capsys: Any) -> None:  # fmt: skip
    good = tmp_path / "production.json"
    good.write_text(json.dumps(plans["production"].to_json()))
    code, out, err = run(["check", "--controls", "--stack", "production", "--plan", str(good)], capsys)
    assert code == 0 and err == "", err
    assert out.startswith("AWS Foundational Security Best Practices controls") and "production: " in out
    assert "  CloudTrail.5      trail-records-everything\n      production   pass" in out
    doc = plans["production"].to_json()
    next(r for r in doc["resources"] if r["type"] == "aws:cloudtrail/trail:Trail")["inputs"].pop(
        "cloudWatchLogsRoleArn"
    )
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    code, out, err = run(["check", "--controls", "--stack", "production", "--plan", str(bad), "--markdown"], capsys)
    assert code == 1 and "production: control CloudTrail.5 is fail" in err
    assert "| CloudTrail.5 | CloudTrail trails should be integrated with Amazon CloudWatch Logs" in out


def test_controls_without_a_stack_checks_every_committed_one(
    plans: dict[str, Plan], capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    planned: list[str] = []
    monkeypatch.setattr(check, "plan_json", lambda stack: planned.append(stack) or plans[stack].to_json())
    assert main(["check", "--controls", "--markdown"]) == 0
    # The tiers first, then every other stack file (the recovery stack).
    assert planned == ["production", "staging", "development", "production-recovery"]
    header = "| Control | Title | Enforced by | production | staging | development | production-recovery | Notes |"
    assert header in capsys.readouterr().out


@pytest.mark.parametrize(("args", "message"), [
    (["--markdown", "--stack", "production"], "check --markdown goes with --controls"),
    (["--controls", "--destroyable", "--stack", "production"], "separate checks"),
    (["--controls", "--plan", "plan.json"], "takes the plan's --stack"),
    ([], "check needs --stack S or --all"),
])  # fmt: skip
def test_controls_refuses_what_does_not_go_together(args: list[str], message: str, capsys: Any) -> None:
    code, _, err = run(["check", *args], capsys)
    assert code == EXIT_INVALID and message in err and len(err.strip().splitlines()) == 1
