"""`nexus stacks`: the reaper's filter over `pulumi stack ls --json` (idle development stacks,
with their qualified names), and a listing it cannot read refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from nexus.cli import main
from nexus.cli.stacks import idle

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


LISTING = [
    {"name": "acme/development", "lastUpdate": "2026-01-01T00:00:00.000Z"},
    {"name": "acme/staging", "lastUpdate": "2026-01-01T00:00:00.000Z"},
    {"name": "acme/production", "lastUpdate": "2026-01-01T00:00:00.000Z"},
    {"name": "acme/development-pr-7", "lastUpdate": "2026-11-20T10:00:00.000Z"},
    {"name": "acme/development-pr-8", "lastUpdate": "2026-11-29T10:00:00.000Z"},
    {"name": "acme/development-pr-9", "updateInProgress": True},
    {"name": "development-alice"},  # never updated: a first run that failed
]


def test_idle_development_stacks_only_with_their_qualified_names() -> None:
    assert idle(LISTING, 3, NOW) == [
        {"ref": "acme/development-pr-7", "name": "development-pr-7"},
        {"ref": "development-alice", "name": "development-alice"},
    ]


def test_stacks_command_finds_a_stack_and_refuses_a_bad_listing(tmp_path: Path, capsys: Any) -> None:
    listing = tmp_path / "stacks.json"
    listing.write_text(json.dumps(LISTING))
    assert main(["stacks", str(listing), "--name", "development-pr-8"]) == 0
    assert capsys.readouterr().out.strip() == "acme/development-pr-8"
    assert main(["stacks", str(listing), "--name", "development-pr-1"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["stacks", str(listing), "--idle-days", "3"]) == 0
    assert {s["name"] for s in json.loads(capsys.readouterr().out)} >= {"development-pr-7", "development-alice"}
    listing.write_text("error: could not log in")
    assert main(["stacks", str(listing), "--idle-days", "3"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.parametrize("entry", [{"name": "development-pr-1", "lastUpdate": "yesterday"}, {"nom": "x"}])
def test_the_reaper_refuses_what_it_cannot_read(tmp_path: Path, entry: dict[str, Any], capsys: Any) -> None:
    listing = tmp_path / "stacks.json"
    listing.write_text(json.dumps([entry]))
    assert main(["stacks", str(listing), "--idle-days", "3"]) == 2
    assert len(capsys.readouterr().err.splitlines()) == 1
