"""What the audit trail's log group is watched for: the CIS AWS Foundations Benchmark's
monitoring items, each with the metric filter pattern its source publishes, word for word.

Data only, kept apart from the resources (nexus/components/monitoring.py declares a metric
filter and an alarm per row). Security Hub's checks CloudWatch.1 to CloudWatch.14 pass only
when "the exact metric filters prescribed by CIS are used. Additional fields or terms cannot be
added to the metric filters" (Security Hub user guide, "Amazon CloudWatch controls"), so a
pattern here is never edited for style: change it only by copying a newer published one.
"""

from __future__ import annotations

from dataclasses import dataclass

# The Security Hub user guide as published in awsdocs/aws-security-hub-user-guide, file
# doc_source/cloudwatch-controls.md at commit bda5bf7 (2023-03-10), the last commit that carries
# the page's source (the live page is https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html).
SECURITY_HUB_CLOUDWATCH = "https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html"
# AWS Organizations changes have no Security Hub control: CIS AWS Foundations Benchmark v1.4.0,
# recommendation 4.15 "Ensure AWS Organizations changes are monitored", remediation step 3
# (https://www.cisecurity.org/benchmark/amazon_web_services, the benchmark PDF).
CIS_BENCHMARK = "https://www.cisecurity.org/benchmark/amazon_web_services"
SOURCES_READ_ON = "2026-12-08"


@dataclass(frozen=True)
class MonitoringItem:
    key: str  # part of the filter's, metric's and alarm's names
    title: str
    # The recommendation's number in CIS AWS Foundations Benchmark v1.4.0 (v1.2.0, whose audit
    # steps Security Hub runs for CloudWatch.2-14, numbered them 3.1-3.14). The pattern is the
    # one its `source` publishes: Security Hub's page where it has a control, else CIS.
    cis: str
    control: str | None  # Security Hub control ID, None where Security Hub has none
    source: str
    pattern: str


