"""Every stack file runs through the real program under Pulumi's mocks once per session;
tests assert on what it recorded."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

import pytest

from nexus.config.stack_files import load_stack_config, stack_names
from nexus.plans.offline import Plan, run_program

STACKS = stack_names()
_cache: dict[tuple[str, str | None, tuple[tuple[str, str], ...]], Plan] = {}


def plan_stack(stack: str, *, config_from: str | None = None, overrides: dict[str, Any] | None = None) -> Plan:
    """Plan a stack once per session (the same arguments return the same recorded plan)."""
    key = (stack, config_from, tuple(sorted((k, repr(v)) for k, v in (overrides or {}).items())))
    if key not in _cache:
        config = load_stack_config(config_from or stack)
        config = config.with_values(overrides or {}, stack=stack)
        _cache[key] = run_program(config, config.settings())
        _freeze_once()
    return _cache[key]


_frozen = False


def _freeze_once() -> None:
    """After the first plan the Pulumi SDKs are loaded: hundreds of thousands of long-lived
    objects that every full garbage collection would scan again. Move them out of the
    collector's way (gc.freeze), as `nexus plan` does by switching collection off."""
    global _frozen
    if not _frozen:
        gc.collect()
        gc.freeze()
        _frozen = True


@pytest.fixture(scope="session")
def plans() -> dict[str, Plan]:
    return {stack: plan_stack(stack) for stack in STACKS}


@pytest.fixture(scope="session")
def planner() -> Callable[..., Plan]:
    return plan_stack


@pytest.fixture(params=STACKS)
def plan(request: pytest.FixtureRequest, plans: dict[str, Plan]) -> Plan:
    return plans[request.param]
