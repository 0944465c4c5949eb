"""`nexus db-user`: the SQL (and a one-off script) that creates the application's database user.

The application logs in with IAM database authentication as `nexus:identity.database_user`;
its role may `rds-db:connect` as that user only. The user must exist in PostgreSQL with the
`rds_iam` role (RDS user guide, "Creating a database account using IAM authentication":
`CREATE USER db_userx; GRANT rds_iam TO db_userx;`). It has no password anywhere: IAM
issues a 15-minute token per connection. Creating it needs the master user once, whose
password RDS keeps in Secrets Manager: the script reads it at run time into the environment
of one psql process; it is never in config, code, state or this repository.

Why not a Pulumi resource: the database sits in isolated subnets (nothing outside the VPC
reaches it) and the RDS Data API serves Aurora only, not RDS for PostgreSQL instances; a
PostgreSQL provider would need the master password in Pulumi state. So it is a documented,
idempotent one-off step after the first `pulumi up` (docs/security.md, "Security isolation").
"""

from __future__ import annotations

import argparse
import shlex

from nexus.config.environment import Settings
from nexus.config.stack_files import load_stack_config


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--stack", required=True)
    p.add_argument("--config-from", metavar="STACK", help="read Pulumi.STACK.yaml (personal stacks)")
    p.add_argument("--script", action="store_true", help="a bash script that runs the SQL as the master user")


def run(args: argparse.Namespace) -> int:
    settings = load_stack_config(args.stack, config_from=args.config_from).settings()
    print(bootstrap_script(settings) if args.script else create_user_sql(settings), end="")
    return 0


def create_user_sql(settings: Settings) -> str:
    """Idempotent: safe to run again after a restore, an upgrade or a second time by mistake.
    Names are validated lower-case identifiers (nexus.config.environment), quoted all the same."""
    user, database = settings.identity.database_user, settings.database.database_name
    return f"""-- Application user of stack {settings.stack}: IAM authentication only, no password.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '{user}') THEN
    CREATE ROLE "{user}" WITH LOGIN;
  END IF;
END
$$;
GRANT rds_iam TO "{user}";
GRANT CONNECT ON DATABASE "{database}" TO "{user}";
-- PostgreSQL 15+ no longer lets every user create in schema public: the application's
-- migrations need it.
GRANT USAGE, CREATE ON SCHEMA public TO "{user}";
"""


def bootstrap_script(settings: Settings) -> str:
    """Runs the SQL as the master user from a host that reaches the database; the master
    password comes from Secrets Manager at run time and lives only in psql's environment."""
    stack, region, db = shlex.quote(settings.stack), shlex.quote(settings.region), settings.database
    return f"""#!/usr/bin/env bash
# Creates the application database user of stack {settings.stack} (idempotent).
# Run once after the first `pulumi up`, from a host that reaches the database (the
# application tier) with credentials that may read the RDS-managed master secret.
# Needs: psql, the AWS CLI, python3; the Pulumi CLI unless DB_HOST and SECRET_ARN are set.
set -euo pipefail
SECRET_ARN="${{SECRET_ARN:-$(pulumi stack output database_credentials_secret_arn --stack {stack})}}"
DB_HOST="${{DB_HOST:-$(pulumi stack output database_address --stack {stack})}}"
PGPASSWORD="$(aws secretsmanager get-secret-value --region {region} --secret-id "$SECRET_ARN" \\
  --query SecretString --output text | python3 -c 'import json, sys; print(json.load(sys.stdin)["password"])')"
export PGPASSWORD
psql "host=$DB_HOST port={db.port} dbname={db.database_name} user={db.master_username} sslmode=require" \\
  -v ON_ERROR_STOP=1 <<'SQL'
{create_user_sql(settings)}SQL
"""
