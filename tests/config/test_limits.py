"""The tables of AWS's and PostgreSQL's limits (nexus.config.limits)."""

from __future__ import annotations

from nexus.config.limits import POSTGRES_RESERVED_WORDS


def test_the_reserved_words_are_postgresqls() -> None:
    # SQL Key Words appendix: reserved ones are in, non-reserved key words (name, admin) are not.
    assert {"table", "user", "select", "system_user", "verbose", "authorization"} <= POSTGRES_RESERVED_WORDS
    assert not {"name", "admin", "data", "postgres", "nexus"} & POSTGRES_RESERVED_WORDS
