"""The edge (nexus.components.load_balancer): who may reach it and on which ports, TLS, its
access logs and the WAF."""

from __future__ import annotations

import json
from typing import Any

import pytest

from nexus.components.load_balancer import ELB_LOG_ACCOUNTS, LOG_DELIVERY_SERVICE
from nexus.config.limits import TLS12_PLUS_POLICIES, ZONE_ID_PREFIXES
from nexus.plans.offline import Plan
from tests.support.plans import subnets, urn


def test_only_the_load_balancer_admits_the_internet_and_only_on_80_and_443(plan: Plan) -> None:
    alb_sg = plan.one("aws:ec2/securityGroup:SecurityGroup", "alb-sg")
    open_rules = [r for r in plan.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
                  if r.input("cidrIpv4") == "0.0.0.0/0"]  # fmt: skip
    assert open_rules
    for rule in open_rules:
        assert rule.input("securityGroupId") == alb_sg.id
        assert rule.input("fromPort") == rule.input("toPort") in (80, 443)
    assert {r.input("fromPort") for r in open_rules} == ({80, 443} if plan.settings.load_balancer.https else {80})


def listeners(plan: Plan) -> dict[int, Any]:
    return {r.input("port"): r for r in plan.of_type("aws:lb/listener:Listener")}


@pytest.mark.parametrize("stack", ["production", "staging"])
def test_https_with_tls12_policy_and_redirect(plans: dict[str, Plan], stack: str) -> None:
    by_port = listeners(plans[stack])
    https = by_port[443]
    assert https.input("protocol") == "HTTPS" and https.input("sslPolicy") in TLS12_PLUS_POLICIES
    assert https.input("certificateArn") == plans[stack].settings.load_balancer.certificate_arn
    action = by_port[80].input("defaultActions")[0]
    assert action["type"] == "redirect"
    assert action["redirect"] == {"port": "443", "protocol": "HTTPS", "statusCode": "HTTP_301"}


def test_development_serves_plain_http_only_because_its_file_allows_it(plans: dict[str, Plan]) -> None:
    dev = plans["development"]
    assert dev.settings.load_balancer.allow_plain_http and not dev.settings.load_balancer.https
    assert set(listeners(dev)) == {80}


def test_load_balancer_basics(plan: Plan) -> None:
    alb = plan.one("aws:lb/loadBalancer:LoadBalancer")
    public_ids = {s.id for s in subnets(plan, "public")}
    assert set(alb.input("subnets")) == public_ids and len(public_ids) >= 2
    assert alb.input("internal") is False and alb.input("dropInvalidHeaderFields") is True
    assert alb.input("enableDeletionProtection") is plan.settings.load_balancer.deletion_protection
    logs = alb.input("accessLogs")
    assert logs["enabled"] is True and logs["bucket"] == plan.one("aws:s3/bucket:Bucket", "access-logs").input("bucket")
    policy_urn = plan.one("aws:s3/bucketPolicy:BucketPolicy", "access-logs").urn
    assert policy_urn in alb.options["depends_on"]


def test_load_balancer_waits_for_the_internet_gateway_and_the_public_route(plan: Plan) -> None:
    alb = plan.one("aws:lb/loadBalancer:LoadBalancer")
    assert alb.input("internal") is False  # internet-facing: AWS needs the gateway first
    assert urn(plan, "aws:ec2/internetGateway:InternetGateway") in alb.options["depends_on"]
    assert urn(plan, "aws:ec2/route:Route", "public-default") in alb.options["depends_on"]


def bucket_policy(plan: Plan) -> dict[str, Any]:
    return json.loads(plan.one("aws:s3/bucketPolicy:BucketPolicy", "access-logs").input("policy"))


@pytest.mark.parametrize(
    ("region", "principal"),
    [("us-east-1", {"AWS": "arn:aws:iam::127311923021:root"}),  # opened before August 2022
     ("eu-west-1", {"AWS": "arn:aws:iam::156460612806:root"}),
     ("eu-central-2", {"Service": LOG_DELIVERY_SERVICE}),       # opened after: service principal
     ("ap-southeast-4", {"Service": LOG_DELIVERY_SERVICE})],
)  # fmt: skip
def test_access_log_bucket_policy_names_the_regions_log_writer(
    planner: Any, region: str, principal: dict[str, str]
) -> None:
    network = {
        **planner("development").settings.network.model_dump(),
        "availability_zones": [f"{ZONE_ID_PREFIXES[region]}-az1", f"{ZONE_ID_PREFIXES[region]}-az2"],
    }
    plan = planner("development", overrides={"aws:region": region, "nexus:network": network})
    statements = bucket_policy(plan)["Statement"]
    write = next(s for s in statements if s["Action"] == "s3:PutObject")
    assert write["Principal"] == principal
    assert write["Resource"].endswith("/alb/AWSLogs/123456789012/*")
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements
    )
    assert region in ELB_LOG_ACCOUNTS or "Service" in principal


def test_access_log_bucket_is_private_encrypted_and_expires(plan: Plan) -> None:
    block = plan.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "access-logs")
    assert all(
        block.input(k) is True
        for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    sse = plan.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "access-logs"
    )
    assert sse.input("rules")[0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
    rule = plan.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "access-logs").input("rules")[0]
    assert rule["expiration"]["days"] == plan.settings.monitoring.metrics_retention_days
    assert (
        plan.one("aws:s3/bucket:Bucket", "access-logs").input("forceDestroy") is plan.settings.protection.force_destroy
    )


def test_waf_is_associated_with_a_60_second_rate_rule_of_1000(plan: Plan) -> None:
    acl = plan.one("aws:wafv2/webAcl:WebAcl")
    assoc = plan.one("aws:wafv2/webAclAssociation:WebAclAssociation")
    assert assoc.input("webAclArn") == acl.outputs["arn"]
    assert assoc.input("resourceArn") == plan.one("aws:lb/loadBalancer:LoadBalancer").outputs["arn"]
    rate = next(r for r in acl.input("rules") if "rateBasedStatement" in r["statement"])["statement"][
        "rateBasedStatement"
    ]
    assert (rate["limit"], rate["evaluationWindowSec"], rate["aggregateKeyType"]) == (1000, 60, "IP")
    groups = {
        r["statement"]["managedRuleGroupStatement"]["name"]
        for r in acl.input("rules")
        if "managedRuleGroupStatement" in r["statement"]
    }
    assert groups == {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"}
    logging = plan.one("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration")
    assert logging.input("logDestinationConfigs")[0].split(":log-group:")[1].startswith("aws-waf-logs-")
