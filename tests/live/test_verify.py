"""`nexus verify` (nexus.live.verify) against an emulated AWS (moto, in-process), and `nexus
status` reading what it kept.

The production plan's resources are created in moto once for this module
(nexus/live/emulator.py); verify must pass against them. Then one thing at a time is changed
behind the program's back, and exactly the check that watches it must fail, naming the expected
and the live value."""

from __future__ import annotations

import gc
import json
import os
import socket
import stat
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

import nexus.live.verify as verify_module
from nexus.cli import main
from nexus.live.emulator import CREDENTIAL_VARIABLES, Emulated, build
from nexus.live.verify import REQUIRED_OUTPUTS, probe_url
from nexus.plans.offline import MOCK_SECRET_MARKER, SECRET, Plan
from tests.support.plans import COMMITTED

# One worker builds the emulated environment once and runs every test that uses it.
pytestmark = pytest.mark.xdist_group("moto")


STACK = "production"


@pytest.fixture(autouse=True, scope="module")
def _no_rescanning_of_the_session_heap() -> Iterator[None]:
    """By now the session holds the Pulumi SDKs and every plan: hundreds of thousands of
    long-lived objects that each cyclic collection would rescan while botocore and moto
    parse their API models. Freeze them for this module (measured: about half its time)."""
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()


def test_the_program_exports_every_output_verify_reads_and_none_is_secret(plan: Plan) -> None:
    missing = [key for key in REQUIRED_OUTPUTS if key not in plan.outputs]
    assert not missing, f"{plan.stack}: outputs lack {missing}"
    shown = json.dumps({key: plan.outputs[key] for key in REQUIRED_OUTPUTS})
    assert SECRET not in shown and MOCK_SECRET_MARKER not in shown


# ------------------------------------------------------------------ the load balancer probe, against a local server


def test_probe_passes_on_any_http_answer_and_fails_when_refused() -> None:
    class Unavailable(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(503)  # an ALB without healthy targets: it still answers
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Unavailable)
    # serve_forever polls for shutdown every 0.5 s by default: each test would wait that long.
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    try:
        assert probe_url(f"http://127.0.0.1:{server.server_port}/") == ("pass", "HTTP 503")
    finally:
        server.shutdown()
        server.server_close()
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    status, detail = probe_url(f"http://127.0.0.1:{port}/")
    assert (status, detail.split(" (")[0]) == ("fail", "connection refused")


# ------------------------------------------------------------------ against the emulated environment


@pytest.fixture(scope="module")
def emulated(plans: dict[str, Plan]) -> Iterator[Emulated]:
    """The production plan built in moto, once. Module scope: the mock starts here and stops
    when this module's tests are done, so it never reaches another module's tests."""
    import moto

    with pytest.MonkeyPatch.context() as env:
        for name in (*CREDENTIAL_VARIABLES, "AWS_ENDPOINT_URL"):
            env.delenv(name, raising=False)
        env.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")  # verify launches no instance
        mock = moto.mock_aws()
        mock.start()  # also sets moto's fake credentials, until stop()
        # One session for building, changing and verifying: its API models are parsed once,
        # not on every run (verify itself takes a fresh session per run).
        session = verify_module.aws_session(plans[STACK].settings.region)
        env.setattr(verify_module, "aws_session", lambda region: session)
        # moto answers DescribeDBInstanceAutomatedBackups from automated snapshots only (no
        # backup replication, no ARN filter, no RestoreWindow): production's replicated backups
        # are answered as RDS would while replication works (the checks themselves are tested
        # against botocore's own model with a Stubber below).
        env.setattr(verify_module, "describe_replicated_backups", lambda rds, arn: _replicated(arn))
        try:
            yield build(plans[STACK], session)
        finally:
            mock.stop()


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("verify-results")


@pytest.fixture
def verify(emulated: Emulated, tmp_path: Path, results_dir: Path) -> Callable[[], tuple[int, dict[str, Any]]]:
    """Run `nexus verify --stack production` with the emulated stack's outputs; return the
    exit code and the JSON results."""
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(emulated.outputs))

    def run() -> tuple[int, dict[str, Any]]:
        results = tmp_path / "results.json"
        code = main(["verify", "--stack", STACK, "--outputs", str(outputs), "--json", str(results),
                     "--results-dir", str(results_dir)])  # fmt: skip
        return code, json.loads(results.read_text())

    return run


