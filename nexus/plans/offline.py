"""The offline plan: run the real `__main__.py` under the Pulumi SDK's own mock runtime.

Config comes from the stack files exactly as the CLI would pass it; the mocks answer the way
AWS would for the stack's region; a recording monitor keeps every registered resource with
its inputs and resource options (which `Mocks.new_resource` never sees). Several stacks run
in one process: the SDK is reset between them, and the program is re-executed each time.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import runpy
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi.runtime
from pulumi.runtime import resource as resource_runtime
from pulumi.runtime import rpc
from pulumi.runtime.config import set_all_config
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks
from pulumi.runtime.proto import resource_pb2, source_pb2
from pulumi.runtime.settings import get_root_resource, reset_options
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

from nexus.config.base import PROJECT
from nexus.config.environment import Settings
from nexus.config.limits import ZONE_ID_PREFIXES
from nexus.config.stack_files import ROOT, StackConfig

MOCK_ACCOUNT = "123456789012"  # the placeholder account of the committed stack files
SECRET = "[secret]"
# Mock values of generated secrets carry this marker, so tests can prove no secret value
# ever reaches an input or output in plain text.
MOCK_SECRET_MARKER = "MOCKSECRET"

# Outputs that the engine marks secret for these types (provider schema `secret: true`);
# plain mocks do not, so the recording monitor does it.
SECRET_OUTPUTS = {
    "random:index/randomPassword:RandomPassword": {"result", "bcryptHash"},
}


@dataclass
class Resource:
    urn: str
    id: str  # the (mock) physical ID other resources refer to
    type: str
    name: str
    parent: str | None
    custom: bool
    provider: str | None  # URN of the explicit provider, if any
    inputs: dict[str, Any]  # secrets kept wrapped (rpc.is_rpc_secret)
    options: dict[str, Any]
    outputs: dict[str, Any] = field(default_factory=dict)

    def input(self, key: str, default: Any = None) -> Any:
        """An input with secrets unwrapped (for assertions on shape, never for printing)."""
        return _unwrap(self.inputs.get(key, default))


@dataclass
class Plan:
    stack: str
    settings: Settings
    resources: list[Resource]
    outputs: dict[str, Any]  # stack outputs; secret ones shown as SECRET

    def of_type(self, type_token: str) -> list[Resource]:
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str, name: str | None = None) -> Resource:
        found = [r for r in self.of_type(type_token) if name is None or r.name == name]
        if len(found) != 1:
            raise LookupError(f"expected one {type_token} {name or ''} in {self.stack}, found {len(found)}")
        return found[0]

    def by_id(self) -> dict[str, Resource]:
        return {r.id: r for r in self.resources if r.custom}

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "environment": self.settings.environment,
            "region": self.settings.region,
            "settings": self.settings.model_dump(mode="json"),
            "outputs": self.outputs,
            "resources": [
                {
                    "urn": r.urn,
                    "id": r.id,
                    "type": r.type,
                    "name": r.name,
                    "parent": r.parent,
                    "provider": r.provider,
                    "custom": r.custom,
                    "inputs": masked(r.inputs),
                    "options": copy.deepcopy(r.options),  # callers may edit the document
                    "refs": _refs(r),
                    **({"secret_digests": digests} if (digests := secret_digests(self.stack, r)) else {}),
                }
                for r in self.resources
            ],
        }


# Computed outputs by which other resources refer to one (an RDS instance's kmsKeyId holds the
# key's ARN): `nexus diff` follows them to see what a replacement drags along.
REF_OUTPUTS = ("arn", "keyId", "zoneId", "address", "dnsName", "arnSuffix")


def _refs(r: Resource) -> list[str]:
    values = [r.outputs.get(key) for key in REF_OUTPUTS if key not in r.inputs]
    return sorted({v for v in values if isinstance(v, str) and v})


def region_zones(region: str) -> list[dict[str, str]]:
    """The zones EC2 DescribeAvailabilityZones knows in `region`, as AWS describes them: regular
    Availability Zones (3 in most regions, 6 in us-east-1, 4 in us-west-2) and, in us-east-1,
    a Local Zone this account opted into, one it did not, and a Wavelength Zone. Zone names
    map to IDs per account in the oldest regions; these mappings are an example one."""
    prefix = ZONE_ID_PREFIXES.get(region, "xx1")
    count = {"us-east-1": 6, "us-west-2": 4}.get(region, 3)
    zones = [
        {"zoneName": f"{region}{'abcdef'[i]}", "zoneId": f"{prefix}-az{i + 1}", "zoneType": "availability-zone",
         "groupName": region, "optInStatus": "opt-in-not-required", "state": "available"}
        for i in range(count)
    ]  # fmt: skip
    if region == "us-east-1":
        zones += [
            {"zoneName": "us-east-1-bos-1a", "zoneId": "use1-bos1-az1", "zoneType": "local-zone",
             "groupName": "us-east-1-bos-1", "optInStatus": "opted-in", "state": "available"},
            {"zoneName": "us-east-1-mia-2a", "zoneId": "use1-mia2-az1", "zoneType": "local-zone",
             "groupName": "us-east-1-mia-2", "optInStatus": "not-opted-in", "state": "available"},
            {"zoneName": "us-east-1-wl1-bos-wlz-1", "zoneId": "use1-wl1-bos-wlz1", "zoneType": "wavelength-zone",
             "groupName": "us-east-1-wl1", "optInStatus": "not-opted-in", "state": "available"},
        ]  # fmt: skip
    return zones


# DescribeAvailabilityZones filter names (EC2 API reference) and the zone field each reads.
_ZONE_FILTERS = {"zone-type": "zoneType", "zone-id": "zoneId", "zone-name": "zoneName", "state": "state",
                 "group-name": "groupName", "opt-in-status": "optInStatus"}  # fmt: skip


class AwsMocks(Mocks):
    """Answers resource registrations and invokes the way AWS would in `region`, as `account_id`."""

    def __init__(self, region: str, account_id: str = MOCK_ACCOUNT, stack: str = "") -> None:
        self.region = region
        self.account_id = account_id
        # AWS generates key IDs, secret ARN suffixes and RDS resource IDs unique per resource;
        # deriving them from the stack too keeps two stacks planned side by side apart.
        self.stack = stack
        # Provider ID -> its region: a resource of a second region's provider (the recovery
        # region's) gets ARNs of that region.
        self._provider_regions: dict[str, str] = {}

    def call(self, args: MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            arn = f"arn:aws:iam::{self.account_id}:user/offline-plan"
            return {"accountId": self.account_id, "arn": arn, "userId": "AIDAOFFLINEPLAN", "id": self.account_id}
        if args.token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            return self._availability_zones(args.args)
        raise LookupError(f"the offline plan has no answer for invoke {args.token}; add one in AwsMocks.call")

    def _availability_zones(self, query: dict[str, Any]) -> dict[str, Any]:
        """DescribeAvailabilityZones as the provider's aws_availability_zones data source calls
        it: without AllAvailabilityZones only zones that need no opt-in or are opted into;
        then the filters, `state`, and the exclusions."""
        zones = region_zones(self.region)
        if not query.get("allAvailabilityZones"):
            zones = [z for z in zones if z["optInStatus"] != "not-opted-in"]
        filters = [*(query.get("filters") or []), *([{"name": "state", "values": [query["state"]]}]
                                                    if query.get("state") else [])]  # fmt: skip
        for f in filters:
            field_name = _ZONE_FILTERS[f["name"]]
            zones = [z for z in zones if z[field_name] in f["values"]]
        zones = [z for z in zones if z["zoneName"] not in (query.get("excludeNames") or [])
                 and z["zoneId"] not in (query.get("excludeZoneIds") or [])]  # fmt: skip
        return {
            "names": [z["zoneName"] for z in zones],
            "zoneIds": [z["zoneId"] for z in zones],
            "groupNames": sorted({z["groupName"] for z in zones}),
            "id": self.region,
        }

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs = {k: _unwrap(v) for k, v in args.inputs.items()}
        provider_id = str(args.provider or "").rsplit("::", 1)[-1]
        name, region, account = args.name, self._provider_regions.get(provider_id, self.region), self.account_id
        digest = hashlib.sha256(f"{args.typ}/{name}".encode()).hexdigest()[:8]
        rid = f"{name}-{digest}"
        if args.typ == "pulumi:providers:aws" and inputs.get("region"):
            self._provider_regions[rid] = str(inputs["region"])
        if args.typ == "pulumi:pulumi:StackReference":
            # Another stack's outputs, as its own offline plan would export them (what a recovery
            # stack reads: the source stack's replicated backups in this stack's region).
            source = str(inputs.get("name", "")).rsplit("/", 1)[-1]
            return rid, {"name": inputs.get("name"), "outputs": {
                "replicated_backups_arn": replicated_backups_arn(source, region, account)}}  # fmt: skip
        service = args.typ.split(":")[1].split("/")[0]
        state: dict[str, Any] = {**inputs, "arn": f"arn:aws:{service}:{region}:{account}:{name}/{rid}"}
        typ = args.typ
        unique = hashlib.sha256(f"{self.stack}/{typ}/{name}".encode()).hexdigest()
        if "namePrefix" in inputs and "name" not in inputs:
            # The provider appends 26 characters to name_prefix (terraform's id.PrefixedUniqueId).
            state["name"] = f"{inputs['namePrefix']}{unique[:26]}"
        if typ == "aws:s3/bucket:Bucket":
            bucket = inputs.get("bucket") or rid
            state.update(bucket=bucket, arn=f"arn:aws:s3:::{bucket}", id=bucket)
            rid = bucket
        elif typ == "aws:kms/key:Key":
            key_id = f"{unique[:8]}-{unique[8:12]}-4{unique[13:16]}-8{unique[17:20]}-{unique[20:32]}"
            state.update(keyId=key_id, arn=f"arn:aws:kms:{region}:{account}:key/{key_id}")
        elif typ == "aws:secretsmanager/secret:Secret":
            # The provider appends a unique suffix to name_prefix (terraform's id.PrefixedUniqueId);
            # Secrets Manager appends a hyphen and six random characters to the name in the ARN.
            secret_name = state.get("name") or f"{inputs.get('namePrefix', '')}{unique[:26]}"
            state.update(
                name=secret_name, arn=f"arn:aws:secretsmanager:{region}:{account}:secret:{secret_name}-{unique[:6]}"
            )
        elif typ == "aws:cloudtrail/trail:Trail":
            state["arn"] = f"arn:aws:cloudtrail:{region}:{account}:trail/{inputs.get('name', rid)}"
        elif typ == "aws:iam/instanceProfile:InstanceProfile":
            profile = inputs.get("name", rid)
            state.update(arn=f"arn:aws:iam::{account}:instance-profile/{profile}", name=profile)
        elif typ == "aws:cloudwatch/logGroup:LogGroup":
            state["arn"] = f"arn:aws:logs:{region}:{account}:log-group:{inputs.get('name', rid)}"
        elif typ == "aws:iam/role:Role":
            state.update(arn=f"arn:aws:iam::{account}:role/{inputs.get('name', rid)}", name=inputs.get("name", rid))
        elif typ == "aws:iam/policy:Policy":
            state["arn"] = f"arn:aws:iam::{account}:policy/{inputs.get('name', rid)}"
        elif typ == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            # IAM names an OIDC provider by its URL without the scheme.
            host = str(inputs.get("url", rid)).removeprefix("https://")
            state["arn"] = f"arn:aws:iam::{account}:oidc-provider/{host}"
        elif typ == "aws:kms/alias:Alias":
            state["arn"] = f"arn:aws:kms:{region}:{account}:{inputs.get('name', rid)}"
        elif typ == "aws:route53/zone:Zone":
            state["zoneId"] = f"Z{digest.upper()}"
        elif typ == "aws:route53/record:Record":
            state["fqdn"] = str(inputs.get("name", rid)).rstrip(".")
        elif typ == "aws:acm/certificate:Certificate":
            # RequestCertificate answers an ARN; DescribeCertificate then lists one CNAME per name
            # of the certificate (DomainValidationOptions, ResourceRecord): `_<hash>.<name>.` to
            # `_<hash>.<hash>.acm-validations.aws.`, a wildcard's the same as its parent's.
            cert_id = f"{unique[:8]}-{unique[8:12]}-4{unique[13:16]}-8{unique[17:20]}-{unique[20:32]}"
            domain = str(inputs.get("domainName", rid))
            names = [domain, *(n for n in inputs.get("subjectAlternativeNames") or [] if n != domain)]

            def validation(name: str) -> dict[str, str]:
                base = name.removeprefix("*.")
                token = hashlib.sha256(f"{self.stack}/{base}".encode()).hexdigest()
                return {
                    "domainName": name,
                    "resourceRecordName": f"_{token[:32]}.{base}.",
                    "resourceRecordType": "CNAME",
                    "resourceRecordValue": f"_{token[32:64]}.{token[:10]}.acm-validations.aws.",
                }

            rid = f"arn:aws:acm:{region}:{account}:certificate/{cert_id}"
            state.update(
                arn=rid,
                subjectAlternativeNames=names,
                domainValidationOptions=[validation(n) for n in names],
                status="PENDING_VALIDATION",
                type="AMAZON_ISSUED",
                keyAlgorithm=inputs.get("keyAlgorithm", "RSA_2048"),
            )
        elif typ == "aws:acm/certificateValidation:CertificateValidation":
            # No ARN of its own: it waits for the certificate's issue and answers its ARN (the
            # provider's ID is the certificate's IssuedAt time).
            state.pop("arn")
            state["certificateArn"] = inputs.get("certificateArn")
            rid = "2026-11-30 00:00:00 +0000 UTC"
        elif typ == "aws:rds/instance:Instance":
            ident = inputs.get("identifier", rid)
            state.update(
                arn=f"arn:aws:rds:{region}:{account}:db:{ident}",
                address=f"{ident}.{digest}.{region}.rds.amazonaws.com",
                endpoint=f"{ident}.{digest}.{region}.rds.amazonaws.com:{inputs.get('port', 5432)}",
                # DbiResourceId: "db-" and 26 upper-case letters and digits (RDS DBInstance).
                resourceId=f"db-{unique[:26].upper()}",
                masterUserSecrets=[
                    {
                        "secretArn": f"arn:aws:secretsmanager:{region}:{account}:secret:rds!db-{unique[:8]}-{unique[8:12]}-{unique[12:16]}-{unique[16:20]}-{unique[20:32]}-{unique[32:38]}",
                        "kmsKeyId": inputs.get("masterUserSecretKmsKeyId"),
                        "secretStatus": "active",
                    }
                ],
            )
        elif typ == "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication":
            # The provider's ID is DBInstanceAutomatedBackupsArn, in the destination region.
            rid = replicated_backups_arn(self.stack, region, account)
            state.update(arn=rid, id=rid)
        elif typ == "aws:lb/loadBalancer:LoadBalancer":
            lb_name = inputs.get("name", rid)
            state.update(
                arn=f"arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/{lb_name}/{digest}",
                arnSuffix=f"app/{lb_name}/{digest}",
                dnsName=f"{lb_name}-{digest}.{region}.elb.amazonaws.com",
                zoneId="Z35SXDOTRQ7X7K",
            )
        elif typ == "aws:lb/targetGroup:TargetGroup":
            tg_name = inputs.get("name", rid)
            state.update(
                arn=f"arn:aws:elasticloadbalancing:{region}:{account}:targetgroup/{tg_name}/{digest}",
                arnSuffix=f"targetgroup/{tg_name}/{digest}",
            )
        elif typ == "random:index/randomPassword:RandomPassword":
            state["result"] = f"{MOCK_SECRET_MARKER}-{digest}".ljust(int(inputs.get("length", 16)), "x")
        elif typ == "random:index/randomId:RandomId":
            state.update(hex=digest, b64Url=digest, dec=str(int(digest, 16)))
        return rid, state


def replicated_backups_arn(stack: str, region: str, account: str) -> str:
    """The mock ARN of a stack's replicated automated backups in `region` (RDS names them
    auto-backup:ab- and 26 upper-case letters and digits of the source's DbiResourceId)."""
    unique = hashlib.sha256(f"{stack}/backups".encode()).hexdigest()[:26].upper()
    return f"arn:aws:rds:{region}:{account}:auto-backup:ab-{unique}"


