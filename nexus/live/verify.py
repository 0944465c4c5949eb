"""`nexus verify --stack S`: check a deployed environment against its stack file.

Three kinds of check, each one line (pass, fail with the expected and the live value, or
skipped with why):

- health: the load balancer is active, has its listeners and answers on them; registered
  targets are healthy; the database is `available`; no alarm of the stack is in ALARM; the
  backups replicate (disaster_recovery); the own audit trail logs and delivers to its log group;
- drift: the database, its parameter group, the WAF rate limit, the TLS policy, every
  published setting under /nexus/<stack>/, the log groups' retention and the CIS metric
  filters on an own trail are what the stack file and the program say;
- isolation: the database is private and admits only the application tier, the VPC has
  flow logs, and every resource carries this stack's Environment and Stack tags.

The live resources are found through the stack's outputs (`pulumi stack output`, or a file
given with --outputs). Credentials come from boto3's standard chain; the region is the
stack's (`aws:region`), as for `pulumi up`; AWS_ENDPOINT_URL is honoured by boto3 itself.

Exit codes: 0 every check passed, 1 a check failed, 2 verify could not run (no credentials,
unknown stack, outputs missing or invalid), always with a message and never a traceback.
Each run also keeps its results in .nexus/verify/<stack>.json, which `nexus status` reads.
"""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nexus.config.environment import Settings
from nexus.config.naming import Naming
from nexus.config.published import SENSITIVE_SETTINGS, published_settings
from nexus.config.security_monitoring import CIS_MONITORING
from nexus.config.stack_files import ROOT

EXIT_FAILED = 1
EXIT_CANNOT_RUN = 2
RESULTS_DIR = ROOT / ".nexus" / "verify"
# Outputs verify reads (nexus/components/environment.py exports them; none is secret).
REQUIRED_OUTPUTS = (
    "region",
    "vpc_id",
    "url",
    "load_balancer_arn",
    "target_group_arn",
    "web_acl_arn",
    "access_log_bucket",
    "alarm_topic_arn",
    "database_identifier",
    "database_dns_name",
    "database_security_group_id",
    "database_credentials_secret_arn",
    "app_security_group_id",
    "session_signing_key_secret_arn",
    "kms_key_arn",
    "settings_path",
    "alarm_names",
    "log_group_names",
)
LIST_OUTPUTS = frozenset({"alarm_names", "log_group_names"})
# A bounded request: the deploy job must not hang on a load balancer it cannot reach.
PROBE_TIMEOUT_SECONDS = 5.0
TAG_KEYS = ("Environment", "Stack")
AREAS = ("health", "drift", "isolation")


class CannotVerify(Exception):  # noqa: N818 (a reason, not an error of the program)
    """verify cannot run at all: the message says why (exit 2)."""


@dataclass
class Check:
    area: str  # health | drift | isolation
    name: str
    status: str  # pass | fail | skip
    expected: str = ""
    live: str = ""
    detail: str = ""

    def line(self) -> str:
        head = f"{self.status.upper():4}  {self.area:9}  {self.name}"
        if self.status == "fail":
            return f"{head}: expected {self.expected}, live {self.live}" + (f" ({self.detail})" if self.detail else "")
        if self.status == "skip":
            return f"{head}: {self.detail}"
        return f"{head}: {self.detail or self.live}"


@dataclass
class Report:
    stack: str
    region: str
    account: str
    checked_at: str
    checks: list[Check] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for c in self.checks if c.status == s) for s in ("pass", "fail", "skip")}

    def failed(self, area: str | None = None) -> int:
        return sum(1 for c in self.checks if c.status == "fail" and area in (None, c.area))

    def summary(self) -> str:
        n = self.counts()
        areas = ", ".join(f"{a} {self.failed(a)}" for a in AREAS)
        return (
            f"{self.stack}: {len(self.checks)} checks, {n['pass']} passed, {n['fail']} failed "
            f"({areas}), {n['skip']} skipped"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "region": self.region,
            "account": self.account,
            "checked_at": self.checked_at,
            "summary": {**self.counts(), **{f"{a}_failed": self.failed(a) for a in AREAS}},
            "checks": [asdict(c) for c in self.checks],
        }


