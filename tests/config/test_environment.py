"""Settings validation (nexus.config.environment): what a stack file may say. A bad value is
refused with one line naming the key and what is allowed; a value AWS accepts is accepted and
planned inside AWS's limits.

The property tests at the end generate whole stack files: each is refused (exit 2, every line
naming a key) or planned with every resource inside the AWS limits the project knows, never a
traceback. Budgets: the suite runs the `nexus-default` profile (deterministic, a few seconds);
`make fuzz` runs `nexus-fuzz` (NEXUS_HYPOTHESIS_PROFILE=fuzz, random, thousands of cases) and
prints how many cases each property tried (--hypothesis-show-statistics)."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import io
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from nexus.cli import main
from nexus.config.base import BOOTSTRAP_PROJECT, PROJECT
from nexus.config.bootstrap import bootstrap_settings_from_cli_config
from nexus.config.environment import parse_settings, settings_from_cli_config
from nexus.config.limits import (
    TLS12_PLUS_POLICIES,
    is_tls12_plus_policy,
)
from nexus.config.messages import SettingsError
from nexus.config.stack_files import load_stack_config
from nexus.plans.bootstrap_plan import BOOTSTRAP_DIR
from nexus.plans.offline import Plan
from nexus.plans.rules import https_where_traffic_enters
from tests.support.aws_limits import violations
from tests.support.cli import refusal
from tests.support.plans import OTHER_ACCOUNT
from tests.support.settings import one_line_naming, problems, raw, verdict
from tests.support.settings_strategies import StackFile, stack_files

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
    # Day two: refused before AWS sees them (docs/day-two.md).
    ("backups off where protected", lambda d: (d["protection"].update(protect_stateful_resources=True), d["database"].update(backup_retention_days=0)), "nexus:database.backup_retention_days = 0", "deletes the existing ones"),
    ("blue/green with an RDS-managed password", lambda d: d["database"].update(blue_green_update=True), "nexus:database", "blue_green_update needs master_password: program"),
    ("blue/green without backups", lambda d: d["database"].update(blue_green_update=True, master_password="program", backup_retention_days=0), "nexus:database", "needs automated backups"),  # noqa: S106
    ("who keeps the password", lambda d: d["database"].update(master_password="me"), "nexus:database.master_password", "program"),  # noqa: S106
    ("apply_immediately unsaid", lambda d: d["database"].pop("apply_immediately"), "nexus:database.apply_immediately", "required"),
    # Instance classes: RDS User Guide, "Supported DB engines for DB instance classes".
    ("misspelled instance class", lambda d: d["database"].update(instance_class="db.t4g.mediun"), "nexus:database.instance_class = db.t4g.mediun", "not an RDS for PostgreSQL instance class (did you mean db.t4g.medium?)"),
    ("size the family lacks", lambda d: d["database"].update(instance_class="db.m5.micro"), "nexus:database.instance_class = db.m5.micro", "not an RDS for PostgreSQL instance class"),
    ("class of majors below 13", lambda d: d["database"].update(instance_class="db.m4.large"), "nexus:database", "instance_class db.m4.large does not run PostgreSQL 16 (engine_version '16')"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "mutate", "key", "hint"), BAD_SETTINGS, ids=[c[0] for c in BAD_SETTINGS])
def test_bad_settings_are_refused_with_the_key_and_what_is_allowed(case: str, mutate: Any, key: str, hint: str) -> None:
    found = problems(mutate)
    assert any(p.startswith(key) and hint in p for p in found), found


def test_every_problem_is_reported_at_once() -> None:
    found = problems(lambda d: (d["database"].update(port=1), d["monitoring"].update(log_level="LOUD")))
    assert {p.split(" ")[0] for p in found} >= {"nexus:database.port", "nexus:monitoring.log_level"}


@pytest.mark.parametrize("stack", ["Production", "dev_alice", "a" * 41, "dev--x"])
def test_stack_names_that_cannot_name_aws_resources_are_refused(stack: str) -> None:
    with pytest.raises(SettingsError, match="stack name"):
        parse_settings(raw("development"), stack=stack, region="us-east-1", source="Pulumi.development.yaml")


# ------------------------------------------------------------------ tags and names


@pytest.mark.parametrize(
    ("tags", "hint"),
    [
        ({"tags": {"CostCenter": 1234}}, "not int"),
        ({"tags": {"Owner": None}}, "write '' for an empty value"),
        ({"tags": {"aws:owner": "x"}}, "reserved by AWS"),
        ({"tags": {"Owner": "a<b>"}}, "'<>' not allowed"),
        ({"tags": {"Owner": "x" * 257}}, "at most 256"),
        ({"tags": {"Environment": "x"}}, "set by the program"),
        ({"tags": {f"k{i}": "v" for i in range(44)}}, "at most 43"),
        ({"Owner": "x"}, "one key, tags"),
    ],
)
def test_default_tags_that_aws_refuses_are_refused(tags: dict[str, Any], hint: str) -> None:
    one_line_naming(verdict(tags=tags), "aws:defaultTags", hint)


def test_application_name_must_be_a_valid_tag_value() -> None:
    one_line_naming(
        verdict(lambda d: d["application"].update(name="NEXUS <Platform>")), "nexus:application.name", "'<>'"
    )
    one_line_naming(verdict(lambda d: d["application"].update(name="x" * 257)), "nexus:application.name", "256")
    one_line_naming(
        verdict(lambda d: d["application"].update(name=dt.date(2026, 1, 2))), "nexus:application.name", "quote it"
    )
    assert (
        verdict(lambda d: d["application"].update(name="NEXUS Plattform: Zürich/EU @2026 + x=y_z." + "x" * 200)) == []
    )


def test_cli_fields_are_not_nexus_keys() -> None:
    one_line_naming(verdict(lambda d: d.update(stack="production")), "nexus:stack", "unknown key")


# ------------------------------------------------------------------ region, zones and account


@pytest.mark.parametrize(
    ("region", "partition"),
    [("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov"), ("us-iso-east-1", "aws-iso"),
     ("us-isob-east-1", "aws-iso"), ("eusc-de-east-1", "aws-eusc")],
)  # fmt: skip
def test_regions_of_other_partitions_are_refused_in_one_line(region: str, partition: str) -> None:
    found = verdict(region=region)
    one_line_naming(found, "aws:region", f"partition {partition}", "aws partition only")


@pytest.mark.parametrize("stack", ["staging", "development"])
def test_an_unknown_region_is_one_line_naming_it(stack: str) -> None:
    # Staging has a certificate (of us-east-1) and development none: neither the certificate's
    # region nor the zone table is reported beside it.
    found = problems(lambda d: None, stack=stack, region="us-east-7")
    assert found == ["aws:region = us-east-7: not an AWS region this project knows (did you mean us-east-1?)"]


def test_an_unknown_region_without_a_close_one_points_at_the_docs() -> None:
    found = problems(lambda d: None, stack="development", region="xy-nowhere-1")
    assert found == ["aws:region = xy-nowhere-1: not an AWS region this project knows (docs/real-aws.md#regions)"]


@pytest.mark.parametrize(
    ("stack", "edit", "line"),
    [
        ("staging", ("aws:region: us-east-1", "aws:region: us-east-7"),
         "aws:region = us-east-7: not an AWS region this project knows (did you mean us-east-1?)"),
        ("development", ("aws:region: us-east-1", "aws:region: us-east-7"),
         "aws:region = us-east-7: not an AWS region this project knows (did you mean us-east-1?)"),
        ("staging", ("instance_class: db.t4g.medium", "instance_class: db.t4g.mediun"),
         "nexus:database.instance_class = db.t4g.mediun: not an RDS for PostgreSQL instance class "
         "(did you mean db.t4g.medium?)"),
        ("production", ("instance_class: db.r6g.large", "instance_class: db.r4.large"),
         "nexus:database: instance_class db.r4.large does not run PostgreSQL 16 (engine_version '16'): RDS for "
         "PostgreSQL offers it for PostgreSQL 10..12 only; none of them is one this program accepts (13..18): "
         "choose a current class, e.g. db.m7g.large"),
    ],
)  # fmt: skip
def test_plan_refuses_an_unknown_region_or_class_in_one_line(
    stack: str, edit: tuple[str, str], line: str, tmp_path: Path, capsys: Any
) -> None:
    err = refusal(tmp_path, {f"Pulumi.{stack}.yaml": [edit]}, capsys, "--stack", stack)
    assert [row for row in err.splitlines() if row.startswith("  - ")] == [f"  - {line}"], err


def bad_zone_settings(zones: Any, region: str = "us-east-1") -> list[str]:
    raw = {k.split(":", 1)[1]: copy.deepcopy(v) for k, v in load_stack_config("development").values.items()
           if k.startswith(f"{PROJECT}:")}  # fmt: skip
    raw["network"]["availability_zones"] = zones
    with pytest.raises(SettingsError) as info:
        parse_settings(raw, stack="development", region=region, source="Pulumi.development.yaml")
    return info.value.problems


@pytest.mark.parametrize(
    ("zones", "hint"),
    [
        (["use1-az1", "euw1-az2"], "euw1-az2: not a regular Availability Zone ID of us-east-1"),
        (["us-east-1a", "us-east-1b"], "not a regular Availability Zone ID"),  # names, not IDs
        (["use1-az1", "use1-bos1-az1"], "Local and Wavelength Zones are refused"),
        (["use1-az1", "use1-az1"], "each zone may appear once"),
        (["use1-az1"], "at least 2"),
        (["use1-az1", "use1-az2", "use1-az3", "use1-az4", "use1-az5"], "at most 4"),
        (3, "not a list of zone IDs"),  # the old count form
    ],
)  # fmt: skip
def test_zones_are_checked_offline_against_the_region(zones: Any, hint: str) -> None:
    found = bad_zone_settings(zones)
    assert any(p.startswith("nexus:network.availability_zones") and hint in p for p in found), found


def test_zone_ids_of_another_region_are_refused_for_that_region() -> None:
    found = bad_zone_settings(["use1-az1", "use1-az2"], region="eu-west-1")
    assert any("use1-az1, use1-az2: not a regular Availability Zone ID of eu-west-1" in p for p in found), found


@pytest.mark.parametrize(
    ("value", "hint"),
    [(123456789012, "quoted"), ("12345678901", "12 digits"), ("12345678901a", "12 digits"), (None, "required")],
)
def test_account_id_must_be_12_quoted_digits(value: Any, hint: str) -> None:
    raw = {k.split(":", 1)[1]: copy.deepcopy(v) for k, v in load_stack_config("staging").values.items()
           if k.startswith(f"{PROJECT}:")}  # fmt: skip
    if value is None:
        raw.pop("account_id")
    else:
        raw["account_id"] = value
    with pytest.raises(SettingsError) as info:
        parse_settings(raw, stack="staging", region="us-east-1", source="Pulumi.staging.yaml")
    assert any(p.startswith("nexus:account_id") and hint in p for p in info.value.problems), info.value.problems


def test_an_account_with_a_leading_zero_survives_the_cli() -> None:
    config = load_stack_config("development").with_values({"nexus:account_id": "012345678901"})
    cli = config.as_cli_strings()
    assert cli["nexus:account_id"] == "012345678901"
    settings = settings_from_cli_config(cli, stack="development", source="Pulumi.development.yaml")
    assert settings.account_id == "012345678901"


UNQUOTED_ACCOUNTS = [
    ("123456789012", 'quote it: nexus:account_id: "123456789012"'),
    ("12345678901", 'an account ID is 12 digits, quoted: nexus:account_id: "123456789012"'),
]


@pytest.mark.parametrize(("unquoted", "fix"), UNQUOTED_ACCOUNTS, ids=["12 digits", "11 digits"])
def test_an_unquoted_account_id_is_refused_as_the_number_yaml_read(
    unquoted: str, fix: str, tmp_path: Path, capsys: Any
) -> None:
    edit = ('nexus:account_id: "123456789012"', f"nexus:account_id: {unquoted}")
    err = refusal(tmp_path, {"Pulumi.staging.yaml": [edit]}, capsys)
    assert err.splitlines() == [
        "Pulumi.staging.yaml: invalid settings",
        f"  - nexus:account_id = {unquoted}: YAML reads an unquoted {unquoted} as a number (and drops leading "
        f"zeros); {fix}",
    ]


def test_the_cli_passes_the_account_id_as_text_and_its_message_says_so() -> None:
    cli = {**load_stack_config("staging").as_cli_strings(), "nexus:account_id": "12345678901"}
    with pytest.raises(SettingsError) as info:
        settings_from_cli_config(cli, stack="staging", source="Pulumi.staging.yaml")
    (found,) = [p for p in info.value.problems if p.startswith("nexus:account_id")]
    assert found.startswith("nexus:account_id = '12345678901': '12345678901' is not an AWS account ID: 12 digits")
    assert "YAML reads an unquoted" not in found


@pytest.mark.parametrize("value", [1234, "1234"], ids=["unquoted", "quoted"])
def test_a_bootstrap_account_id_read_as_a_number_says_to_quote_12_digits(value: Any) -> None:
    # decode_cli_value turns the CLI's "1234" into a number, quoted in the file or not.
    config = load_stack_config("account", root=BOOTSTRAP_DIR, project_name=BOOTSTRAP_PROJECT)
    cli = config.with_values({f"{BOOTSTRAP_PROJECT}:account_id": value}).as_cli_strings()
    with pytest.raises(SettingsError) as info:
        bootstrap_settings_from_cli_config(cli, stack="account", source="bootstrap/Pulumi.account.yaml")
    assert info.value.problems == [
        "nexus-bootstrap:account_id = 1234: YAML reads an unquoted account ID as a number and drops leading "
        'zeros: quote all 12 digits (nexus-bootstrap:account_id: "012345678901")'
    ]


# ------------------------------------------------------------------ the load balancer


def test_certificate_of_another_region_is_refused() -> None:
    found = problems(lambda d: None, region="eu-west-1")
    assert any("certificate_arn" in p and "us-east-1" in p for p in found), found


def test_certificate_of_another_account_is_refused() -> None:
    raw = {k.split(":", 1)[1]: copy.deepcopy(v) for k, v in load_stack_config("production").values.items()
           if k.startswith(f"{PROJECT}:")}  # fmt: skip
    raw["account_id"] = OTHER_ACCOUNT
    with pytest.raises(SettingsError) as info:
        parse_settings(raw, stack="production", region="us-east-1", source="Pulumi.production.yaml")
    assert any("certificate_arn belongs to account 123456789012" in p for p in info.value.problems)


def test_a_certificate_of_another_partition_is_refused() -> None:
    arn = "arn:aws-cn:acm:cn-north-1:123456789012:certificate/00000000-0000-4000-8000-000000000001"
    one_line_naming(
        verdict(lambda d: d["load_balancer"].update(certificate_arn=arn)), "nexus:load_balancer.certificate_arn"
    )


@pytest.mark.parametrize("policy", TLS12_PLUS_POLICIES)
def test_published_tls12_plus_policies_are_accepted(policy: str) -> None:
    assert is_tls12_plus_policy(policy)
    assert verdict(lambda d: d["load_balancer"].update(ssl_policy=policy)) == []


@pytest.mark.parametrize(
    "policy",
    ["ELBSecurityPolicy-2016-08", "ELBSecurityPolicy-TLS13-1-1-2021-06", "ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04",
     "ELBSecurityPolicy-TLS-1-1-2017-01", "ELBSecurityPolicy-FS-1-1-2019-08", "ELBSecurityPolicy-FS-2018-06",
     "ELBSecurityPolicy-TLS13-1-2", "tls13-1-2-2021-06"],
)  # fmt: skip
def test_policies_that_allow_tls_below_12_are_refused(policy: str) -> None:
    assert not is_tls12_plus_policy(policy)
    one_line_naming(verdict(lambda d: d["load_balancer"].update(ssl_policy=policy)), "nexus:load_balancer.ssl_policy")
    # The policy rule of `nexus check` and the pack uses the same rule.
    listener = {"type": "aws:lb/listener:Listener", "inputs": {"protocol": "HTTPS", "sslPolicy": policy}}
    assert https_where_traffic_enters(listener, "production") != []


ZONE = "Z0123456789ABCDEFGHIJ"


def requested(**load_balancer: Any) -> Any:
    """Staging's load balancer with a certificate the stack requests instead of its ARN."""
    return lambda d: (d["load_balancer"].pop("certificate_arn"), d["load_balancer"].update(load_balancer))


