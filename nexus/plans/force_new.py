"""The ForceNew table: which arguments of each resource type make the provider replace the
resource rather than update it, read from terraform-provider-aws's schemas (force_new.json
holds the source file and commit of every entry)."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

FORCE_NEW_FILE = Path(__file__).with_name("force_new.json")


@cache
def force_new_table() -> dict[str, dict[str, str]]:
    """Resource type -> {Pulumi (camelCase) argument path: terraform argument} that force replacement."""
    doc = json.loads(FORCE_NEW_FILE.read_text())
    return {t: dict(entry["forceNew"]) for t, entry in doc["types"].items()}


def forces_new(type_token: str, path: str) -> bool:
    """Whether a change at `path` (e.g. `cidrBlock`, `s3Import.bucketName`, `rules[0]`) replaces the resource.

    A type missing from the table is treated as replaced by any change: the safe answer
    (tests/test_diff.py keeps every type the program uses in the table).
    """
    table = force_new_table()
    if type_token not in table:
        return not type_token.startswith(("nexus:", "pulumi:pulumi:"))
    bare = re.sub(r"\[\d+\]|\(json\)", "", path)
    return any(bare == arg or bare.startswith(arg + ".") or arg.startswith(bare + ".") for arg in table[type_token])
