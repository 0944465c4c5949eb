"""`nexus diff`: what a change would create, update, replace and delete, from two offline plans.

Works on plan JSON files (`nexus plan --json`) or directories of them (`--all --json DIR`),
so a pull request from a fork gets a review of every environment without credentials.
Secret inputs are already masked in plan JSON and stay masked here.

A resource is REPLACED (deleted and created anew: a new ID, and for stateful resources new,
empty storage) when an argument that the provider marks `ForceNew` changes. Those arguments
come from nexus/plans/force_new.json, read from terraform-provider-aws's schemas (which pulumi-aws
wraps); see that file's provenance. A replacement propagates: a resource whose force-new
argument holds the ID or ARN of a replaced resource is replaced too (a new VPC means a new
`vpcId` for every subnet), and one that refers to it through another argument is updated.
A replacement (or deletion) of a Pulumi-protected resource or of a database is BLOCKING:
it is said first, in the text and at the top of the pull-request comment.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nexus.config.errors import InputError
from nexus.plans.force_new import forces_new
from nexus.plans.model import load_plans

DATABASE_TYPES = ("aws:rds/instance:Instance",)
UNSET = "(unset)"
FORCES = ": forces replacement"

Change = tuple[str, Any, Any]  # (property path, old, new)


@dataclass
class StackChanges:
    stack: str
    created: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    # resource label -> [(property path, old, new)]: changed in place
    changed: dict[str, list[Change]] = field(default_factory=dict)
    # resource label -> [(property path, old, new)]: replaced (its own changes, may be empty)
    replaced: dict[str, list[Change]] = field(default_factory=dict)
    # resource label -> why it is replaced or updated without a change of its own
    reasons: dict[str, list[str]] = field(default_factory=dict)
    blocking: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.created or self.deleted or self.changed or self.replaced)

    def summary(self) -> str:
        return (
            f"{len(self.created)} to create, {len(self.changed)} to update, "
            f"{len(self.replaced)} to replace, {len(self.deleted)} to delete"
        )


def diff_plans(base: dict[str, dict[str, Any]], head: dict[str, dict[str, Any]]) -> list[StackChanges]:
    return [_diff_stack(stack, base.get(stack, {}), head.get(stack, {})) for stack in sorted(set(base) | set(head))]


def _diff_stack(stack: str, base: dict[str, Any], head: dict[str, Any]) -> StackChanges:
    b = {r["urn"]: r for r in base.get("resources", [])}
    h = {r["urn"]: r for r in head.get("resources", [])}
    changes = StackChanges(stack)
    changes.created = [_label(h[u]) for u in sorted(set(h) - set(b))]
    changes.deleted = [_label(b[u]) for u in sorted(set(b) - set(h))]
    common = sorted(set(b) & set(h))

    own: dict[str, list[Change]] = {}
    replaced: dict[str, list[str]] = {}  # urn -> reasons
    for urn in common:
        old, new = b[urn], h[urn]
        props = _changed(old.get("inputs", {}), new.get("inputs", {}), "")
        props += _changed(old.get("options", {}), new.get("options", {}), "(option) ")
        own[urn] = props
        forcing = [p for p, _, _ in props if not p.startswith("(option)") and forces_new(new["type"], p)]
        if forcing:
            replaced[urn] = [f"{p}{FORCES}" for p in forcing]
        elif old.get("provider") != new.get("provider"):
            replaced[urn] = ["its provider changes"]

    # Propagate: a new ID for a replaced resource reaches every input that holds it.
    updated_by: dict[str, list[str]] = {}
    frontier = list(replaced)
    while frontier:
        tokens = {u: _identity_tokens(b[u]) for u in frontier}
        frontier = []
        for urn in common:
            r, already = h[urn], urn in replaced
            for source, toks in tokens.items():
                label = _label(b[source])
                for path in _paths_referring(r.get("inputs", {}), toks, "") if source != urn else []:
                    if forces_new(r["type"], path):
                        replaced.setdefault(urn, []).append(f"{path}: refers to replaced {label}")
                    else:
                        updated_by.setdefault(urn, []).append(f"{path}: refers to replaced {label} (new ID)")
            if urn in replaced and not already:
                frontier.append(urn)

    for urn in common:
        label = _label(h[urn])
        if urn in replaced:
            changes.replaced[label] = own[urn]
            changes.reasons[label] = replaced[urn]
        elif own[urn] or urn in updated_by:
            changes.changed[label] = own[urn]
            if urn in updated_by:
                changes.reasons[label] = updated_by[urn]

    for urn in common:
        if urn in replaced and (why := _precious(b[urn]) or _precious(h[urn])):
            changes.blocking.append(f"{stack}: replaces {_label(h[urn])} ({why})")
    for urn in sorted(set(b) - set(h)):
        if why := _precious(b[urn]):
            changes.blocking.append(f"{stack}: deletes {_label(b[urn])} ({why})")
    return changes


def _precious(r: dict[str, Any]) -> str:
    """Why losing this resource loses something: '' when it does not."""
    if r["type"] in DATABASE_TYPES:
        return "a database: the replacement starts from an empty one"
    if (r.get("options") or {}).get("protect"):
        return "Pulumi-protected: the update would fail half-way"
    return ""


def _identity_tokens(r: dict[str, Any]) -> list[str]:
    """Strings by which other inputs refer to this resource: its ID, its computed ARN and the like
    (`refs` in the plan JSON), and the ID's digest, which the offline plan's mock ARNs,
    endpoints and zone IDs carry (nexus/offline.py `new_resource`)."""
    rid = str(r.get("id") or "")
    if not rid or not r.get("custom", True):
        return []
    tokens = [rid, *r.get("refs", [])]
    if m := re.search(r"-([0-9a-f]{8})$", rid):
        tokens.append(m.group(1))
    return tokens


def _paths_referring(value: Any, tokens: list[str], path: str) -> list[str]:
    """Top-level argument paths of `value` whose strings contain one of `tokens`."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _paths_referring(v, tokens, f"{path}.{k}" if path else k)]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _paths_referring(v, tokens, f"{path}[{i}]")]
    if isinstance(value, str):
        low = value.lower()
        return [path] if any(t.lower() in low for t in tokens) else []
    return []


