"""LoadBalancer: the environment's internet-facing ALB, its access logs, its WAF and, with
load_balancer.domain_name, its DNS-validated ACM certificate."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from nexus.components.buckets import log_bucket_storage, private_bucket_controls
from nexus.components.logs import log_group
from nexus.config.environment import LoadBalancerSettings
from nexus.config.naming import Naming

# Account of Elastic Load Balancing that writes access logs, for regions opened before
# August 2022 (ELB user guide, "Enable access logs: attach a bucket policy"). Newer regions
# grant the log delivery service principal instead; ALB creation fails with Access Denied
# when the bucket policy names the wrong one.
ELB_LOG_ACCOUNTS = {
    "us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-1": "027434742980",
    "us-west-2": "797873946194", "af-south-1": "098369216593", "ap-east-1": "754344448648",
    "ap-southeast-3": "589379963580", "ap-south-1": "718504428378", "ap-northeast-3": "383597477331",
    "ap-northeast-2": "600734575887", "ap-southeast-1": "114774131450", "ap-southeast-2": "783225319266",
    "ap-northeast-1": "582318560864", "ca-central-1": "985666609251", "eu-central-1": "054676820928",
    "eu-west-1": "156460612806", "eu-west-2": "652711504416", "eu-south-1": "635631232127",
    "eu-west-3": "009996457667", "eu-north-1": "897822967062", "me-south-1": "076674570225",
    "sa-east-1": "507241528517", "us-gov-west-1": "048591011584", "us-gov-east-1": "190560391635",
    "cn-north-1": "638102146993", "cn-northwest-1": "037604701340",
}  # fmt: skip
LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"
ACCESS_LOG_PREFIX = "alb"


def elb_log_principal(region: str) -> dict[str, str]:
    """The principal that must be allowed to write ALB access logs in `region`."""
    account = ELB_LOG_ACCOUNTS.get(region)
    return {"AWS": f"arn:aws:iam::{account}:root"} if account else {"Service": LOG_DELIVERY_SERVICE}


@dataclass(frozen=True)
class LoadBalancerArgs:
    naming: Naming
    settings: LoadBalancerSettings
    region: str
    account_id: str
    vpc_id: pulumi.Input[str]
    public_subnet_ids: list[pulumi.Output[str]]
    app_security_group_id: pulumi.Input[str]
    # WAF rate limit per client IP and minute (shared limit max_requests_per_minute).
    max_requests_per_minute: int
    log_retention_days: int
    kms_key_arn: pulumi.Input[str]
    force_destroy: bool
    protect: bool
    # What must exist before an internet-facing ALB: the VPC's internet gateway (attached)
    # and the public default route. AWS refuses the ALB otherwise ("InvalidSubnet: VPC ...
    # has no internet gateway"; terraform-provider-aws added this depends_on to its own
    # tests: hashicorp/terraform-provider-aws#3494, #4587).
    internet_path: Sequence[pulumi.Resource] = ()


class LoadBalancer(pulumi.ComponentResource):
    """Internet-facing ALB in the public subnets: HTTPS with a TLS 1.2+ policy (HTTP only
    redirects), access logs to an encrypted private bucket, and a WAF with a per-IP rate limit.
    The certificate is the stack file's certificate_arn, or one the stack requests for
    domain_name and validates by DNS in hosted_zone_id (then `url` names domain_name).

    Outputs: `dns_name`, `url`, `arn_suffix`, `target_group_arn`, `target_group_arn_suffix`,
    `security_group_id`, `web_acl_arn`, `access_log_bucket`.
    """

    def __init__(self, name: str, args: LoadBalancerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("nexus:edge:LoadBalancer", name, None, opts)
        lb, naming, child = args.settings, args.naming, pulumi.ResourceOptions(parent=self)

        self.security_group = aws.ec2.SecurityGroup(
            "alb-sg",
            name=naming.name("alb"),
            description=f"NEXUS {naming.stack} load balancer: web traffic in, application tier out",
            vpc_id=args.vpc_id,
            opts=child,
        )
        ports = [443, 80] if lb.https else [80]
        for port in ports:
            for i, cidr in enumerate(lb.allowed_ingress_cidrs):
                aws.vpc.SecurityGroupIngressRule(
                    f"alb-in-{port}-{i}",
                    security_group_id=self.security_group.id,
                    cidr_ipv4=cidr,
                    ip_protocol="tcp",
                    from_port=port,
                    to_port=port,
                    description="HTTPS from clients" if port == 443 else "HTTP from clients",
                    opts=child,
                )
        aws.vpc.SecurityGroupEgressRule(
            "alb-to-app",
            security_group_id=self.security_group.id,
            referenced_security_group_id=args.app_security_group_id,
            ip_protocol="tcp",
            from_port=lb.app_port,
            to_port=lb.app_port,
            description="Forward to the application tier",
            opts=child,
        )
        aws.vpc.SecurityGroupIngressRule(
            "app-from-alb",
            security_group_id=args.app_security_group_id,
            referenced_security_group_id=self.security_group.id,
            ip_protocol="tcp",
            from_port=lb.app_port,
            to_port=lb.app_port,
            description="Application traffic from the load balancer",
            opts=child,
        )

        bucket_policy = self._access_log_bucket(args)

        self.target_group = aws.lb.TargetGroup(
            "app",
            name=naming.name("app", max_len=32),
            port=lb.app_port,
            protocol="HTTP",
            target_type="ip",
            vpc_id=args.vpc_id,
            deregistration_delay=30,
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                path=lb.health_check_path, matcher="200-399", interval=15, healthy_threshold=2, unhealthy_threshold=3
            ),
            opts=child,
        )

        self.alb = aws.lb.LoadBalancer(
            "alb",
            name=naming.name(max_len=32),
            load_balancer_type="application",
            internal=False,
            security_groups=[self.security_group.id],
            subnets=args.public_subnet_ids,
            drop_invalid_header_fields=True,
            enable_deletion_protection=lb.deletion_protection,
            idle_timeout=lb.idle_timeout_seconds,
            access_logs=aws.lb.LoadBalancerAccessLogsArgs(
                bucket=self.access_log_bucket.bucket, prefix=ACCESS_LOG_PREFIX, enabled=True
            ),
            # ELB checks write access to the bucket when logging is switched on.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[bucket_policy, *args.internet_path]),
        )

        forward = aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=self.target_group.arn)
        http_opts = pulumi.ResourceOptions(parent=self, aliases=[pulumi.Alias(name="http-redirect")])
        # The stack file's certificate, or the one the stack requests for domain_name: then the
        # ARN comes from the validation, so the listener is created only once ACM has issued it.
        certificate_arn: pulumi.Input[str] | None = lb.certificate_arn
        if lb.dns_validated:
            certificate_arn = self._dns_validated_certificate(args)
        if lb.https:
            aws.lb.Listener(
                "https",
                load_balancer_arn=self.alb.arn,
                port=443,
                protocol="HTTPS",
                ssl_policy=lb.ssl_policy,
                certificate_arn=certificate_arn,
                default_actions=[forward],
                opts=child,
            )
            # Port 80 is one listener, "http", in both modes: switching between plain HTTP and
            # HTTPS updates its default action in place. Two logical names would create the new
            # port-80 listener before deleting the old one, and ELB refuses a second listener on
            # a port (DuplicateListener). The alias keeps the listener created as "http-redirect".
            aws.lb.Listener(
                "http",
                load_balancer_arn=self.alb.arn,
                port=80,
                protocol="HTTP",
                default_actions=[
                    aws.lb.ListenerDefaultActionArgs(
                        type="redirect",
                        redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                            protocol="HTTPS", port="443", status_code="HTTP_301"
                        ),
                    )
                ],
                opts=http_opts,
            )
        else:
            # Only where the stack file says allow_plain_http (validated in nexus.config.environment).
            aws.lb.Listener(
                "http",
                load_balancer_arn=self.alb.arn,
                port=80,
                protocol="HTTP",
                default_actions=[forward],
                opts=http_opts,
            )

        self.web_acl = self._waf(args)

        scheme = "https" if lb.https else "http"
        self.dns_name = self.alb.dns_name
        self.url = pulumi.Output.concat(scheme, "://", self.alb.dns_name)
        if lb.creates_alias_record:
            alias = self._alias_record(args)
            if not str(lb.domain_name).startswith("*."):  # a wildcard names no one host to link to
                self.url = pulumi.Output.concat(scheme, "://", alias.fqdn)
        self.arn_suffix = self.alb.arn_suffix
        self.target_group_arn_suffix = self.target_group.arn_suffix
        self.register_outputs(
            {
                "dns_name": self.alb.dns_name,
                "url": self.url,
                "arn_suffix": self.alb.arn_suffix,
                "target_group_arn": self.target_group.arn,
                "target_group_arn_suffix": self.target_group.arn_suffix,
                "security_group_id": self.security_group.id,
                "web_acl_arn": self.web_acl.arn,
                "access_log_bucket": self.access_log_bucket.bucket,
            }
        )

    def _dns_validated_certificate(self, args: LoadBalancerArgs) -> pulumi.Output[str]:
        """A public ACM certificate for domain_name, validated by DNS in hosted_zone_id: the
        certificate, one validation record per name it covers, and the validation that waits
        until ACM has issued it (ACM User Guide, "DNS validation"). Public ACM certificates are
        free and ACM renews them while the validation record stays in place."""
        lb, naming, child = args.settings, args.naming, pulumi.ResourceOptions(parent=self)
        assert lb.domain_name is not None and lb.hosted_zone_id is not None  # validated in the settings
        # Tags through the provider's default tags; a new domain_name is a new certificate, created
        # and validated before the old one is deleted (Pulumi's create-before-delete replacement).
        certificate = aws.acm.Certificate(
            "certificate",
            domain_name=lb.domain_name,
            validation_method="DNS",
            tags={"Name": naming.name("https")},
            opts=child,
        )
        # ACM gives one CNAME per name of the certificate (domain_validation_options); a wildcard
        # and its parent share one, so a record that exists already is taken over (allow_overwrite).
        records = []
        for i, name in enumerate([lb.domain_name]):

            def field(key: str, name: str = name) -> pulumi.Output[str]:
                return certificate.domain_validation_options.apply(
                    lambda options: str(next(getattr(o, key) for o in options if o.domain_name == name))
                )

            records.append(
                aws.route53.Record(
                    f"certificate-validation-{i}",
                    zone_id=lb.hosted_zone_id,
                    name=field("resource_record_name"),
                    type=field("resource_record_type"),
                    records=[field("resource_record_value")],
                    ttl=60,
                    allow_overwrite=True,
                    opts=child,
                )
            )
        validation = aws.acm.CertificateValidation(
            "certificate",
            certificate_arn=certificate.arn,
            validation_record_fqdns=[record.fqdn for record in records],
            opts=child,
        )
        return validation.certificate_arn

    def _alias_record(self, args: LoadBalancerArgs) -> aws.route53.Record:
        """domain_name as an alias A record of the load balancer in hosted_zone_id. An existing
        record of that name is not taken over: Route 53 refuses to create it a second time, and
        the person decides (delete it, or set alias_record: false and point the name yourself)."""
        lb = args.settings
        assert lb.domain_name is not None and lb.hosted_zone_id is not None  # validated in the settings
        return aws.route53.Record(
            "alias",
            zone_id=lb.hosted_zone_id,
            name=lb.domain_name,
            type="A",
            aliases=[
                aws.route53.RecordAliasArgs(
                    name=self.alb.dns_name, zone_id=self.alb.zone_id, evaluate_target_health=False
                )
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _access_log_bucket(self, args: LoadBalancerArgs) -> aws.s3.BucketPolicy:
        naming, child = args.naming, pulumi.ResourceOptions(parent=self)
        # Bucket names are global: the account ID keeps ours from colliding with anyone's.
        self.access_log_bucket = aws.s3.Bucket(
            "access-logs",
            bucket=naming.name(f"alb-logs-{args.account_id}"),
            force_destroy=args.force_destroy,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        bucket = self.access_log_bucket
        private_bucket_controls("access-logs", bucket.id, child)
        # ALB access logs support SSE-S3 only: a KMS-encrypted bucket makes delivery fail
        # (ELB user guide, "Access log files ... the only server-side encryption option is SSE-S3").
        log_bucket_storage(
            "access-logs", bucket.id, rule_id="expire-access-logs", days=args.log_retention_days, opts=child
        )
        principal = elb_log_principal(args.region)
        return aws.s3.BucketPolicy(
            "access-logs",
            bucket=bucket.id,
            policy=bucket.arn.apply(
                lambda arn: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "ElbWritesAccessLogs",
                                "Effect": "Allow",
                                "Principal": principal,
                                "Action": "s3:PutObject",
                                "Resource": f"{arn}/{ACCESS_LOG_PREFIX}/AWSLogs/{args.account_id}/*",
                            },
                            {
                                "Sid": "DenyInsecureTransport",
                                "Effect": "Deny",
                                "Principal": "*",
                                "Action": "s3:*",
                                "Resource": [arn, f"{arn}/*"],
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            },
                        ],
                    }
                )
            ),
            opts=child,
        )

    def _waf(self, args: LoadBalancerArgs) -> aws.wafv2.WebAcl:
        naming, child = args.naming, pulumi.ResourceOptions(parent=self)

        def visibility(metric: str) -> aws.wafv2.WebAclVisibilityConfigArgs:
            return aws.wafv2.WebAclVisibilityConfigArgs(
                cloudwatch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
            )

        def rule_visibility(metric: str) -> aws.wafv2.WebAclRuleVisibilityConfigArgs:
            return aws.wafv2.WebAclRuleVisibilityConfigArgs(
                cloudwatch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
            )

        def managed(priority: int, group: str) -> aws.wafv2.WebAclRuleArgs:
            return aws.wafv2.WebAclRuleArgs(
                name=group,
                priority=priority,
                # The generated empty Args class has an untyped __init__.
                override_action=aws.wafv2.WebAclRuleOverrideActionArgs(
                    none=aws.wafv2.WebAclRuleOverrideActionNoneArgs()  # type: ignore[no-untyped-call]
                ),
                statement=aws.wafv2.WebAclRuleStatementArgs(
                    managed_rule_group_statement=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs(
                        name=group, vendor_name="AWS"
                    )
                ),
                visibility_config=rule_visibility(group),
            )

        web_acl = aws.wafv2.WebAcl(
            "waf",
            name=naming.name("web", max_len=128),
            scope="REGIONAL",
            description=f"NEXUS {naming.stack}: per-client rate limit and AWS managed protections",
            default_action=aws.wafv2.WebAclDefaultActionArgs(allow=aws.wafv2.WebAclDefaultActionAllowArgs()),
            rules=[
                aws.wafv2.WebAclRuleArgs(
                    name="rate-limit-per-ip",
                    priority=0,
                    action=aws.wafv2.WebAclRuleActionArgs(block=aws.wafv2.WebAclRuleActionBlockArgs()),
                    statement=aws.wafv2.WebAclRuleStatementArgs(
                        rate_based_statement=aws.wafv2.WebAclRuleStatementRateBasedStatementArgs(
                            # The shared limit is per minute: a 60-second evaluation window
                            # makes WAF's limit the same number.
                            limit=args.max_requests_per_minute,
                            evaluation_window_sec=60,
                            aggregate_key_type="IP",
                        )
                    ),
                    visibility_config=rule_visibility("rate-limit-per-ip"),
                ),
                managed(1, "AWSManagedRulesCommonRuleSet"),
                managed(2, "AWSManagedRulesKnownBadInputsRuleSet"),
            ],
            visibility_config=visibility(naming.name("web", max_len=128)),
            opts=child,
        )
        aws.wafv2.WebAclAssociation("waf", resource_arn=self.alb.arn, web_acl_arn=web_acl.arn, opts=child)

        # WAF logs to CloudWatch only into groups named aws-waf-logs-* (WAF developer guide).
        waf_logs = log_group(
            "waf-logs",
            name=f"aws-waf-logs-{naming.prefix}",
            retention_days=args.log_retention_days,
            kms_key_arn=args.kms_key_arn,
            opts=child,
        )
        self.log_groups = [waf_logs]
        aws.wafv2.WebAclLoggingConfiguration(
            "waf",
            resource_arn=web_acl.arn,
            log_destination_configs=[waf_logs.arn],
            # Session cookies and credentials never reach the logs.
            redacted_fields=[
                aws.wafv2.WebAclLoggingConfigurationRedactedFieldArgs(
                    single_header=aws.wafv2.WebAclLoggingConfigurationRedactedFieldSingleHeaderArgs(
                        name="authorization"
                    )
                ),
                aws.wafv2.WebAclLoggingConfigurationRedactedFieldArgs(
                    single_header=aws.wafv2.WebAclLoggingConfigurationRedactedFieldSingleHeaderArgs(name="cookie")
                ),
            ],
            opts=child,
        )
        return web_acl
