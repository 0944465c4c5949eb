"""Property-based: every generated stack file is refused (exit 2, each line naming a key) or
planned with every resource inside the AWS limits the project knows. Never a traceback.

Budgets: the suite runs the `nexus-default` profile (deterministic, a few seconds); `make fuzz`
runs `nexus-fuzz` (NEXUS_HYPOTHESIS_PROFILE=fuzz, random, thousands of cases) and prints how
many cases each property tried (--hypothesis-show-statistics).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings

from nexus.cli import main
from nexus.config.environment import settings_from_cli_config
from nexus.config.messages import SettingsError
from nexus.config.stack_files import load_stack_config
from tests.aws_limits import violations
from tests.settings_strategies import StackFile, stack_files

_COMMON: dict[str, Any] = {"deadline": None, "suppress_health_check": list(HealthCheck), "print_blob": True}
settings.register_profile("nexus-default", max_examples=40, derandomize=True, database=None, **_COMMON)
settings.register_profile("nexus-fuzz", max_examples=4000, **_COMMON)
PROFILE = settings.get_profile("nexus-" + os.environ.get("NEXUS_HYPOTHESIS_PROFILE", "default"))
# A full offline plan costs 0.1-0.3 s warm: a twentieth of the validation budget.
PLAN_PROFILE = settings(PROFILE, max_examples=max(PROFILE.max_examples // 20, 3))

# What a problem line starts with: the key it is about.
KEY = re.compile(r"^(nexus:[a-z0-9_.*\[\]]+|aws:region|aws:defaultTags|stack name)( = .+)?: .+")


def write_project(sf: StackFile, root: Path) -> Path:
    project = {"name": "nexus", "runtime": "python", "config": {k: {"value": v} for k, v in sf.project.items()}}
    dump = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml when the wheel has it: faster
    (root / "Pulumi.yaml").write_text(yaml.dump(project, Dumper=dump, allow_unicode=True))
    (root / f"Pulumi.{sf.stack}.yaml").write_text(yaml.dump({"config": sf.config}, Dumper=dump, allow_unicode=True))
    return root


def assert_refusal_names_keys(lines: list[str], sf: StackFile) -> None:
    assert lines, "refused without saying why"
    for line in lines:
        assert KEY.match(line), f"problem line names no key: {line!r}"
        assert "\n" not in line
    for key, cross in sf.expected.items():
        # A rule between keys runs only when every key of its section is valid (pydantic's
        # model validators), so it is required only then.
        if cross and any(line.startswith(key + ".") for line in lines):
            continue
        assert any(re.match(re.escape(key) + r"(\.\d+|\[\d+\])?( = |: )", line) for line in lines), (key, lines)


@settings(PROFILE)
@given(stack_files())
def test_generated_settings_are_refused_naming_the_key_or_accepted(sf: StackFile) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = write_project(sf, Path(tmp))
        config = load_stack_config(sf.stack, root=root)  # what `nexus plan` validates first
        try:
            config.settings()
            refused: list[str] = []
        except SettingsError as exc:
            refused = [problem for _, problems in exc.blocks for problem in problems]  # Pulumi.yaml's too
        if refused:
            assert_refusal_names_keys(refused, sf)
        else:
            assert not sf.expected, f"accepted, but AWS refuses: {sorted(sf.expected)}"
        # The program under the real CLI gets every value as a string: the same verdict.
        # (A YAML date is refused from the file but arrives as text through the CLI.)
        if not sf.has_date:
            try:
                settings_from_cli_config(config.as_cli_strings(), stack=sf.stack, source="cli")
                cli: list[str] = []
            except SettingsError as exc:
                cli = [problem for _, problems in exc.blocks for problem in problems]
            assert sorted(cli) == sorted(refused)


@PLAN_PROFILE
@given(stack_files(bad_percent=1))
def test_generated_stack_files_plan_inside_aws_limits_or_exit_2(sf: StackFile) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = write_project(sf, Path(tmp))
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["plan", f"--stack={sf.stack}", "--project-dir", str(root), "--quiet",
                         "--json", str(root / "plan.json")])  # fmt: skip
        assert "Traceback" not in out.getvalue() + err.getvalue()
        if code == 2:
            lines = [line[4:] for line in err.getvalue().splitlines() if line.startswith("  - ")]
            assert_refusal_names_keys(lines, sf)
            return
        assert code == 0, err.getvalue()
        assert not sf.expected, f"planned, but AWS refuses: {sorted(sf.expected)}"
        assert violations(json.loads((root / "plan.json").read_text())) == []