CIS_MONITORING = (
    MonitoringItem(
        "unauthorized-api-calls", "Unauthorized API calls", "4.1", "CloudWatch.2", SECURITY_HUB_CLOUDWATCH,
        '{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}',
    ),
    MonitoringItem(
        "console-sign-in-without-mfa", "Management Console sign-in without MFA", "4.2", "CloudWatch.3",
        SECURITY_HUB_CLOUDWATCH,
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && '
        '($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }',
    ),
    MonitoringItem(
        "root-user-usage", 'Usage of the "root" user', "4.3", "CloudWatch.1", SECURITY_HUB_CLOUDWATCH,
        '{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"}',
    ),
    MonitoringItem(
        "iam-policy-changes", "IAM policy changes", "4.4", "CloudWatch.4", SECURITY_HUB_CLOUDWATCH,
        "{($.eventName=DeleteGroupPolicy) || ($.eventName=DeleteRolePolicy) || ($.eventName=DeleteUserPolicy) || "
        "($.eventName=PutGroupPolicy) || ($.eventName=PutRolePolicy) || ($.eventName=PutUserPolicy) || "
        "($.eventName=CreatePolicy) || ($.eventName=DeletePolicy) || ($.eventName=CreatePolicyVersion) || "
        "($.eventName=DeletePolicyVersion) || ($.eventName=AttachRolePolicy) || ($.eventName=DetachRolePolicy) || "
        "($.eventName=AttachUserPolicy) || ($.eventName=DetachUserPolicy) || ($.eventName=AttachGroupPolicy) || "
        "($.eventName=DetachGroupPolicy)}",
    ),
    MonitoringItem(
        "cloudtrail-changes", "CloudTrail configuration changes", "4.5", "CloudWatch.5", SECURITY_HUB_CLOUDWATCH,
        "{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || ($.eventName=DeleteTrail) || "
        "($.eventName=StartLogging) || ($.eventName=StopLogging)}",
    ),
    MonitoringItem(
        "console-authentication-failures", "Management Console authentication failures", "4.6", "CloudWatch.6",
        SECURITY_HUB_CLOUDWATCH,
        '{($.eventName=ConsoleLogin) && ($.errorMessage="Failed authentication")}',
    ),
    MonitoringItem(
        "kms-key-disabled-or-deleted", "Disabling or scheduled deletion of customer managed keys", "4.7",
        "CloudWatch.7", SECURITY_HUB_CLOUDWATCH,
        "{($.eventSource=kms.amazonaws.com) && (($.eventName=DisableKey) || ($.eventName=ScheduleKeyDeletion))}",
    ),
    MonitoringItem(
        "s3-bucket-policy-changes", "S3 bucket policy changes", "4.8", "CloudWatch.8", SECURITY_HUB_CLOUDWATCH,
        "{($.eventSource=s3.amazonaws.com) && (($.eventName=PutBucketAcl) || ($.eventName=PutBucketPolicy) || "
        "($.eventName=PutBucketCors) || ($.eventName=PutBucketLifecycle) || ($.eventName=PutBucketReplication) || "
        "($.eventName=DeleteBucketPolicy) || ($.eventName=DeleteBucketCors) || ($.eventName=DeleteBucketLifecycle) || "
        "($.eventName=DeleteBucketReplication))}",
    ),
    MonitoringItem(
        "config-changes", "AWS Config configuration changes", "4.9", "CloudWatch.9", SECURITY_HUB_CLOUDWATCH,
        "{($.eventSource=config.amazonaws.com) && (($.eventName=StopConfigurationRecorder) || "
        "($.eventName=DeleteDeliveryChannel) || ($.eventName=PutDeliveryChannel) || "
        "($.eventName=PutConfigurationRecorder))}",
    ),
    MonitoringItem(
        "security-group-changes", "Security group changes", "4.10", "CloudWatch.10", SECURITY_HUB_CLOUDWATCH,
        "{($.eventName=AuthorizeSecurityGroupIngress) || ($.eventName=AuthorizeSecurityGroupEgress) || "
        "($.eventName=RevokeSecurityGroupIngress) || ($.eventName=RevokeSecurityGroupEgress) || "
        "($.eventName=CreateSecurityGroup) || ($.eventName=DeleteSecurityGroup)}",
    ),
    MonitoringItem(
        "network-acl-changes", "Network ACL changes", "4.11", "CloudWatch.11", SECURITY_HUB_CLOUDWATCH,
        "{($.eventName=CreateNetworkAcl) || ($.eventName=CreateNetworkAclEntry) || ($.eventName=DeleteNetworkAcl) || "
        "($.eventName=DeleteNetworkAclEntry) || ($.eventName=ReplaceNetworkAclEntry) || "
        "($.eventName=ReplaceNetworkAclAssociation)}",
    ),
    MonitoringItem(
        "network-gateway-changes", "Network gateway changes", "4.12", "CloudWatch.12", SECURITY_HUB_CLOUDWATCH,
        "{($.eventName=CreateCustomerGateway) || ($.eventName=DeleteCustomerGateway) || "
        "($.eventName=AttachInternetGateway) || ($.eventName=CreateInternetGateway) || "
        "($.eventName=DeleteInternetGateway) || ($.eventName=DetachInternetGateway)}",
    ),
    MonitoringItem(
        "route-table-changes", "Route table changes", "4.13", "CloudWatch.13", SECURITY_HUB_CLOUDWATCH,
        "{($.eventName=CreateRoute) || ($.eventName=CreateRouteTable) || ($.eventName=ReplaceRoute) || "
        "($.eventName=ReplaceRouteTableAssociation) || ($.eventName=DeleteRouteTable) || ($.eventName=DeleteRoute) || "
        "($.eventName=DisassociateRouteTable)}",
    ),
    MonitoringItem(
        "vpc-changes", "VPC changes", "4.14", "CloudWatch.14", SECURITY_HUB_CLOUDWATCH,
        "{($.eventName=CreateVpc) || ($.eventName=DeleteVpc) || ($.eventName=ModifyVpcAttribute) || "
        "($.eventName=AcceptVpcPeeringConnection) || ($.eventName=CreateVpcPeeringConnection) || "
        "($.eventName=DeleteVpcPeeringConnection) || ($.eventName=RejectVpcPeeringConnection) || "
        "($.eventName=AttachClassicLinkVpc) || ($.eventName=DetachClassicLinkVpc) || "
        "($.eventName=DisableVpcClassicLink) || ($.eventName=EnableVpcClassicLink)}",
    ),
    MonitoringItem(
        "organizations-changes", "AWS Organizations changes", "4.15", None, CIS_BENCHMARK,
        '{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || '
        '($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || '
        '($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || '
        '($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || '
        '($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || '
        '($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || '
        '($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || '
        '($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || '
        '($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || '
        '($.eventName = "UpdateOrganizationalUnit")) }',
    ),
)  # fmt: skip

# Each alarm: the metric's Sum over 5 minutes reaching 1 (the Security Hub remediation: "Greater/
# Equal", threshold 1; CIS: period 300, one evaluation period).
ALARM_PERIOD_SECONDS = 300
ALARM_THRESHOLD = 1
