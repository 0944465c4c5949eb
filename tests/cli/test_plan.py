"""`nexus plan`: the tree it prints, JSON for every stack in one process, which stack files it
reads, and what it does with bad input: exit code 2 and one line per problem naming the file
and the key, fast, never a traceback."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from nexus.cli import main
from nexus.config.errors import EXIT_INVALID
from nexus.config.stack_files import ROOT, load_stack_config, personal_stack_files, skipped_notice, stack_names
from tests.support.cli import refusal, run
from tests.support.plans import COMMITTED
from tests.support.projects import copy_config, project_like_the_repository, write_project
from tests.support.settings import one_line_naming, verdict


def test_plan_prints_a_tree(capsys: Any) -> None:
    assert main(["plan", "--stack", "development"]) == 0
    out = capsys.readouterr().out
    assert "└─ nexus:index:Environment nexus" in out and "aws:rds/instance:Instance postgres" in out


def test_plan_all_writes_json_for_every_stack_in_one_process(tmp_path: Path, capsys: Any) -> None:
    assert main(["plan", "--all", "--quiet", "--json", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{s}.json" for s in COMMITTED)
    doc = json.loads((tmp_path / "production.json").read_text())
    assert doc["stack"] == "production" and len(doc["resources"]) > 100
    assert re.findall(r"^production: \d+ resources to create", capsys.readouterr().out, re.M)


def test_a_personal_file_is_skipped_by_plan_all_and_the_suite_list(tmp_path: Path, capsys: Any) -> None:
    root = project_like_the_repository(tmp_path, "development")
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
    root = project_like_the_repository(tmp_path, "development", "staging")
    (root / ".gitignore").write_text("venv/\n")
    doc = yaml.safe_load((root / "Pulumi.staging.yaml").read_text())
    doc["config"]["nexus:network"]["cidr"] = "10.30.0.0/16"  # development's
    (root / "Pulumi.development-shared.yaml").write_text(yaml.safe_dump(doc))
    assert skipped_notice(root) is None
    assert main(["plan", "--all", "--quiet", "--project-dir", str(root)]) == 2
    err = capsys.readouterr().err
    assert "Pulumi.development-shared.yaml: nexus:network.cidr 10.30.0.0/16 overlaps Pulumi.development.yaml" in err


# ------------------------------------------------------------------ --config-from


def test_plan_all_refuses_config_from(capsys: Any) -> None:
    code, out, err = run(["plan", "--all", "--config-from", "development"], capsys)
    assert code == EXIT_INVALID and out == "" and "--config-from" in err and "plan --stack NAME" in err


def test_config_from_for_a_stack_with_its_own_file_is_refused(capsys: Any) -> None:
    code, _, err = run(["plan", "--stack", "production", "--config-from", "development"], capsys)
    assert code == EXIT_INVALID and "Pulumi.production.yaml" in err


def test_config_from_a_missing_file_lists_the_stack_files(capsys: Any) -> None:
    code, _, err = run(["plan", "--stack", "development-alice", "--config-from", "nope"], capsys)
    assert code == EXIT_INVALID and "use --config-from" not in err
    assert "Pulumi.nope.yaml" in err and ", ".join(COMMITTED) in err


# ------------------------------------------------------------------ bad input: exit 2


def test_the_readme_sample_error_is_what_the_program_prints(tmp_path: Path, capsys: Any) -> None:
    page = (ROOT / "docs" / "offline-tools.md").read_text()
    sample = re.search(r"<!-- sample-error -->\n.*?```\n(.*?)```\n<!-- /sample-error -->", page, re.S)
    assert sample, "docs/offline-tools.md lost its sample-error markers"
    assert "`metrics_retention_days: 45`" in page and "`instnace_class`" in page  # the input it describes
    edits = [
        ("metrics_retention_days: 30", "metrics_retention_days: 45"),
        ("    instance_class:", "    instnace_class:"),
    ]
    assert refusal(tmp_path, {"Pulumi.staging.yaml": edits}, capsys) == sample.group(1)


BROKEN_FILES = [
    ("config not a mapping", {"Pulumi.staging.yaml": b"config: [1]\n"}, "Pulumi.staging.yaml: invalid settings"),
    ("not UTF-8", {"Pulumi.staging.yaml": b"\xff\xfe"}, "  - not UTF-8 text"),
    ("not YAML", {"Pulumi.staging.yaml": b"config: [\n"}, "Pulumi.staging.yaml:1:9: this [ is not closed"),
    ("no stack files", {"Pulumi.staging.yaml": None}, "no stack files (Pulumi.<stack>.yaml) here"),
    ("no project file", {"Pulumi.yaml": None}, "Pulumi.yaml: No such file or directory"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "files", "message"), BROKEN_FILES, ids=[c[0] for c in BROKEN_FILES])
def test_broken_project_files_are_a_message(
    case: str, files: dict[str, bytes | None], message: str, tmp_path: Path, capsys: Any
) -> None:
    for name in ("Pulumi.yaml", "Pulumi.staging.yaml"):
        (tmp_path / name).write_text((ROOT / name).read_text())
    for name, content in files.items():
        (tmp_path / name).unlink(missing_ok=True)
        if content is not None:
            (tmp_path / name).write_bytes(content)
    code, out, err = run(["plan", "--all", "--project-dir", str(tmp_path)], capsys)
    assert code == EXIT_INVALID and out == "" and message in err, err


@pytest.mark.parametrize(("text", "hint"), [("config: [a, b]", "config: expected a mapping"),
                                            ("config:\n  1: x", "config key 1 must be text")])  # fmt: skip
def test_a_stack_file_of_the_wrong_shape_is_refused_with_exit_2(
    tmp_path: Path, capsys: Any, text: str, hint: str
) -> None:
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (tmp_path / "Pulumi.staging.yaml").write_text(text + "\n")
    assert main(["plan", "--stack", "staging", "--project-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "Pulumi.staging.yaml" in err and hint in err and "Traceback" not in err


CLI_CASES = [
    ("retention", lambda c: c["nexus:monitoring"].update(metrics_retention_days=45), "nexus:monitoring.metrics_retention_days"),
    ("backup", lambda c: c["nexus:database"].update(backup_retention_days=36), "nexus:database.backup_retention_days"),
    ("typo", lambda c: c["nexus:network"].update(cidrr="10.0.0.0/16"), "nexus:network.cidrr"),
    ("region", lambda c: c.update({"aws:region": "mars-1"}), "aws:region"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "mutate", "key"), CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_plan_cli_refuses_bad_settings_fast_without_traceback(tmp_path: Path, case: str, mutate: Any, key: str) -> None:
    write_project(tmp_path, "staging", mutate)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "nexus", "plan", "--stack", "staging", "--project-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    assert result.returncode == 2, result.stderr
    assert "Pulumi.staging.yaml" in result.stderr and key in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert elapsed < 2.0, f"refusing a bad setting took {elapsed:.2f} s"


def plan_cli(tmp: Path, mutate: Any, capsys: Any, stack: str = "staging") -> tuple[int, str]:
    """`python -m nexus plan` (in process) on a copy of the stack file changed by `mutate`."""
    (tmp / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    doc = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    mutate(doc["config"])
    (tmp / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(doc))
    code = main(["plan", "--stack", stack, "--project-dir", str(tmp), "--quiet"])
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out.err


def test_a_yaml_date_in_default_tags_is_refused_with_exit_2(tmp_path: Path, capsys: Any) -> None:
    code, err = plan_cli(
        tmp_path, lambda c: c.update({"aws:defaultTags": {"tags": {"Owner": dt.date(2026, 1, 2)}}}), capsys
    )
    assert code == 2
    assert "aws:defaultTags: tags.Owner: a tag value must be text, not date (YAML read a date: quote it)" in err


def test_a_non_finite_alarm_threshold_is_refused_with_exit_2(tmp_path: Path, capsys: Any) -> None:
    code, err = plan_cli(tmp_path, lambda c: c["nexus:monitoring"].update(alarms={"db_cpu_percent": math.inf}), capsys)
    assert (
        code == 2 and "nexus:monitoring.alarms.db_cpu_percent = .inf: must be a finite number (not .inf or .nan)" in err
    )
    one_line_naming(verdict(lambda d: d["monitoring"].update(alarms={"alb_5xx_percent": math.nan})),
                    "nexus:monitoring.alarms.alb_5xx_percent", "finite")  # fmt: skip


def test_plan_cli_refuses_an_unknown_zone_with_exit_2(tmp_path: Path, capsys: Any) -> None:
    write_project(
        tmp_path, "development", lambda c: c["nexus:network"].update(availability_zones=["use1-az1", "use1-az9"])
    )
    assert main(["plan", "--stack", "development", "--project-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nexus:network.availability_zones: use1-az9 is not a regular Availability Zone")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("emails", [[], None])
def test_a_topic_without_subscriber_is_refused_with_exit_2_naming_the_key(
    tmp_path: Path, capsys: Any, emails: list[str] | None
) -> None:
    def drop(config: dict[str, Any]) -> None:
        if emails is None:
            config["nexus:monitoring"].pop("alarm_emails")
        else:
            config["nexus:monitoring"]["alarm_emails"] = emails

    write_project(tmp_path, "production", drop)
    assert main(["plan", "--stack", "production", "--project-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "nexus:monitoring.alarm_emails" in err and "require_alarm_subscribers" in err and "Traceback" not in err


def test_bad_identity_and_audit_settings_exit_2_naming_the_key(tmp_path: Any, capsys: Any) -> None:
    import yaml

    cases = [
        ({"nexus:identity": {"compute_services": ["fargate"]}}, "nexus:identity.compute_services"),
        ({"nexus:identity": {"database_user": "nexus_admin"}}, "nexus:identity"),
        ({"nexus:identity": {"database_user": "App-User"}}, "nexus:identity.database_user"),
        ({"nexus:audit": {"trail": "mine"}}, "nexus:audit.trail"),
    ]
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    for change, key in cases:
        doc = yaml.safe_load((ROOT / "Pulumi.staging.yaml").read_text())
        doc["config"].update(change)
        (tmp_path / "Pulumi.staging.yaml").write_text(yaml.safe_dump(doc))
        assert main(["plan", "--stack", "staging", "--project-dir", str(tmp_path)]) == 2, change
        err = capsys.readouterr().err
        problems = [line for line in err.splitlines() if line.startswith("  - ")]
        assert len(problems) == 1 and problems[0].startswith(f"  - {key}"), err


def test_plan_all_refuses_a_json_file_name_for_its_directory(tmp_path: Path, capsys: Any) -> None:
    """--all writes a directory; `--json x.json` would make a directory called x.json."""
    target = tmp_path / "x.json"
    code, out, err = run(["plan", "--all", "--quiet", "--json", str(target)], capsys)
    assert code == EXIT_INVALID and out == "" and not target.exists()
    assert "with --all this is a directory" in err and err.count("\n") == 1


@pytest.mark.parametrize("command", ["plan", "cost", "check", "diagram", "db-user"])
def test_a_misspelled_stack_gets_the_nearest_stack_and_the_command_that_was_run(command: str, capsys: Any) -> None:
    code, out, err = run([command, "--stack", "stagng"], capsys)
    assert code == EXIT_INVALID and out == "" and err.count("\n") == 1
    assert "no stack file Pulumi.stagng.yaml for stack 'stagng': did you mean 'staging'?" in err
    # The way to a stack without a file names this command, and only where it takes --config-from.
    assert ("plan --stack" in err) == (command == "plan")
    assert f"{command} --stack stagng --config-from development" in err or "--config-from" not in err


def test_a_short_form_of_a_stack_is_suggested_and_status_refuses_an_unknown_stack(tmp_path: Path, capsys: Any) -> None:
    code, _, err = run(["cost", "--stack", "prod"], capsys)
    assert code == EXIT_INVALID and "did you mean 'production'?" in err
    code, out, err = run(["status", "--stack", "stagng", "--results-dir", str(tmp_path)], capsys)
    assert code == EXIT_INVALID and out == "" and "did you mean 'staging'?" in err and err.count("\n") == 1