ROOT_STACK_TYPE = "pulumi:pulumi:Stack"


def engine_urn(stack: str, project: str, parent_urn: str, type_: str, name: str) -> str:
    """The URN the Pulumi engine gives a resource: the qualified type is the parent's whole
    qualified type (every ancestor's type, joined by `$`) then the resource's own, except that
    the root Stack's type is left out. pulumi/pulumi sdk/go/common/resource/urn.go `NewURN`
    (skips an empty parent type and RootStackType) called by pkg/resource/deploy/source_eval.go
    `generateURN` with `parent.QualifiedType()` (the Python SDK's `create_urn`, in
    sdk/python/lib/pulumi/runtime/resource.py, likewise prefixes the parent's whole type).
    The SDK's MockMonitor.make_urn keeps only the parent's last type, so URNs two levels down
    would not match `pulumi stack export` or `pulumi preview --json`."""
    qualified = type_
    if parent_urn:
        parent_type = parent_urn.split("::")[2]
        if parent_type != ROOT_STACK_TYPE:
            qualified = f"{parent_type}${type_}"
    return f"urn:pulumi:{stack}::{project}::{qualified}::{name}"


_THREAD_LOOPS: set[asyncio.AbstractEventLoop] = set()


class RecordingMonitor(MockMonitor):
    """The SDK's mock monitor, keeping what the engine would see: parent, provider, options,
    and secrecy of outputs (which plain mocks drop)."""

    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self.recorded: list[Resource] = []
        self._lock = threading.Lock()

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        return engine_urn(pulumi.get_stack(), pulumi.get_project(), parent, type_, name)

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == "pulumi:pulumi:Stack":
            return resource_pb2.RegisterResourceResponse(urn=urn)
        # The SDK's worker threads each get an event loop here, reused by later registrations
        # and invokes on that thread (in this run and the next). Kept referenced: a loop nobody
        # references is collected unclosed, and its socket pair reported (ResourceWarning).
        _THREAD_LOOPS.add(_ensure_event_loop())  # type: ignore[no-untyped-call]
        inputs = _whole_numbers(rpc.deserialize_properties(request.object) or {})
        args = MockResourceArgs(
            typ=request.type,
            name=request.name,
            inputs=inputs,
            provider=request.provider,
            resource_id=request.importId,
            custom=request.custom or False,
        )
        rid, state = self.mocks.new_resource(args)
        secret_keys = set(request.additionalSecretOutputs) | SECRET_OUTPUTS.get(request.type, set())
        state = {k: rpc.wrap_rpc_secret(v) if k in secret_keys else v for k, v in state.items()}
        obj = _sync_await(rpc.serialize_properties(state, {}))

        by_property = {k: sorted(set(d.urns)) for k, d in sorted(request.propertyDependencies.items()) if d.urns}
        property_deps = set().union(*(set(urns) for urns in by_property.values()))
        recorded = Resource(
            urn=urn,
            id=rid or "",
            type=request.type,
            name=request.name,
            parent=request.parent or None,
            custom=bool(request.custom),
            provider=request.provider.rsplit("::", 1)[0] if request.provider else None,
            inputs=inputs,
            options={
                "protect": request.protect if request.HasField("protect") else False,
                "retain_on_delete": request.retainOnDelete if request.HasField("retainOnDelete") else False,
                "delete_before_replace": request.deleteBeforeReplace,
                "ignore_changes": list(request.ignoreChanges),
                "depends_on": sorted(set(request.dependencies) - property_deps),
                # Which resources each input comes from (Output references): creation order.
                "property_dependencies": by_property,
                "additional_secret_outputs": list(request.additionalSecretOutputs),
                # Earlier logical names this resource answers to (pulumi.Alias(name=...)): the
                # engine moves the old state onto it instead of replacing (nexus diff matches them).
                **({"aliases": aliases} if (aliases := _alias_names(request)) else {}),
            },
            outputs=state,
        )
        with self._lock:
            self.resources[urn] = MockMonitor.ResourceRegistration(urn, rid or "", state)
            self.recorded.append(recorded)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=rid or "", object=obj)


