"""The suite's fixtures. Every stack file runs through the real program under Pulumi's mocks
once per session (tests.support.plans keeps the plans); tests assert on what it recorded."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from nexus.plans.offline import Plan
from tests.support.plans import STACKS, edge_plan, plan_stack


@pytest.fixture(scope="session")
def plans() -> dict[str, Plan]:
    return {stack: plan_stack(stack) for stack in STACKS}


@pytest.fixture(scope="session")
def planner() -> Callable[..., Plan]:
    return plan_stack


@pytest.fixture(params=STACKS)
def plan(request: pytest.FixtureRequest, plans: dict[str, Plan]) -> Plan:
    return plans[request.param]


@pytest.fixture(scope="session")
def dev_plan_file(plans: dict[str, Plan], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The development plan as a file, as `plan --json` writes it."""
    path = tmp_path_factory.mktemp("plans") / "development.json"
    path.write_text(json.dumps(plans["development"].to_json()))
    return path


@pytest.fixture(scope="session")
def edgy_plan() -> Plan:
    """Staging's file at AWS's accepted edges, under a stack name that starts with a digit."""
    return edge_plan()
