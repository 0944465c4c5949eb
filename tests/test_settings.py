"""Settings: what the stack files must say, and what is refused with a message naming the key."""

from __future__ import annotations

import copy
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from nexus.config.environment import parse_settings
from nexus.config.messages import SettingsError
from nexus.config.stack_files import ROOT, load_stack_config

# The strategy document's per-environment values, and where they must land.
STRATEGY = {
    "production": {"ssl": True, "max_connections": 100, "log_level": "WARNING", "retention": 90,
                   "auth_timeout": 3600, "attempts": 3, "cache_ttl": 3600, "workers": 16},
    "staging": {"ssl": True, "max_connections": 50, "log_level": "INFO", "retention": 30,
                "auth_timeout": 1800, "attempts": 5, "cache_ttl": 1800, "workers": 8},
    "development": {"ssl": False, "max_connections": 20, "log_level": "DEBUG", "retention": 7,
                    "auth_timeout": 900, "attempts": 10, "cache_ttl": 300, "workers": 4},
}  # fmt: skip


def raw(stack: str = "staging") -> dict[str, Any]:
    config = load_stack_config(stack)
    return copy.deepcopy({k.split(":", 1)[1]: v for k, v in config.values.items() if k.startswith("nexus:")})


def problems(mutate: Any, stack: str = "staging", region: str = "us-east-1") -> list[str]:
    data = raw(stack)
    mutate(data)
    with pytest.raises(SettingsError) as info:
        parse_settings(data, stack=stack, region=region, source=f"Pulumi.{stack}.yaml")
    return info.value.problems


@pytest.mark.parametrize("stack", sorted(STRATEGY))
def test_stack_files_carry_the_strategy_values(stack: str) -> None:
    s, want = load_stack_config(stack).settings(), STRATEGY[stack]
    assert s.environment == stack
    assert (s.database.port, s.database.ssl, s.database.max_connections) == (5432, want["ssl"], want["max_connections"])
    assert (s.monitoring.log_level, s.monitoring.metrics_retention_days) == (want["log_level"], want["retention"])
    assert (s.security.auth_timeout_seconds, s.security.max_login_attempts) == (want["auth_timeout"], want["attempts"])
    assert (s.performance.cache_ttl_seconds, s.performance.max_workers) == (want["cache_ttl"], want["workers"])


def test_shared_values_live_once_in_the_project_file() -> None:
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    assert project["nexus:limits"]["value"] == {"max_file_size_mb": 100, "max_requests_per_minute": 1000}
    assert project["nexus:application"]["value"]["name"] == "NEXUS Platform"
    for stack_file in ROOT.glob("Pulumi.*.yaml"):
        keys = yaml.safe_load(stack_file.read_text())["config"]
        assert not {"nexus:limits", "nexus:application", "nexus:features"} & set(keys), stack_file.name


