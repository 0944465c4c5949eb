"""`nexus drill-result` (nexus.cli.drill_result): the recovery drill's result file and job summary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import run

ARGS = ["drill-result", "--stack", "recovery-drill-123", "--source", "staging", "--started-at", "2026-12-08T02:00:00Z"]


def test_the_result_has_the_documented_shape(tmp_path: Path, capsys: Any) -> None:
    code, out, _ = run([*ARGS, "--restore-seconds", "1260", "--verify-outcome", "success",
                        "--results-dir", str(tmp_path)], capsys)  # fmt: skip
    assert code == 0
    doc = json.loads((tmp_path / "recovery-drill-123.json").read_text())
    # The keys the status page reads (docs/disaster-recovery.md, "The drill's result").
    assert doc == {"stack": "recovery-drill-123", "started_at": "2026-12-08T02:00:00Z", "restore_seconds": 1260,
                   "verify_passed": True, "source_stack": "staging"}  # fmt: skip
    assert "Recovery drill PASSED" in out and "1260 s (21.0 min)" in out


def test_a_restore_that_did_not_finish_is_a_failed_drill(tmp_path: Path, capsys: Any) -> None:
    code, out, _ = run([*ARGS, "--restore-seconds", "", "--verify-outcome", "skipped",
                        "--results-dir", str(tmp_path)], capsys)  # fmt: skip
    doc = json.loads((tmp_path / "recovery-drill-123.json").read_text())
    assert code == 0 and (doc["restore_seconds"], doc["verify_passed"]) == (None, False)
    assert "Recovery drill FAILED" in out and "did not finish" in out


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (["--restore-seconds", "12.5"], "--restore-seconds '12.5': whole seconds"),
        (["--verify-outcome", "passed"], "--verify-outcome 'passed': one of success"),
        (["--started-at", "yesterday"], "--started-at 'yesterday': not an ISO 8601 time"),
        (["--started-at", "2026-12-08T02:00:00"], "give the time in UTC"),
        (["--source", "Staging"], "--source 'Staging'"),
    ],
)
def test_bad_values_exit_2_in_one_line(change: list[str], says: str, tmp_path: Path, capsys: Any) -> None:
    argv = [*ARGS, "--restore-seconds", "10", "--verify-outcome", "success", "--results-dir", str(tmp_path)]
    for flag, value in zip(change[::2], change[1::2], strict=True):
        argv[argv.index(flag) + 1] = value
    code, out, err = run(argv, capsys)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and says in err, err
    assert not list(tmp_path.iterdir())
