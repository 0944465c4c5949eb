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
it is said first, in the text and at the top of the pull-request comment. So is a replacement
that the bridge performs delete-first (an explicit physical name) while another resource still
uses the old one, and every settings change that the day-two table (nexus/config/day_two.py,
docs/day-two.md) classes "refused" or "data loss". The changed settings come first, each with
what it does on AWS; then the resources. Secret inputs are compared by digest. A resource
matched through its alias (an earlier logical name) is the same resource, not a replacement.
`--fail-on blocking` exits 1 when anything is BLOCKING (the workflows use it).
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nexus.cli.output_paths import check_comparable
from nexus.config.day_two import Verdict, classify
from nexus.config.errors import EXIT_FINDINGS, InputError
from nexus.plans.force_new import forces_new
from nexus.plans.model import load_plans

DATABASE_TYPES = ("aws:rds/instance:Instance",)
# Inputs that hold a resource's physical name when the program sets it. The bridge deletes a
# resource with an explicit name before it creates the replacement, so that the name is free
# (pulumi-terraform-bridge pkg/tfbridge/schema.go, nameRequiresDeleteBeforeReplace).
EXPLICIT_NAME_INPUTS = ("name", "bucket", "identifier")
TAG_INPUTS = ("tags", "tagsAll")
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
    # the settings that differ, each with what its change does (nexus.config.day_two)
    settings: list[Verdict] = field(default_factory=list)
    # resource label -> the logical name it had (matched through its alias: no replacement)
    renamed: dict[str, str] = field(default_factory=dict)
    # resources whose only update is their tags (the provider's default tags, or tags inputs)
    tag_only: int = 0

    @property
    def empty(self) -> bool:
        return not (self.created or self.deleted or self.changed or self.replaced or self.settings)

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
    if base.get("settings") and head.get("settings"):
        changes.settings = classify(base["settings"], head["settings"])
        changes.blocking += [
            f"{stack}: {v.key} {_show(v.old)} -> {_show(v.new)} ({v.effect}): {v.what}"
            for v in changes.settings
            if v.blocking
        ]
    # An alias (an earlier logical name) makes the engine move the old state onto the new name.
    moved: dict[str, str] = {}
    for urn in sorted(set(h) - set(b)):
        for alias in h[urn].get("options", {}).get("aliases", []):
            old_urn = f"{urn.rsplit('::', 1)[0]}::{alias}"
            if old_urn in b and old_urn not in h:
                b[urn] = b.pop(old_urn)
                changes.renamed[_label(h[urn])] = alias
                moved[old_urn] = urn
                break
    if moved:  # the base's references to a renamed resource now name it as the head does
        b = {urn: _renaming(r, moved) for urn, r in b.items()}
    changes.created = [_label(h[u]) for u in sorted(set(h) - set(b))]
    changes.deleted = [_label(b[u]) for u in sorted(set(b) - set(h))]
    common = sorted(set(b) & set(h))

    own: dict[str, list[Change]] = {}
    replaced: dict[str, list[str]] = {}  # urn -> reasons
    for urn in common:
        old, new = b[urn], h[urn]
        props = _changed(old.get("inputs", {}), new.get("inputs", {}), "")
        props += _changed(
            _without_aliases(old.get("options", {})), _without_aliases(new.get("options", {})), "(option) "
        )
        props += _secret_changes(old, new)
        own[urn] = props
        forcing = [p for p, _, _ in props if not p.startswith("(option)") and forces_new(new["type"], p)]
        if forcing:
            replaced[urn] = [f"{p}{FORCES}" for p in forcing]
        elif old.get("provider") != new.get("provider"):
            replaced[urn] = ["its provider changes"]

    # Propagate: a new ID for a replaced resource reaches every input that holds it.
    updated_by: dict[str, list[str]] = {}
    users: dict[str, set[str]] = {}  # replaced urn -> the urns that refer to it
    frontier = list(replaced)
    while frontier:
        tokens = {u: (_identity_tokens(b[u]), _explicit_names(b[u])) for u in frontier}
        frontier = []
        for urn in common:
            r, already = h[urn], urn in replaced
            for source, (toks, names) in tokens.items():
                label = _label(b[source])
                if source != urn and _paths_referring(_without_names(b[urn].get("inputs", {})), toks, "", names):
                    users.setdefault(source, set()).add(urn)  # it still refers to the old one when that goes
                for path in (
                    _paths_referring(_without_names(r.get("inputs", {})), toks, "", names) if source != urn else []
                ):
                    users.setdefault(source, set()).add(urn)
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
        elif urn in replaced and _explicit_names(h[urn]):
            still = sorted(_label(h[u]) for u in users.get(urn, set()) if u not in replaced)
            if still:
                changes.blocking.append(
                    f"{stack}: replaces {_label(h[urn])} delete-first (its name is explicit, so the bridge deletes "
                    f"it before creating the new one) while {_listing(still)} still refer to it: AWS refuses to "
                    "delete what is in use, and `up` stops midway"
                )
    changes.tag_only = _tag_only(b, h, common, changes)
    # The engine creates before it deletes: a new resource taking the physical name of one that
    # goes in the same update fails (AWS: already exists), e.g. rolling back across a rename.
    going = {(b[u]["type"], n): u for u in set(b) - set(h) for n in _unique_keys(b[u])}
    for urn in sorted(set(h) - set(b)):
        for name in _unique_keys(h[urn]):
            if (h[urn]["type"], name) in going:
                old = b[going[(h[urn]["type"], name)]]
                changes.blocking.append(
                    f"{stack}: creates {_label(h[urn])} ({name!r}) before deleting {_label(old)}, which holds it: "
                    "AWS refuses the create (it exists); rename the state instead "
                    f"(pulumi state rename) or take the change in two updates"
                )
    for urn in sorted(set(b) - set(h)):
        if why := _precious(b[urn]):
            changes.blocking.append(f"{stack}: deletes {_label(b[urn])} ({why})")
    return changes