BAD_SETTINGS = [
    ("cidr not a network", lambda d: d["network"].update(cidr="10.20.0.1/16"), "nexus:network.cidr", "host bits"),
    ("cidr too small", lambda d: d["network"].update(cidr="10.20.0.0/26"), "nexus:network.cidr", "/23"),
    ("cidr public", lambda d: d["network"].update(cidr="8.8.0.0/16"), "nexus:network.cidr", "RFC 1918"),
    ("one zone", lambda d: d["network"].update(availability_zones=["use1-az1"]), "nexus:network.availability_zones", "at least 2"),
    ("nat mode", lambda d: d["network"].update(nat_gateways="two"), "nexus:network.nat_gateways", "one_per_az"),
    ("retention", lambda d: d["monitoring"].update(metrics_retention_days=10), "nexus:monitoring.metrics_retention_days", "14"),
    ("log level", lambda d: d["monitoring"].update(log_level="VERBOSE"), "nexus:monitoring.log_level", "WARNING"),
    ("backup > 35", lambda d: d["database"].update(backup_retention_days=40), "nexus:database.backup_retention_days", "35"),
    ("port", lambda d: d["database"].update(port=70000), "nexus:database.port", "65535"),
    ("misspelled key", lambda d: d["database"].update(instnace_class="db.t4g.micro"), "nexus:database.instnace_class", "did you mean 'instance_class'"),
    ("misspelled section", lambda d: d.update(databse=d["database"]), "nexus:databse", "unknown key"),
    ("kms window", lambda d: d["secrets"].update(kms_deletion_window_days=3), "nexus:secrets.kms_deletion_window_days", "7"),
    ("recovery window", lambda d: d["secrets"].update(recovery_window_days=3), "nexus:secrets.recovery_window_days", "0 (delete at once) or 7..30"),
    ("engine", lambda d: d["database"].update(engine_version="9.6"), "nexus:database.engine_version", "13..18"),
    ("windows overlap", lambda d: d["database"].update(backup_window="04:00-05:00", maintenance_window="sun:04:30-sun:05:30"), "nexus:database", "overlaps"),
    ("storage cap", lambda d: d["database"].update(max_allocated_storage_gb=40), "nexus:database", "greater than"),
    ("tls policy", lambda d: d["load_balancer"].update(ssl_policy="ELBSecurityPolicy-2016-08"), "nexus:load_balancer.ssl_policy", "TLS 1.2+"),
    ("no certificate", lambda d: d["load_balancer"].pop("certificate_arn"), "nexus:load_balancer", "allow_plain_http"),
    ("alarm period", lambda d: d["monitoring"].update(alarms={"period_seconds": 90}), "nexus:monitoring.alarms.period_seconds", "multiple of 60"),
    ("missing key", lambda d: d.pop("security"), "nexus:security", "required"),
    ("protect and force_destroy", lambda d: d["protection"].update(protect_stateful_resources=True, force_destroy=True), "nexus:protection", "contradict"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "mutate", "key", "hint"), BAD_SETTINGS, ids=[c[0] for c in BAD_SETTINGS])
def test_bad_settings_are_refused_with_the_key_and_what_is_allowed(case: str, mutate: Any, key: str, hint: str) -> None:
    found = problems(mutate)
    assert any(p.startswith(key) and hint in p for p in found), found


def test_certificate_of_another_region_is_refused() -> None:
    found = problems(lambda d: None, region="eu-west-1")
    assert any("certificate_arn" in p and "us-east-1" in p for p in found), found


@pytest.mark.parametrize("stack", ["Production", "dev_alice", "a" * 41, "dev--x"])
def test_stack_names_that_cannot_name_aws_resources_are_refused(stack: str) -> None:
    with pytest.raises(SettingsError, match="stack name"):
        parse_settings(raw("development"), stack=stack, region="us-east-1", source="Pulumi.development.yaml")


def test_every_problem_is_reported_at_once() -> None:
    found = problems(lambda d: (d["database"].update(port=1), d["monitoring"].update(log_level="LOUD")))
    assert {p.split(" ")[0] for p in found} >= {"nexus:database.port", "nexus:monitoring.log_level"}


def _write_project(tmp: Path, stack: str, mutate: Any) -> None:
    (tmp / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    doc = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    mutate(doc["config"])
    (tmp / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(doc))


CLI_CASES = [
    ("retention", lambda c: c["nexus:monitoring"].update(metrics_retention_days=45), "nexus:monitoring.metrics_retention_days"),
    ("backup", lambda c: c["nexus:database"].update(backup_retention_days=36), "nexus:database.backup_retention_days"),
    ("typo", lambda c: c["nexus:network"].update(cidrr="10.0.0.0/16"), "nexus:network.cidrr"),
    ("region", lambda c: c.update({"aws:region": "mars-1"}), "aws:region"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "mutate", "key"), CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_plan_cli_refuses_bad_settings_fast_without_traceback(tmp_path: Path, case: str, mutate: Any, key: str) -> None:
    _write_project(tmp_path, "staging", mutate)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "nexus", "plan", "--stack", "staging", "--project-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    assert result.returncode == 2, result.stderr
    assert "Pulumi.staging.yaml" in result.stderr and key in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert elapsed < 2.0, f"refusing a bad setting took {elapsed:.2f} s"
