"""The offline tools: plan CLI, diff, policy check, compare and diagram."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from nexus.cli import main
from nexus.cli.compare import compare_plans
from nexus.cli.diagram import diagram_from_plan
from nexus.cli.diff import diff_plans, render_markdown, render_text
from nexus.config.stack_files import ROOT
from nexus.plans.offline import Plan
from nexus.plans.rules import RESOURCE_RULES, check_plan, is_taggable


def test_plan_all_writes_json_for_every_stack_in_one_process(tmp_path: Path, capsys: Any) -> None:
    assert main(["plan", "--all", "--quiet", "--json", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["development.json", "production.json", "staging.json"]
    doc = json.loads((tmp_path / "production.json").read_text())
    assert doc["stack"] == "production" and len(doc["resources"]) > 100
    assert re.findall(r"^production: \d+ resources to create", capsys.readouterr().out, re.M)


def test_plan_prints_a_tree(capsys: Any) -> None:
    assert main(["plan", "--stack", "development"]) == 0
    out = capsys.readouterr().out
    assert "└─ nexus:index:Environment nexus" in out and "aws:rds/instance:Instance postgres" in out


def test_plan_of_a_personal_stack_needs_no_file_of_its_own(plans: dict[str, Plan], planner: Any) -> None:
    alice = planner("development-alice", config_from="development")
    assert alice.stack == "development-alice" and alice.settings.environment == "development"
    assert len(alice.resources) == len(plans["development"].resources)


# ------------------------------------------------------------------ diff


def as_plans(*plans: Plan) -> dict[str, dict[str, Any]]:
    return {p.stack: p.to_json() for p in plans}


def test_diff_of_identical_plans_reports_no_changes(plans: dict[str, Plan]) -> None:
    changes = diff_plans(as_plans(*plans.values()), as_plans(*plans.values()))
    assert all(c.empty for c in changes) and len(changes) == 3
    assert render_text(changes).count("no changes") == 3


def test_diff_reports_exactly_the_changed_resource_and_property(plans: dict[str, Plan], planner: Any) -> None:
    database = plans["staging"].settings.database.model_dump()
    bigger = planner("staging", overrides={"nexus:database": {**database, "instance_class": "db.r6g.xlarge"}})
    (changes,) = diff_plans(as_plans(plans["staging"]), as_plans(bigger))
    assert changes.created == [] and changes.deleted == []
    assert changes.changed == {
        "aws:rds/instance:Instance postgres": [("instanceClass", "db.t4g.medium", "db.r6g.xlarge")]
    }
    markdown = render_markdown([changes])
    assert "| staging | 0 | 1 | 0 |" in markdown and "<details>" in markdown


def test_diff_reports_created_and_deleted_resources(plans: dict[str, Plan]) -> None:
    base, head = as_plans(plans["development"]), copy.deepcopy(as_plans(plans["development"]))
    removed = head["development"]["resources"].pop()
    head["development"]["resources"].append({**removed, "urn": removed["urn"] + "-new", "name": "new"})
    (changes,) = diff_plans(base, head)
    assert changes.deleted == [f"{removed['type']} {removed['name']}"]
    assert changes.created == [f"{removed['type']} new"]


def test_diff_masks_secrets(plans: dict[str, Plan]) -> None:
    base = as_plans(plans["development"])
    head = copy.deepcopy(base)
    version = next(r for r in head["development"]["resources"] if r["type"].endswith("SecretVersion"))
    assert version["inputs"]["secretString"] == "[secret]"


# ------------------------------------------------------------------ policies


def test_every_stack_passes_every_policy(plan: Plan) -> None:
    assert check_plan(plan.to_json(), is_taggable) == []


def mutated_plan(plan: Plan, type_token: str, resource_name: str | None, inputs: dict[str, Any]) -> dict[str, Any]:
    """The plan JSON with one resource changed: `options` merged, None removes an input."""
    doc = copy.deepcopy(plan.to_json())
    target = next(r for r in doc["resources"]
                  if r["type"] == type_token and (resource_name is None or r["name"] == resource_name))  # fmt: skip
    for key, value in inputs.items():
        if key == "options":
            target["options"].update(value)
        elif value is None:
            target["inputs"].pop(key, None)
        else:
            target["inputs"][key] = value
    return doc


def violating(plan: Plan, type_token: str, resource_name: str | None = None, /, **inputs: Any) -> list[tuple[str, str]]:
    return check_plan(mutated_plan(plan, type_token, resource_name, inputs), is_taggable)


POLICY_CASES = [
    ("encrypted-with-customer-key", "production", "aws:rds/instance:Instance", None, {"kmsKeyId": None}),
    ("encrypted-with-customer-key", "staging", "aws:cloudwatch/logGroup:LogGroup", "flow-logs", {"kmsKeyId": None}),
    ("database-not-public", "staging", "aws:rds/instance:Instance", None, {"publiclyAccessible": True}),
    ("no-open-ingress", "staging", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "db-from-app",
     {"cidrIpv4": "0.0.0.0/0", "referencedSecurityGroupId": None}),
    ("https-modern-tls", "production", "aws:lb/listener:Listener", "https", {"sslPolicy": "ELBSecurityPolicy-2016-08"}),
    ("https-modern-tls", "staging", "aws:lb/listener:Listener", "http-redirect",
     {"defaultActions": [{"type": "forward", "targetGroupArn": "x"}]}),
    ("access-logs-on", "development", "aws:lb/loadBalancer:LoadBalancer", None, {"accessLogs": {"enabled": False}}),
    ("log-retention-set", "development", "aws:cloudwatch/logGroup:LogGroup", "waf-logs", {"retentionInDays": None}),
    ("production-deletion-protected", "production", "aws:rds/instance:Instance", None, {"deletionProtection": False}),
    ("production-deletion-protected", "production", "aws:kms/key:Key", None, {"options": {"protect": False}}),
    ("no-fixed-reserved-name", "development", "aws:secretsmanager/secret:Secret", None,
     {"name": "nexus/development/app/session-signing-key"}),
    ("environment-tags", "staging", "pulumi:providers:aws", None, {"defaultTags": json.dumps({"tags": {"Stack": "x"}})}),
    ("no-data-action-on-any-resource", "development", "aws:iam/rolePolicy:RolePolicy", "app-permissions",
     {"policy": json.dumps({"Statement": [{"Effect": "Allow", "Action": "secretsmanager:Get*", "Resource": "*"}]})}),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "stack", "type_token", "name", "inputs"), POLICY_CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in POLICY_CASES])  # fmt: skip
def test_each_policy_rejects_a_violating_resource(
    plans: dict[str, Plan], rule: str, stack: str, type_token: str, name: str | None, inputs: dict[str, Any]
) -> None:
    found = violating(plans[stack], type_token, name, **inputs)
    assert found and {r for r, _ in found} == {rule}, found


def test_flow_logs_policy_rejects_a_vpc_without_them(plans: dict[str, Plan]) -> None:
    doc = copy.deepcopy(plans["staging"].to_json())
    doc["resources"] = [r for r in doc["resources"] if r["type"] != "aws:ec2/flowLog:FlowLog"]
    assert [rule for rule, _ in check_plan(doc, is_taggable)] == ["flow-logs-on"]


def test_every_resource_rule_has_a_violating_case() -> None:
    assert {r.name for r in RESOURCE_RULES} <= {c[0] for c in POLICY_CASES}


def test_check_cli_reads_a_plan_file_and_fails_on_violations(plans: dict[str, Plan], tmp_path: Path,
                                                              capsys: Any) -> None:  # fmt: skip
    good = tmp_path / "good.json"
    good.write_text(json.dumps(plans["production"].to_json()))
    assert main(["check", "--stack", "production", "--plan", str(good)]) == 0
    doc = plans["production"].to_json()
    next(r for r in doc["resources"] if r["type"] == "aws:rds/instance:Instance")["inputs"]["publiclyAccessible"] = True
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    assert main(["check", "--stack", "production", "--plan", str(bad)]) == 1
    assert "[database-not-public]" in capsys.readouterr().out


# ------------------------------------------------------------------ compare and diagram


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


def test_readme_embeds_the_current_production_diagram(plans: dict[str, Plan]) -> None:
    readme = (ROOT / "README.md").read_text()
    embedded = re.search(r"<!-- diagram:production -->\n(.*?)<!-- /diagram -->", readme, re.S)
    assert embedded, "README.md lost its diagram markers"
    assert embedded.group(1) == diagram_from_plan(plans["production"].to_json()), (
        "README diagram is stale: python -m nexus diagram --stack production, then paste it between the markers"
    )
