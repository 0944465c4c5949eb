"""`nexus stacks`: read `pulumi stack ls --json` for the workflows: find one stack, or the
development stacks idle beyond a limit (the nightly reaper's matrix).

The CLI's format (pulumi/pulumi pkg/cmd/pulumi, stack_ls.go `stackSummaryJSON`): a list of
{name, current, lastUpdate, updateInProgress, resourceCount, url}; `name` may be qualified by
organisation (and project); `lastUpdate` is UTC ("2006-01-02T15:04:05.000Z") and absent while
an update runs (`updateInProgress`) or when the stack never had one.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

EXIT_INVALID = 2
# Only these are ever reaped: the per-pull-request and personal stacks. Never `development`
# itself (the pull-request preview target), never staging or production.
REAPABLE_PREFIX = "development-"


class StackListError(Exception):
    """The listing is not what `pulumi stack ls --json` prints: say so, never guess."""


def load(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise StackListError(f"{path}: not a `pulumi stack ls --json` listing ({exc})") from None
    if not isinstance(data, list) or not all(isinstance(s, dict) and isinstance(s.get("name"), str) for s in data):
        raise StackListError(f"{path}: expected a JSON list of stacks with a `name` each")
    return data


def short_name(ref: str) -> str:
    """`org/development-pr-42` or `organization/nexus/development-pr-42` -> `development-pr-42`."""
    return ref.rsplit("/", 1)[-1]


def find(stacks: list[dict[str, Any]], name: str) -> str | None:
    """The reference (as listed, organisation included) of the stack called `name`."""
    refs = [s["name"] for s in stacks if short_name(s["name"]) == name]
    if len(refs) > 1:
        raise StackListError(f"{len(refs)} stacks are called {name}: {', '.join(refs)}; refusing to pick one")
    return refs[0] if refs else None


def idle(stacks: list[dict[str, Any]], max_idle_days: int, now: datetime) -> list[dict[str, str]]:
    """Development stacks whose last update is older than the limit, or that never had one
    (a first run that failed before any update). A stack being updated is never idle."""
    cutoff = now - timedelta(days=max_idle_days)
    found = []
    for stack in stacks:
        ref = stack["name"]
        name = short_name(ref)
        if not name.startswith(REAPABLE_PREFIX) or stack.get("updateInProgress"):
            continue
        updated = stack.get("lastUpdate")
        if updated:
            try:
                when = datetime.fromisoformat(str(updated).replace("Z", "+00:00"))
            except ValueError:
                raise StackListError(f"{ref}: lastUpdate {updated!r} is not a timestamp") from None
            if when.tzinfo is None:
                raise StackListError(f"{ref}: lastUpdate {updated!r} has no time zone")
            if when >= cutoff:
                continue
        found.append({"ref": ref, "name": name})
    return found


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("listing", type=Path, help="the output of `pulumi stack ls --json`")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--name", help="print the listed reference of this stack (nothing if absent)")
    what.add_argument("--idle-days", type=int, help="print, as a JSON matrix, development-* stacks idle this long")


def run(args: argparse.Namespace, now: datetime | None = None) -> int:
    try:
        stacks = load(args.listing)
        if args.name is not None:
            ref = find(stacks, args.name)
            if ref:
                print(ref)
            return 0
        if args.idle_days < 0:
            raise StackListError(f"--idle-days {args.idle_days}: must be 0 or more")
        print(json.dumps(idle(stacks, args.idle_days, now or datetime.now(UTC))))
        return 0
    except StackListError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_INVALID
