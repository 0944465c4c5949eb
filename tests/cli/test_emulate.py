"""`nexus emulate`: a stack's environment in moto's server on loopback, verified; refused
inputs exit 2 before any work. The run that stays up (--keep), is changed by hand from another
process and stopped with Ctrl-C is an end-to-end test (marker e2e: `make e2e`)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest

import nexus.plans.offline as offline
from nexus.cli import main
from nexus.live import emulator
from nexus.live.emulator import CREDENTIAL_VARIABLES, port_is_open
from nexus.plans.offline import Plan

# Beside the other moto tests: one worker pays for moto's import and its API models.
pytestmark = pytest.mark.xdist_group("moto")

ENDPOINT = re.compile(r"emulated AWS \(moto\) on (http://127\.0\.0\.1:\d+)")


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*CREDENTIAL_VARIABLES, "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.e2e  # 4 s of building over HTTP: apart from the suite (make e2e)
def test_emulate_builds_the_stack_verifies_it_clean_and_stops_its_server(
    plans: dict[str, Plan],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    no_credentials: None,
) -> None:
    # The session's plan stands in for the command's own (the same program on the same file).
    monkeypatch.setattr(offline, "run_program", lambda config, settings: plans["development"])
    outputs, results = tmp_path / "outputs.json", tmp_path / "results"
    code = main(["emulate", "--stack", "development", "--outputs", str(outputs), "--results-dir", str(results)])
    out = capsys.readouterr().out
    assert code == 0, out
    lines = out.splitlines()
    assert not [line for line in lines if line.startswith("FAIL")]
    assert "PASS  health     database status: available" in lines
    assert re.search(r"^development: \d+ checks, \d+ passed, 0 failed", out, re.M)
    result = json.loads((results / "development.json").read_text())
    assert result["stack"] == "development" and result["summary"]["fail"] == 0
    # The outputs are moto's IDs, not the plan's mock ones.
    written = json.loads(outputs.read_text())
    assert written["vpc_id"].startswith("vpc-") and written["vpc_id"] != plans["development"].outputs["vpc_id"]
    # The server it started is gone, and nothing of the emulator stays in the environment.
    match = ENDPOINT.search(out)
    assert match and not port_is_open(match.group(1))
    assert "AWS_ENDPOINT_URL" not in os.environ and "AWS_ACCESS_KEY_ID" not in os.environ


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--stack", "stagng"], "did you mean 'staging'?"),
        (["--stack", "development", "--outputs", "{tmp}"], "is a directory; name a file"),
        (["--stack", "development", "--results-dir", "{tmp}/file"], "is a file; name a directory"),
    ],
)
def test_bad_input_exits_2_before_any_work(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "file").write_text("")
    monkeypatch.setattr(offline, "run_program", lambda *a: pytest.fail("planned despite bad input"))
    assert main(["emulate", *(a.replace("{tmp}", str(tmp_path)) for a in argv)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_without_moto_server_it_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "moto.server", None)  # what an install without the extra gives
    monkeypatch.setattr(offline, "run_program", lambda *a: pytest.fail("planned without an emulator"))
    assert main(["emulate", "--stack", "development"]) == 2
    assert "make venv/.installed installs moto[server]" in capsys.readouterr().err


def test_the_server_stops_even_when_the_block_fails() -> None:
    with pytest.raises(RuntimeError), emulator.moto_server() as server:
        assert port_is_open(server.endpoint)
        raise RuntimeError("a failing build")
    assert not port_is_open(server.endpoint)


def test_replicated_backups_are_described_as_rds_would_while_replication_works(no_credentials: None) -> None:
    """moto has no cross-region backup replication; the emulator answers for the backups an
    environment replicates, through botocore's own parser (a wrong field or shape fails here),
    and hands every other request to moto."""
    arn = "arn:aws:rds:us-west-2:123456789012:auto-backup:ab-EXAMPLE"
    with emulator.moto_server() as server:
        server.stand_in.replicated[arn] = {"DBInstanceAutomatedBackupsArn": arn, "Region": "us-east-1",
                                           "DBInstanceIdentifier": "nexus-production-db", "BackupRetentionPeriod": 14}  # fmt: skip
        rds = boto3.client("rds", region_name="us-west-2", endpoint_url=server.endpoint,
                           aws_access_key_id="emulated", aws_secret_access_key="emulated")  # noqa: S106  # fmt: skip
        (backup,) = rds.describe_db_instance_automated_backups(DBInstanceAutomatedBackupsArn=arn)[
            "DBInstanceAutomatedBackups"
        ]
        assert backup["Status"] == "replicating" and backup["BackupRetentionPeriod"] == 14
        lag = time.time() - backup["RestoreWindow"]["LatestTime"].timestamp()
        assert 0 < lag <= emulator.REPLICATION_LAG.total_seconds() + 60
        assert rds.describe_db_instance_automated_backups()["DBInstanceAutomatedBackups"] == []  # moto's answer


# ------------------------------------------------------------------ end to end, as a person runs it


def _children(pid: int) -> list[str]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            found.append(status.parent.name)
    return found


@pytest.mark.e2e
def test_keep_serves_verify_and_the_aws_api_until_ctrl_c(tmp_path: Path, no_credentials: None) -> None:
    """`nexus emulate --stack production --keep` in its own process, as the README shows it: a
    clean report, then a change made from another process with the printed variables fails
    exactly the check that watches it, and Ctrl-C leaves no process and no open port."""
    outputs = tmp_path / "outputs.json"
    endpoint = ""  # read from the command's output below; a run that never prints it fails there
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "nexus", "emulate", "--stack", "production", "--keep", "--outputs", str(outputs),
         "--results-dir", str(tmp_path / "emulated")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        seen: list[str] = []
        for line in process.stdout:
            seen.append(line.rstrip("\n"))
            if line.startswith("    export "):
                break
        report = "\n".join(seen)
        assert process.poll() is None, report + (process.stderr.read() if process.stderr else "")
        assert re.search(r"^production: \d+ checks, \d+ passed, 0 failed", report, re.M), report
        assert time.monotonic() - started < 60
        assert seen and seen[-1].startswith("    export "), report
        exports = dict(pair.split("=", 1) for pair in seen[-1].split()[1:])
        endpoint = exports["AWS_ENDPOINT_URL"]
        assert port_is_open(endpoint)  # up while the command runs (the check after it needs this one)
        assert _children(process.pid) == []  # the server is a thread of the command, nothing else

        # A hand change from another process, through the endpoint it printed.
        env = {k: v for k, v in os.environ.items() if k not in CREDENTIAL_VARIABLES}
        env.update(exports)
        logs = boto3.client("logs", region_name="us-east-1", endpoint_url=endpoint,
                            aws_access_key_id=exports["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=exports["AWS_SECRET_ACCESS_KEY"])  # fmt: skip
        logs.put_retention_policy(logGroupName="/nexus/production/vpc-flow-logs", retentionInDays=7)
        verify = subprocess.run(
            [sys.executable, "-m", "nexus", "verify", "--stack", "production", "--outputs", str(outputs),
             "--results-dir", str(tmp_path / "verify")],
            env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        failed = [line for line in verify.stdout.splitlines() if line.startswith("FAIL")]
        assert verify.returncode == 1, verify.stdout + verify.stderr
        assert failed == [
            "FAIL  drift      log group /nexus/production/vpc-flow-logs retention: expected 90, live 7"
        ], failed
    finally:
        process.send_signal(signal.SIGINT)
        try:
            rest, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0 and "stopped" in rest
    assert endpoint and not port_is_open(endpoint)


@pytest.mark.e2e
def test_ctrl_c_while_building_stops_the_server_with_a_line_not_a_traceback(
    tmp_path: Path, no_credentials: None
) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "nexus", "emulate", "--stack", "production", "--outputs", str(tmp_path / "o.json"),
         "--results-dir", str(tmp_path / "r")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    first = process.stdout.readline()
    match = ENDPOINT.search(first)
    assert match, first
    process.send_signal(signal.SIGINT)  # the build has only begun
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130 and err.strip() == "interrupted", (out, err)
    assert not port_is_open(match.group(1))


def test_a_stack_the_emulator_cannot_build_is_one_line_and_exit_2(
    plans: dict[str, Plan], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], no_credentials: None
) -> None:
    from botocore.exceptions import ClientError

    def refuse(plan: object, session: object) -> None:
        raise ClientError({"Error": {"Code": "InvalidParameterValue", "Message": "moto says no"}}, "CreateVpc")

    monkeypatch.setattr(offline, "run_program", lambda config, settings: plans["development"])
    monkeypatch.setattr(emulator, "build", refuse)
    assert main(["emulate", "--stack", "development"]) == 2
    err = capsys.readouterr().err
    assert "the emulator could not build it" in err and "moto says no" in err and "Traceback" not in err