@pytest.mark.parametrize(
    "domain",
    ["app.example.com", "*.example.com", "A-1.Example.COM", "xn--bcher-kva.example", "a.b.c.d.example.co.uk",
     "x" * 52 + ".example.com"],  # 64 characters: ACM's limit for the first name
)  # fmt: skip
def test_a_certificate_the_stack_requests_is_a_certificate_source(domain: str) -> None:
    assert verdict(requested(domain_name=domain, hosted_zone_id=ZONE)) == []
    assert verdict(requested(domain_name=domain, hosted_zone_id="Z1", alias_record=False)) == []


@pytest.mark.parametrize(
    ("mutate", "key", "hints"),
    [
        (lambda d: d["load_balancer"].update(domain_name="app.example.com", hosted_zone_id=ZONE),
         "nexus:load_balancer.domain_name", ("certificate_arn is set too", "one certificate source")),
        (requested(domain_name="app.example.com"), "nexus:load_balancer.hosted_zone_id",
         ("required with domain_name", "app.example.com")),
        (requested(hosted_zone_id=ZONE, allow_plain_http=True), "nexus:load_balancer.hosted_zone_id",
         ("without domain_name",)),
        (requested(alias_record=True, allow_plain_http=True), "nexus:load_balancer.alias_record",
         ("only with domain_name",)),
        (requested(), "nexus:load_balancer", ("domain_name and hosted_zone_id", "allow_plain_http")),
        (requested(domain_name="app.example.com", hosted_zone_id="/hostedzone/" + ZONE),
         "nexus:load_balancer.hosted_zone_id", (f"write the zone ID alone: {ZONE!r}",)),
        (requested(domain_name="app.example.com", hosted_zone_id="z0123"), "nexus:load_balancer.hosted_zone_id",
         ("not a Route 53 hosted zone ID",)),
        (requested(domain_name="app.example.com", hosted_zone_id="Z" + "A" * 32), "nexus:load_balancer.hosted_zone_id",
         ("1..31",)),
        (requested(domain_name="app.example.com.", hosted_zone_id=ZONE), "nexus:load_balancer.domain_name",
         ("ends with a period", "'app.example.com'")),
        (requested(domain_name="localhost", hosted_zone_id=ZONE), "nexus:load_balancer.domain_name",
         ("not a fully qualified name",)),
        (requested(domain_name="app.*.example.com", hosted_zone_id=ZONE), "nexus:load_balancer.domain_name",
         ("wildcard",)),
        (requested(domain_name="app..example.com", hosted_zone_id=ZONE), "nexus:load_balancer.domain_name",
         ("empty label",)),
        (requested(domain_name="-app.example.com", hosted_zone_id=ZONE), "nexus:load_balancer.domain_name",
         ("inner hyphens",)),
        (requested(domain_name="app_1.example.com", hosted_zone_id=ZONE), "nexus:load_balancer.domain_name",
         ("letters, digits",)),
        (requested(domain_name="bücher.example", hosted_zone_id=ZONE), "nexus:load_balancer.domain_name",
         ("xn--",)),
        (requested(domain_name="x" * 64 + ".com", hosted_zone_id=ZONE), "nexus:load_balancer.domain_name",
         ("64 characters", "at most 63")),
        (requested(domain_name="x" * 53 + ".example.com", hosted_zone_id=ZONE), "nexus:load_balancer.domain_name",
         ("65 characters", "longer than 64")),
        (requested(domain_name=".".join(["x" * 63] * 4), hosted_zone_id=ZONE), "nexus:load_balancer.domain_name",
         ("255 characters", "at most 253")),
        (requested(domain_name="app.example.c", hosted_zone_id=ZONE), "nexus:load_balancer.domain_name",
         ("at least 2 characters",)),
    ],
)  # fmt: skip
def test_bad_certificate_sources_are_refused_naming_the_key(mutate: Any, key: str, hints: tuple[str, ...]) -> None:
    one_line_naming(verdict(mutate), key, *hints)