def _alias_names(request: Any) -> list[str]:
    """The names of the resource's aliases (RegisterResourceRequest.aliases, the Alias specs the
    SDK sends when the monitor supports them)."""
    names = set()
    for alias in request.aliases:
        if alias.WhichOneof("alias") == "spec" and alias.spec.name:
            names.add(alias.spec.name)
        elif alias.WhichOneof("alias") == "urn":
            names.add(alias.urn.rsplit("::", 1)[-1])
    return sorted(names)


class ProgramError(Exception):
    """The program refused to run (pulumi.RunError): a message for a person, no traceback."""


def run_program(
    config: StackConfig,
    settings: Settings,
    *,
    account_id: str | None = None,
    program: Path = ROOT / "__main__.py",
) -> Plan:
    """Run `__main__.py` for one stack under mocks and return what it declared. The mocks
    answer as the stack's own account, unless `account_id` says whose credentials are in use."""
    resources, outputs = execute(
        program,
        project=PROJECT,
        stack=config.stack,
        config=config.as_cli_strings(),
        secret_keys=config.secret_keys,
        region=settings.region,
        account_id=account_id or settings.account_id,
    )
    return Plan(config.stack, settings, resources, outputs)


def execute(
    program: Path,
    *,
    project: str,
    stack: str,
    config: dict[str, str],
    secret_keys: Iterable[str],
    region: str,
    account_id: str = MOCK_ACCOUNT,
) -> tuple[list[Resource], dict[str, Any]]:
    """Run any Pulumi program of the repository (the main one, bootstrap/) under mocks: config
    as the CLI passes it, AWS answering for `region` and `account_id`. Returns the recorded
    resources in URN order and the stack outputs (secret ones as SECRET)."""
    mocks = AwsMocks(region, account_id, stack)
    monitor = RecordingMonitor(mocks)
    # The SDK walks the Python stack of every registration (traceback.extract_stack, then a
    # path lookup per frame) to send the engine source positions; mocks never read them, and
    # it was a fifth of an offline plan's time.
    resource_runtime._get_stack_trace = _no_stack_trace
    reset_options(project=project, stack=stack)
    set_all_config(config, sorted(secret_keys))
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor)

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> None:
        runpy.run_path(str(program), run_name="__main__")

    try:
        run()
    except pulumi.RunError as exc:
        raise ProgramError(str(exc)) from None
    root = get_root_resource()
    outputs: dict[str, Any] = {}
    for key, value in sorted(getattr(root, "outputs", {}).items()):
        out = pulumi.Output.from_input(value)
        outputs[key] = SECRET if _sync_await(out.is_secret()) else _sync_await(out.future())
    # Registration order depends on thread timing; URN order is stable, so plans diff cleanly.
    return sorted(monitor.recorded, key=lambda r: r.urn), outputs


