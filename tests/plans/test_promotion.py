"""Promotion readiness (nexus.plans.promotion): staging against production; what blocks it."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from nexus.plans.offline import Plan
from nexus.plans.promotion import compare_plans


def test_staging_is_production_like(plans: dict[str, Plan]) -> None:
    comparison = compare_plans(plans["staging"].to_json(), plans["production"].to_json())
    assert comparison.blocking == [] and comparison.by_design


def test_compare_blocks_another_engine_major_version(plans: dict[str, Plan], planner: Any) -> None:
    database = plans["staging"].settings.database.model_dump()
    staging = planner("staging", overrides={"nexus:database": {**database, "engine_version": "17"}})
    comparison = compare_plans(staging.to_json(), plans["production"].to_json())
    assert any("major version 17 vs 16" in b for b in comparison.blocking)


def test_compare_blocks_staging_without_https(plans: dict[str, Plan], planner: Any) -> None:
    lb = plans["staging"].settings.load_balancer.model_dump()
    lb.update(certificate_arn=None, allow_plain_http=True)
    staging = planner("staging", overrides={"nexus:load_balancer": lb})
    blocking = compare_plans(staging.to_json(), plans["production"].to_json()).blocking
    assert any("no HTTPS listener" in b for b in blocking)
    assert any(b.startswith("setting load_balancer.allow_plain_http") for b in blocking)


@pytest.mark.parametrize("side", ["staging", "production"])
def test_compare_blocks_alarms_that_reach_nobody(plans: dict[str, Plan], side: str) -> None:
    docs = {s: copy.deepcopy(plans[s].to_json()) for s in ("staging", "production")}
    assert compare_plans(docs["staging"], docs["production"]).blocking == []
    docs[side]["resources"] = [
        r for r in docs[side]["resources"] if r["type"] != "aws:sns/topicSubscription:TopicSubscription"
    ]
    blocking = compare_plans(docs["staging"], docs["production"]).blocking
    assert any(b.startswith(f"{side}: its alarms reach nobody") for b in blocking), blocking


def test_where_a_certificate_comes_from_is_a_difference_by_design(plans: dict[str, Plan], planner: Any) -> None:
    """Staging may request its certificate for its domain while production names an ARN: the
    same TLS listener either way, so promotion is not blocked by it."""
    lb = {**plans["staging"].settings.load_balancer.model_dump(mode="json"), "certificate_arn": None,
          "domain_name": "app.staging.example.com", "hosted_zone_id": "Z0123456789ABCDEFGHIJ"}  # fmt: skip
    requested = planner("staging", overrides={"nexus:load_balancer": lb})
    comparison = compare_plans(requested.to_json(), plans["production"].to_json())
    assert not [b for b in comparison.blocking if "load_balancer." in b], comparison.blocking
    assert any("load_balancer.domain_name" in d for d in comparison.by_design)