def _failed(results: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in results["checks"] if c["status"] == "fail"]


def test_verify_after_up_passes_through_pulumi_stack_output(
    emulated: Emulated,
    tmp_path: Path,
    results_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Exactly what the deploy workflow runs after `pulumi up`: verify reads the outputs
    through the Pulumi CLI (a stand-in that answers only that exact invocation)."""
    (tmp_path / "outputs.json").write_text(json.dumps(emulated.outputs))
    fake = tmp_path / "pulumi"
    fake.write_text(
        "#!/bin/sh\n"
        f'if [ "$*" = "stack output --json --show-secrets=false --stack {STACK}" ]; then\n'
        f'  cat "{tmp_path}/outputs.json"; exit 0\nfi\n'
        'echo "error: unexpected arguments: $*" >&2; exit 1\n'
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")

    assert main(["verify", "--stack", STACK, "--results-dir", str(results_dir)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert not [line for line in lines if line.startswith("FAIL")]
    # Every area was looked at: a check that silently vanished would pass unnoticed.
    for expected in (
        "PASS  health     load balancer state: active",
        "PASS  health     listeners: [HTTP:80, HTTPS:443]",
        "PASS  health     targets: none registered",
        "PASS  health     database status: available",
        f"PASS  health     alarms: {len(emulated.outputs['alarm_names'])} alarms, none in ALARM",
        # disaster_recovery.replicate_backups (the answer stands in for RDS: see `emulated`).
        "PASS  health     backup replication: replicating",
        "PASS  drift      database.engine_version: 16",
        "PASS  drift      parameter max_connections: 100",
        "PASS  drift      parameter rds.force_ssl: 1",
        "PASS  drift      waf rate limit: 1000",
        "PASS  drift      tls policy: ELBSecurityPolicy-TLS13-1-2-2021-06",
        "PASS  drift      setting monitoring/log_level: 'WARNING'",
        "PASS  drift      setting app/session_signing_key_secret_arn: [SecureString]",
        "PASS  drift      log group /nexus/production/vpc-flow-logs retention: 90",
        "PASS  isolation  database not publicly accessible: false",
        "PASS  isolation  vpc flow logs: ALL ACTIVE",
        "PASS  isolation  tags of settings (25): Environment=production, Stack=production",
    ):
        assert expected in lines, f"missing: {expected}"
    # moto's load balancer has a name no resolver knows: the probe says so instead of failing.
    skipped = [line for line in lines if line.startswith("SKIP")]
    assert [line.split(":")[0] for line in skipped] == [
        "SKIP  health     answers on 80",
        "SKIP  health     answers on 443",
    ]
    # One more log group than before issue 22 (the trail's), one more check of issue 23 (replication).
    # 15 CIS filters and the trail's logging and delivery (audit.trail: own) since issue 22.
    assert lines[-1].startswith(f"{STACK}: 88 checks, 86 passed, 0 failed")
    assert json.loads((results_dir / f"{STACK}.json").read_text())["summary"]["fail"] == 0

    # `nexus status` reads what verify kept.
    assert main(["status", "--stack", STACK, "--results-dir", str(results_dir)]) == 0
    assert capsys.readouterr().out.split()[:5] == [STACK, "healthy", "drift", "0", "isolated"]


def _mutations(env: Emulated) -> dict[str, tuple[Callable[[], object], Callable[[], object], str, str, str]]:
    """name -> (change, restore, the check that must fail, its expected value, its live value)."""
    out = env.outputs
    rds, ssm, ec2, logs, cloudwatch = (env.client(s) for s in ("rds", "ssm", "ec2", "logs", "cloudwatch"))
    group = "nexus-production-postgres16"
    db_sg, app_sg, vpc = out["database_security_group_id"], out["app_security_group_id"], out["vpc_id"]
    anywhere = [{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    level = "/nexus/production/monitoring/log_level"
    alarm = "nexus-production-db-cpu"
    db, extra = out["database_identifier"], "/nexus/production/features/by_hand"
    sns, topic = env.client("sns"), out["alarm_topic_arn"]
    stack_tags = json.loads(env.plan.one("pulumi:providers:aws", "aws").input("defaultTags"))["tags"].items()
    root_pattern = env.plan.one("aws:cloudwatch/logMetricFilter:LogMetricFilter", "security-root-user-usage").input(
        "pattern"
    )

    def parameter(value: str) -> Callable[[], object]:
        return lambda: rds.modify_db_parameter_group(
            DBParameterGroupName=group,
            Parameters=[{"ParameterName": "max_connections", "ParameterValue": value, "ApplyMethod": "pending-reboot"}],
        )

    return {
        "parameter group value": (
            parameter("500"), parameter("100"), "parameter max_connections", "100", "500"),
        "published setting": (
            lambda: ssm.put_parameter(Name=level, Value="DEBUG", Type="String", Overwrite=True),
            lambda: ssm.put_parameter(Name=level, Value="WARNING", Type="String", Overwrite=True),
            "setting monitoring/log_level", "'WARNING'", "'DEBUG'"),
        "security group rule": (
            lambda: ec2.authorize_security_group_ingress(GroupId=db_sg, IpPermissions=anywhere),
            lambda: ec2.revoke_security_group_ingress(GroupId=db_sg, IpPermissions=anywhere),
            "database ingress", f"[tcp 5432-5432 from {app_sg}]",
            f"[tcp 5432-5432 from 0.0.0.0/0, tcp 5432-5432 from {app_sg}]"),
        "tag": (
            lambda: ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Stack", "Value": "staging"}]),
            lambda: ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Stack", "Value": "production"}]),
            "tags of vpc (1)", "Environment=production, Stack=production",
            f"{vpc} Environment=production, Stack=staging"),
        "log retention": (
            lambda: logs.put_retention_policy(logGroupName="aws-waf-logs-nexus-production", retentionInDays=7),
            lambda: logs.put_retention_policy(logGroupName="aws-waf-logs-nexus-production", retentionInDays=90),
            "log group aws-waf-logs-nexus-production retention", "90", "7"),
        "alarm firing": (
            lambda: cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="test"),
            lambda: cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason="test"),
            "alarms", f"{len(out['alarm_names'])} alarms, none in ALARM", f"in ALARM {alarm}"),
        "backup retention": (
            lambda: rds.modify_db_instance(DBInstanceIdentifier=db, BackupRetentionPeriod=1, ApplyImmediately=True),
            lambda: rds.modify_db_instance(DBInstanceIdentifier=db, BackupRetentionPeriod=30, ApplyImmediately=True),
            "database.backup_retention_days", "30", "1"),
        "alarm topic deleted": (
            lambda: sns.delete_topic(TopicArn=topic),
            # SNS ARNs follow from the name: re-created, it is the same topic to verify.
            lambda: sns.create_topic(Name=topic.split(":")[-1], Tags=[{"Key": k, "Value": v} for k, v in stack_tags]),
            "tags of alarm topic", "Environment=production, Stack=production", "not found (ResourceNotFound)"),
        "trail stopped": (
            lambda: env.client("cloudtrail").stop_logging(Name=out["audit_trail_arn"]),
            lambda: env.client("cloudtrail").start_logging(Name=out["audit_trail_arn"]),
            "audit trail logging", "true", "false"),
        "trail filter deleted": (
            lambda: logs.delete_metric_filter(logGroupName="/nexus/production/cloudtrail",
                                              filterName="nexus-production-security-root-user-usage"),
            lambda: logs.put_metric_filter(
                logGroupName="/nexus/production/cloudtrail", filterName="nexus-production-security-root-user-usage",
                filterPattern=root_pattern,
                metricTransformations=[{"metricName": "RootUserUsage", "metricNamespace": "NEXUS/production/CloudTrail",
                                        "metricValue": "1", "defaultValue": 0.0}]),
            "trail filter root-user-usage (CIS 4.3)", "nexus-production-security-root-user-usage with the published pattern",
            "missing"),
        "setting added by hand": (
            # Tagged like the stack's own, so that only its presence is the finding.
            lambda: ssm.put_parameter(Name=extra, Value="on", Type="String",
                                      Tags=[{"Key": "Environment", "Value": "production"},
                                            {"Key": "Stack", "Value": "production"}]),
            lambda: ssm.delete_parameter(Name=extra),
            "setting features/by_hand", "not published", "'on'"),
    }  # fmt: skip


@pytest.mark.parametrize(
    "change",
    [
        "parameter group value",
        "published setting",
        "security group rule",
        "tag",
        "alarm firing",
        "trail stopped",
        "trail filter deleted",
    ],
)
def test_a_change_behind_the_programs_back_fails_exactly_its_check(
    emulated: Emulated,
    verify: Callable[[], tuple[int, dict[str, Any]]],
    results_dir: Path,
    capsys: pytest.CaptureFixture[str],
    change: str,
) -> None:
    apply, restore, name, expected, live = _mutations(emulated)[change]
    apply()
    try:
        code, results = verify()
    finally:
        restore()
    failed = _failed(results)
    assert code == 1
    assert [(c["name"], c["expected"], c["live"]) for c in failed] == [(name, expected, live)]

    # The fleet view shows it until the next verify: one line per environment.
    capsys.readouterr()
    assert main(["status", "--all", "--results-dir", str(results_dir)]) == 1
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert sorted(lines) == COMMITTED
    assert lines["development"].endswith("never verified")
    area = failed[0]["area"]
    shown = {"health": "UNHEALTHY (1)", "drift": "drift 1", "isolation": "ISOLATION (1)"}[area]
    assert shown in lines[STACK] and "last check" in lines[STACK]


def test_a_plain_http_stack_beside_production_passes_with_its_own_settings(
    emulated: Emulated, plans: dict[str, Plan], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Development (HTTP only, single-AZ database without TLS enforced) built in the same
    account as production: verify sees only its own stack's resources and settings."""
    development = build(plans["development"], emulated.session)
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(development.outputs))
    capsys.readouterr()
    code = main(["verify", "--stack", "development", "--outputs", str(outputs), "--results-dir", str(tmp_path)])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0, "\n".join(line for line in lines if line.startswith("FAIL"))
    for expected in (
        "PASS  health     listeners: [HTTP:80]",
        "SKIP  drift      tls policy: the stack file sets no certificate: no HTTPS listener",
        "PASS  drift      database.multi_az: false",
        "PASS  drift      parameter rds.force_ssl: 0",
        "PASS  drift      setting monitoring/log_level: 'DEBUG'",
        "PASS  drift      log group /nexus/development/vpc-flow-logs retention: 7",
        "PASS  isolation  tags of subnets (6): Environment=development, Stack=development",
        "PASS  isolation  tags of settings (25): Environment=development, Stack=development",
    ):
        assert expected in lines, f"missing: {expected}"


