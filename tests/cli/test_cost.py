"""`nexus cost`: totals of every stack, the pull request's difference, and bad input refused
with exit code 2 (the prices themselves: tests/plans/test_pricing.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nexus.cli import main
from nexus.config.stack_files import ROOT
from nexus.plans.offline import Plan
from nexus.plans.pricing import CostError, price_plan, render_totals
from tests.support.plans import plan_stack


def test_cost_all_prints_every_stack_and_writes_json(
    plans: dict[str, Plan], tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The command's own plumbing, with the session's plans instead of planning again.
    monkeypatch.setattr("nexus.plans.offline.run_program", lambda config, settings: plan_stack(config.stack))
    assert main(["cost", "--all", "--json", str(tmp_path / "cost.json")]) == 0
    out = capsys.readouterr().out
    width = max(map(len, plans))
    for stack, plan in plans.items():
        total = price_plan(plan.to_json()).total
        assert f"  {stack:<{width}}  ${total:,.2f}\n" in out + "\n"
    doc = json.loads((tmp_path / "cost.json").read_text())
    assert {c["stack"] for c in doc} == set(plans) and all(c["not_priced"] == [] for c in doc)
    assert main(["cost", "--stack", "development"]) == 0
    out = capsys.readouterr().out
    assert "Usage-priced, NOT included in the total:" in out and "NAT" not in out.split("Priced at $0")[0]


def test_readme_shows_the_totals_cost_all_prints(plans: dict[str, Plan]) -> None:
    page = (ROOT / "docs" / "cost.md").read_text()
    block = page.split("<!-- cost:all -->\n```\n")[1].split("```\n<!-- /cost:all -->")[0]
    costs = [price_plan(plans[stack].to_json()) for stack in sorted(plans)]
    assert block == render_totals(costs) + "\n", "docs/cost.md is stale: paste `nexus cost --all`'s totals"


def test_diff_markdown_shows_base_head_and_difference(
    plans: dict[str, Plan], planner: Any, tmp_path: Path, capsys: Any
) -> None:
    database = plans["staging"].settings.database.model_dump()
    bigger = planner("staging", overrides={"nexus:database": {**database, "instance_class": "db.r6g.xlarge"}})
    for side, plan in (("base", plans["staging"]), ("head", bigger)):
        (tmp_path / side).mkdir()
        (tmp_path / side / "staging.json").write_text(json.dumps(plan.to_json()))
    (tmp_path / "head" / "development.json").write_text(json.dumps(plans["development"].to_json()))
    out_json = tmp_path / "cost.json"
    args = ["cost", "--diff", str(tmp_path / "base"), str(tmp_path / "head"), "--markdown", "--json", str(out_json)]
    assert main(args) == 0
    out = capsys.readouterr().out
    base, head = price_plan(plans["staging"].to_json()).total, price_plan(bigger.to_json()).total
    dev = price_plan(plans["development"].to_json()).total
    assert "| Stack | Base | Head | Difference |" in out
    assert f"| staging | ${base:,.2f} | ${head:,.2f} | +${head - base:,.2f} |" in out
    assert f"| development | (none) | ${dev:,.2f} | +${dev:,.2f} |" in out  # a stack new on the head
    assert "| Database instance |" in out and "<details>" in out
    doc = json.loads(out_json.read_text())
    assert [c["total_monthly"] for c in doc["base"]] == [float(base)]


def test_refresh_help_shows_how_to_read_prices(capsys: Any) -> None:
    assert main(["cost", "--refresh-help"]) == 0
    out = capsys.readouterr().out
    assert "aws pricing get-products" in out and "offers/v1.0/aws" in out and "AmazonRDS" in out


def test_a_region_without_prices_is_refused_with_exit_2(plans: dict[str, Plan], tmp_path: Path, capsys: Any) -> None:
    doc = plans["development"].to_json()
    doc["region"] = "ap-south-2"  # accepted by the settings, absent from the price table
    path = tmp_path / "development.json"
    path.write_text(json.dumps(doc))
    assert main(["cost", "--diff", str(path), str(path)]) == 2
    err = capsys.readouterr().err
    assert "no prices for region 'ap-south-2'" in err and "us-east-1" in err and "Traceback" not in err
    with pytest.raises(CostError):
        price_plan(doc)


def test_bad_input_is_refused_with_exit_2(tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "broken.json").write_text("{not json")
    assert main(["cost", "--diff", str(tmp_path / "missing"), str(tmp_path / "broken.json")]) == 2
    assert main(["cost", "--diff", str(tmp_path / "broken.json"), str(tmp_path / "broken.json")]) == 2
    assert main(["cost", "--stack", "development", "--markdown"]) == 2
    assert main(["cost", "--stack", "nosuchstack"]) == 2
    err = capsys.readouterr().err
    assert "no such file or directory" in err and "not JSON" in err and "--markdown goes with --diff" in err
    assert "no stack file Pulumi.nosuchstack.yaml for stack 'nosuchstack'" in err


def test_a_stack_in_an_unpriced_region_is_refused_before_it_is_planned(
    capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nexus.config.stack_files

    real_load_all = nexus.config.stack_files.load_all

    def load_all_in_another_region(stacks: list[str], config_from: str | None = None) -> Any:
        loaded = real_load_all(stacks, config_from=config_from)
        moved = [
            config.with_values(
                {
                    "aws:region": "sa-east-1",
                    # zones are pinned per region: sa-east-1's IDs (sae1-azN)
                    "nexus:network": {**config.values["nexus:network"], "availability_zones": ["sae1-az1", "sae1-az2"]},
                }
            )
            for config, _ in loaded
        ]
        return [(config, config.settings()) for config in moved]

    def never(*args: Any) -> Any:
        raise AssertionError("planned a stack that cannot be priced")

    monkeypatch.setattr("nexus.config.stack_files.load_all", load_all_in_another_region)
    monkeypatch.setattr("nexus.plans.offline.run_program", never)
    assert main(["cost", "--stack", "development"]) == 2
    assert capsys.readouterr().err.startswith("nexus cost: no prices for region 'sa-east-1'")
