"""`nexus db-user`: the SQL that creates the application's database user, who logs in with IAM
and needs no password."""

from __future__ import annotations

from typing import Any

from nexus.cli import main
from nexus.cli.db_user import bootstrap_script, create_user_sql
from nexus.plans.offline import Plan
from tests.support.plans import fileless


def test_the_database_user_sql_grants_iam_login_without_a_password(plans: dict[str, Plan]) -> None:
    settings = plans["production"].settings
    sql = create_user_sql(settings)
    assert 'CREATE ROLE "nexus_app" WITH LOGIN;' in sql and 'GRANT rds_iam TO "nexus_app";' in sql
    assert "WHERE rolname = 'nexus_app'" in sql, "idempotent: a second run must not fail"
    assert 'GRANT CONNECT ON DATABASE "nexus" TO "nexus_app";' in sql
    statements = "\n".join(line for line in sql.splitlines() if not line.startswith("--"))
    assert "PASSWORD" not in statements.upper() and "nexus_admin" not in sql
    script = bootstrap_script(settings)
    assert "aws secretsmanager get-secret-value --region us-east-1" in script
    assert "user=nexus_admin" in script and "sslmode=require" in script and sql in script
    assert "<<'SQL'" in script, "a quoted heredoc: the shell must not expand $$ in the SQL"


def test_db_user_cli_prints_the_sql_and_refuses_an_unknown_stack(capsys: Any) -> None:
    assert main(["db-user", "--stack", "staging"]) == 0
    assert 'GRANT rds_iam TO "nexus_app";' in capsys.readouterr().out
    alice = fileless("development-alice")  # whatever personal stack files this checkout holds
    assert main(["db-user", "--stack", alice, "--config-from", "development", "--script"]) == 0
    assert f"--stack {alice}" in capsys.readouterr().out
    assert main(["db-user", "--stack", "nope"]) == 2
    assert "no stack file" in capsys.readouterr().err
