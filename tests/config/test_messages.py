"""How a refusal is worded (nexus.config.messages): in YAML's terms, and with a hint where YAML
read something other than what was written."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import refusal


def test_an_unquoted_version_gets_a_hint_to_quote_it(tmp_path: Path, capsys: Any) -> None:
    err = refusal(tmp_path, {"Pulumi.staging.yaml": [('engine_version: "16"', "engine_version: 16.10")]}, capsys)
    assert err.splitlines()[1] == (
        "  - nexus:database.engine_version = 16.10: expected text, found a number "
        '(YAML reads unquoted 16.10 as the number 16.1); put it in quotes: "16.10"'
    )


WRONG_SHAPES = [
    ("scalar for a list", [("alarm_emails: [platform-staging@example.com]", "alarm_emails: ops@example.com")],
     "nexus:monitoring.alarm_emails = 'ops@example.com': expected a list (`- item` lines, or [a, b]), found text"),
    ("scalar for a mapping", [("  nexus:security:\n", "  nexus:security: strict\n  nexus:unused:\n")],
     "nexus:security = 'strict': expected a mapping (`key: value` lines), found text"),
    ("text for true/false", [("multi_az: false", "multi_az: maybe")],
     "nexus:database.multi_az = 'maybe': expected true or false, found text"),
    ("list for a number", [("port: 5432", "port: [5432]")],
     "nexus:database.port = [5432]: expected a whole number, found a list"),
    ("not one of", [("nat_gateways: single", "nat_gateways: two")],
     "nexus:network.nat_gateways = 'two': must be one of 'none', 'single' or 'one_per_az'"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "edits", "message"), WRONG_SHAPES, ids=[c[0] for c in WRONG_SHAPES])
def test_wrong_shapes_are_told_in_yaml_terms(
    case: str, edits: list[tuple[str, str]], message: str, tmp_path: Path, capsys: Any
) -> None:
    err = refusal(tmp_path, {"Pulumi.staging.yaml": edits}, capsys)
    assert f"  - {message}" in err.splitlines(), err
    assert not re.search(r"tuple|valid (string|integer|boolean)|dict|Input should", err)
