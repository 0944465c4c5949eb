"""Paths of the commands, refused before any work: outputs that cannot be written, inputs that
cannot be compared."""

from __future__ import annotations

from pathlib import Path

from nexus.config.errors import InputError


def check_output(flag: str, path: Path | None, *, directory: bool = False, example: str = "") -> None:
    """Refuse an output path that is the wrong kind of thing (a directory for a file, a file
    on the way to it) with a message, before any work; other failures (permissions, a full
    disk) surface as OSError when writing, also exit 2."""
    if path is None:
        return
    if directory and path.exists() and not path.is_dir():
        raise InputError(f"{flag} {path}: is a file; with --all this is a directory, one plan JSON per stack")
    if directory and not path.exists() and path.suffix == ".json":
        # Without this, `plan --all --json x.json` makes a directory called x.json.
        raise InputError(
            f"{flag} {path}: with --all this is a directory, one plan JSON per stack; name a directory "
            f"(e.g. {path.with_suffix('')}), or plan one stack with --stack"
        )
    if not directory and path.is_dir():
        raise InputError(f"{flag} {path}: is a directory; name a file, e.g. {path / example}")
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise InputError(f"{flag} {path}: {ancestor} is a file, not a directory")


def check_comparable(base: Path, head: Path) -> None:
    """Two plan inputs of one kind: a directory of plans against one plan file would show every
    other stack as deleted (false BLOCKING deletions)."""
    if base.exists() and head.exists() and base.is_dir() != head.is_dir():
        directory, file = (base, head) if base.is_dir() else (head, base)
        if not any(directory.glob("*.json")):
            return  # no plans at all (a base that could not be planned): everything is new
        raise InputError(
            f"{directory} is a directory of plans and {file} one plan file: compare two files or two "
            "directories (plan --all --json DIR writes a directory)"
        )
