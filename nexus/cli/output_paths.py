"""Output paths of the commands, refused before any work when they cannot be written."""

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
    if not directory and path.is_dir():
        raise InputError(f"{flag} {path}: is a directory; name a file, e.g. {path / example}")
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise InputError(f"{flag} {path}: {ancestor} is a file, not a directory")
