"""The FSBP controls table (nexus.plans.controls): every applicable control has a rule or a
written reason, production fails none, the tiers differ only by their settings, and the table
in docs/controls.md is the one the code computes."""

from __future__ import annotations

import dataclasses
import re

import pytest

from nexus.cli.check import ordered
from nexus.config.stack_files import ROOT
from nexus.plans.controls import (
    CONTROLS,
    RULE_NAMES,
    SOURCE,
    Control,
    control_results,
    evaluate,
    failing,
    render_markdown,
)
from nexus.plans.offline import Plan
from nexus.plans.rules import check_plan, is_taggable
from tests.support.plans import COMMITTED
from tests.support.policy import mutated_plan, without

STACKS = ordered(COMMITTED)


@pytest.fixture(scope="module")
def results(plans: dict[str, Plan]) -> dict[str, list[object]]:
    return control_results([plans[s].to_json() for s in STACKS], is_taggable)  # type: ignore[return-value]


def test_the_control_list_is_cited_and_every_rule_it_names_exists() -> None:
    assert SOURCE["url"].startswith("https://docs.aws.amazon.com/securityhub/") and re.fullmatch(
        r"\d{4}-\d{2}-\d{2}", SOURCE["read_on"])  # fmt: skip
    ids = [c.id for c in CONTROLS]
    assert len(ids) == len(set(ids))
    services = {i.split(".")[0] for i in ids}
    assert services == {"ACM", "CloudTrail", "EC2", "ELB", "IAM", "KMS", "RDS", "S3", "SecretsManager", "SNS", "WAF",
                        "CloudWatch"}  # fmt: skip
    for control in CONTROLS:
        assert set(control.rules) <= RULE_NAMES, control.id
        assert control.absent, f"{control.id}: say why it may not apply"
        assert not (control.rules and control.accepted), f"{control.id}: a rule or a reason, not both"


def test_production_fails_no_control_and_every_applicable_one_has_a_rule_or_a_reason(
    results: dict[str, list[object]],
) -> None:
    assert failing(results) == []  # type: ignore[arg-type]
    production = {cid: rs[STACKS.index("production")] for cid, rs in results.items()}
    statuses = {r.status for r in production.values()}  # type: ignore[attr-defined]
    assert statuses <= {"pass", "n/a", "accepted"}
    assert sum(r.status == "pass" for r in production.values()) >= 50  # type: ignore[attr-defined]


def test_staging_and_development_differ_only_where_their_settings_say(
    plans: dict[str, Plan], results: dict[str, list[object]]
) -> None:
    expected = {
        "ELB.1": lambda s: s.load_balancer.allow_plain_http,
        "ELB.6": lambda s: not s.load_balancer.deletion_protection,
        "KMS.3": lambda s: not s.protection.protect_stateful_resources,
        "RDS.5": lambda s: not s.database.multi_az,
        "RDS.6": lambda s: not s.database.monitoring_interval_seconds,
        "RDS.8": lambda s: not s.database.deletion_protection,
        "RDS.25": lambda s: s.database.master_username == "postgres",
    }
    for index, stack in enumerate(STACKS):
        settings = plans[stack].settings
        by_setting = {cid for cid, rs in results.items() if rs[index].status == "by setting"}  # type: ignore[attr-defined]
        assert by_setting == {cid for cid, opted_out in expected.items() if opted_out(settings)}, stack
    # The trail's controls apply where the settings give a stack its own trail, and only there.
    for index, stack in enumerate(STACKS):
        own = plans[stack].settings.audit.trail == "own"
        assert all((results[f"CloudWatch.{n}"][index].status == "pass") is own for n in range(1, 15)), stack  # type: ignore[attr-defined]


def test_a_control_that_applies_without_rule_or_reason_is_a_gap(plans: dict[str, Plan]) -> None:
    doc = plans["production"].to_json()
    bare = Control("X.1", "applies, unenforced", ("aws:kms/key:Key",), absent="no key")
    assert evaluate(bare, doc, []).status == "gap"
    assert evaluate(dataclasses.replace(bare, accepted="because"), doc, []).status == "accepted"
    assert evaluate(dataclasses.replace(bare, types=("aws:ec2/instance:Instance",)), doc, []).status == "n/a"


@pytest.mark.parametrize(("control", "stack", "type_token", "name", "inputs"), [
    ("CloudTrail.4", "production", "aws:cloudtrail/trail:Trail", None, {"enableLogFileValidation": False}),
    ("S3.5", "staging", "aws:s3/bucketPolicy:BucketPolicy", "access-logs", {"policy": '{"Statement": []}'}),
    ("RDS.17", "development", "aws:rds/instance:Instance", None, {"copyTagsToSnapshot": False}),
    ("ELB.4", "production", "aws:lb/loadBalancer:LoadBalancer", None, {"dropInvalidHeaderFields": False}),
])  # fmt: skip
def test_a_violation_fails_exactly_its_control(
    plans: dict[str, Plan], control: str, stack: str, type_token: str, name: str | None, inputs: dict[str, object]
) -> None:
    before = control_results([plans[stack].to_json()], is_taggable)
    after = control_results([mutated_plan(plans[stack], type_token, name, inputs)], is_taggable)
    changed = {cid for cid in after if after[cid] != before[cid]}
    assert changed == {control} and after[control][0].status == "fail"


def test_a_missing_trail_watch_fails_its_cloudwatch_control(plans: dict[str, Plan]) -> None:
    doc = without(plans["production"], "aws:cloudwatch/metricAlarm:MetricAlarm", "security-root-user-usage")
    (result,) = control_results([doc], is_taggable)["CloudWatch.1"]
    assert result.status == "fail" and "no alarm that notifies" in result.detail
    assert all(control_results([doc], is_taggable)[f"CloudWatch.{n}"][0].status == "pass" for n in range(2, 15))
    assert check_plan(doc, is_taggable)


def test_docs_show_the_current_table(results: dict[str, list[object]]) -> None:
    page = (ROOT / "docs" / "controls.md").read_text()
    embedded = re.search(r"<!-- controls -->\n(.*?)<!-- /controls -->", page, re.S)
    assert embedded, "docs/controls.md lost its markers"
    assert embedded.group(1) == render_markdown(STACKS, results), (  # type: ignore[arg-type]
        "docs/controls.md is stale: python -m nexus check --controls --markdown, then paste it between the markers"
    )
