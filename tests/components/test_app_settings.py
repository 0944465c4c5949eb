"""The settings published to the application (nexus.components.app_settings, with the values of
nexus.config.published): each value taken from the resource it names."""

from __future__ import annotations

from nexus.plans.offline import Plan
from tests.support.plans import feeds


def test_settings_are_published_to_the_application(plan: Plan) -> None:
    params = {r.input("name"): r for r in plan.of_type("aws:ssm/parameter:Parameter")}
    prefix = f"/nexus/{plan.stack}"
    s = plan.settings
    assert params[f"{prefix}/monitoring/log_level"].input("value") == s.monitoring.log_level
    assert params[f"{prefix}/security/max_login_attempts"].input("value") == str(s.security.max_login_attempts)
    assert params[f"{prefix}/performance/max_workers"].input("value") == str(s.performance.max_workers)
    assert params[f"{prefix}/limits/max_file_size_mb"].input("value") == "100"
    secret_arn = params[f"{prefix}/database/credentials_secret_arn"]
    assert secret_arn.input("type") == "SecureString"
    assert secret_arn.input("keyId") == plan.one("aws:kms/key:Key", "key").outputs["arn"]


def test_published_database_host_comes_from_the_dns_record(plan: Plan) -> None:
    record = plan.one("aws:route53/record:Record")
    host = plan.one("aws:ssm/parameter:Parameter", "database-host")
    assert host.input("value") == record.outputs["fqdn"] == f"db.{plan.stack}.nexus.internal"
    assert feeds(host, "value") == [record.urn]
    assert plan.outputs["database_dns_name"] == record.outputs["fqdn"]


def test_the_secret_stays_findable_through_the_published_settings(plan: Plan) -> None:
    secret = plan.one("aws:secretsmanager/secret:Secret")
    published = plan.one("aws:ssm/parameter:Parameter", "app-session_signing_key_secret_arn")
    assert published.input("value") == secret.outputs["arn"]
    assert feeds(published, "value") == [secret.urn]