def test_a_certificate_source_mistake_exits_2_naming_the_key(tmp_path: Path, capsys: Any) -> None:
    arn = "certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000002"
    err = refusal(tmp_path, {"Pulumi.staging.yaml": [(arn, "domain_name: app.example.com")]}, capsys)
    assert "nexus:load_balancer.hosted_zone_id: required with domain_name" in err
    err = refusal(tmp_path, {"Pulumi.staging.yaml": [(arn, f"{arn}\n    domain_name: app.example.com")]}, capsys)
    assert "nexus:load_balancer.domain_name = 'app.example.com': certificate_arn is set too" in err


def test_an_ingress_cidr_without_prefix_is_refused_with_a_hint() -> None:
    found = verdict(lambda d: d["load_balancer"].update(allowed_ingress_cidrs=["203.0.113.5"]))
    one_line_naming(found, "nexus:load_balancer.allowed_ingress_cidrs", "no prefix length", "203.0.113.5/32")
    found = verdict(lambda d: d["load_balancer"].update(allowed_ingress_cidrs=["203.0.113.0/255.255.255.0"]))
    one_line_naming(found, "nexus:load_balancer.allowed_ingress_cidrs", "write 203.0.113.0/24")


def test_an_ingress_cidr_listed_twice_is_refused() -> None:
    found = verdict(lambda d: d["load_balancer"].update(allowed_ingress_cidrs=["198.51.100.0/24", "198.51.100.0/24"]))
    one_line_naming(found, "nexus:load_balancer.allowed_ingress_cidrs", "198.51.100.0/24 listed more than once")


