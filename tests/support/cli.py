"""`python -m nexus` in process: every bad input ends in a message and exit code 2, never a
traceback. And files that are not what a command expects."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nexus.cli import main
from nexus.config.errors import EXIT_INVALID
from tests.support.projects import edited_project


def run(argv: list[str], capsys: Any) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def refusal(tmp: Path, edits: dict[str, list[tuple[str, str]]], capsys: Any, *argv: str) -> str:
    """What `plan` (by default `plan --stack staging`) prints on stderr for an edited copy of the
    project, which it must refuse with exit code 2."""
    root = edited_project(tmp, edits)
    code, out, err = run(["plan", *(argv or ("--stack", "staging")), "--project-dir", str(root)], capsys)
    assert code == EXIT_INVALID and out == "", err
    return err


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
