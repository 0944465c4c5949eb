"""Output paths (nexus.cli.output_paths): a file where a directory belongs, and back, is refused
before anything is planned."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nexus.config.errors import EXIT_INVALID
from tests.support.cli import run


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