def test_more_ingress_rules_than_a_security_group_holds_are_refused() -> None:
    cidrs = [f"198.51.{i}.0/24" for i in range(31)]  # x 2 ports (443, 80) = 62 > 60
    found = verdict(lambda d: d["load_balancer"].update(allowed_ingress_cidrs=cidrs))
    one_line_naming(found, "nexus:load_balancer", "62 inbound rules", "at most 30 CIDRs")


# ------------------------------------------------------------------ the database


def test_a_storage_cap_less_than_10_percent_above_the_allocation_is_refused() -> None:
    storage = {"allocated_storage_gb": 100, "max_allocated_storage_gb": 109}
    one_line_naming(verdict(lambda d: d["database"].update(storage)), "nexus:database", "10% greater", "110 or more")
    assert verdict(lambda d: d["database"].update(storage, max_allocated_storage_gb=110)) == []


def test_a_log_export_listed_twice_is_refused() -> None:
    found = verdict(lambda d: d["database"].update(log_exports=["postgresql", "upgrade", "postgresql"]))
    one_line_naming(found, "nexus:database.log_exports", "postgresql listed more than once")


@pytest.mark.parametrize("name", ["table", "user", "Select", "current_user", "left"])
def test_a_postgresql_reserved_word_as_database_name_is_refused(name: str) -> None:
    found = verdict(lambda d: d["database"].update(database_name=name))
    one_line_naming(found, "nexus:database.database_name", "reserved word of PostgreSQL")