def _label(r: dict[str, Any]) -> str:
    return f"{r['type']} {r['name']}"


def _changed(old: Any, new: Any, path: str) -> list[Change]:
    """Every difference between two values, down to the smallest part that differs."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in sorted(set(old) | set(new)):
            sub = f"{path}.{key}" if path and not path.endswith(" ") else f"{path}{key}"
            out += _changed(old.get(key), new.get(key), sub)
        return out
    if isinstance(old, list) and isinstance(new, list):
        return _list_changes(old, new, path)
    if isinstance(old, str) and isinstance(new, str) and old != new:
        parsed_old, parsed_new = _json_document(old), _json_document(new)
        if parsed_old is not None and parsed_new is not None:
            return _changed(parsed_old, parsed_new, f"{path}(json)")
    return [] if old == new else [(path, old, new)]


def _list_changes(old: list[Any], new: list[Any], path: str) -> list[Change]:
    """Element by element: a removed or added element shows as itself, not as a shifted list."""
    keys_old = [json.dumps(v, sort_keys=True) for v in old]
    keys_new = [json.dumps(v, sort_keys=True) for v in new]
    out: list[Change] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=keys_old, b=keys_new, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        if op == "replace" and i2 - i1 == j2 - j1:
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                out += _changed(old[i], new[j], f"{path}[{j}]")
            continue
        out += [(f"{path}[{i}]", old[i], None) for i in range(i1, i2)]
        out += [(f"{path}[{j}]", None, new[j]) for j in range(j1, j2)]
    return out


def _json_document(text: str) -> Any:
    """A JSON object or array inside a string input (policies, dashboards), else None."""
    if not text.lstrip().startswith(("{", "[")):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict | list) else None


def _show(value: Any) -> str:
    """A value in full: a change is never cut short."""
    return UNSET if value is None else value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _lines(c: StackChanges, prefix: str, marks: dict[str, str]) -> list[str]:
    """One line per resource, then one per changed property or reason, each led by its mark."""
    lines = [f"{prefix}{marks['+']} {label}" for label in c.created]
    for label, props in c.changed.items():
        lines.append(f"{prefix}{marks['~']} {label}")
        lines += [f"{prefix}{marks['~']}     {p}: {_show(o)} -> {_show(n)}" for p, o, n in props]
        lines += [f"{prefix}{marks['~']}     {why}" for why in c.reasons.get(label, [])]
    for label, props in c.replaced.items():
        reasons = c.reasons.get(label, [])
        forcing = {why.removesuffix(FORCES) for why in reasons if why.endswith(FORCES)}
        lines.append(f"{prefix}{marks['±']} {label} (replace)")
        lines += [
            f"{prefix}{marks['±']}     {p}: {_show(o)} -> {_show(n)}{'  (forces replacement)' if p in forcing else ''}"
            for p, o, n in props
        ]
        lines += [f"{prefix}{marks['±']}     {why}" for why in reasons if not why.endswith(FORCES)]
    lines += [f"{prefix}{marks['-']} {label}" for label in c.deleted]
    return lines


def render_text(all_changes: list[StackChanges]) -> str:
    lines = [f"BLOCKING: {b}" for c in all_changes for b in c.blocking]
    for c in all_changes:
        if c.empty:
            lines.append(f"{c.stack}: no changes")
            continue
        lines.append(f"{c.stack}: {c.summary()}")
        lines += _lines(c, "  ", {"+": "+", "~": "~", "±": "-/+", "-": "-"})
    return "\n".join(lines)


def render_markdown(all_changes: list[StackChanges]) -> str:
    lines = ["### Infrastructure changes (offline plan)", ""]
    blocking = [b for c in all_changes for b in c.blocking]
    if blocking:
        lines += ["> [!CAUTION]", "> **BLOCKING**: this change replaces or deletes what must survive:"]
        lines += [f"> - **BLOCKING**: {b}" for b in blocking]
        lines.append("")
    lines += ["| Stack | Create | Update | Replace | Delete |", "| --- | ---: | ---: | ---: | ---: |"]
    lines += [
        f"| {c.stack} | {len(c.created)} | {len(c.changed)} | {len(c.replaced)} | {len(c.deleted)} |"
        for c in all_changes
    ]
    for c in all_changes:
        if c.empty:
            continue
        lines += ["", f"<details><summary><b>{c.stack}</b>: {c.summary()}</summary>", "", "```diff"]
        lines += _lines(c, "", {"+": "+", "~": "!", "±": "-/+", "-": "-"})
        lines += ["```", "", "</details>"]
    return "\n".join(lines)


def configure(diff: argparse.ArgumentParser) -> None:
    diff.add_argument("base", type=Path, help="plan JSON, or a directory of them (plan --all --json DIR)")
    diff.add_argument("head", type=Path)
    diff.add_argument("--markdown", action="store_true", help="a pull-request comment")


def run(args: argparse.Namespace) -> int:
    base, head = load_plans(args.base), load_plans(args.head)
    if not base and not head:
        raise InputError(f"{args.base} and {args.head} hold no plan JSON; write them with plan --json")
    changes = diff_plans(base, head)
    print(render_markdown(changes) if args.markdown else render_text(changes))
    return 0
