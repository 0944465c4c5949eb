"""An emulated AWS for a stack: moto on a loopback port, and in it the environment an offline
plan describes, built from the plan's own recorded inputs (the same names, sizes, rules, tags
and published values the program declared), so `nexus verify` against it must pass. `nexus
emulate` and the verify tests use it; the tests build in moto's in-process mock instead of the
server (same builder, no HTTP).

Mock IDs and ARNs of the plan are replaced by moto's: `translate` maps one to the other, for
the stack outputs and for published values that name another resource. The credential variables
below are what a test or `nexus emulate` clears so that only moto's (or none) are found.

The plan arrives as any object shaped like nexus.plans.offline.Plan (the protocols below):
this layer reads plans, it does not make them (cli does).
"""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any, Protocol

from nexus.config.environment import Settings


class PlannedResource(Protocol):
    id: str
    name: str
    outputs: dict[str, Any]

    def input(self, key: str, default: Any = None) -> Any: ...


class PlannedStack(Protocol):
    stack: str
    settings: Settings
    outputs: dict[str, Any]

    def of_type(self, type_token: str) -> list[Any]: ...

    def one(self, type_token: str, name: str | None = None) -> Any: ...


# Every way botocore could find credentials, so that "none" really is none (and the instance
# metadata service is not asked: that would wait for a timeout).
NO_CREDENTIALS = {
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}
CREDENTIAL_VARIABLES = (
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
)  # fmt: skip


@dataclass
class Emulated:
    plan: PlannedStack
    outputs: dict[str, Any]
    session: Any  # the boto3 session that built it
    ids: dict[str, str] = field(default_factory=dict)  # plan ID or ARN -> moto's
    # Automated backups replicated into another region (moto has no backup replication): what
    # RDS there would describe, by ARN; the server answers for them (ReplicationStandIn).
    replicated_backups: dict[str, dict[str, Any]] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        return self.session.client(service)

    def translate(self, value: Any) -> Any:
        if isinstance(value, str):
            for mock in sorted(self.ids, key=len, reverse=True):
                value = value.replace(mock, self.ids[mock])
            return value
        if isinstance(value, list):
            return [self.translate(v) for v in value]
        if isinstance(value, dict):
            return {k: self.translate(v) for k, v in value.items()}
        return value


