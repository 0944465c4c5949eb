"""In tests/ci/, `plan` is bootstrap/'s plan (its one stack, account), not a tier's."""

from __future__ import annotations

import pytest

from nexus.plans.bootstrap_plan import BootstrapPlan
from tests.support.bootstrap import bootstrap_plan


@pytest.fixture(scope="module")
def plan() -> BootstrapPlan:
    return bootstrap_plan()