@pytest.mark.parametrize(("name", "hint"), [("user", "reserved word"), ("admin", "reserved by RDS"),
                                            ("rdsadmin", "reserved by RDS"), ("pg_owner", "pg_")])  # fmt: skip
def test_master_user_names_rds_refuses_are_refused(name: str, hint: str) -> None:
    one_line_naming(
        verdict(lambda d: d["database"].update(master_username=name)), "nexus:database.master_username", hint
    )


# ------------------------------------------------------------------ monitoring


@pytest.mark.parametrize(
    ("period", "periods", "limit"), [(60, 1441, "86400"), (10, 8641, "86400"), (3600, 169, "604800")]
)
def test_an_evaluation_range_beyond_cloudwatchs_limit_is_refused(period: int, periods: int, limit: str) -> None:
    alarms = {"period_seconds": period, "evaluation_periods": periods}
    one_line_naming(verdict(lambda d: d["monitoring"].update(alarms=alarms)), "nexus:monitoring.alarms", limit,
                    f"at most {periods - 1} evaluation periods")  # fmt: skip
    assert verdict(lambda d: d["monitoring"].update(alarms={**alarms, "evaluation_periods": periods - 1})) == []


def test_alarm_thresholds_stay_numbers_a_double_carries() -> None:
    found = verdict(lambda d: d["monitoring"].update(alarms={"unhealthy_hosts": 10**400}))
    one_line_naming(found, "nexus:monitoring.alarms.unhealthy_hosts", "(401 characters)", "less than or equal to")


