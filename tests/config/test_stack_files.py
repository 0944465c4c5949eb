"""The stack files and how they are read (nexus.config.stack_files): what the committed files
carry, keys outside the nexus settings, YAML values on their way to the program, a stack
planned from another stack's file, and personal stack files (`pulumi stack init
development-alice --copy-config-from development` writes Pulumi.development-alice.yaml into
the project: a person's, not a tier; git ignores it, and the suite's stack list leaves it out)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from nexus.cli import main
from nexus.config.errors import EXIT_INVALID
from nexus.config.messages import YamlError
from nexus.config.stack_files import ROOT, load_stack_config, personal_stack_files, stack_names
from nexus.plans.bootstrap_plan import BOOTSTRAP_DIR
from nexus.plans.offline import Plan
from tests.support.cli import reading_project, refusal, run
from tests.support.plans import COMMITTED, STACKS
from tests.support.projects import copy_config, edited_project, project_like_the_repository

# The strategy document's per-environment values, and where they must land.
STRATEGY = {
    "production": {"ssl": True, "max_connections": 100, "log_level": "WARNING", "retention": 90,
                   "auth_timeout": 3600, "attempts": 3, "cache_ttl": 3600, "workers": 16},
    "staging": {"ssl": True, "max_connections": 50, "log_level": "INFO", "retention": 30,
                "auth_timeout": 1800, "attempts": 5, "cache_ttl": 1800, "workers": 8},
    "development": {"ssl": False, "max_connections": 20, "log_level": "DEBUG", "retention": 7,
                    "auth_timeout": 900, "attempts": 10, "cache_ttl": 300, "workers": 4},
}  # fmt: skip


@pytest.mark.parametrize("stack", sorted(STRATEGY))
def test_stack_files_carry_the_strategy_values(stack: str) -> None:
    s, want = load_stack_config(stack).settings(), STRATEGY[stack]
    assert s.environment == stack
    assert (s.database.port, s.database.ssl, s.database.max_connections) == (5432, want["ssl"], want["max_connections"])
    assert (s.monitoring.log_level, s.monitoring.metrics_retention_days) == (want["log_level"], want["retention"])
    assert (s.security.auth_timeout_seconds, s.security.max_login_attempts) == (want["auth_timeout"], want["attempts"])
    assert (s.performance.cache_ttl_seconds, s.performance.max_workers) == (want["cache_ttl"], want["workers"])


def test_shared_values_live_once_in_the_project_file() -> None:
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    assert project["nexus:limits"]["value"] == {"max_file_size_mb": 100, "max_requests_per_minute": 1000}
    assert project["nexus:application"]["value"]["name"] == "NEXUS Platform"
    for stack_file in ROOT.glob("Pulumi.*.yaml"):
        keys = yaml.safe_load(stack_file.read_text())["config"]
        assert not {"nexus:limits", "nexus:application", "nexus:features"} & set(keys), stack_file.name


def test_committed_certificates_belong_to_the_placeholder_account(plans: dict[str, Plan]) -> None:
    for plan in plans.values():
        arn = plan.settings.load_balancer.certificate_arn
        assert arn is None or arn.split(":")[4] == plan.settings.account_id == "123456789012"


# ------------------------------------------------------------------ keys outside the nexus settings


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
    root = edited_project(tmp_path, {"Pulumi.staging.yaml": [("  nexus:environment:", extra + "  nexus:environment:")]})
    config = load_stack_config("staging", root=root)
    assert config.settings().environment == "staging"
    assert {"pulumi:disable-default-providers", "aws:defaultTags", "kubernetes:context"} <= set(config.values)


def test_yaml_dates_elsewhere_reach_the_program_as_text_not_a_type_error() -> None:
    config = load_stack_config("staging").with_values({"other:schedule": {"since": dt.date(2026, 1, 2)}})
    assert json.loads(config.as_cli_strings()["other:schedule"]) == {"since": "2026-01-02"}


# ------------------------------------------------------------------ personal stacks


def test_plan_of_a_personal_stack_needs_no_file_of_its_own(plans: dict[str, Plan], planner: Any) -> None:
    alice = planner("development-alice", config_from="development")
    assert alice.stack == "development-alice" and alice.settings.environment == "development"
    assert len(alice.resources) == len(plans["development"].resources)


def test_the_repository_ignores_personal_stack_files_and_tracks_the_tiers() -> None:
    rules = (ROOT / ".gitignore").read_text().splitlines()
    assert "Pulumi.development-*.yaml" in rules
    assert stack_names() == COMMITTED == sorted(STACKS)


@pytest.mark.parametrize("ignored", [True, False])
def test_a_committed_copy_of_a_tier_shares_its_range_by_design(tmp_path: Path, ignored: bool, capsys: Any) -> None:
    root = project_like_the_repository(tmp_path, "development")
    if not ignored:
        (root / ".gitignore").write_text("venv/\n")
    copy_config(root, "development", "development-alice")
    assert stack_names(root) == (["development"] if ignored else ["development", "development-alice"])
    # Both stacks are valid; only the ranges would have clashed. No program runs: load only.
    from nexus.config.stack_files import load_all, overlapping_cidrs

    assert overlapping_cidrs(load_all(stack_names(root), root=root)) == []


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_in_a_git_checkout_git_decides_and_a_force_added_file_is_committed(tmp_path: Path) -> None:

    git = str(shutil.which("git"))
    root = project_like_the_repository(tmp_path, "development")
    copy_config(root, "development", "development-alice")
    copy_config(root, "development", "development-shared")
    subprocess.run([git, "init", "-q", str(root)], check=True)
    # A team may still commit a shared copy on purpose: tracked, so a tier despite the rule.
    subprocess.run([git, "-C", str(root), "add", "-f", "Pulumi.development-shared.yaml"], check=True)
    assert personal_stack_files(root) == ["Pulumi.development-alice.yaml"]
    assert stack_names(root) == ["development", "development-shared"]


# ------------------------------------------------------------------ YAML the Pulumi CLI would refuse


def line_of(name: str, text: str, root: Path = ROOT) -> int:
    """The 1-based number of the first line of `name` holding `text`."""
    return next(n for n, line in enumerate((root / name).read_text().splitlines(), 1) if text in line)


ZONES = "availability_zones: [use1-az1, use1-az2, use1-az4]"
# (case, old text, new text, the message after `Pulumi.staging.yaml:`; {n} the edited line)
SYNTAX = [
    ("an unclosed [", ZONES, ZONES[:-1], "{n}:25: this [ is not closed: the list needs ] at its end and "
     "commas between its items (YAML read on to line {next})"),
    ("a tab indenting", "    nat_gateways: single", "\tnat_gateways: single",
     "{n}:1: a tab character here: YAML indents with spaces only"),
    ("bad indentation", "    nat_gateways: single", "      nat_gateways: single",
     "{n}:7: indented by 6 spaces, which lines up with no key or list item above it: the keys of one "
     "mapping start in the same column"),
    ("no space after the colon", "    cidr: 10.20.0.0/16", "    cidr:10.20.0.0/16",
     "{n}:5: cidr:10.20.0.0/16 has no space after the colon, so YAML reads it as one piece of text, "
     "not a key and a value: write cidr: 10.20.0.0/16"),
    ("no space after a namespaced key", "  nexus:environment: staging", "  nexus:environment:staging",
     "{n}:3: nexus:environment:staging has no space after the colon, so YAML reads it as one piece of "
     "text, not a key and a value: write nexus:environment: staging"),
    ("a second colon in a value", "    nat_gateways: single", "    nat_gateways: single: x",
     "{n}:25: a colon and a space inside a value: put the value in quotes"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "old", "new", "message"), SYNTAX, ids=[c[0] for c in SYNTAX])
def test_a_yaml_syntax_error_is_one_line_naming_its_place(
    case: str, old: str, new: str, message: str, tmp_path: Path, capsys: Any
) -> None:
    n = line_of("Pulumi.staging.yaml", old)
    err = refusal(tmp_path, {"Pulumi.staging.yaml": [(old, new)]}, capsys)
    # Not the parser's several lines about `<unicode string>`: the file, line and column, in words.
    assert err.splitlines() == ["Pulumi.staging.yaml:" + message.format(n=n, next=n + 1)]


def test_a_syntax_error_in_the_project_file_is_one_line_once(tmp_path: Path, capsys: Any) -> None:
    edits = {"Pulumi.yaml": [("      max_file_size_mb: 100", "      max_file_size_mb:100")]}
    err = refusal(tmp_path, edits, capsys, "--all")  # every stack reads it: said once
    n = line_of("Pulumi.yaml", "max_file_size_mb")
    assert err.splitlines() == [
        f"Pulumi.yaml:{n}:7: max_file_size_mb:100 has no space after the colon, so YAML reads it as one "
        "piece of text, not a key and a value: write max_file_size_mb: 100"
    ]


def test_a_key_set_twice_is_refused_as_the_pulumi_cli_refuses_it(tmp_path: Path, capsys: Any) -> None:
    first, second = line_of("Pulumi.staging.yaml", "    port: 5432"), line_of("Pulumi.staging.yaml", "    multi_az:")
    err = refusal(tmp_path, {"Pulumi.staging.yaml": [("    multi_az:", "    port: 5433\n    multi_az:")]}, capsys)
    assert err.splitlines() == [
        f"Pulumi.staging.yaml:{second}: nexus:database.port is set twice (lines {first} and {second}); "
        "the Pulumi CLI refuses a duplicate key"
    ]


def test_each_duplicate_is_named_by_its_whole_key_in_line_order(tmp_path: Path) -> None:
    edits = [("      version: 1.0.0", "      version: 1.0.0\n      name: NEXUS"),
             ("  nexus:limits:", "  nexus:features: {}\n  nexus:limits:")]  # fmt: skip
    root = edited_project(tmp_path, {"Pulumi.yaml": edits})
    with pytest.raises(YamlError) as info:
        load_stack_config("staging", root=root)
    lines = (root / "Pulumi.yaml").read_text().splitlines()
    name, again = lines.index("      name: NEXUS Platform") + 1, lines.index("      name: NEXUS") + 1
    features, twice = lines.index("  nexus:features:") + 1, lines.index("  nexus:features: {}") + 1
    assert str(info.value).splitlines() == [
        f"Pulumi.yaml:{again}: nexus:application.value.name is set twice (lines {name} and {again}); "
        "the Pulumi CLI refuses a duplicate key",
        f"Pulumi.yaml:{twice}: nexus:features is set twice (lines {features} and {twice}); "
        "the Pulumi CLI refuses a duplicate key",
    ]


def test_a_merge_may_override_the_keys_it_brings(tmp_path: Path) -> None:
    extra = "  kubernetes:base: &base {a: 1, b: 2}\n  kubernetes:site:\n    <<: *base\n    b: 3\n"
    root = edited_project(tmp_path, {"Pulumi.staging.yaml": [("  nexus:environment:", extra + "  nexus:environment:")]})
    assert load_stack_config("staging", root=root).values["kubernetes:site"] == {"a": 1, "b": 3}


def test_keys_are_compared_as_text_and_merges_read_as_written(tmp_path: Path) -> None:
    """`on` and `yes` are two keys to the Pulumi CLI (PyYAML would read both as True), and a
    merge inside an anchor used before it is built is no duplicate (PyYAML flattens merges in
    place while constructing: duplicates are read from the composed nodes)."""
    extra = (
        "  kubernetes:flags: {on: 1, yes: 2}\n"
        "  kubernetes:defaults:\n    db:\n      inner: &inner\n        <<: {port: 5, host: h}\n        port: 7\n"
        "  kubernetes:site:\n    x:\n      <<: *inner\n"
    )
    root = edited_project(tmp_path, {"Pulumi.staging.yaml": [("  nexus:environment:", extra + "  nexus:environment:")]})
    values = load_stack_config("staging", root=root).values
    assert values["kubernetes:site"] == {"x": {"port": 7, "host": "h"}}


def test_a_value_yaml_cannot_build_is_one_line_not_a_crash(tmp_path: Path, capsys: Any) -> None:
    root = edited_project(tmp_path, {"Pulumi.staging.yaml": [("  nexus:environment:", "  kubernetes:when: 2024-02-30\n  nexus:environment:")]})  # fmt: skip
    assert main(["plan", "--stack", "staging", "--project-dir", str(root)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Pulumi.staging.yaml") and "a value YAML cannot read: day is out of range" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


READERS = [["plan", "--stack", "staging", "--project-dir", "{root}"], ["check", "--stack", "staging"], ["compare"],
           ["cost", "--stack", "staging"], ["diagram", "--stack", "staging"], ["db-user", "--stack", "staging"],
           ["verify", "--stack", "staging"]]  # fmt: skip


@pytest.mark.parametrize("argv", READERS, ids=[argv[0] for argv in READERS])
def test_every_command_reading_stack_files_prints_the_one_line(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    root = edited_project(tmp_path, {"Pulumi.staging.yaml": [("    port: 5432", "\tport: 5432")]})
    reading_project(root, monkeypatch)
    code, out, err = run([arg.format(root=root) for arg in argv], capsys)
    n = line_of("Pulumi.staging.yaml", "    port: 5432")
    assert (code, out) == (EXIT_INVALID, "")
    assert err.splitlines() == [f"Pulumi.staging.yaml:{n}:1: a tab character here: YAML indents with spaces only"]


def test_bootstrap_reads_its_stack_file_through_the_same_loader(tmp_path: Path, capsys: Any) -> None:
    for name in ("Pulumi.yaml", "Pulumi.account.yaml"):
        shutil.copy(BOOTSTRAP_DIR / name, tmp_path / name)
    stack_file = tmp_path / "Pulumi.account.yaml"
    stack_file.write_text(stack_file.read_text().replace("    create: true\n", "    create: true\n    create: false\n"))
    first = line_of("Pulumi.account.yaml", "    create: true", tmp_path)
    code, out, err = run(["bootstrap", "--stack", "account", "--project-dir", str(tmp_path)], capsys)
    assert (code, out) == (EXIT_INVALID, "")
    assert err.splitlines() == [
        f"Pulumi.account.yaml:{first + 1}: nexus-bootstrap:state_backend.create is set twice "
        f"(lines {first} and {first + 1}); the Pulumi CLI refuses a duplicate key"
    ]
