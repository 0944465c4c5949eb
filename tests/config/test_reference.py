"""The generated settings reference (nexus.config.reference, docs/settings.md): in sync with the
models and the stack files, a row for every key, and what it says follows the constraints."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel, Field

from nexus.config import reference
from nexus.config.base import allowed, leaf_fields
from nexus.config.bootstrap import BootstrapSettings
from nexus.config.environment import Settings
from nexus.config.limits import CLOUDWATCH_RETENTION_DAYS, INBOUND_RULES_PER_SECURITY_GROUP, MONITORING_INTERVALS
from nexus.config.stack_files import ROOT


def test_docs_settings_is_what_the_models_generate() -> None:
    current = reference.DOC.read_text()
    assert reference.render(current) == current, "docs/settings.md is stale: run make docs"


def leaf_keys(model: type[BaseModel]) -> list[str]:
    return [".".join(path) for path, _ in leaf_fields(model) if path != ("stack",)]


@pytest.mark.parametrize("model", [Settings, BootstrapSettings])
def test_every_key_has_a_row_with_a_meaning(model: type[BaseModel]) -> None:
    namespace = "nexus" if model is Settings else "nexus-bootstrap"
    table = reference.environment_table() if model is Settings else reference.bootstrap_table()
    lines = {line.split(" | ")[0].strip("| `"): line for line in table.splitlines()[2:]}
    keys = [
        {"region": "aws:region", "aws_default_tags": "aws:defaultTags"}.get(k, f"{namespace}:{k}")
        for k in leaf_keys(model)
    ]
    assert sorted(lines) == sorted(keys)
    assert all(line.split(" | ")[1] for line in lines.values()), "a key without Field(description=...)"


def test_the_limits_appear_as_the_limit_tables_say() -> None:
    doc = reference.DOC.read_text()
    assert ", ".join(map(str, CLOUDWATCH_RETENTION_DAYS)) in doc
    assert ", ".join(map(str, MONITORING_INTERVALS)) in doc
    assert f"{INBOUND_RULES_PER_SECURITY_GROUP} per security group" in doc


def test_allowed_follows_the_constraints() -> None:
    class Sample(BaseModel):
        count: int = Field(ge=1, le=5120, description="a count")
        ratio: float = Field(default=1.0, gt=0, lt=10, description="a ratio")
        mode: Literal["a", "b"] = Field(description="a mode")
        items: tuple[Literal["x", "y"], ...] = Field(default=("x",), min_length=1, description="items")
        flag: bool = Field(default=False, description="a flag")
        named: str = Field(description="a name", json_schema_extra=allowed("what the validator says"))

    rows = {row[0]: row for row in reference.rows(Sample, "ns", lambda path: [None, 2])}
    assert rows["`ns:count`"][2:] == ["a whole number; 1..5,120", "required", "unset / 2"]
    assert rows["`ns:ratio`"][2:4] == ["a number; above 0 and below 10", "1.0"]
    assert rows["`ns:mode`"][2] == "a, b"
    assert rows["`ns:items`"][2:4] == ["a list of: x, y, each once; at least 1 item", "[x]"]
    assert rows["`ns:flag`"][2:4] == ["true/false", "false"]
    assert rows["`ns:named`"][2] == "what the validator says"


def test_a_changed_stack_file_makes_the_reference_stale(tmp_path: Path) -> None:
    for name in ("Pulumi.yaml", "Pulumi.production.yaml", "Pulumi.staging.yaml", "Pulumi.development.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "bootstrap", tmp_path / "bootstrap", ignore=shutil.ignore_patterns("__pycache__"))
    staging = tmp_path / "Pulumi.staging.yaml"
    staging.write_text(staging.read_text().replace("max_connections: 50", "max_connections: 75"))
    current = reference.DOC.read_text()
    fresh = reference.render(current, root=tmp_path)
    assert fresh != current
    assert "| 100 / 75 / 20 |" in fresh


def test_a_document_without_its_markers_is_refused() -> None:
    with pytest.raises(ValueError, match="lost its markers"):
        reference.render("# Settings reference\n")
