"""A newcomer's first hour (issue 14): every bad input ends in a message and exit code 2, never
a traceback; messages name the file, the key as written and what is allowed; URNs are the
engine's; one resource count everywhere."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import nexus.cli.diagram
import nexus.cli.diff
from nexus.cli import main
from nexus.cli.compare import compare_plans
from nexus.cli.plan import render_tree
from nexus.config.errors import EXIT_INTERNAL, EXIT_INVALID
from nexus.config.stack_files import ROOT, load_stack_config
from nexus.plans.model import resource_count
from nexus.plans.offline import Plan, engine_urn


@pytest.fixture(scope="module")
def dev_plan_file(plans: dict[str, Plan], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("plans") / "development.json"
    path.write_text(json.dumps(plans["development"].to_json()))
    return path


def run(argv: list[str], capsys: Any) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


# ------------------------------------------------------------------ no traceback, every input


def bad_paths(tmp: Path) -> dict[str, Path]:
    (tmp / "empty").mkdir()
    (tmp / "not-json.json").write_text("config:\n  aws:region: us-east-1\n")
    (tmp / "list.json").write_text("[1, 2]")
    (tmp / "no-resources.json").write_text('{"stack": "development", "environment": "development"}')
    (tmp / "binary.json").write_bytes(b"\xff\xfe\x00")
    return {
        "missing": tmp / "missing.json",
        "directory without plans": tmp / "empty",
        "not JSON": tmp / "not-json.json",
        "JSON, not a plan": tmp / "list.json",
        "plan without resources": tmp / "no-resources.json",
        "not text": tmp / "binary.json",
    }


BAD_FILES = ["missing", "not JSON", "JSON, not a plan", "plan without resources", "not text"]


@pytest.mark.parametrize("case", BAD_FILES)
def test_diff_refuses_what_is_not_a_plan(case: str, tmp_path: Path, dev_plan_file: Path, capsys: Any) -> None:
    bad = bad_paths(tmp_path)[case]
    for argv in (["diff", str(bad), str(dev_plan_file)], ["diff", str(dev_plan_file), str(bad)]):
        code, _, err = run(argv, capsys)
        assert code == EXIT_INVALID and err.startswith(str(bad)) and len(err.splitlines()) == 1, err


def test_diff_against_a_directory_without_plans(tmp_path: Path, dev_plan_file: Path, capsys: Any) -> None:
    # The pull-request workflow diffs against an empty directory when the base cannot be planned.
    empty = bad_paths(tmp_path)["directory without plans"]
    code, out, err = run(["diff", str(empty), str(dev_plan_file)], capsys)
    assert code == 0 and re.match(r"development: \d+ to create, 0 to update, 0 to replace, 0 to delete", out)
    assert err.startswith(f"note: {empty} holds no plan JSON")
    code, out, err = run(["diff", str(empty), str(empty)], capsys)
    assert code == EXIT_INVALID and out == "" and "hold no plan JSON" in err.splitlines()[-1]


@pytest.mark.parametrize("case", [*BAD_FILES, "directory"])
def test_check_refuses_a_plan_file_that_is_not_one(case: str, tmp_path: Path, capsys: Any) -> None:
    bad = tmp_path if case == "directory" else bad_paths(tmp_path)[case]
    code, _, err = run(["check", "--stack", "development", "--plan", str(bad)], capsys)
    assert code == EXIT_INVALID and str(bad) in err, err


def test_a_file_where_a_directory_belongs_and_back(tmp_path: Path, capsys: Any) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    cases = [
        (["plan", "--stack", "development", "--json", str(tmp_path)], "is a directory"),
        (["plan", "--stack", "development", "--json", str(a_file / "dev.json")], "is a file, not a directory"),
        (["plan", "--all", "--json", str(a_file)], "is a file"),
        (["diagram", "--stack", "production", "--output", str(tmp_path)], "is a directory"),
        (["diagram", "--stack", "production", "--output", str(a_file / "d.md")], "is a file, not a directory"),
    ]
    for argv, message in cases:
        code, out, err = run(argv, capsys)
        assert code == EXIT_INVALID and message in err and out == "", (argv, err)


def test_an_unwritable_output_is_a_message(tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # Root may write anywhere, so the failing write is simulated where it happens.
    def refuse(self: Path, *args: Any, **kwargs: Any) -> int:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "write_text", refuse)
    monkeypatch.setattr(nexus.cli.diagram, "diagram_for_stack", lambda stack: "flowchart LR\n")  # no plan needed
    code, _, err = run(["diagram", "--stack", "production", "--output", str(tmp_path / "d.md")], capsys)
    assert code == EXIT_INVALID and err.strip() == f"{tmp_path / 'd.md'}: Permission denied"


def test_a_reader_that_leaves_early_ends_the_command_quietly(dev_plan_file: Path) -> None:
    # `python -m nexus ... | head`: the reader closes the pipe before the output is written.
    proc = subprocess.Popen(
        [sys.executable, "-m", "nexus", "diff", str(dev_plan_file), str(dev_plan_file)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout and proc.stderr
    proc.stdout.close()
    with proc.stderr:
        stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=30) == 1 and stderr == ""


def test_an_unexpected_error_is_one_line_unless_debugging(
    dev_plan_file: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> Any:
        raise KeyError("resources")

    monkeypatch.setattr(nexus.cli.diff, "diff_plans", broken)
    monkeypatch.delenv("NEXUS_DEBUG", raising=False)
    code, _, err = run(["diff", str(dev_plan_file), str(dev_plan_file)], capsys)
    assert code == EXIT_INTERNAL and "internal error: KeyError" in err and "NEXUS_DEBUG=1" in err
    monkeypatch.setenv("NEXUS_DEBUG", "1")
    with pytest.raises(KeyError):
        main(["diff", str(dev_plan_file), str(dev_plan_file)])


def test_plan_all_refuses_config_from(capsys: Any) -> None:
    code, out, err = run(["plan", "--all", "--config-from", "development"], capsys)
    assert code == EXIT_INVALID and out == "" and "--config-from" in err and "plan --stack NAME" in err


def test_config_from_for_a_stack_with_its_own_file_is_refused(capsys: Any) -> None:
    code, _, err = run(["plan", "--stack", "production", "--config-from", "development"], capsys)
    assert code == EXIT_INVALID and "Pulumi.production.yaml" in err


# ------------------------------------------------------------------ messages


def test_config_from_a_missing_file_lists_the_stack_files(capsys: Any) -> None:
    code, _, err = run(["plan", "--stack", "development-alice", "--config-from", "nope"], capsys)
    assert code == EXIT_INVALID and "use --config-from" not in err
    assert "Pulumi.nope.yaml" in err and "development, production, staging" in err


def project(tmp: Path, edits: dict[str, list[tuple[str, str]]]) -> Path:
    """A copy of the repository's Pulumi.yaml and stack files with text edits (kept as text:
    YAML's own reading of `16.10` is part of what is tested)."""
    for source in ROOT.glob("Pulumi*.yaml"):
        text = source.read_text()
        for old, new in edits.get(source.name, []):
            assert old in text, (source.name, old)
            text = text.replace(old, new, 1)
        (tmp / source.name).write_text(text)
    return tmp