def test_several_changes_at_once_fail_each_its_own_check_and_nothing_else(
    emulated: Emulated, verify: Callable[[], tuple[int, dict[str, Any]]]
) -> None:
    """Four more changes in one run (each run costs a few tenths of a second); a deleted
    resource fails its own check and the others still run."""
    mutations = _mutations(emulated)
    changes = [
        mutations[c] for c in ("log retention", "backup retention", "setting added by hand", "alarm topic deleted")
    ]
    for apply, *_ in changes:
        apply()
    try:
        code, results = verify()
    finally:
        for _, restore, *_ in changes:
            restore()
    assert code == 1
    failed = sorted((c["name"], c["expected"], c["live"]) for c in _failed(results))
    assert failed == sorted((name, expected, live) for _, _, name, expected, live in changes)


# Signing names whose IAM service prefix differs (botocore's service model against the IAM
# Service Authorization Reference).
_IAM_PREFIX = {"monitoring": "cloudwatch"}


def test_the_drift_role_allows_every_call_verify_makes(emulated: Emulated, verify: Callable[..., Any]) -> None:
    """Every API call of a real verify run, recorded as botocore makes it, is allowed by the
    drift role's policy (nexus.ci.iam.drift_policy); nothing verify needs is missing from it."""
    from nexus.ci.iam import drift_policy
    from nexus.plans.iam_eval import Request, allows

    calls: set[tuple[str, str, str]] = set()

    def record(model: Any, params: dict[str, Any], **_: Any) -> None:
        path = params.get("body", {}).get("Path", "") if isinstance(params.get("body"), dict) else ""
        calls.add((model.service_model.signing_name, model.name, path))

    emulated.session.events.register("before-call", record)
    try:
        code, _ = verify()
    finally:
        emulated.session.events.unregister("before-call", record)
    assert code == 0
    region, account = emulated.plan.settings.region, "123456789012"
    policy = [drift_policy("nexus", STACK, account, region, None)]
    assert len(calls) > 20  # a run that made no calls would pass anything
    for service, operation, path in sorted(calls):
        action = f"{_IAM_PREFIX.get(service, service)}:{operation}"
        resource = f"arn:aws:ssm:{region}:{account}:parameter/nexus/{STACK}" if service == "ssm" else "*"
        assert allows(policy, Request(action, resource)), f"verify calls {action} (path {path!r}); drift role lacks it"
    # GetParametersByPath(WithDecryption) decrypts each SecureString as the caller, through SSM,
    # with the parameter's ARN as encryption context.
    secure = [
        r.input("name")
        for r in emulated.plan.of_type("aws:ssm/parameter:Parameter")
        if r.input("type") == "SecureString"
    ]
    assert secure
    for name in secure:
        context = {"kms:ViaService": f"ssm.{region}.amazonaws.com",
                   "kms:EncryptionContext:PARAMETER_ARN": f"arn:aws:ssm:{region}:{account}:parameter{name}"}  # fmt: skip
        assert allows(policy, Request("kms:Decrypt", emulated.outputs["kms_key_arn"], context)), name


