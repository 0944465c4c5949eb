"""`nexus diagram`: the Mermaid diagram of a stack, as docs/production.md embeds it."""

from __future__ import annotations

import re

from nexus.cli.diagram import diagram_from_plan
from nexus.config.stack_files import ROOT
from nexus.plans.offline import Plan


def test_readme_embeds_the_current_production_diagram(plans: dict[str, Plan]) -> None:
    page = (ROOT / "docs" / "production.md").read_text()
    embedded = re.search(r"<!-- diagram:production -->\n(.*?)<!-- /diagram -->", page, re.S)
    assert embedded, "docs/production.md lost its diagram markers"
    assert embedded.group(1) == diagram_from_plan(plans["production"].to_json()), (
        "docs/production.md diagram is stale: python -m nexus diagram --stack production, then paste it between the markers"
    )
