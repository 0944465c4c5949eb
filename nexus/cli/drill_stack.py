"""`nexus drill-stack`: the recovery drill's throwaway stack file, made from the recovery stack's.

The recovery-drill workflow restores a copy of Pulumi.production-recovery.yaml from the
replicated backups of a source stack (staging by default). This command writes that copy,
Pulumi.<stack>.yaml, before `pulumi stack init`: the recovery stack's network, region and
topology, and from the source the account and the database settings (what is restored is the
source's database: its storage, retention and class are what `nexus verify` then expects), with
every protection lifted so that `pulumi destroy` leaves nothing behind. It refuses (exit 2) a
source that does not replicate its backups into the recovery stack's region, and a result the
settings would refuse.
"""

from __future__ import annotations

import argparse
import copy
from pathlib import Path
from typing import Any

import yaml

from nexus.config.base import PROJECT, valid_stack_name
from nexus.config.errors import InputError
from nexus.config.stack_files import ROOT, load_stack_config

RECOVERY_STACK = "production-recovery"
NS = f"{PROJECT}:"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", required=True, help="the drill stack to write (recovery-drill-<run id>)")
    parser.add_argument("--source", required=True, help="the stack whose replicated backups the drill restores")
    parser.add_argument(
        "--certificate-arn", required=True, help="an ACM certificate of the recovery region in the source's account"
    )
    parser.add_argument("--from", dest="recovery", default=RECOVERY_STACK, help="the recovery stack file to copy")
    parser.add_argument("--project-dir", type=Path, default=None, help="the Pulumi project (default: this repository)")


def drill_config(
    recovery: dict[str, Any], source: dict[str, Any], source_stack: str, certificate_arn: str
) -> dict[str, Any]:
    """The drill stack's `config` mapping: the recovery file's, with the source's account and
    database, restoring the source's backups, and nothing protected or kept after destroy."""
    config = copy.deepcopy(recovery)
    database = {**copy.deepcopy(source[f"{NS}database"]), "deletion_protection": False, "skip_final_snapshot": True,
                "apply_immediately": True}  # fmt: skip
    config.update(
        {
            f"{NS}account_id": source[f"{NS}account_id"],
            # A rehearsal: the staging tier's policies and tags (production's refuse what follows).
            f"{NS}environment": "staging",
            f"{NS}database": database,
            f"{NS}disaster_recovery": {
                "replicate_backups": False,
                "restore_from_stack": source_stack,
                "restore_time": "latest",
            },
            f"{NS}protection": {"protect_stateful_resources": False, "force_destroy": True},
            f"{NS}secrets": {"kms_deletion_window_days": 7, "recovery_window_days": 0},
            # The account's own trail records the drill: no second trail.
            f"{NS}audit": {"trail": "shared-account"},
        }
    )
    config[f"{NS}load_balancer"] = {**copy.deepcopy(recovery[f"{NS}load_balancer"]), "deletion_protection": False,
                                    "certificate_arn": certificate_arn}  # fmt: skip
    return config


def run(args: argparse.Namespace) -> int:
    root: Path = args.project_dir or ROOT
    stack = _name("--stack", args.stack)
    if not stack.startswith("recovery-drill-"):
        raise InputError(
            f"--stack {stack}: a drill stack is named recovery-drill-<run id> (.gitignore keeps those out)"
        )
    source_stack = _name("--source", args.source)
    source = load_stack_config(source_stack, root=root)
    recovery = load_stack_config(args.recovery, root=root)
    replicated = source.settings().disaster_recovery
    region = recovery.settings().region
    if not replicated.replicate_backups:
        raise InputError(
            f"Pulumi.{source_stack}.yaml: nexus:disaster_recovery.replicate_backups is false: no replicated backups "
            "to restore; turn it on and deploy the source first (docs/disaster-recovery.md)"
        )
    if replicated.recovery_region != region:
        raise InputError(
            f"Pulumi.{source_stack}.yaml replicates into {replicated.recovery_region}, but "
            f"Pulumi.{args.recovery}.yaml deploys to {region}: the drill restores where the backups are"
        )
    path = root / f"Pulumi.{stack}.yaml"
    doc = yaml.safe_load((root / f"Pulumi.{args.recovery}.yaml").read_text())
    doc["config"] = drill_config(doc["config"], source.values, source_stack, args.certificate_arn)
    path.write_text(
        f"# Written by `nexus drill-stack` from Pulumi.{args.recovery}.yaml: a throwaway.\n" + yaml.safe_dump(doc)
    )
    try:
        load_stack_config(stack, root=root).settings()  # the settings refuse it: exit 2, and no file left
    except Exception:
        path.unlink()
        raise
    print(f"{path.name}: restores the replicated backups of {source_stack} in {region}")
    return 0


def _name(flag: str, value: str) -> str:
    try:
        return valid_stack_name(value)
    except ValueError as exc:
        raise InputError(f"{flag} {value!r}: {exc}") from None