def refusal(tmp: Path, edits: dict[str, list[tuple[str, str]]], capsys: Any, *argv: str) -> str:
    root = project(tmp, edits)
    code, out, err = run(["plan", *(argv or ("--stack", "staging")), "--project-dir", str(root)], capsys)
    assert code == EXIT_INVALID and out == "", err
    return err


def test_a_mistake_in_the_project_file_is_reported_once_against_it(tmp_path: Path, capsys: Any) -> None:
    err = refusal(tmp_path, {"Pulumi.yaml": [("  nexus:limits:", "  nexus:limts:")]}, capsys, "--all")
    assert err.count("limts") == 1 and err.count("limits") == 1
    assert err.splitlines() == ["Pulumi.yaml: invalid settings", "  - nexus:limts: unknown key (did you mean 'nexus:limits'?)"]  # fmt: skip


MISSPELLED = [
    ("aws:regoin", [("aws:region:", "aws:regoin:")], "aws:regoin: unknown key (did you mean 'aws:region'?)"),
    ("nexsu:security", [("nexus:security:", "nexsu:security:")],
     "nexsu:security: unknown namespace 'nexsu' (did you mean 'nexus:security'?)"),
    ("asw:defaultTags", [("  nexus:environment:", "  asw:defaultTags: {}\n  nexus:environment:")],
     "asw:defaultTags: unknown namespace 'asw' (did you mean 'aws:defaultTags'?)"),
    ("aws:defaultTag", [("  nexus:environment:", "  aws:defaultTag: {}\n  nexus:environment:")],
     "aws:defaultTag: unknown key (did you mean 'aws:defaultTags'?)"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "edits", "message"), MISSPELLED, ids=[c[0] for c in MISSPELLED])