def _tag_list(tags: dict[str, str], key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
    return [{key: k, value: v} for k, v in sorted(tags.items())]


# WAF's API spells these differently from the provider's camelCase inputs.
_WAF_KEYS = {"cloudwatchMetricsEnabled": "CloudWatchMetricsEnabled"}


def _waf_shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {_WAF_KEYS.get(k, k[:1].upper() + k[1:]): _waf_shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_waf_shape(v) for v in value]
    return value


def build(plan: PlannedStack, session: Any) -> Emulated:
    """Create the plan's resources with `session` (a boto3 session of the plan's region, against
    moto: its in-process mock or its server)."""
    region = plan.settings.region
    env = Emulated(plan, {}, session)
    provider = plan.one("pulumi:providers:aws", "aws")
    default_tags: dict[str, str] = json.loads(provider.input("defaultTags"))["tags"]

    def tags(r: PlannedResource) -> dict[str, str]:
        return {**default_tags, **(r.input("tags") or {})}

    client = env.client
    ec2, kms, logs, rds = client("ec2"), client("kms"), client("logs"), client("rds")
    elb, waf, ssm, cw, sm = (
        client("elbv2"),
        client("wafv2"),
        client("ssm"),
        client("cloudwatch"),
        client("secretsmanager"),
    )

    key_res = plan.one("aws:kms/key:Key", "key")
    key = kms.create_key(Description=key_res.input("description"), Tags=_tag_list(tags(key_res), "TagKey", "TagValue"))
    env.ids[key_res.outputs["arn"]] = key["KeyMetadata"]["Arn"]
    key_arn = key["KeyMetadata"]["Arn"]

    secret_res = plan.one("aws:secretsmanager/secret:Secret")
    secret = sm.create_secret(Name=secret_res.outputs["name"], KmsKeyId=key_arn, Tags=_tag_list(tags(secret_res)))
    env.ids[secret_res.outputs["arn"]] = secret["ARN"]

    def spec(kind: str, r: PlannedResource) -> list[dict[str, Any]]:
        return [{"ResourceType": kind, "Tags": _tag_list(tags(r))}]

    vpc_res = plan.one("aws:ec2/vpc:Vpc")
    vpc_id = ec2.create_vpc(CidrBlock=vpc_res.input("cidrBlock"), TagSpecifications=spec("vpc", vpc_res))["Vpc"][
        "VpcId"
    ]
    env.ids[vpc_res.id] = vpc_id
    # The program adopts the VPC's default group (DefaultSecurityGroup) and tags it.
    default_sg = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]["GroupId"]
    ec2.create_tags(
        Resources=[default_sg], Tags=_tag_list(tags(plan.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")))
    )

    for r in plan.of_type("aws:ec2/subnet:Subnet"):
        subnet = ec2.create_subnet(
            VpcId=vpc_id,
            CidrBlock=r.input("cidrBlock"),
            AvailabilityZoneId=r.input("availabilityZoneId"),
            TagSpecifications=spec("subnet", r),
        )
        env.ids[r.id] = subnet["Subnet"]["SubnetId"]

    for r in plan.of_type("aws:ec2/securityGroup:SecurityGroup"):
        group = ec2.create_security_group(
            GroupName=r.input("name"),
            Description=r.input("description"),
            VpcId=vpc_id,
            TagSpecifications=spec("security-group", r),
        )
        env.ids[r.id] = group["GroupId"]
    for typ, authorize in (
        ("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", ec2.authorize_security_group_ingress),
        ("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", ec2.authorize_security_group_egress),
    ):
        for r in plan.of_type(typ):
            perm: dict[str, Any] = {
                "IpProtocol": r.input("ipProtocol"),
                "FromPort": r.input("fromPort"),
                "ToPort": r.input("toPort"),
            }
            if r.input("cidrIpv4"):
                perm["IpRanges"] = [{"CidrIp": r.input("cidrIpv4")}]
            else:
                perm["UserIdGroupPairs"] = [{"GroupId": env.ids[r.input("referencedSecurityGroupId")]}]
            authorize(GroupId=env.ids[r.input("securityGroupId")], IpPermissions=[perm])

    for r in plan.of_type("aws:cloudwatch/logGroup:LogGroup"):
        logs.create_log_group(logGroupName=r.input("name"), kmsKeyId=key_arn, tags=tags(r))
        logs.put_retention_policy(logGroupName=r.input("name"), retentionInDays=r.input("retentionInDays"))
        env.ids[r.outputs["arn"]] = f"arn:aws:logs:{region}:123456789012:log-group:{r.input('name')}"

    for r in plan.of_type("aws:ec2/flowLog:FlowLog"):
        ec2.create_flow_logs(
            ResourceIds=[vpc_id],
            ResourceType="VPC",
            TrafficType=r.input("trafficType"),
            LogDestinationType=r.input("logDestinationType"),
            LogDestination=env.translate(r.input("logDestination")),
            DeliverLogsPermissionArn=r.input("iamRoleArn"),
            TagSpecifications=spec("vpc-flow-log", r),
        )

    group_res = plan.one("aws:rds/subnetGroup:SubnetGroup")
    rds.create_db_subnet_group(
        DBSubnetGroupName=group_res.input("name"),
        DBSubnetGroupDescription=group_res.input("description"),
        SubnetIds=env.translate(group_res.input("subnetIds")),
        Tags=_tag_list(tags(group_res)),
    )
    params_res = plan.one("aws:rds/parameterGroup:ParameterGroup")
    rds.create_db_parameter_group(
        DBParameterGroupName=params_res.input("name"),
        DBParameterGroupFamily=params_res.input("family"),
        Description=params_res.input("description"),
        Tags=_tag_list(tags(params_res)),
    )
    rds.modify_db_parameter_group(
        DBParameterGroupName=params_res.input("name"),
        Parameters=[
            {"ParameterName": p["name"], "ParameterValue": p["value"], "ApplyMethod": p["applyMethod"]}
            for p in params_res.input("parameters")
        ],
    )
    db_res = plan.one("aws:rds/instance:Instance")
    db = db_res.input
    instance = rds.create_db_instance(
        DBInstanceIdentifier=db("identifier"),
        Engine=db("engine"),
        EngineVersion=db("engineVersion"),
        DBInstanceClass=db("instanceClass"),
        AllocatedStorage=db("allocatedStorage"),
        MaxAllocatedStorage=db("maxAllocatedStorage"),
        StorageType=db("storageType"),
        StorageEncrypted=db("storageEncrypted"),
        KmsKeyId=key_arn,
        DBName=db("dbName"),
        MasterUsername=db("username"),
        ManageMasterUserPassword=True,
        MasterUserSecretKmsKeyId=key_arn,
        Port=db("port"),
        MultiAZ=db("multiAz"),
        DBSubnetGroupName=db("dbSubnetGroupName"),
        VpcSecurityGroupIds=env.translate(db("vpcSecurityGroupIds")),
        DBParameterGroupName=db("parameterGroupName"),
        PubliclyAccessible=db("publiclyAccessible"),
        BackupRetentionPeriod=db("backupRetentionPeriod"),
        DeletionProtection=db("deletionProtection"),
        Tags=_tag_list(tags(db_res)),
    )["DBInstance"]
    env.ids[db_res.outputs["address"]] = instance["Endpoint"]["Address"]
    if instance.get("MasterUserSecret"):
        env.ids[db_res.outputs["masterUserSecrets"][0]["secretArn"]] = instance["MasterUserSecret"]["SecretArn"]

    lb_res = plan.one("aws:lb/loadBalancer:LoadBalancer")
    lb = elb.create_load_balancer(
        Name=lb_res.input("name"),
        Subnets=env.translate(lb_res.input("subnets")),
        SecurityGroups=env.translate(lb_res.input("securityGroups")),
        Scheme="internet-facing",
        Type="application",
        Tags=_tag_list(tags(lb_res)),
    )["LoadBalancers"][0]
    env.ids.update({lb_res.outputs["arn"]: lb["LoadBalancerArn"], lb_res.outputs["dnsName"]: lb["DNSName"]})
    tg_res = plan.one("aws:lb/targetGroup:TargetGroup")
    tg = elb.create_target_group(
        Name=tg_res.input("name"),
        Protocol=tg_res.input("protocol"),
        Port=tg_res.input("port"),
        VpcId=vpc_id,
        TargetType=tg_res.input("targetType"),
        HealthCheckPath=tg_res.input("healthCheck")["path"],
        Tags=_tag_list(tags(tg_res)),
    )["TargetGroups"][0]
    env.ids[tg_res.outputs["arn"]] = tg["TargetGroupArn"]
    for r in plan.of_type("aws:lb/listener:Listener"):
        extra: dict[str, Any] = {}
        if r.input("protocol") == "HTTPS":
            certificate = client("acm").request_certificate(DomainName=f"{plan.stack}.nexus.example")
            extra = {
                "SslPolicy": r.input("sslPolicy"),
                "Certificates": [{"CertificateArn": certificate["CertificateArn"]}],
            }
        # The API calls the provider's `redirect` block RedirectConfig.
        actions = [
            {("RedirectConfig" if k == "Redirect" else k): v for k, v in _waf_shape(a).items()}
            for a in env.translate(r.input("defaultActions"))
        ]
        elb.create_listener(
            LoadBalancerArn=lb["LoadBalancerArn"],
            Protocol=r.input("protocol"),
            Port=r.input("port"),
            DefaultActions=actions,
            **extra,
        )

    acl_res = plan.one("aws:wafv2/webAcl:WebAcl")
    acl = waf.create_web_acl(
        Name=acl_res.input("name"),
        Scope=acl_res.input("scope"),
        Description=acl_res.input("description"),
        DefaultAction=_waf_shape(acl_res.input("defaultAction")),
        Rules=_waf_shape(acl_res.input("rules")),
        VisibilityConfig=_waf_shape(acl_res.input("visibilityConfig")),
        Tags=_tag_list(tags(acl_res)),
    )["Summary"]
    env.ids[acl_res.outputs["arn"]] = acl["ARN"]
    waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=lb["LoadBalancerArn"])

    for r in plan.of_type("aws:ssm/parameter:Parameter"):
        extra = {"KeyId": key_arn} if r.input("type") == "SecureString" else {}
        ssm.put_parameter(
            Name=r.input("name"),
            Value=env.translate(r.input("value")),
            Type=r.input("type"),
            Tags=_tag_list(tags(r)),
            **extra,
        )

    topic_res = plan.one("aws:sns/topic:Topic")
    topic = client("sns").create_topic(Name=topic_res.input("name"), Tags=_tag_list(tags(topic_res)))
    env.ids[topic_res.outputs["arn"]] = topic["TopicArn"]
    bucket_res = plan.one("aws:s3/bucket:Bucket", "access-logs")
    client("s3").create_bucket(Bucket=bucket_res.input("bucket"))
    client("s3").put_bucket_tagging(Bucket=bucket_res.input("bucket"), Tagging={"TagSet": _tag_list(tags(bucket_res))})

    for r in plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm"):
        shape: dict[str, Any] = {
            "Namespace": r.input("namespace") or "AWS/ApplicationELB",
            "MetricName": r.input("metricName") or "RequestCount",
            "Period": r.input("period") or 60,
        }
        if r.input("extendedStatistic"):
            shape["ExtendedStatistic"] = r.input("extendedStatistic")
        else:
            shape["Statistic"] = r.input("statistic") or "Sum"
        cw.put_metric_alarm(
            AlarmName=r.input("name"),
            EvaluationPeriods=r.input("evaluationPeriods"),
            Threshold=float(r.input("threshold")),
            ComparisonOperator=r.input("comparisonOperator"),
            Tags=_tag_list(tags(r)),
            **shape,
        )

    # audit.trail: own: the trail (logging, delivering to its log group) and the CIS filters on it.
    cloudtrail, s3 = client("cloudtrail"), client("s3")
    for r in plan.of_type("aws:cloudtrail/trail:Trail"):
        bucket = r.input("s3BucketName")
        if bucket not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
            s3.create_bucket(Bucket=bucket)
        trail = cloudtrail.create_trail(
            Name=r.input("name"),
            S3BucketName=bucket,
            IsMultiRegionTrail=bool(r.input("isMultiRegionTrail")),
            IncludeGlobalServiceEvents=bool(r.input("includeGlobalServiceEvents")),
            EnableLogFileValidation=bool(r.input("enableLogFileValidation")),
            CloudWatchLogsLogGroupArn=env.translate(r.input("cloudWatchLogsGroupArn")),
            CloudWatchLogsRoleArn=r.input("cloudWatchLogsRoleArn"),
            TagsList=_tag_list(tags(r)),
        )
        cloudtrail.start_logging(Name=r.input("name"))
        env.ids[r.outputs["arn"]] = trail["TrailARN"]
    for r in plan.of_type("aws:cloudwatch/logMetricFilter:LogMetricFilter"):
        metric = r.input("metricTransformation")
        logs.put_metric_filter(
            logGroupName=r.input("logGroupName"),
            filterName=r.input("name"),
            filterPattern=r.input("pattern"),
            metricTransformations=[{"metricName": metric["name"], "metricNamespace": metric["namespace"],
                                    "metricValue": metric["value"], "defaultValue": float(metric["defaultValue"])}],
        )  # fmt: skip

    for r in plan.of_type("aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"):
        arn = r.outputs.get("id") or r.id
        env.replicated_backups[str(arn)] = {
            "DBInstanceAutomatedBackupsArn": str(arn),
            "DBInstanceArn": env.translate(r.input("sourceDbInstanceArn")),
            "DBInstanceIdentifier": db("identifier"),
            "Region": region,
            "BackupRetentionPeriod": r.input("retentionPeriod"),
            "KmsKeyId": r.input("kmsKeyId"),
        }

    env.outputs = env.translate(plan.outputs)
    return env


class EmulatorUnavailable(Exception):  # noqa: N818 (a reason, not an error of the program)
    """moto's server cannot start here: the message says what to install (exit 2)."""


# What the emulated environment's clients see: moto accepts any credentials, and none of the
# person's own may be used by mistake (a real profile, or the instance metadata service).
EMULATED_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "emulated", "AWS_SECRET_ACCESS_KEY": "emulated"}


