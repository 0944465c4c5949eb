"""`python -m nexus` in process: every bad input ends in a message and exit code 2, never a
traceback. And files that are not what a command expects."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

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


def reading_project(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands without --project-dir (check, compare, cost, diagram, db-user, verify) read
    the project in `root` instead of the repository: the loader's functions default to ROOT,
    and their defaults point at `root` until the test ends."""
    from nexus.config import stack_files

    for function in (stack_files.load_stack_config, stack_files.load_all, stack_files.stack_names,
                     stack_files.personal_stack_files, stack_files.skipped_notice):  # fmt: skip
        if function.__defaults__:
            defaults = tuple(root if d is stack_files.ROOT else d for d in function.__defaults__)
            monkeypatch.setattr(function, "__defaults__", defaults)
        for name, default in (function.__kwdefaults__ or {}).items():
            if default is stack_files.ROOT:
                monkeypatch.setitem(function.__kwdefaults__, name, root)  # type: ignore[arg-type]


def bad_paths(tmp: Path) -> dict[str, Path]:
    (tmp / "empty").mkdir()
    (tmp / "not-json.json").write_text("config:\n  aws:region: us-east-1\n")
    (tmp / "list.json").write_text("[1, 2]")
    (tmp / "no-resources.json").write_text('{"stack": "development", "environment": "development"}')
    (tmp / "binary.json").write_bytes(b"\xff\xfe\x00")
    plan = '{"stack": "development", "environment": "development", "resources": [%s], "settings": %s}'
    resource = '{"urn": "u", "type": "t", "name": "n", "inputs": {}, "options": %s%s}'
    (tmp / "settings-list.json").write_text(plan % ("", "[1]"))
    (tmp / "section-null.json").write_text(plan % ("", '{"database": null}'))
    (tmp / "digests-null.json").write_text(plan % (resource % ("{}", ', "secret_digests": null'), "{}"))
    (tmp / "aliases-text.json").write_text(plan % (resource % ('{"aliases": "parameters"}', ""), "{}"))
    return {
        "missing": tmp / "missing.json",
        "directory without plans": tmp / "empty",
        "not JSON": tmp / "not-json.json",
        "JSON, not a plan": tmp / "list.json",
        "plan without resources": tmp / "no-resources.json",
        "not text": tmp / "binary.json",
        "settings not an object": tmp / "settings-list.json",
        "a settings section not an object": tmp / "section-null.json",
        "secret digests not an object": tmp / "digests-null.json",
        "aliases not a list": tmp / "aliases-text.json",
    }


BAD_FILES = ["missing", "not JSON", "JSON, not a plan", "plan without resources", "not text",
             "settings not an object", "a settings section not an object", "secret digests not an object",
             "aliases not a list"]  # fmt: skip
