"""The policy rules' violating cases, and the CrossGuard pack run the way pulumi-policy's
analyzer runs it (policy.py `Analyze`): one `ResourceValidationArgs` per resource, its inputs
wrapped in `unknown_checking_proxy`, its provider as a `PolicyProviderResource` carrying the
provider's inputs.

POLICY_CASES serve both `nexus check` (nexus.plans.rules) and the pack (nexus.plans.policy_pack):
each is a committed stack's plan with one resource changed so that exactly its rule fails.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
)
from pulumi_policy.proxy import unknown_checking_proxy

from nexus.plans.offline import Plan
from nexus.plans.policy_pack import POLICIES

Doc = list[dict[str, Any]]


def mutated_plan(plan: Plan, type_token: str, resource_name: str | None, inputs: dict[str, Any]) -> dict[str, Any]:
    """The plan JSON with one resource changed: `options` merged, None removes an input."""
    doc = copy.deepcopy(plan.to_json())
    target = next(r for r in doc["resources"]
                  if r["type"] == type_token and (resource_name is None or r["name"] == resource_name))  # fmt: skip
    for key, value in inputs.items():
        if key == "options":
            target["options"].update(value)
        elif value is None:
            target["inputs"].pop(key, None)
        else:
            target["inputs"][key] = value
    return doc


POLICY_CASES = [
    ("encrypted-with-customer-key", "production", "aws:rds/instance:Instance", None, {"kmsKeyId": None}),
    ("encrypted-with-customer-key", "staging", "aws:cloudwatch/logGroup:LogGroup", "flow-logs", {"kmsKeyId": None}),
    ("database-not-public", "staging", "aws:rds/instance:Instance", None, {"publiclyAccessible": True}),
    ("no-open-ingress", "staging", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "db-from-app",
     {"cidrIpv4": "0.0.0.0/0", "referencedSecurityGroupId": None}),
    ("https-modern-tls", "production", "aws:lb/listener:Listener", "https", {"sslPolicy": "ELBSecurityPolicy-2016-08"}),
    ("https-modern-tls", "staging", "aws:lb/listener:Listener", "http",
     {"defaultActions": [{"type": "forward", "targetGroupArn": "x"}]}),
    ("access-logs-on", "development", "aws:lb/loadBalancer:LoadBalancer", None, {"accessLogs": {"enabled": False}}),
    ("log-retention-set", "development", "aws:cloudwatch/logGroup:LogGroup", "waf-logs", {"retentionInDays": None}),
    ("production-deletion-protected", "production", "aws:rds/instance:Instance", None, {"deletionProtection": False}),
    ("production-deletion-protected", "production", "aws:kms/key:Key", None, {"options": {"protect": False}}),
    ("no-fixed-reserved-name", "development", "aws:secretsmanager/secret:Secret", None,
     {"name": "nexus/development/app/session-signing-key"}),
    ("environment-tags", "staging", "pulumi:providers:aws", None, {"defaultTags": json.dumps({"tags": {"Stack": "x"}})}),
    ("no-data-action-on-any-resource", "development", "aws:iam/rolePolicy:RolePolicy", "app-permissions",
     {"policy": json.dumps({"Statement": [{"Effect": "Allow", "Action": "secretsmanager:Get*", "Resource": "*"}]})}),
    ("encrypted-with-customer-key", "production", "aws:cloudtrail/trail:Trail", None, {"kmsKeyId": None}),
    ("trail-records-everything", "production", "aws:cloudtrail/trail:Trail", None, {"enableLogFileValidation": False}),
    ("trail-records-everything", "production", "aws:cloudtrail/trail:Trail", None, {"isMultiRegionTrail": False}),
    ("edge-hardened", "staging", "aws:lb/loadBalancer:LoadBalancer", None, {"dropInvalidHeaderFields": False}),
    ("edge-hardened", "production", "aws:lb/loadBalancer:LoadBalancer", None, {"desyncMitigationMode": "monitor"}),
    ("database-hardened", "development", "aws:rds/instance:Instance", None, {"copyTagsToSnapshot": False}),
    ("database-hardened", "production", "aws:rds/instance:Instance", None, {"username": "postgres"}),
    ("production-database-resilient", "production", "aws:rds/instance:Instance", None, {"multiAz": False}),
    ("network-closed-by-default", "staging", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", None,
     {"ingress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["10.20.0.0/16"]}]}),
    ("web-acl-has-rules", "development", "aws:wafv2/webAcl:WebAcl", None, {"rules": None}),
    ("bucket-controls", "staging", "aws:s3/bucketVersioning:BucketVersioning", "access-logs",
     {"versioningConfiguration": {"status": "Suspended"}}),
    ("bucket-controls", "production", "aws:s3/bucketPolicy:BucketPolicy", "trail-logs",
     {"policy": json.dumps({"Statement": []})}),
]  # fmt: skip

# The stack rules' violating cases: a committed stack's plan without one resource.
STACK_CASES = [
    ("every-bucket-guarded", "staging", "aws:s3/bucketVersioning:BucketVersioning", "access-logs"),
    ("trail-watched", "production", "aws:cloudwatch/logMetricFilter:LogMetricFilter", "security-root-user-usage"),
    ("database-events-subscribed", "development", "aws:rds/eventSubscription:EventSubscription",
     "db-parameter-group-events"),
]  # fmt: skip


def without(plan: Plan, type_token: str, resource_name: str) -> dict[str, Any]:
    """The plan JSON without one resource (as if the program had not declared it)."""
    doc = copy.deepcopy(plan.to_json())
    doc["resources"] = [r for r in doc["resources"] if (r["type"], r["name"]) != (type_token, resource_name)]
    assert len(doc["resources"]) == len(plan.to_json()["resources"]) - 1
    return doc


def options(r: dict[str, Any]) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=bool(r["options"].get("protect")), ignore_changes=[], delete_before_replace=None, aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0), additional_secret_outputs=[],
    )  # fmt: skip


def provider_of(resources: Doc, r: dict[str, Any]) -> PolicyProviderResource | None:
    p = next((p for p in resources if p["urn"] == r.get("provider")), None)
    return PolicyProviderResource(p["type"], unknown_checking_proxy(p["inputs"]), p["urn"], p["name"]) if p else None


def resource_args(resources: Doc, r: dict[str, Any], provider: Any = "from-plan") -> ResourceValidationArgs:
    return ResourceValidationArgs(
        r["type"], unknown_checking_proxy(r["inputs"]), r["urn"], r["name"], options(r),
        provider_of(resources, r) if provider == "from-plan" else provider,
    )  # fmt: skip


def stack_args(resources: Doc) -> StackValidationArgs:
    return StackValidationArgs([
        PolicyResource(r["type"], unknown_checking_proxy(r["inputs"]), r["urn"], r["name"], options(r),
                       provider_of(resources, r), None, [], {})
        for r in resources
    ])  # fmt: skip


def resources_of(plan: Plan) -> Doc:
    return list(copy.deepcopy(plan.to_json())["resources"])


def violations(resources: Doc) -> dict[str, list[str]]:
    """Every policy over every resource, as the analyzer would run them: policy name -> messages."""
    found: dict[str, list[str]] = {}
    for policy in POLICIES:
        report = lambda msg, urn=None, p=policy.name: found.setdefault(p, []).append(msg)  # noqa: E731
        if isinstance(policy, ResourceValidationPolicy):
            for r in resources:
                policy.validate(resource_args(resources, r), report)
        else:
            policy.validate(stack_args(resources), report)
    return found


def mutated(plan: Plan, type_token: str, name: str | None, inputs: dict[str, Any]) -> Doc:
    """The plan's resources with one resource changed as in POLICY_CASES."""
    return list(mutated_plan(plan, type_token, name, inputs)["resources"])
