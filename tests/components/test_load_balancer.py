"""The edge (nexus.components.load_balancer): who may reach it and on which ports, TLS, its
access logs and the WAF."""

from __future__ import annotations

import json
from typing import Any

import pytest

from nexus.components.load_balancer import ELB_LOG_ACCOUNTS, LOG_DELIVERY_SERVICE
from nexus.config.limits import TLS12_PLUS_POLICIES, ZONE_ID_PREFIXES
from nexus.plans.force_new import force_new_table, forces_new
from nexus.plans.offline import Plan
from nexus.plans.pricing import price_plan
from nexus.plans.rules import check_plan, is_taggable
from tests.support.aws_limits import violations
from tests.support.plans import feeds, subnets, urn


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


# ------------------------------------------------------------------ a certificate the stack requests

ZONE = "Z0123456789ABCDEFGHIJ"


def dns_validated(planner: Any, domain: str = "app.staging.example.com", **more: Any) -> Plan:
    """Staging with domain_name and hosted_zone_id in place of its certificate_arn."""
    lb = {**planner("staging").settings.load_balancer.model_dump(mode="json"), "certificate_arn": None,
          "domain_name": domain, "hosted_zone_id": ZONE, **more}  # fmt: skip
    return planner("staging", overrides={"nexus:load_balancer": lb})


def test_a_requested_certificate_is_validated_by_dns_before_the_listener_uses_it(planner: Any) -> None:
    plan = dns_validated(planner)
    certificate = plan.one("aws:acm/certificate:Certificate")
    assert certificate.input("domainName") == "app.staging.example.com"
    assert certificate.input("validationMethod") == "DNS" and not certificate.input("certificateAuthorityArn")
    # One CNAME per name of the certificate, in the domain's public zone, as ACM asks for it.
    (option,) = certificate.outputs["domainValidationOptions"]
    (record,) = [r for r in plan.of_type("aws:route53/record:Record") if r.name.startswith("certificate-validation")]
    assert record.input("zoneId") == ZONE and record.input("ttl") == 60 and record.input("allowOverwrite") is True
    assert (record.input("name"), record.input("type"), record.input("records")) == (
        option["resourceRecordName"], "CNAME", [option["resourceRecordValue"]])  # fmt: skip
    validation = plan.one("aws:acm/certificateValidation:CertificateValidation")
    assert validation.input("certificateArn") == certificate.outputs["arn"]
    assert validation.input("validationRecordFqdns") == [record.outputs["fqdn"]]
    assert feeds(validation, "validationRecordFqdns") == [record.urn]
    # The HTTPS listener takes the ARN from the validation: created only once ACM has issued it.
    https = listeners(plan)[443]
    assert https.input("certificateArn") == certificate.outputs["arn"]
    assert feeds(https, "certificateArn") == [validation.urn]
    assert https.input("protocol") == "HTTPS" and https.input("sslPolicy") in TLS12_PLUS_POLICIES
    assert listeners(plan)[80].input("defaultActions")[0]["redirect"]["protocol"] == "HTTPS"
    # Tagged through the provider like everything else, named for the console.
    assert certificate.input("tags") == {"Name": "nexus-staging-https"}
    assert certificate.provider == plan.one("pulumi:providers:aws", "aws").urn


def test_the_domain_points_at_the_load_balancer_unless_the_file_says_not(planner: Any) -> None:
    plan = dns_validated(planner)
    alias = plan.one("aws:route53/record:Record", "alias")
    alb = plan.one("aws:lb/loadBalancer:LoadBalancer")
    assert (alias.input("zoneId"), alias.input("name"), alias.input("type")) == (ZONE, "app.staging.example.com", "A")
    assert alias.input("aliases") == [
        {"name": alb.outputs["dnsName"], "zoneId": alb.outputs["zoneId"], "evaluateTargetHealth": False}
    ]
    assert not alias.input("allowOverwrite")  # an existing record of the name is not taken over
    assert plan.outputs["url"] == "https://app.staging.example.com"
    without = dns_validated(planner, alias_record=False)
    assert [r.name for r in without.of_type("aws:route53/record:Record") if r.name == "alias"] == []
    assert without.outputs["url"] == f"https://{alb.outputs['dnsName']}"
    assert without.one("aws:acm/certificateValidation:CertificateValidation")


def test_a_wildcard_certificate_validates_its_parent_name(planner: Any) -> None:
    plan = dns_validated(planner, "*.staging.example.com")
    (option,) = plan.one("aws:acm/certificate:Certificate").outputs["domainValidationOptions"]
    assert option["domainName"] == "*.staging.example.com"
    assert option["resourceRecordName"].endswith(".staging.example.com.")
    assert plan.one("aws:route53/record:Record", "alias").input("name") == "*.staging.example.com"
    assert plan.outputs["url"].endswith(".elb.amazonaws.com")  # no one host to name


def test_the_rules_the_force_new_table_and_the_prices_know_a_requested_certificate(planner: Any) -> None:
    doc = dns_validated(planner).to_json()
    assert check_plan(doc, is_taggable) == []  # HTTPS with TLS 1.2+, tags through the provider
    assert violations(doc) == []
    assert {r["type"] for r in doc["resources"]} <= set(force_new_table()) | {"pulumi:pulumi:Stack"}
    assert forces_new("aws:acm/certificate:Certificate", "domainName")
    assert forces_new("aws:route53/record:Record", "zoneId")
    cost = price_plan(doc)
    assert cost.not_priced == []
    free = {x.resource.split(" ")[0]: x.detail for x in cost.free}
    assert free["aws:acm/certificate:Certificate"] == "public ACM certificates are free"
    assert "aws:acm/certificateValidation:CertificateValidation" in free
    assert cost.total == price_plan(planner("staging").to_json()).total  # the hosted zone is not the stack's


def test_a_given_certificate_arn_requests_nothing(plan: Plan) -> None:
    assert plan.of_type("aws:acm/certificate:Certificate") == []
    assert plan.of_type("aws:acm/certificateValidation:CertificateValidation") == []
    assert {"domain_name", "hosted_zone_id", "alias_record"}.isdisjoint(plan.to_json()["settings"]["load_balancer"])
    for https in [r for r in plan.of_type("aws:lb/listener:Listener") if r.input("protocol") == "HTTPS"]:
        assert https.input("certificateArn") == plan.settings.load_balancer.certificate_arn
        assert feeds(https, "certificateArn") == []
