"""`nexus verify` when it cannot run: exit code 2 with a message, no traceback (verify against an
emulated AWS: tests/live/test_verify.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nexus.cli import main
from nexus.live.emulator import CREDENTIAL_VARIABLES, NO_CREDENTIALS
from nexus.plans.offline import Plan

# The tests of tests/live/test_verify.py share one worker (the emulated AWS environment);
# these ran beside them before they had a file of their own, and still do.
pytestmark = pytest.mark.xdist_group("moto")


STACK = "production"


def test_unknown_stack_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--stack", "no-such-stack"]) == 2
    err = capsys.readouterr().err
    assert "no stack file Pulumi.no-such-stack.yaml for stack 'no-such-stack'" in err and "Traceback" not in err


def test_missing_pulumi_cli_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no pulumi anywhere
    assert main(["verify", "--stack", STACK]) == 2
    assert "the pulumi CLI is not installed" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"region": "us-east-1"}', "the stack has no output vpc_id, url, load_balancer_arn"),
        ("WRONG_TYPE", 'output alarm_names = "nexus-production-db-cpu": expected a list of strings'),
    ],
)
def test_invalid_outputs_exit_2(
    plans: dict[str, Plan], tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    if content == "WRONG_TYPE":
        content = json.dumps({**plans[STACK].outputs, "alarm_names": "nexus-production-db-cpu"})
    path = tmp_path / "outputs.json"
    path.write_text(content)
    assert main(["verify", "--stack", STACK, "--outputs", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_no_credentials_exits_2(
    plans: dict[str, Plan], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in NO_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(plans[STACK].outputs))
    assert main(["verify", "--stack", STACK, "--outputs", str(path), "--results-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no AWS credentials found" in err and "Traceback" not in err
    assert not (tmp_path / f"{STACK}.json").exists()  # nothing checked, nothing recorded
