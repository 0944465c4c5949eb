"""The tables of AWS's and PostgreSQL's limits (nexus.config.limits)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from nexus.config.limits import (
    KNOWN_REGIONS,
    POSTGRES_RESERVED_WORDS,
    RDS_CLASSES_FILE,
    RDS_POSTGRES_CLASSES,
    SUPPORTED_POSTGRES_MAJORS,
    ZONE_ID_PREFIXES,
    other_partition,
)
from nexus.config.messages import closest
from nexus.config.stack_files import ROOT, load_stack_config

TABLE = json.loads(RDS_CLASSES_FILE.read_text())


def test_the_reserved_words_are_postgresqls() -> None:
    # SQL Key Words appendix: reserved ones are in, non-reserved key words (name, admin) are not.
    assert {"table", "user", "select", "system_user", "verbose", "authorization"} <= POSTGRES_RESERVED_WORDS
    assert not {"name", "admin", "data", "postgres", "nexus"} & POSTGRES_RESERVED_WORDS


# ------------------------------------------------------------------ RDS for PostgreSQL classes

# The current families of the RDS User Guide's table ("Supported DB engines for DB instance
# classes"), each with its sizes as the page lists them, written here by hand.
FAMILIES = {
    "db.t3": "micro small medium large xlarge 2xlarge",
    "db.t4g": "micro small medium large xlarge 2xlarge",
    "db.m5": "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge",
    "db.m6g": "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge",
    "db.m6gd": "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge",
    "db.m6i": "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge",
    "db.m6id": "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge",
    "db.m7g": "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge",
    "db.m7i": "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge",
    "db.r5": "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge",
    "db.r6g": "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge",
    "db.r6gd": "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge",
    "db.r6i": "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge",
    "db.r6id": "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge",
    "db.r7g": "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge",
    "db.r7i": "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge",
    "db.x2g": "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge",
}


@pytest.mark.parametrize("family", FAMILIES)
def test_the_current_families_are_in_the_class_table_with_every_size(family: str) -> None:
    sizes = FAMILIES[family].split()
    assert TABLE["families"][family]["sizes"] == sizes
    for size in sizes:
        assert set(SUPPORTED_POSTGRES_MAJORS) <= RDS_POSTGRES_CLASSES[f"{family}.{size}"], f"{family}.{size}"


def test_the_class_table_says_where_it_comes_from_and_how_to_refresh_it() -> None:
    assert dt.date.fromisoformat(TABLE["read_on"]) <= dt.date.today()
    assert "Concepts.DBInstanceClass.Support" in TABLE["sources"]["support_table"]
    assert any("aws rds describe-orderable-db-instance-options --engine postgres" in c for c in TABLE["refresh"])
    assert TABLE["engine"] == "postgres"
    for family, entry in TABLE["families"].items():
        assert entry["read"] in ("2023-06-09", "unverified"), family
        assert entry["majors"] == sorted(set(entry["majors"])) and entry["majors"], family
    # The refused families are not also offered.
    assert not set(TABLE["not_offered"]["families"]) & set(TABLE["families"])


def test_every_class_is_a_name_the_settings_pattern_accepts() -> None:
    assert all(re.fullmatch(r"db\.[a-z0-9]+\.[a-z0-9]+", name) for name in RDS_POSTGRES_CLASSES)


def test_the_committed_classes_run_the_committed_major() -> None:
    for stack in ("production", "staging", "development"):
        database = load_stack_config(stack).values["nexus:database"]
        assert int(str(database["engine_version"]).split(".")[0]) in RDS_POSTGRES_CLASSES[database["instance_class"]]


def test_micro_and_small_of_the_t_classes_run_every_major_but_db_t2s_do_not() -> None:
    for name in ("db.t3.micro", "db.t3.small", "db.t4g.micro", "db.t4g.small"):
        assert set(SUPPORTED_POSTGRES_MAJORS) <= RDS_POSTGRES_CLASSES[name]
    assert not set(SUPPORTED_POSTGRES_MAJORS) & RDS_POSTGRES_CLASSES["db.t2.micro"]


# ------------------------------------------------------------------ regions


def test_the_known_regions_are_the_aws_partitions_with_a_zone_table() -> None:
    assert {"us-east-1", "eu-west-1", "ap-southeast-2"} <= set(KNOWN_REGIONS)
    assert not [r for r in KNOWN_REGIONS if other_partition(r)]
    assert set(KNOWN_REGIONS) < set(ZONE_ID_PREFIXES)


def test_the_closest_name_breaks_ties_by_table_order() -> None:
    assert closest("us-east-7", KNOWN_REGIONS) == "us-east-1"
    assert closest("db.t4g.mediun", RDS_POSTGRES_CLASSES) == "db.t4g.medium"
    assert closest("xy-nowhere-1", KNOWN_REGIONS) is None


def test_adding_a_region_is_documented_beside_its_tables() -> None:
    doc = (ROOT / "docs" / "real-aws.md").read_text()
    section = doc.split("## Regions", 1)[1].split("\n## ", 1)[0]
    for table in ("ZONE_ID_PREFIXES", "ELB_LOG_ACCOUNTS", "nexus/plans/prices.json", "rds_classes.json"):
        assert table in section, table
