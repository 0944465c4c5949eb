"""Log groups (nexus.components.logs): the stack's retention and key on every one."""

from __future__ import annotations

from nexus.plans.offline import Plan
from tests.support.plans import key_arn


def test_every_log_group_has_the_stack_retention_and_key(plan: Plan) -> None:
    groups = plan.of_type("aws:cloudwatch/logGroup:LogGroup")
    assert len(groups) >= 4  # flow logs, WAF, PostgreSQL logs
    expected = {"production": 90, "staging": 30, "development": 7}[plan.settings.environment]
    for group in groups:
        assert group.input("retentionInDays") == expected == plan.settings.monitoring.metrics_retention_days
        assert group.input("kmsKeyId") == key_arn(plan)