def _no_stack_trace() -> source_pb2.StackTrace:
    return source_pb2.StackTrace()


def _whole_numbers(value: Any) -> Any:
    """Numbers travel as floats on the wire; show 7 rather than 7.0, as the stack file does."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(v) for v in value]
    return value


def _unwrap(value: Any) -> Any:
    if rpc.is_rpc_secret(value):
        return _unwrap(rpc.unwrap_rpc_secret(value))
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    return value


def secret_digests(stack: str, r: Resource) -> dict[str, str]:
    """Input path -> a digest of each secret input's value, so that `nexus diff` sees a changed
    secret (a published setting, say) as an update without the value ever being written. Keyed
    by stack and URN: equal values of two resources give different digests. The offline plan's
    secrets are the program's own settings or mock values; a real secret never reaches it."""
    found: dict[str, str] = {}

    def walk(value: Any, path: str) -> None:
        if rpc.is_rpc_secret(value):
            plain = json.dumps(_unwrap(value), sort_keys=True, default=str)
            found[path] = hashlib.sha256(f"{stack}\0{r.urn}\0{path}\0{plain}".encode()).hexdigest()[:16]
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{path}.{k}" if path else k)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, f"{path}[{i}]")

    walk(r.inputs, "")
    return found


def masked(value: Any) -> Any:
    if rpc.is_rpc_secret(value):
        return SECRET
    if isinstance(value, dict):
        return {k: masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    return value