def _renaming(r: dict[str, Any], moved: dict[str, str]) -> dict[str, Any]:
    """A base resource whose options name renamed resources by their head URNs."""
    text = json.dumps(r.get("options", {}))
    for old, new in moved.items():
        text = text.replace(json.dumps(old)[1:-1] + '"', json.dumps(new)[1:-1] + '"')
    return {**r, "options": json.loads(text)}


def _listing(labels: list[str], most: int = 3) -> str:
    shown = ", ".join(labels[:most])
    return shown + (f" and {len(labels) - most} more" if len(labels) > most else "")


def _without_aliases(options: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in options.items() if k != "aliases"}


def _secret_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Secret inputs whose value changed, by digest (plan JSON `secret_digests`): never the value."""
    before, after = old.get("secret_digests", {}), new.get("secret_digests", {})
    return [
        (path, "[secret]", "[secret, changed]")
        for path in sorted(set(before) & set(after))
        if before[path] != after[path]
    ]


def _tag_only(b: dict[str, Any], h: dict[str, Any], common: list[str], changes: StackChanges) -> int:
    """Resources whose only update is their tags: those whose own changes are all tag inputs, and
    every taggable resource of a provider whose default tags change (the provider adds them to
    each resource's tags_all, which the plan does not list)."""
    own_tags = {
        label
        for label, props in changes.changed.items()
        if props and all(p.split(".")[0] in TAG_INPUTS for p, _, _ in props) and label not in changes.reasons
    }
    retagging = {
        urn
        for urn in common
        if h[urn]["type"].startswith("pulumi:providers:")
        and (b[urn].get("inputs", {}).get("defaultTags") != h[urn].get("inputs", {}).get("defaultTags"))
    }
    if retagging:
        from nexus.plans.rules import is_taggable  # loads the provider's SDK: only when needed

        own_tags |= {
            _label(h[urn])
            for urn in common
            if h[urn].get("provider") in retagging
            and is_taggable(h[urn]["type"])
            and _label(h[urn]) not in changes.replaced
            and not changes.changed.get(_label(h[urn]))
        }
    return len(own_tags)


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


def _explicit_names(r: dict[str, Any]) -> list[str]:
    """The physical names the program gave a resource: others may refer to it by exactly that
    (an instance's parameterGroupName is the group's name, which is also its AWS ID)."""
    inputs = r.get("inputs", {})
    return [v for k in EXPLICIT_NAME_INPUTS if isinstance(v := inputs.get(k), str) and v]


def _unique_keys(r: dict[str, Any]) -> list[str]:
    """What AWS allows once at a time: a physical name, or a load balancer's listener port
    (ELBv2 CreateListener: DuplicateListener)."""
    inputs = r.get("inputs", {})
    keys = _explicit_names(r)
    if r["type"] == "aws:lb/listener:Listener" and inputs.get("port") is not None:
        keys.append(f"port {inputs['port']} of {inputs.get('loadBalancerArn')}")
    return keys


def _without_names(inputs: dict[str, Any]) -> dict[str, Any]:
    """A resource's inputs without its own name inputs: its name equal to another's (the
    instance identifier and the database security group are both nexus-<stack>-db) is no
    reference."""
    return {k: v for k, v in inputs.items() if k not in EXPLICIT_NAME_INPUTS}


def _paths_referring(value: Any, tokens: list[str], path: str, names: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Argument paths of `value` whose strings contain one of `tokens`, or equal one of `names`."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _paths_referring(v, tokens, f"{path}.{k}" if path else k, names)]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _paths_referring(v, tokens, f"{path}[{i}]", names)]
    if isinstance(value, str):
        low = value.lower()
        return [path] if any(t.lower() in low for t in tokens) or value in names else []
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


def _settings_lines(c: StackChanges, prefix: str) -> list[str]:
    """The changed settings first: what each does on AWS (docs/day-two.md)."""
    lines = []
    for v in c.settings:
        mark = "BLOCKING " if v.blocking else ""
        lines.append(f"{prefix}{v.key}: {_show(v.old)} -> {_show(v.new)}  [{mark}{v.effect}] {v.what}")
    return lines


def _extra_lines(c: StackChanges, prefix: str) -> list[str]:
    lines = [f"{prefix}{label}: was {old} (alias: kept, not replaced)" for label, old in c.renamed.items()]
    if c.tag_only:
        lines.append(f"{prefix}{c.tag_only} resource(s) get tag-only updates (in place)")
    return lines


def render_text(all_changes: list[StackChanges]) -> str:
    lines = [f"BLOCKING: {b}" for c in all_changes for b in c.blocking]
    for c in all_changes:
        if c.empty:
            lines.append(f"{c.stack}: no changes")
            continue
        lines.append(f"{c.stack}: {c.summary()}")
        if c.settings:
            lines.append("  settings changed:")
            lines += _settings_lines(c, "    ")
            lines.append("  resources:")
        lines += _lines(c, "  ", {"+": "+", "~": "~", "±": "-/+", "-": "-"})
        lines += _extra_lines(c, "  ")
    return "\n".join(lines)


def render_markdown(all_changes: list[StackChanges]) -> str:
    lines = ["### Infrastructure changes (offline plan)", ""]
    blocking = [b for c in all_changes for b in c.blocking]
    if blocking:
        lines += [
            "> [!CAUTION]",
            "> **BLOCKING**: this change loses data, is refused by AWS, or would stop `pulumi up` midway:",
        ]
        lines += [f"> - **BLOCKING**: {b}" for b in blocking]
        lines.append("")
    lines += ["| Stack | Create | Update | Replace | Delete |", "| --- | ---: | ---: | ---: | ---: |"]
    lines += [
        f"| {c.stack} | {len(c.created)} | {len(c.changed)} | {len(c.replaced)} | {len(c.deleted)} |"
        for c in all_changes
    ]
    for c in all_changes:
        if c.settings:
            lines += [
                "",
                f"**{c.stack}**: settings changed",
                "",
                "| Setting | Change | Effect | On AWS |",
                "| --- | --- | --- | --- |",
            ]
            lines += [
                f"| `{v.key}` | {_cell(_show(v.old))} → {_cell(_show(v.new))} | "
                f"{'**BLOCKING** ' if v.blocking else ''}{v.effect} | {_cell(v.what)} |"
                for v in c.settings
            ]
    for c in all_changes:
        if c.empty:
            continue
        lines += ["", f"<details><summary><b>{c.stack}</b>: {c.summary()}</summary>", "", "```diff"]
        lines += _lines(c, "", {"+": "+", "~": "!", "±": "-/+", "-": "-"})
        lines += _extra_lines(c, "  ")
        lines += ["```", "", "</details>"]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def configure(diff: argparse.ArgumentParser) -> None:
    diff.add_argument("base", type=Path, help="plan JSON, or a directory of them (plan --all --json DIR)")
    diff.add_argument("head", type=Path)
    diff.add_argument("--markdown", action="store_true", help="a pull-request comment")
    diff.add_argument(
        "--fail-on",
        choices=("blocking", "never"),
        default="never",
        help="blocking: exit 1 when a change is BLOCKING (data loss, refused, fails midway)",
    )


def run(args: argparse.Namespace) -> int:
    check_comparable(args.base, args.head)
    base, head = load_plans(args.base), load_plans(args.head)
    if not base and not head:
        raise InputError(f"{args.base} and {args.head} hold no plan JSON; write them with plan --json")
    changes = diff_plans(base, head)
    print(render_markdown(changes) if args.markdown else render_text(changes))
    if args.fail_on == "blocking" and any(c.blocking for c in changes):
        return EXIT_FINDINGS
    return 0