def test_a_storage_alarm_that_would_page_before_autoscaling_is_refused() -> None:
    raw = {k.split(":", 1)[1]: copy.deepcopy(v) for k, v in load_stack_config("production").values.items()
           if k.startswith(f"{PROJECT}:")}  # fmt: skip
    raw["monitoring"]["alarms"] = {"db_free_storage_percent_of_cap": 5}  # 25 GiB of 500 > 10 GiB trigger
    with pytest.raises(SettingsError) as info:
        parse_settings(raw, stack="production", region="us-east-1", source="Pulumi.production.yaml")
    (problem,) = info.value.problems
    assert (
        problem.startswith("nexus:monitoring.alarms.db_free_storage_percent_of_cap = 5")
        and "use less than 2" in problem
    )


# ------------------------------------------------------------------ AWS's edges are accepted


def test_edges_aws_accepts_are_planned_inside_its_limits(edgy_plan: Plan) -> None:
    assert violations(edgy_plan.to_json()) == []
    db = edgy_plan.one("aws:rds/instance:Instance")
    # master_username postgres (RDS accepts it), Performance Insights on db.t4g.micro (the RDS
    # user guide restricts small classes for MariaDB and MySQL only), the cap exactly +10%.
    assert (db.input("username"), db.input("instanceClass"), db.input("performanceInsightsEnabled")) == (
        "postgres", "db.t4g.micro", True)  # fmt: skip
    assert (db.input("allocatedStorage"), db.input("maxAllocatedStorage")) == (100, 110)
    https = [r for r in edgy_plan.of_type("aws:lb/listener:Listener") if r.input("protocol") == "HTTPS"]
    assert [r.input("sslPolicy") for r in https] == ["ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"]
    alarms = edgy_plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert {a.input("evaluationPeriods") for a in alarms} == {1440}
    ingress = [r for r in edgy_plan.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
               if r.input("cidrIpv4")]  # fmt: skip
    assert len(ingress) == 60  # exactly the default quota of one security group


# ------------------------------------------------------------------ generated stack files


