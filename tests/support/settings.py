"""The committed settings as data (the `nexus:` keys of a stack file, namespace dropped),
changed and validated without running any program."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from nexus.config.environment import parse_settings
from nexus.config.messages import SettingsError
from nexus.config.stack_files import load_stack_config


def raw(stack: str = "staging") -> dict[str, Any]:
    config = load_stack_config(stack)
    return copy.deepcopy({k.split(":", 1)[1]: v for k, v in config.values.items() if k.startswith("nexus:")})


def problems(mutate: Any, stack: str = "staging", region: str = "us-east-1") -> list[str]:
    """Problems of the stack's settings changed by `mutate`, which must be refused."""
    data = raw(stack)
    mutate(data)
    with pytest.raises(SettingsError) as info:
        parse_settings(data, stack=stack, region=region, source=f"Pulumi.{stack}.yaml")
    return info.value.problems


def verdict(mutate: Any = None, *, stack: str = "staging", region: str = "us-east-1", tags: Any = None) -> list[str]:
    """Problems of the staging settings changed by `mutate` ([] when accepted)."""
    data = raw()
    if mutate:
        mutate(data)
    try:
        parse_settings(data, stack=stack, region=region, source=f"Pulumi.{stack}.yaml", default_tags=tags)
    except SettingsError as exc:
        return exc.problems
    return []


def one_line_naming(problems: list[str], key: str, *hints: str) -> None:
    assert len(problems) == 1, problems
    assert problems[0].startswith(key), problems
    for hint in hints:
        assert hint in problems[0], problems