def test_a_misspelled_key_outside_nexus_settings_is_named(
    case: str, edits: list[tuple[str, str]], message: str, tmp_path: Path, capsys: Any
) -> None:
    err = refusal(tmp_path, {"Pulumi.staging.yaml": edits}, capsys)
    # Named once, with its did-you-mean; not also as "aws:region: required but not set".
    assert err.splitlines() == ["Pulumi.staging.yaml: invalid settings", f"  - {message}"]


def test_other_providers_keys_stay_allowed(tmp_path: Path) -> None:
    extra = "  aws:defaultTags:\n    tags:\n      CostCenter: platform\n  kubernetes:context: dev\n  random:x: 1\n"
    root = project(tmp_path, {"Pulumi.staging.yaml": [("  nexus:environment:", extra + "  nexus:environment:")]})
    config = load_stack_config("staging", root=root)
    assert config.settings().environment == "staging"
    assert {"pulumi:disable-default-providers", "aws:defaultTags", "kubernetes:context"} <= set(config.values)


def test_an_unquoted_version_gets_a_hint_to_quote_it(tmp_path: Path, capsys: Any) -> None:
    err = refusal(tmp_path, {"Pulumi.staging.yaml": [('engine_version: "16"', "engine_version: 16.10")]}, capsys)
    assert err.splitlines()[1] == (
        "  - nexus:database.engine_version = 16.10: expected text, found a number "
        '(YAML reads unquoted 16.10 as the number 16.1); put it in quotes: "16.10"'
    )


WRONG_SHAPES = [
    ("scalar for a list", [("alarm_emails: [platform-staging@example.com]", "alarm_emails: ops@example.com")],
     "nexus:monitoring.alarm_emails = 'ops@example.com': expected a list (`- item` lines, or [a, b]), found text"),
    ("scalar for a mapping", [("  nexus:security:\n", "  nexus:security: strict\n  nexus:unused:\n")],
     "nexus:security = 'strict': expected a mapping (`key: value` lines), found text"),
    ("text for true/false", [("multi_az: false", "multi_az: maybe")],
     "nexus:database.multi_az = 'maybe': expected true or false, found text"),
    ("list for a number", [("port: 5432", "port: [5432]")],
     "nexus:database.port = [5432]: expected a whole number, found a list"),
    ("not one of", [("nat_gateways: single", "nat_gateways: two")],
     "nexus:network.nat_gateways = 'two': must be one of 'none', 'single' or 'one_per_az'"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "edits", "message"), WRONG_SHAPES, ids=[c[0] for c in WRONG_SHAPES])
def test_wrong_shapes_are_told_in_yaml_terms(
    case: str, edits: list[tuple[str, str]], message: str, tmp_path: Path, capsys: Any
) -> None:
    err = refusal(tmp_path, {"Pulumi.staging.yaml": edits}, capsys)
    assert f"  - {message}" in err.splitlines(), err
    assert not re.search(r"tuple|valid (string|integer|boolean)|dict|Input should", err)