def require_server() -> None:
    """EmulatorUnavailable, saying what to install, when moto's server cannot start here (asked
    before any work, so a missing extra costs no plan)."""
    try:
        import moto.server  # noqa: F401 (imports Flask: what moto without its `server` extra lacks)
    except ImportError as exc:
        raise EmulatorUnavailable(
            f"moto's server cannot start ({exc}): install the locked development environment "
            "(make venv/.installed installs moto[server])"
        ) from None


# The replicated backups' restore window as the stand-in describes it: RDS copies the source's
# transaction logs as soon as they are ready, every 5 minutes (RDS User Guide, "Replicating
# automated backups to another AWS Region").
REPLICATION_LAG = timedelta(minutes=5)


class ReplicationStandIn:
    """WSGI middleware before moto: answers RDS DescribeDBInstanceAutomatedBackups for the
    replicated backups an emulated environment registered (moto 5 has no cross-region backup
    replication: it answers an empty list), as RDS in the recovery region would while
    replication works; every other request goes to moto unchanged. The shape is botocore's rds
    model (query protocol, XML), so a separate `nexus verify` or the AWS CLI sees the same."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.replicated: dict[str, dict[str, Any]] = {}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("REQUEST_METHOD") == "POST" and self.replicated:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)  # moto reads it again
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
            arn = (form.get("DBInstanceAutomatedBackupsArn") or [""])[0]
            if form.get("Action") == ["DescribeDBInstanceAutomatedBackups"] and arn in self.replicated:
                payload = self._describe(self.replicated[arn]).encode()
                start_response("200 OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(payload)))])
                return [payload]
        return self.app(environ, start_response)

    @staticmethod
    def _describe(backup: dict[str, Any]) -> str:
        latest = datetime.now(UTC).replace(microsecond=0) - REPLICATION_LAG
        earliest = latest - timedelta(days=1)
        fields = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in backup.items())
        return (
            '<DescribeDBInstanceAutomatedBackupsResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">'
            "<DescribeDBInstanceAutomatedBackupsResult><DBInstanceAutomatedBackups><DBInstanceAutomatedBackup>"
            f"{fields}<Status>replicating</Status><Engine>postgres</Engine>"
            f"<RestoreWindow><EarliestTime>{earliest.isoformat()}</EarliestTime>"
            f"<LatestTime>{latest.isoformat()}</LatestTime></RestoreWindow>"
            "</DBInstanceAutomatedBackup></DBInstanceAutomatedBackups></DescribeDBInstanceAutomatedBackupsResult>"
            "<ResponseMetadata><RequestId>emulated</RequestId></ResponseMetadata>"
            "</DescribeDBInstanceAutomatedBackupsResponse>"
        )


@dataclass
class Server:
    endpoint: str  # http://127.0.0.1:PORT
    stand_in: ReplicationStandIn

    def serve(self, environment: Emulated) -> None:
        """Answer for what moto cannot emulate of `environment` (its replicated backups)."""
        self.stand_in.replicated.update(environment.replicated_backups)


@contextmanager
def moto_server() -> Iterator[Server]:
    """moto in server mode on a free loopback port for as long as the block runs, behind the
    replication stand-in. The server is a thread of this process (werkzeug's, as moto's
    ThreadedMotoServer runs it): nothing of it can outlive the command, whichever way the
    command ends, and it is stopped (its port closed) when the block is left."""
    os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")  # nothing here launches an instance
    require_server()
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    # One line per request on stderr (werkzeug's request log) would bury the report.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    stand_in = ReplicationStandIn(DomainDispatcherApplication(create_backend_app))
    # Port 0: the kernel picks a free one, so two emulators (or a busy 5000) never collide.
    server = make_server("127.0.0.1", 0, stand_in, threaded=True, request_handler=MotoRequestHandler)
    # A short poll: shutdown() waits for the loop to notice (0.5 s by default).
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{server.server_port}"
    # moto keeps its accounts in this process's memory, whichever server or mock made them: an
    # emulator starts empty and leaves nothing behind (moto's reset API, POST /moto-api/reset).
    _reset(endpoint)
    try:
        yield Server(endpoint, stand_in)
    finally:
        _reset(endpoint)
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _reset(endpoint: str) -> None:
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")  # noqa: S310 (http://127.0.0.1)
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never a proxy
    with direct.open(request, timeout=30) as response:
        response.read()


@contextmanager
def pointed_at(endpoint: str) -> Iterator[dict[str, str]]:
    """Point every boto3 client of this process (and of the commands it prints) at `endpoint`
    for the block, with the emulator's credentials and none of the person's; yields the
    variables set. botocore reads AWS_ENDPOINT_URL for every service (its "service-specific
    endpoints" configuration, botocore >= 1.31)."""
    values = {**NO_CREDENTIALS, **EMULATED_CREDENTIALS, "AWS_ENDPOINT_URL": endpoint}
    saved = {name: os.environ.get(name) for name in (*CREDENTIAL_VARIABLES, *values)}
    for name in CREDENTIAL_VARIABLES:
        os.environ.pop(name, None)
    os.environ.update(values)
    try:
        yield values
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def port_is_open(endpoint: str) -> bool:
    """Whether something listens at `endpoint` (http://host:port): the tests' proof that an
    emulator was stopped."""
    host, _, port = endpoint.removeprefix("http://").partition(":")
    with socket.socket() as probe:
        probe.settimeout(1.0)
        return probe.connect_ex((host, int(port))) == 0