_COMMON: dict[str, Any] = {"deadline": None, "suppress_health_check": list(HealthCheck), "print_blob": True}
settings.register_profile("nexus-default", max_examples=40, derandomize=True, database=None, **_COMMON)
settings.register_profile("nexus-fuzz", max_examples=4000, **_COMMON)
PROFILE = settings.get_profile("nexus-" + os.environ.get("NEXUS_HYPOTHESIS_PROFILE", "default"))
# A full offline plan costs 0.1-0.3 s warm: a twentieth of the validation budget.
PLAN_PROFILE = settings(PROFILE, max_examples=max(PROFILE.max_examples // 20, 3))


# What a problem line starts with: the key it is about.
KEY = re.compile(r"^(nexus:[a-z0-9_.*\[\]]+|aws:region|aws:defaultTags|stack name)( = .+)?: .+")


def write_project(sf: StackFile, root: Path) -> Path:
    project = {"name": "nexus", "runtime": "python", "config": {k: {"value": v} for k, v in sf.project.items()}}
    dump = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml when the wheel has it: faster
    (root / "Pulumi.yaml").write_text(yaml.dump(project, Dumper=dump, allow_unicode=True))
    (root / f"Pulumi.{sf.stack}.yaml").write_text(yaml.dump({"config": sf.config}, Dumper=dump, allow_unicode=True))
    return root


def assert_refusal_names_keys(lines: list[str], sf: StackFile) -> None:
    assert lines, "refused without saying why"
    for line in lines:
        assert KEY.match(line), f"problem line names no key: {line!r}"
        assert "\n" not in line
    for key, cross in sf.expected.items():
        # A rule between keys runs only when every key of its section is valid (pydantic's
        # model validators), so it is required only then.
        if cross and any(line.startswith(key + ".") for line in lines):
            continue
        assert any(re.match(re.escape(key) + r"(\.\d+|\[\d+\])?( = |: )", line) for line in lines), (key, lines)


@settings(PROFILE)
@given(stack_files())
def test_generated_settings_are_refused_naming_the_key_or_accepted(sf: StackFile) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = write_project(sf, Path(tmp))
        config = load_stack_config(sf.stack, root=root)  # what `nexus plan` validates first
        try:
            config.settings()
            refused: list[str] = []
        except SettingsError as exc:
            refused = [problem for _, problems in exc.blocks for problem in problems]  # Pulumi.yaml's too
        if refused:
            assert_refusal_names_keys(refused, sf)
        else:
            assert not sf.expected, f"accepted, but AWS refuses: {sorted(sf.expected)}"
        # The program under the real CLI gets every value as a string: the same verdict.
        # (A YAML date is refused from the file but arrives as text through the CLI.)
        if not sf.has_date:
            try:
                settings_from_cli_config(config.as_cli_strings(), stack=sf.stack, source="cli")
                cli: list[str] = []
            except SettingsError as exc:
                cli = [problem for _, problems in exc.blocks for problem in problems]
            assert sorted(cli) == sorted(refused)


@PLAN_PROFILE
@given(stack_files(bad_percent=1))
def test_generated_stack_files_plan_inside_aws_limits_or_exit_2(sf: StackFile) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = write_project(sf, Path(tmp))
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["plan", f"--stack={sf.stack}", "--project-dir", str(root), "--quiet",
                         "--json", str(root / "plan.json")])  # fmt: skip
        assert "Traceback" not in out.getvalue() + err.getvalue()
        if code == 2:
            lines = [line[4:] for line in err.getvalue().splitlines() if line.startswith("  - ")]
            assert_refusal_names_keys(lines, sf)
            return
        assert code == 0, err.getvalue()
        assert not sf.expected, f"planned, but AWS refuses: {sorted(sf.expected)}"
        assert violations(json.loads((root / "plan.json").read_text())) == []


# ------------------------------------------------------------------ disaster recovery

ARN_WEST = "arn:aws:rds:us-west-2:123456789012:auto-backup:ab-L2IJCEXJP7XQ7HOJ4SIEXAMPLE"


def _dr(**values: Any) -> Any:
    """Staging's file with a disaster_recovery section of these values only."""
    return lambda d: d.update(disaster_recovery=values)


@pytest.mark.parametrize(
    ("edit", "region"),
    [
        (_dr(replicate_backups=True, recovery_region="us-west-2", retention_days=1), "us-east-1"),
        (_dr(replicate_backups=True, recovery_region="eu-west-1", retention_days=35, max_replication_lag_minutes=5), "us-east-1"),
        (_dr(replicate_backups=True, recovery_region="ap-northeast-1", max_replication_lag_minutes=1440), "ap-northeast-3"),
        (_dr(replicate_backups=False, restore_from_stack="production", restore_time="2026-12-01T09:30:00Z"), "us-west-2"),
        (_dr(replicate_backups=False, restore_from_backups_arn=ARN_WEST, restore_time="2026-12-01T09:30:00.5Z"), "us-west-2"),
    ],
    ids=["1 day", "35 days, 5 minutes", "osaka to tokyo, a day", "a stack at a time", "an arn at a time"],
)  # fmt: skip
def test_recovery_settings_aws_accepts_are_accepted(edit: Any, region: str) -> None:
    zones = {"us-east-1": "use1", "us-west-2": "usw2", "ap-northeast-3": "apne3"}[region]

    def mutate(d: dict[str, Any]) -> None:
        edit(d)
        d["network"]["availability_zones"] = [f"{zones}-az1", f"{zones}-az2"]
        d["load_balancer"] = {**d["load_balancer"], "certificate_arn": None, "allow_plain_http": True}

    assert verdict(mutate, region=region) == []


@pytest.mark.parametrize(
    ("edit", "region", "key", "hint"),
    [
        (_dr(replicate_backups=True, recovery_region="us-east-1"), "us-east-1", "nexus:disaster_recovery", "the stack's own region"),
        (_dr(replicate_backups=True, recovery_region="us-gov-west-1"), "us-east-1", "nexus:disaster_recovery", "partition aws-us-gov"),
        (_dr(replicate_backups=True, recovery_region="cn-north-1"), "us-east-1", "nexus:disaster_recovery", "partition aws-cn"),
        (_dr(replicate_backups=True, recovery_region="us-west-7"), "us-east-1", "nexus:disaster_recovery", "did you mean us-west-1?"),
        # RDS User Guide, "Replicating automated backups", AWS Region support: Osaka replicates to Tokyo only.
        (_dr(replicate_backups=True, recovery_region="ap-northeast-3"), "us-east-1", "nexus:disaster_recovery", "does not replicate automated backups from us-east-1"),
        (_dr(replicate_backups=True, recovery_region="us-west-2"), "ap-northeast-3", "nexus:disaster_recovery", "from ap-northeast-3: ap-northeast-1"),
        (_dr(replicate_backups=True), "us-east-1", "nexus:disaster_recovery", "set recovery_region"),
        (_dr(replicate_backups=True, recovery_region="us-west-2", retention_days=0), "us-east-1", "nexus:disaster_recovery.retention_days", "greater than or equal to 1"),
        (_dr(replicate_backups=True, recovery_region="us-west-2", retention_days=36), "us-east-1", "nexus:disaster_recovery.retention_days", "less than or equal to 35"),
        (_dr(max_replication_lag_minutes=1), "us-east-1", "nexus:disaster_recovery.max_replication_lag_minutes", "5"),
        (lambda d: (_dr(replicate_backups=True, recovery_region="us-west-2")(d), d["database"].update(backup_retention_days=0)), "us-east-1", "nexus:disaster_recovery", "needs automated backups"),
        (_dr(restore_from_backups_arn=ARN_WEST), "us-east-1", "nexus:disaster_recovery", "is in us-west-2 but the stack deploys to us-east-1"),
        (_dr(restore_from_backups_arn=ARN_WEST.replace("123456789012", "210987654321")), "us-west-2", "nexus:disaster_recovery", "belongs to account 210987654321"),
        (_dr(restore_from_backups_arn="arn:aws:rds:us-west-2:123456789012:snapshot:rds:x"), "us-west-2", "nexus:disaster_recovery.restore_from_backups_arn", "auto-backup:ab-"),
        (_dr(restore_from_stack="production", restore_from_backups_arn=ARN_WEST), "us-west-2", "nexus:disaster_recovery.restore_from_backups_arn", "name one restore source"),
        (_dr(restore_from_stack="Production"), "us-west-2", "nexus:disaster_recovery.restore_from_stack", "stack name"),
        (_dr(restore_from_stack="staging"), "us-west-2", "nexus:disaster_recovery", "names this stack"),
        (_dr(restore_from_stack="production", restore_time="2026-12-01 09:30"), "us-west-2", "nexus:disaster_recovery.restore_time", "UTC time"),
        (_dr(restore_from_stack="production", restore_time="2026-02-30T09:30:00Z"), "us-west-2", "nexus:disaster_recovery.restore_time", "not a real date"),
        (_dr(restore_time="2026-12-01T09:30:00Z"), "us-west-2", "nexus:disaster_recovery", "only with restore_from_stack"),
    ],
    ids=["own region", "govcloud", "china", "typo", "pair us-east-1 osaka", "pair osaka oregon", "no region",
         "0 days", "36 days", "lag 1 minute", "no backups", "arn of another region", "arn of another account",
         "not an auto-backup arn", "two sources", "bad stack name", "itself", "time not rfc 3339", "no such day",
         "time without source"],
)  # fmt: skip
def test_recovery_settings_aws_refuses_are_one_line_naming_the_key(edit: Any, region: str, key: str, hint: str) -> None:
    zones = {"us-east-1": "use1", "us-west-2": "usw2", "ap-northeast-3": "apne3"}[region]

    def mutate(d: dict[str, Any]) -> None:
        edit(d)
        d["network"]["availability_zones"] = [f"{zones}-az1", f"{zones}-az2"]
        d["load_balancer"] = {**d["load_balancer"], "certificate_arn": None, "allow_plain_http": True}

    one_line_naming(verdict(mutate, region=region), key, hint)


def test_a_recovery_region_aws_refuses_exits_2_naming_the_key(tmp_path: Path, capsys: Any) -> None:
    err = refusal(tmp_path, {"Pulumi.production.yaml": [("recovery_region: us-west-2", "recovery_region: us-east-1")]},
                  capsys, "--stack", "production")  # fmt: skip
    assert [row for row in err.splitlines() if row.startswith("  - ")] == [
        "  - nexus:disaster_recovery: recovery_region us-east-1 is the stack's own region: a regional outage would "
        "take both copies; name another region"
    ], err