def test_the_readme_sample_error_is_what_the_program_prints(tmp_path: Path, capsys: Any) -> None:
    readme = (ROOT / "README.md").read_text()
    sample = re.search(r"<!-- sample-error -->\n.*?```\n(.*?)```\n<!-- /sample-error -->", readme, re.S)
    assert sample, "README.md lost its sample-error markers"
    assert "`metrics_retention_days: 45`" in readme and "`instnace_class`" in readme  # the input it describes
    edits = [
        ("metrics_retention_days: 30", "metrics_retention_days: 45"),
        ("    instance_class:", "    instnace_class:"),
    ]
    assert refusal(tmp_path, {"Pulumi.staging.yaml": edits}, capsys) == sample.group(1)


# ------------------------------------------------------------------ URNs and counts


def test_engine_urns_match_the_engines_own_cases() -> None:
    # pulumi/pulumi sdk/go/common/resource/urn_test.go TestURNRoundTripping2: parent type
    # "parent$type" + "bang:boom/fizzle:MajorResource".
    parent = "urn:pulumi:stck::proj::parent$type::p"
    assert engine_urn("stck", "proj", parent, "bang:boom/fizzle:MajorResource", "a-swell-resource") == (
        "urn:pulumi:stck::proj::parent$type$bang:boom/fizzle:MajorResource::a-swell-resource"
    )
    # A child of the root Stack does not carry the Stack's type (urn.go NewURN skips RootStackType).
    stack = "urn:pulumi:production::nexus::pulumi:pulumi:Stack::nexus-production"
    assert engine_urn("production", "nexus", stack, "nexus:index:Environment", "nexus") == (
        "urn:pulumi:production::nexus::nexus:index:Environment::nexus"
    )


def test_plan_urns_carry_every_ancestors_type(plans: dict[str, Plan]) -> None:
    plan = plans["production"]
    urns = {r.urn for r in plan.resources}
    assert "urn:pulumi:production::nexus::nexus:index:Environment::nexus" in urns
    # The example: a grandchild of the Environment.
    assert (
        "urn:pulumi:production::nexus::nexus:index:Environment$nexus:config:AppSettings"
        "$aws:ssm/parameter:Parameter::application-name"
    ) in urns
    assert "urn:pulumi:production::nexus::nexus:index:Environment$pulumi:providers:aws::aws" in urns
    by_urn = {r.urn: r for r in plan.resources}
    for r in plan.resources:
        chain, parent = [r.type], r.parent
        while parent in by_urn:
            chain.insert(0, by_urn[parent].type)
            parent = by_urn[parent].parent
        assert r.urn == f"urn:pulumi:production::nexus::{'$'.join(chain)}::{r.name}"


def test_plan_check_and_compare_count_resources_alike(plans: dict[str, Plan], dev_plan_file: Path, capsys: Any) -> None:
    # What `plan --stack development` prints last (test_tools runs the CLI itself).
    planned = int(re.findall(r"^development: (\d+) resources to create", render_tree(plans["development"]), re.M)[0])
    code, checked_out, _ = run(["check", "--stack", "development", "--plan", str(dev_plan_file)], capsys)
    checked = int(re.findall(r"\((\d+) resources\)", checked_out)[0])
    doc = plans["development"].to_json()
    compared = compare_plans(doc, plans["production"].to_json()).totals[0]
    # The plan lists every registered resource; pulumi preview also counts the root Stack.
    assert code == 0 and planned == checked == compared == resource_count(doc["resources"]) == len(doc["resources"]) + 1


BROKEN_FILES = [
    ("config not a mapping", {"Pulumi.staging.yaml": b"config: [1]\n"}, "Pulumi.staging.yaml: invalid settings"),
    ("not UTF-8", {"Pulumi.staging.yaml": b"\xff\xfe"}, "  - not UTF-8 text"),
    ("not YAML", {"Pulumi.staging.yaml": b"config: [\n"}, "  - not valid YAML"),
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