# ------------------------------------------------------------------ backup replication (botocore Stubber)


def _replicated(arn: str, status: str = "replicating", minutes_old: float = 6) -> dict[str, Any]:
    """DescribeDBInstanceAutomatedBackups' answer for replicated backups, shaped as the RDS User
    Guide shows it ("Finding information about replicated backups")."""
    latest = datetime.now(UTC) - timedelta(minutes=minutes_old)
    return {"DBInstanceAutomatedBackupsArn": arn, "Status": status, "Region": "us-east-1",
            "DBInstanceIdentifier": "nexus-production-db", "BackupRetentionPeriod": 14,
            "RestoreWindow": {"EarliestTime": latest - timedelta(days=3), "LatestTime": latest}}  # fmt: skip


ARN = "arn:aws:rds:us-west-2:123456789012:auto-backup:ab-L2IJCEXJP7XQ7HOJ4SIEXAMPLE"
# The real one: the emulated environment answers in its place while this module runs.
DESCRIBE_REPLICATED_BACKUPS = verify_module.describe_replicated_backups


def _stubbed(answer: dict[str, Any] | None) -> list[Any]:
    """The checks on what a Stubber answers; the Stubber holds request and answer to botocore's
    rds model (moto has no backup replication), so a misspelled parameter or field fails here."""
    import boto3
    from botocore.stub import Stubber

    rds = boto3.client("rds", region_name="us-west-2", aws_access_key_id="x", aws_secret_access_key="x")  # noqa: S106
    with Stubber(rds) as stub:
        stub.add_response("describe_db_instance_automated_backups",
                          {"DBInstanceAutomatedBackups": [answer] if answer else []},
                          {"DBInstanceAutomatedBackupsArn": ARN})  # fmt: skip
        backup = DESCRIBE_REPLICATED_BACKUPS(rds, ARN)
        stub.assert_no_pending_responses()
    return verify_module.backup_replication_checks(backup, ARN, 60, datetime.now(UTC))


@pytest.mark.parametrize(
    ("answer", "statuses", "live"),
    [
        (_replicated(ARN), ["pass", "pass"], "6 minutes old"),
        (_replicated(ARN, status="REPLICATING"), ["pass", "pass"], "6 minutes old"),
        (_replicated(ARN, minutes_old=95), ["pass", "fail"], "95 minutes old"),
        (_replicated(ARN, status="retained"), ["fail", "pass"], "retained"),
        ({**_replicated(ARN, status="pending"), "RestoreWindow": {}}, ["fail", "fail"], "no latest restorable time"),
        (None, ["fail"], "no replicated backups"),
    ],
    ids=["fresh", "upper case", "lagging", "stopped", "pending", "missing"],
)
def test_replication_must_be_active_and_its_restore_point_recent(
    answer: dict[str, Any] | None, statuses: list[str], live: str
) -> None:
    checks = _stubbed(answer)
    assert [c.status for c in checks] == statuses
    assert any(live in c.live for c in checks), [c.live for c in checks]
    assert all(c.area == "health" for c in checks)
