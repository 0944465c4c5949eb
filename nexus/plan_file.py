"""Reading plan JSON files (`nexus plan --json`) for diff and check, refusing anything else
with a message instead of a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nexus.errors import InputError

WRITTEN_BY = "python -m nexus plan --json FILE (or --all --json DIR)"


def read_plan(path: Path) -> dict[str, Any]:
    """The plan document in `path`, checked for the fields the tools read."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected a plan JSON file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a text file, expected plan JSON written by {WRITTEN_BY}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror})") from None
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise InputError(f"{path}: not JSON ({exc}); expected plan JSON written by {WRITTEN_BY}") from None
    if problem := _shape_problem(doc):
        raise InputError(f"{path}: not a plan JSON file ({problem}); expected what {WRITTEN_BY} writes")
    return doc  # type: ignore[no-any-return]


def _shape_problem(doc: Any) -> str | None:
    if not isinstance(doc, dict):
        return "the top level is not an object"
    for key in ("stack", "environment"):
        if not isinstance(doc.get(key), str):
            return f"no {key!r} text"
    resources = doc.get("resources")
    if not isinstance(resources, list):
        return "no 'resources' list"
    for i, r in enumerate(resources):
        if not isinstance(r, dict) or not all(isinstance(r.get(k), str) for k in ("urn", "type", "name")):
            return f"resources[{i}] lacks urn, type or name"
        if not all(isinstance(r.get(k, {}), dict) for k in ("inputs", "options")):
            return f"resources[{i}]: inputs and options must be objects"
    return None
