"""The offline plan of bootstrap/, the once-per-account project (GitHub
OIDC provider, CI roles, state backend), run under the same mocks as the main program."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nexus.config.base import BOOTSTRAP_PROJECT
from nexus.config.bootstrap import BootstrapSettings
from nexus.config.stack_files import ROOT, StackConfig, load_stack_config

if TYPE_CHECKING:
    from nexus.plans.offline import Resource

BOOTSTRAP_DIR = ROOT / "bootstrap"
EXIT_INVALID = 2


@dataclass
class BootstrapPlan:
    stack: str
    settings: BootstrapSettings
    resources: list[Resource]
    outputs: dict[str, Any]

    def of_type(self, type_token: str) -> list[Resource]:
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str, name: str) -> Resource:
        (found,) = [r for r in self.of_type(type_token) if r.name == name]
        return found

    def to_json(self) -> dict[str, Any]:
        from nexus.plans.offline import masked

        return {
            "stack": self.stack,
            "project": BOOTSTRAP_PROJECT,
            "settings": self.settings.model_dump(mode="json"),
            "outputs": self.outputs,
            "resources": [
                {"urn": r.urn, "type": r.type, "name": r.name, "parent": r.parent,
                 "inputs": masked(r.inputs), "options": r.options}
                for r in self.resources
            ],
        }  # fmt: skip


def load(stack: str, root: Path = BOOTSTRAP_DIR) -> tuple[StackConfig, BootstrapSettings]:
    """The bootstrap stack's config as the CLI would pass it, validated (SettingsError)."""
    config = load_stack_config(stack, root=root, project_name=BOOTSTRAP_PROJECT)
    from nexus.config.bootstrap import bootstrap_settings_from_cli_config

    source = f"{root.name}/{config.stack_file.name}"
    return config, bootstrap_settings_from_cli_config(config.as_cli_strings(), stack=stack, source=source)


def plan_bootstrap(stack: str, root: Path = BOOTSTRAP_DIR) -> BootstrapPlan:
    config, settings = load(stack, root)
    from nexus.plans.offline import execute

    resources, outputs = execute(
        root / "__main__.py",
        project=BOOTSTRAP_PROJECT,
        stack=stack,
        config=config.as_cli_strings(),
        secret_keys=config.secret_keys,
        region=settings.region,
        account_id=settings.account_id,  # the offline plan runs as the account the file names
    )
    return BootstrapPlan(stack, settings, resources, outputs)