def save(report: Report, paths: list[Path]) -> None:
    """Write the report's JSON to each path (the --json file, the results kept for `nexus
    status`); a path that cannot be written is CannotVerify."""
    document = json.dumps(report.to_json(), indent=2) + "\n"
    for path in paths:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(document)
        except OSError as exc:
            raise CannotVerify(f"cannot write {path}: {exc.strerror}") from None


def read_outputs(stack: str, path: Path | None) -> dict[str, Any]:
    """The stack's outputs, from a file or from the Pulumi CLI; every output verify needs."""
    if path is not None:
        try:
            text = path.read_text()
        except OSError as exc:
            raise CannotVerify(f"cannot read --outputs {path}: {exc.strerror}") from None
        source = str(path)
    else:
        pulumi = shutil.which("pulumi")
        if pulumi is None:
            raise CannotVerify("the pulumi CLI is not installed (or not on PATH); install it or pass --outputs FILE")
        try:
            done = subprocess.run(  # our own arguments, no shell
                [pulumi, "stack", "output", "--json", "--show-secrets=false", "--stack", stack],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise CannotVerify("`pulumi stack output` did not answer within 120 s") from None
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise CannotVerify(f"`pulumi stack output --stack {stack}` failed: {last}")
        text, source = done.stdout, "pulumi stack output"
    try:
        outputs = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CannotVerify(f"{source}: not JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(outputs, dict):
        raise CannotVerify(f"{source}: expected a JSON object of stack outputs")
    missing = [key for key in REQUIRED_OUTPUTS if key not in outputs]
    if missing:
        raise CannotVerify(
            f"{source}: the stack has no output {', '.join(missing)} (not deployed, or deployed by an older "
            "version of the program: run `pulumi up` with this commit first)"
        )
    for key in REQUIRED_OUTPUTS:
        value = outputs[key]
        ok = (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
            if key in LIST_OUTPUTS
            else (isinstance(value, str | int) and str(value) != "")
        )
        if not ok:
            want = "a list of strings" if key in LIST_OUTPUTS else "a non-empty string"
            raise CannotVerify(f"{source}: output {key} = {json.dumps(value)}: expected {want}")
    return outputs


def verify(settings: Settings, outputs: dict[str, Any], probe: Callable[[str], tuple[str, str]]) -> Report:
    """Every check against the live environment; AWS errors that mean "cannot run" become
    CannotVerify, a missing resource becomes a failed check."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

    try:
        session = aws_session(outputs.get("region") or settings.region)
        verifier = _Verifier(settings, outputs, session, probe)
        account = verifier.client("sts").get_caller_identity()["Account"]
        report = Report(settings.stack, session.region_name, account, datetime.now(UTC).isoformat(timespec="seconds"))
        verifier.run(report)
        # Health first, then drift, then isolation (the order within each area is kept).
        report.checks.sort(key=lambda c: AREAS.index(c.area))
        return report
    except NoCredentialsError:
        raise CannotVerify(
            "no AWS credentials found (environment, shared credentials or config file, SSO, container or "
            "instance role); configure credentials for the stack's account"
        ) from None
    except NoRegionError:
        raise CannotVerify("no AWS region: the stack file sets none (aws:region)") from None
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise CannotVerify(f"{exc.operation_name}: {error.get('Code')}: {error.get('Message')}") from None
    except BotoCoreError as exc:  # endpoint unreachable, partial credentials, SSO token expired, ...
        raise CannotVerify(str(exc)) from None


def aws_session(region: str) -> Any:
    """A fresh boto3 session: credentials are looked up anew on every run."""
    import boto3

    return boto3.session.Session(region_name=region)


# Error codes that mean "this resource does not exist": the check fails, verify goes on.
# (RDS DBInstanceNotFound, EC2 InvalidGroup.NotFound, ELB LoadBalancerNotFound, WAF
# WAFNonexistentItemException, Logs/Secrets Manager ResourceNotFoundException, KMS
# NotFoundException, S3 NoSuchBucket, SSM ParameterNotFound.)
NOT_FOUND = ("NotFound", "NotFoundFault", "NonexistentItemException", "NotFoundException", "NoSuchBucket")


class _Verifier:
    def __init__(
        self, settings: Settings, outputs: dict[str, Any], session: Any, probe: Callable[[str], tuple[str, str]]
    ) -> None:
        self.settings = settings
        self.outputs = outputs
        self.session = session
        self.probe = probe
        self._clients: dict[str, Any] = {}
        self.report: Report | None = None
        # What the earlier checks found, for the tag checks at the end.
        self._db: dict[str, Any] | None = None
        self._alarms: dict[str, Any] = {}
        self._parameters: list[str] = []
        self._log_group_arns: list[str] = []
        self._flow_logs: list[dict[str, Any]] = []

    def client(self, service: str) -> Any:
        from botocore.config import Config

        if service not in self._clients:
            # Throttling and transient errors: boto3's standard retry mode (bounded, with backoff).
            config = Config(retries={"mode": "standard"}, connect_timeout=10, read_timeout=30)
            self._clients[service] = self.session.client(service, config=config)
        return self._clients[service]

    # -- recording -------------------------------------------------------------------------

    def add(self, area: str, name: str, status: str, *, expected: Any = "", live: Any = "", detail: str = "") -> None:
        assert self.report is not None
        self.report.checks.append(Check(area, name, status, _text(expected), _text(live), detail))

    def compare(
        self, area: str, name: str, expected: Any, live: Any, *, ok: bool | None = None, detail: str = ""
    ) -> None:
        passed = (expected == live) if ok is None else ok
        self.add(area, name, "pass" if passed else "fail", expected=expected, live=live, detail=detail)

    def run(self, report: Report) -> None:
        from botocore.exceptions import ClientError

        self.report = report
        # Each group stands alone: a missing resource fails its checks and the rest go on.
        for area, name, group in (
            ("health", "load balancer", self.load_balancer),
            ("health", "targets", self.targets),
            ("health", "alarms", self.alarms),
            ("drift", "database", self.database),
            ("drift", "waf", self.waf),
            ("drift", "published settings", self.published),
            ("drift", "log groups", self.log_groups),
            ("isolation", "flow logs", self.flow_logs),
            ("isolation", "tags", self.tags),
            ("health", "backup replication", self.backup_replication),
            ("health", "audit trail", self.audit_trail),
        ):
            try:
                group()
            except ClientError as exc:
                code = str(exc.response.get("Error", {}).get("Code", ""))
                if not code.endswith(NOT_FOUND):
                    raise
                self.add(area, name, "fail", expected="to exist", live=f"not found ({code})")
            except (KeyError, IndexError, ValueError, TypeError) as exc:
                # An answer without a field we read (an emulator, an API change, a resource
                # half created): the check fails with what was missing, the others go on.
                self.add(area, name, "fail", expected="a complete answer", live=f"{type(exc).__name__}: {exc}")

    # -- health ----------------------------------------------------------------------------

    def audit_trail(self) -> None:
        """audit.trail: own: the trail is logging and delivering to its CloudWatch Logs group
        (GetTrailStatus: IsLogging, and no LatestCloudWatchLogsDeliveryError, which CloudTrail
        sets when it cannot assume the delivery role or write the group), and every CIS filter
        watching it is there with its published pattern (a deleted or edited filter is an alarm
        that can no longer fire: drift)."""
        if self.settings.audit.trail != "own":
            return
        status = self.client("cloudtrail").get_trail_status(Name=self.outputs["audit_trail_arn"])
        self.compare("health", "audit trail logging", True, bool(status.get("IsLogging")))
        error = status.get("LatestCloudWatchLogsDeliveryError") or ""
        self.add("health", "audit trail delivery to CloudWatch Logs", "fail" if error else "pass",
                 expected="no delivery error", live=error or "no delivery error")  # fmt: skip
        naming = Naming(self.settings.stack)
        live: dict[str, str] = {}
        for page in (
            self.client("logs")
            .get_paginator("describe_metric_filters")
            .paginate(logGroupName=naming.path("cloudtrail"))
        ):
            live.update({f["filterName"]: f.get("filterPattern", "") for f in page["metricFilters"]})
        for item in CIS_MONITORING:
            name = naming.name(f"security-{item.key}", max_len=512)
            pattern = live.get(name)
            check = f"trail filter {item.key} (CIS {item.cis})"
            if pattern == item.pattern:
                self.add("drift", check, "pass", detail=f"{name}: the published pattern")
            else:
                self.add("drift", check, "fail", expected=f"{name} with the published pattern",
                         live="missing" if pattern is None else pattern)  # fmt: skip

    def backup_replication(self) -> None:
        dr = self.settings.disaster_recovery
        if not dr.replicate_backups or dr.recovery_region is None:
            return
        from botocore.config import Config

        # The replicated backups live in the recovery region: RDS answers for them there.
        config = Config(retries={"mode": "standard"}, connect_timeout=10, read_timeout=30)
        rds = self.session.client("rds", region_name=dr.recovery_region, config=config)
        arn = self.outputs["replicated_backups_arn"]
        backup = describe_replicated_backups(rds, arn)
        assert self.report is not None
        self.report.checks += backup_replication_checks(backup, arn, dr.max_replication_lag_minutes, datetime.now(UTC))

    def load_balancer(self) -> None:
        elb, lb_settings = self.client("elbv2"), self.settings.load_balancer
        lb = elb.describe_load_balancers(LoadBalancerArns=[self.outputs["load_balancer_arn"]])["LoadBalancers"][0]
        self.compare("health", "load balancer state", "active", lb["State"]["Code"])

        listeners = elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
        expected = ["HTTP:80", "HTTPS:443"] if lb_settings.https else ["HTTP:80"]
        live = sorted(f"{x['Protocol']}:{x['Port']}" for x in listeners)
        self.compare("health", "listeners", expected, live)

        https = [x for x in listeners if x["Protocol"] == "HTTPS"]
        if not lb_settings.https:
            self.add("drift", "tls policy", "skip", detail="the stack file sets no certificate: no HTTPS listener")
        elif not https:
            self.add("drift", "tls policy", "fail", expected=lb_settings.ssl_policy, live="no HTTPS listener")
        else:
            self.compare("drift", "tls policy", lb_settings.ssl_policy, https[0].get("SslPolicy"))

        for scheme_port in expected:
            protocol, port = scheme_port.split(":")
            url = f"{protocol.lower()}://{lb['DNSName']}:{port}/"
            status, detail = self.probe(url)
            self.add("health", f"answers on {port}", status, expected="an HTTP answer", live=detail, detail=detail)

    def targets(self) -> None:
        health = self.client("elbv2").describe_target_health(TargetGroupArn=self.outputs["target_group_arn"])
        states = [(d["Target"]["Id"], d["TargetHealth"]["State"]) for d in health["TargetHealthDescriptions"]]
        if not states:
            self.add("health", "targets", "pass", detail="none registered")
            return
        unhealthy = [f"{target} {state}" for target, state in states if state != "healthy"]
        self.compare(
            "health",
            "targets",
            f"{len(states)} healthy",
            ", ".join(unhealthy) or f"{len(states)} healthy",
            ok=not unhealthy,
        )

    def alarms(self) -> None:
        names = list(self.outputs["alarm_names"])
        found: dict[str, Any] = {}
        for i in range(0, len(names), 100):  # DescribeAlarms takes at most 100 names
            for alarm in self.client("cloudwatch").describe_alarms(AlarmNames=names[i : i + 100])["MetricAlarms"]:
                found[alarm["AlarmName"]] = alarm
        self._alarms = found
        missing = [n for n in names if n not in found]
        firing = [n for n, a in found.items() if a["StateValue"] == "ALARM"]
        live = "; ".join(
            filter(
                None,
                [f"missing {', '.join(missing)}" if missing else "", f"in ALARM {', '.join(firing)}" if firing else ""],
            )
        )
        self.compare(
            "health",
            "alarms",
            f"{len(names)} alarms, none in ALARM",
            live or f"{len(names)} alarms, none in ALARM",
            ok=not live,
        )

    # -- drift -----------------------------------------------------------------------------

    def database(self) -> None:
        rds, db = self.client("rds"), self.settings.database
        instance = rds.describe_db_instances(DBInstanceIdentifier=self.outputs["database_identifier"])["DBInstances"][0]
        self._db = instance
        self.compare("health", "database status", "available", instance["DBInstanceStatus"])

        # "16" in the stack file accepts any 16.x (RDS applies minor upgrades itself); "16.4"
        # only 16.4. The provider compares the same way (terraform-provider-aws,
        # internal/service/rds/engine_version.go, compareActualEngineVersion).
        version = instance["EngineVersion"]
        self.compare(
            "drift",
            "database.engine_version",
            db.engine_version,
            version,
            ok=version == db.engine_version or version.startswith(db.engine_version + "."),
        )
        self.compare("drift", "database.instance_class", db.instance_class, instance["DBInstanceClass"])
        # Storage autoscaling may grow the allocation up to the cap: more than the stack file
        # says is no drift (the provider suppresses that diff too: internal/service/rds/
        # instance.go, allocated_storage DiffSuppressFunc "autoscaling is enabled").
        storage = instance["AllocatedStorage"]
        self.compare(
            "drift",
            "database.allocated_storage_gb",
            f"{db.allocated_storage_gb}..{db.max_allocated_storage_gb}",
            storage,
            ok=db.allocated_storage_gb <= storage <= db.max_allocated_storage_gb,
        )
        if "MaxAllocatedStorage" in instance:
            self.compare(
                "drift",
                "database.max_allocated_storage_gb",
                db.max_allocated_storage_gb,
                instance["MaxAllocatedStorage"],
            )
        else:
            self.add(
                "drift",
                "database.max_allocated_storage_gb",
                "fail",
                expected=db.max_allocated_storage_gb,
                live="no storage autoscaling",
            )
        self.compare("drift", "database.multi_az", db.multi_az, instance["MultiAZ"])
        self.compare(
            "drift", "database.backup_retention_days", db.backup_retention_days, instance["BackupRetentionPeriod"]
        )
        self.compare("drift", "database.deletion_protection", db.deletion_protection, instance["DeletionProtection"])

        expected_group = Naming(self.settings.stack).name(db.parameter_group_family)
        groups = [g["DBParameterGroupName"] for g in instance.get("DBParameterGroups", [])]
        self.compare(
            "drift",
            "database.parameter_group",
            expected_group,
            ", ".join(groups) or "none",
            ok=groups == [expected_group],
        )
        if groups:
            params: dict[str, str] = {}
            for page in rds.get_paginator("describe_db_parameters").paginate(DBParameterGroupName=groups[0]):
                params.update({p["ParameterName"]: p.get("ParameterValue", "") for p in page["Parameters"]})
            for name, expected in (
                ("max_connections", str(db.max_connections)),
                ("rds.force_ssl", "1" if db.ssl else "0"),
            ):
                self.compare("drift", f"parameter {name}", expected, params.get(name, "not set"))

        # Isolation of the database, from the same description.
        self.compare("isolation", "database not publicly accessible", False, instance["PubliclyAccessible"])
        own_group = self.outputs["database_security_group_id"]
        attached = sorted(g["VpcSecurityGroupId"] for g in instance.get("VpcSecurityGroups", []))
        self.compare("isolation", "database security groups", [own_group], attached)
        self.database_ingress(own_group)

    def database_ingress(self, group_id: str) -> None:
        """The database's group admits the application tier's group on the database port, and
        nothing else: no address range, no prefix list, no other group."""
        app, port = self.outputs["app_security_group_id"], self.settings.database.port
        group = self.client("ec2").describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
        rules = []
        for perm in group.get("IpPermissions", []):
            where = f"{perm.get('IpProtocol')} {perm.get('FromPort', 'all')}-{perm.get('ToPort', 'all')}"
            rules += [f"{where} from {p['GroupId']}" for p in perm.get("UserIdGroupPairs", [])]
            rules += [f"{where} from {r['CidrIp']}" for r in perm.get("IpRanges", [])]
            rules += [f"{where} from {r['CidrIpv6']}" for r in perm.get("Ipv6Ranges", [])]
            rules += [f"{where} from {r['PrefixListId']}" for r in perm.get("PrefixListIds", [])]
        expected = [f"tcp {port}-{port} from {app}"]
        self.compare("isolation", "database ingress", expected, sorted(rules))

    def waf(self) -> None:
        arn = self.outputs["web_acl_arn"]
        # arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>
        name, acl_id = arn.split("/")[-2:]
        wafv2 = self.client("wafv2")
        acl = wafv2.get_web_acl(Name=name, Scope="REGIONAL", Id=acl_id)["WebACL"]
        rate = [
            r["Statement"]["RateBasedStatement"]
            for r in acl.get("Rules", [])
            if "RateBasedStatement" in r.get("Statement", {})
        ]
        limit = self.settings.limits.max_requests_per_minute
        self.compare("drift", "waf rate limit", limit, rate[0]["Limit"] if rate else "no rate-based rule")
        if rate and "EvaluationWindowSec" in rate[0]:
            self.compare("drift", "waf rate window seconds", 60, rate[0]["EvaluationWindowSec"])
        else:
            self.add("drift", "waf rate window seconds", "skip", detail="the WAF API returned no EvaluationWindowSec")
        attached = wafv2.get_web_acl_for_resource(ResourceArn=self.outputs["load_balancer_arn"]).get("WebACL") or {}
        self.compare("drift", "waf on the load balancer", acl["ARN"], attached.get("ARN", "none"))

    def published(self) -> None:
        """Every parameter under /nexus/<stack>/ equals what the program publishes (the same
        function computes both), with the same type; none is missing and none was added."""
        out = self.outputs
        path = out["settings_path"]
        expected = published_settings(
            self.settings,
            database_host=out["database_dns_name"],
            database_address=str(out["database_address"]),
            database_credentials_secret_arn=str(out["database_credentials_secret_arn"]),
            session_signing_key_secret_arn=str(out["session_signing_key_secret_arn"]),
            app_role_arn=str(out["app_role_arn"]),
            app_log_group=str(out["app_log_group"]),
        )
        live: dict[str, dict[str, Any]] = {}
        paginator = self.client("ssm").get_paginator("get_parameters_by_path")
        for page in paginator.paginate(Path=path.rstrip("/"), Recursive=True, WithDecryption=True):
            live.update({p["Name"][len(path) :]: p for p in page["Parameters"]})
        self._parameters = [p["Name"] for p in live.values()]
        for key in sorted(set(expected) | set(live)):
            name = f"setting {key}"
            want_type = "SecureString" if key in SENSITIVE_SETTINGS else "String"
            if key not in live:
                self.add("drift", name, "fail", expected=_shown(key, expected[key]), live="missing")
            elif key not in expected:
                self.add(
                    "drift",
                    name,
                    "fail",
                    expected="not published",
                    live=_shown(key, live[key]["Value"]),
                    detail="set by hand, not by the program",
                )
            elif live[key]["Type"] != want_type:
                self.add("drift", name, "fail", expected=want_type, live=live[key]["Type"])
            else:
                self.compare(
                    "drift",
                    name,
                    _shown(key, expected[key]),
                    _shown(key, live[key]["Value"]),
                    ok=expected[key] == live[key]["Value"],
                )

    def log_groups(self) -> None:
        logs, retention = self.client("logs"), self.settings.monitoring.metrics_retention_days
        for name in self.outputs["log_group_names"]:
            groups = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
            group = next((g for g in groups if g["logGroupName"] == name), None)
            if group is None:
                self.add("drift", f"log group {name} retention", "fail", expected=retention, live="missing")
                continue
            self._log_group_arns.append(group["arn"].removesuffix(":*"))
            self.compare(
                "drift", f"log group {name} retention", retention, group.get("retentionInDays", "never expires")
            )

    # -- isolation -------------------------------------------------------------------------

    def flow_logs(self) -> None:
        network = self.settings.network
        if not network.flow_logs:
            self.add("isolation", "vpc flow logs", "skip", detail="the stack file turns flow logs off")
            return
        found = self.client("ec2").describe_flow_logs(
            Filters=[{"Name": "resource-id", "Values": [self.outputs["vpc_id"]]}]
        )["FlowLogs"]
        self._flow_logs = found
        active = [f"{f.get('TrafficType')} {f.get('FlowLogStatus')}" for f in found]
        want = f"{network.flow_logs_traffic_type} ACTIVE"
        self.compare("isolation", "vpc flow logs", want, ", ".join(active) or "none", ok=want in active)

    def tags(self) -> None:
        """Every resource verify looked at carries Environment and Stack of this stack."""
        from botocore.exceptions import ClientError

        want = {"Environment": self.settings.environment, "Stack": self.settings.stack}
        ec2, out = self.client("ec2"), self.outputs
        vpc_filter = [{"Name": "vpc-id", "Values": [out["vpc_id"]]}]
        kinds: list[tuple[str, Callable[[], Iterator[tuple[str, dict[str, str]]]]]] = [
            (
                "vpc",
                lambda: ((v["VpcId"], _tags(v.get("Tags"))) for v in ec2.describe_vpcs(VpcIds=[out["vpc_id"]])["Vpcs"]),
            ),
            (
                "subnets",
                lambda: (
                    (s["SubnetId"], _tags(s.get("Tags"))) for s in ec2.describe_subnets(Filters=vpc_filter)["Subnets"]
                ),
            ),
            (
                "security groups",
                lambda: (
                    (g["GroupId"], _tags(g.get("Tags")))
                    for g in ec2.describe_security_groups(Filters=vpc_filter)["SecurityGroups"]
                ),
            ),
            ("flow logs", lambda: ((f["FlowLogId"], _tags(f.get("Tags"))) for f in self._flow_logs)),
            ("database", self._database_tags),
            ("load balancer and target group", self._elb_tags),
            (
                "web acl",
                lambda: (
                    (
                        a,
                        _tags(
                            self.client("wafv2")
                            .list_tags_for_resource(ResourceARN=a)
                            .get("TagInfoForResource", {})
                            .get("TagList")
                        ),
                    )
                    for a in [out["web_acl_arn"]]
                ),
            ),
            (
                "kms key",
                lambda: (
                    (k, _tags(self.client("kms").list_resource_tags(KeyId=k)["Tags"], "TagKey", "TagValue"))
                    for k in [out["kms_key_arn"]]
                ),
            ),
            (
                "log groups",
                lambda: (
                    (a, self.client("logs").list_tags_for_resource(resourceArn=a)["tags"]) for a in self._log_group_arns
                ),
            ),
            (
                "alarms",
                lambda: (
                    (
                        a["AlarmName"],
                        _tags(self.client("cloudwatch").list_tags_for_resource(ResourceARN=a["AlarmArn"])["Tags"]),
                    )
                    for a in self._alarms.values()
                ),
            ),
            (
                "settings",
                lambda: (
                    (
                        n,
                        _tags(
                            self.client("ssm").list_tags_for_resource(ResourceType="Parameter", ResourceId=n)["TagList"]
                        ),
                    )
                    for n in self._parameters
                ),
            ),
            (
                "alarm topic",
                lambda: (
                    (a, _tags(self.client("sns").list_tags_for_resource(ResourceArn=a)["Tags"]))
                    for a in [out["alarm_topic_arn"]]
                ),
            ),
            ("access log bucket", self._bucket_tags),
            (
                "session signing key secret",
                lambda: (
                    (a, _tags(self.client("secretsmanager").describe_secret(SecretId=a).get("Tags")))
                    for a in [out["session_signing_key_secret_arn"]]
                ),
            ),
        ]
        expected = ", ".join(f"{k}={v}" for k, v in want.items())
        for kind, items in kinds:
            try:
                resources = list(items())
            except ClientError as exc:  # one missing resource must not hide the other kinds
                code = str(exc.response.get("Error", {}).get("Code", ""))
                if not code.endswith(NOT_FOUND):
                    raise
                self.add("isolation", f"tags of {kind}", "fail", expected=expected, live=f"not found ({code})")
                continue
            wrong = [
                f"{rid} " + ", ".join(f"{k}={tags.get(k, '(none)')}" for k in TAG_KEYS)
                for rid, tags in resources
                if any(tags.get(k) != v for k, v in want.items())
            ]
            self.compare(
                "isolation",
                f"tags of {kind} ({len(resources)})",
                expected,
                "; ".join(wrong) or expected,
                ok=bool(resources) and not wrong,
            )

    def _database_tags(self) -> Iterator[tuple[str, dict[str, str]]]:
        instance = self._db
        if instance is None:
            return
        rds = self.client("rds")
        yield instance["DBInstanceIdentifier"], _tags(instance.get("TagList"))
        for group in instance.get("DBParameterGroups", []):
            described = rds.describe_db_parameter_groups(DBParameterGroupName=group["DBParameterGroupName"])
            arn = described["DBParameterGroups"][0]["DBParameterGroupArn"]
            yield group["DBParameterGroupName"], _tags(rds.list_tags_for_resource(ResourceName=arn)["TagList"])

    def _bucket_tags(self) -> Iterator[tuple[str, dict[str, str]]]:
        from botocore.exceptions import ClientError

        bucket = self.outputs["access_log_bucket"]
        try:
            tags = self.client("s3").get_bucket_tagging(Bucket=bucket)["TagSet"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "NoSuchTagSet":  # S3's answer for "no tags"
                raise
            tags = []
        yield bucket, _tags(tags)

    def _elb_tags(self) -> Iterator[tuple[str, dict[str, str]]]:
        arns = [self.outputs["load_balancer_arn"], self.outputs["target_group_arn"]]
        for description in self.client("elbv2").describe_tags(ResourceArns=arns)["TagDescriptions"]:
            yield description["ResourceArn"].split(":")[-1], _tags(description.get("Tags"))


def describe_replicated_backups(rds: Any, arn: str) -> dict[str, Any] | None:
    """The replicated automated backups of `arn`, asked of the recovery region's RDS
    (DescribeDBInstanceAutomatedBackups, DBInstanceAutomatedBackupsArn), or None."""
    found = rds.describe_db_instance_automated_backups(DBInstanceAutomatedBackupsArn=arn)["DBInstanceAutomatedBackups"]
    return found[0] if found else None


def backup_replication_checks(
    backup: dict[str, Any] | None, arn: str, max_lag_minutes: int, now: datetime
) -> list[Check]:
    """Replication is active (status replicating: the status the provider waits for after
    StartDBInstanceAutomatedBackupsReplication, and that turns to retained when replication
    stops; terraform-provider-aws instance_automated_backups_replication.go, case-insensitive
    since AWS changed its case), and the latest restorable time of the replicated backups
    (RestoreWindow.LatestTime) is at most `max_lag_minutes` old: the recovery point a restore
    there would get now."""
    if backup is None:
        return [Check("health", "backup replication", "fail", "replicating", f"no replicated backups {arn}")]
    status = str(backup.get("Status", "")).lower()
    checks = [Check("health", "backup replication", "pass" if status == "replicating" else "fail", "replicating",
                    status or "no status", "" if status == "replicating" else arn)]  # fmt: skip
    latest = (backup.get("RestoreWindow") or {}).get("LatestTime")
    if latest is None:
        checks.append(Check("health", "replicated restore point", "fail", f"within {max_lag_minutes} minutes",
                            "no latest restorable time yet"))  # fmt: skip
        return checks
    minutes = (now - latest).total_seconds() / 60
    ok = minutes <= max_lag_minutes
    checks.append(Check("health", "replicated restore point", "pass" if ok else "fail",
                        f"within {max_lag_minutes} minutes", f"{minutes:.0f} minutes old ({latest.isoformat()})",
                        "" if ok else "disaster_recovery.max_replication_lag_minutes"))  # fmt: skip
    return checks


def _tags(items: list[dict[str, str]] | None, key: str = "Key", value: str = "Value") -> dict[str, str]:
    return {t[key]: t[value] for t in items or []}


def _shown(key: str, value: Any) -> str:
    """Values of sensitive settings are never printed (they are ARNs today; tomorrow they may not be)."""
    return "[SecureString]" if key in SENSITIVE_SETTINGS else repr(value)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


def probe_url(url: str) -> tuple[str, str]:
    """One bounded request: ("pass", "HTTP 301") when the load balancer answers at all (any
    status: a 503 without targets still proves the listener works); ("fail", why) when the
    name resolves but the connection is refused; ("skip", why) when it cannot be reached from
    here (the name does not resolve, the network filters it, or the request times out)."""
    host = url.split("/")[2].rsplit(":", 1)[0]
    resolved: list[Any] = []

    def resolve() -> None:
        try:
            resolved.append(socket.getaddrinfo(host, None))
        except OSError as exc:
            resolved.append(exc)

    # getaddrinfo has no timeout of its own: bound it.
    worker = threading.Thread(target=resolve, daemon=True)
    worker.start()
    worker.join(PROBE_TIMEOUT_SECONDS)
    if not resolved or isinstance(resolved[0], OSError):
        return "skip", f"not reachable from here: {host} does not resolve"
    # Only "does it answer": the certificate names the service's domain, not the load
    # balancer's AWS name, so the name check cannot pass here and is not what we test.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    request = urllib.request.Request(url, method="GET", headers={"User-Agent": "nexus-verify"})  # noqa: S310
    try:
        opener = urllib.request.build_opener(_NoRedirect, urllib.request.HTTPSHandler(context=context))
        with opener.open(request, timeout=PROBE_TIMEOUT_SECONDS) as response:
            return "pass", f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return "pass", f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, ConnectionRefusedError | ConnectionResetError):
            return "fail", f"connection refused ({reason})"
        return "skip", f"not reachable from here: {reason}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Port 80 answers with a redirect to HTTPS: that answer is what we check, not its target."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None
