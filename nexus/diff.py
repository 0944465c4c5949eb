"""`nexus diff`: what a change would create, change and delete, from two offline plans.

Works on plan JSON files (`nexus plan --json`) or directories of them (`--all --json DIR`),
so a pull request from a fork gets a review of every environment without credentials.
Secret inputs are already masked in plan JSON and stay masked here.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_VALUE = 80


@dataclass
class StackChanges:
    stack: str
    created: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    # resource label -> [(property path, old, new)]
    changed: dict[str, list[tuple[str, Any, Any]]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.created or self.deleted or self.changed)


def load_plans(path: Path) -> dict[str, dict[str, Any]]:
    """Plans by stack from a plan JSON file or a directory of them; anything else is an
    InputError naming the path (no traceback)."""
    from nexus.errors import InputError
    from nexus.plan_file import WRITTEN_BY, read_plan

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


def diff_plans(base: dict[str, dict[str, Any]], head: dict[str, dict[str, Any]]) -> list[StackChanges]:
    result = []
    for stack in sorted(set(base) | set(head)):
        b = {r["urn"]: r for r in base.get(stack, {}).get("resources", [])}
        h = {r["urn"]: r for r in head.get(stack, {}).get("resources", [])}
        changes = StackChanges(stack)
        changes.created = [_label(h[u]) for u in sorted(set(h) - set(b))]
        changes.deleted = [_label(b[u]) for u in sorted(set(b) - set(h))]
        for urn in sorted(set(b) & set(h)):
            props = _changed(b[urn].get("inputs", {}), h[urn].get("inputs", {}), "")
            props += _changed(b[urn].get("options", {}), h[urn].get("options", {}), "(option) ")
            if props:
                changes.changed[_label(h[urn])] = props
        result.append(changes)
    return result


def _label(r: dict[str, Any]) -> str:
    return f"{r['type']} {r['name']}"


def _changed(old: Any, new: Any, path: str) -> list[tuple[str, Any, Any]]:
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in sorted(set(old) | set(new)):
            sub = f"{path}.{key}" if path and not path.endswith(" ") else f"{path}{key}"
            out += _changed(old.get(key), new.get(key), sub)
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [c for i, (o, n) in enumerate(zip(old, new, strict=True)) for c in _changed(o, n, f"{path}[{i}]")]
    return [] if old == new else [(path, old, new)]


def _short(value: Any) -> str:
    text = "(unset)" if value is None else json.dumps(value) if not isinstance(value, str) else value
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def render_text(all_changes: list[StackChanges]) -> str:
    lines = []
    for c in all_changes:
        if c.empty:
            lines.append(f"{c.stack}: no changes")
            continue
        lines.append(f"{c.stack}: {len(c.created)} to create, {len(c.changed)} to change, {len(c.deleted)} to delete")
        lines += [f"  + {label}" for label in c.created]
        for label, props in c.changed.items():
            lines.append(f"  ~ {label}")
            lines += [f"      {p}: {_short(o)} -> {_short(n)}" for p, o, n in props]
        lines += [f"  - {label}" for label in c.deleted]
    return "\n".join(lines)


def render_markdown(all_changes: list[StackChanges]) -> str:
    lines = [
        "### Infrastructure changes (offline plan)",
        "",
        "| Stack | Create | Change | Delete |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += [f"| {c.stack} | {len(c.created)} | {len(c.changed)} | {len(c.deleted)} |" for c in all_changes]
    for c in all_changes:
        if c.empty:
            continue
        lines += ["", f"<details><summary><b>{c.stack}</b></summary>", "", "```diff"]
        lines += [f"+ {label}" for label in c.created]
        for label, props in c.changed.items():
            lines.append(f"~ {label}")
            lines += [f"~     {p}: {_short(o)} -> {_short(n)}" for p, o, n in props]
        lines += [f"- {label}" for label in c.deleted]
        lines += ["```", "", "</details>"]
    return "\n".join(lines)
