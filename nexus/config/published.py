"""The settings the program publishes under /nexus/<stack>/: a pure function of the stack's
settings and the few values known only once resources exist.

The program (nexus/components/environment.py) publishes exactly this; `nexus verify` compares the
live SSM parameters with it, so the two can never disagree about what "published" means. No
Pulumi import here: verify stays fast.
"""

from __future__ import annotations

from typing import TypeVar

from nexus.config.environment import Settings

# A plain string (verify, from the stack outputs) or a pulumi.Input[str] (the program).
T = TypeVar("T")

# Published as SecureString with the environment's key.
SENSITIVE_SETTINGS = frozenset({"database/credentials_secret_arn", "app/session_signing_key_secret_arn"})


def published_settings(
    settings: Settings,
    *,
    database_host: str | T,
    database_address: T,
    database_credentials_secret_arn: T,
    session_signing_key_secret_arn: T,
    app_role_arn: T,
    app_log_group: T,
) -> dict[str, str | T]:
    """What the platform's services read at run time, straight from the stack file."""

    def flag(value: bool) -> str:
        return "true" if value else "false"

    return {
        "application/name": settings.application.name,
        "application/version": settings.application.version,
        "application/environment": settings.environment,
        "monitoring/log_level": settings.monitoring.log_level,
        "security/auth_timeout_seconds": str(settings.security.auth_timeout_seconds),
        "security/max_login_attempts": str(settings.security.max_login_attempts),
        "performance/cache_ttl_seconds": str(settings.performance.cache_ttl_seconds),
        "performance/max_workers": str(settings.performance.max_workers),
        "features/automation": flag(settings.features.automation),
        "features/monitoring": flag(settings.features.monitoring),
        "features/security": flag(settings.features.security),
        # Enforced by the application: WAF on an ALB inspects only the first 8 KB of a body.
        "limits/max_file_size_mb": str(settings.limits.max_file_size_mb),
        "limits/max_requests_per_minute": str(settings.limits.max_requests_per_minute),
        "database/host": database_host,
        "database/port": str(settings.database.port),
        "database/name": settings.database.database_name,
        "database/ssl": flag(settings.database.ssl),
        "database/max_connections": str(settings.database.max_connections),
        "database/credentials_secret_arn": database_credentials_secret_arn,
        "app/session_signing_key_secret_arn": session_signing_key_secret_arn,
        # How a service learns its own identity: the role, the database user, the log group.
        "app/role_arn": app_role_arn,
        "app/log_group": app_log_group,
        "database/user": settings.identity.database_user,
        "database/iam_auth": "true",
        # IAM auth tokens must be generated for the instance endpoint, not a custom DNS name
        # (RDS user guide, "Limitations for IAM database authentication").
        "database/endpoint_address": database_address,
    }
