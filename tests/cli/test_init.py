"""The command line itself (nexus.cli: main and run_and_exit): an unexpected error is one line
unless debugging, a write that fails is a message, and a reader that leaves early ends the
command quietly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import nexus.cli.diagram
import nexus.cli.diff
from nexus.cli import main
from nexus.config.errors import EXIT_INTERNAL, EXIT_INVALID
from nexus.config.stack_files import ROOT
from tests.support.cli import run


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
