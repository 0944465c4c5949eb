"""The plan document every tool reads and writes: what `nexus plan --json` writes
(offline.Plan.to_json), read back from files or directories with a message instead of a
traceback when it is anything else, or planned on the spot for a stack; and its one
resource count."""

from __future__ import annotations

import json
import sys
from collections.abc import Sized
from pathlib import Path
from typing import Any

from nexus.config.errors import InputError

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
        if not all(isinstance(r.get(k, {}), dict) for k in ("inputs", "options", "secret_digests")):
            return f"resources[{i}]: inputs, options and secret_digests must be objects"
        aliases = r.get("options", {}).get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            return f"resources[{i}]: options.aliases must be a list of names"
    settings = doc.get("settings", {})
    if not isinstance(settings, dict) or not all(isinstance(v, dict) for k, v in settings.items() if k in _SECTIONS):
        return "'settings' must be an object of settings sections"
    return None


# The settings sections a plan's settings document holds as objects (nexus.config.environment).
_SECTIONS = ("application", "features", "limits", "network", "database", "load_balancer", "secrets", "protection",
             "monitoring", "security", "performance", "identity", "audit")  # fmt: skip


def load_plans(path: Path) -> dict[str, dict[str, Any]]:
    """Plans by stack from a plan JSON file or a directory of them; anything else is an
    InputError naming the path (no traceback)."""
    from nexus.config.errors import InputError
    from nexus.plans.model import WRITTEN_BY, read_plan

    if not path.exists():
        raise InputError(f"{path}: no such file or directory; expected plan JSON written by {WRITTEN_BY}")
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    if not files:
        # The pull-request workflow diffs against an empty directory when the base cannot be
        # planned (a base older than the tools): every resource is then new. Say so, go on.
        print(f"note: {path} holds no plan JSON (*.json): diffing against no plans", file=sys.stderr)
        return {}
    plans: dict[str, dict[str, Any]] = {}
    for f in files:
        plan = read_plan(f)
        if plan["stack"] in plans:
            raise InputError(f"{f}: a second plan of stack {plan['stack']!r} in {path}")
        plans[plan["stack"]] = plan
    return plans


def plan_json(stack: str) -> dict[str, Any]:
    from nexus.config.stack_files import load_stack_config
    from nexus.plans.offline import run_program

    config = load_stack_config(stack)
    return run_program(config, config.settings()).to_json()


def resource_count(resources: Sized) -> int:
    """The one count of a stack's resources, printed by plan, check and compare and quoted in
    docs/setup.md: what `pulumi preview` reports "to create" for a new stack, so the two can be
    compared. The engine counts a step for every resource the program registers (custom
    resources, components, explicit providers) and for the root Stack, leaving out only
    default providers (pulumi/pulumi pkg/engine: shouldReportStep skips isDefaultProviderStep),
    which the stack files disable. A plan lists every registered resource but the Stack: + 1."""
    return len(resources) + 1
