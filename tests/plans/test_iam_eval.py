"""The IAM policy evaluator against AWS's documented evaluation rules and examples.

Sources (IAM user guide): "Policy evaluation logic" (explicit deny > allow > implicit deny),
"IAM JSON policy elements: Action" (the `iam:*AccessKey*` example; actions are not case
sensitive), "NotAction" (allow everything except IAM), "Resource" (wildcards within ARN
segments; a trailing `*` crosses colons; ARNs are case sensitive), "Condition operators"
(missing keys, IfExists, negated operators, ArnLike per segment), "Creating a condition with
multiple keys or values" (AND across keys, OR across one key's values; keys not case sensitive).
"""

from __future__ import annotations

import pytest

from nexus.plans.iam_eval import Request, UnsupportedPolicyError, allows, evaluate

ACCOUNT = "111122223333"


def policy(*statements: dict[str, object]) -> dict[str, object]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_explicit_deny_overrides_an_allow_and_nothing_matching_is_an_implicit_deny() -> None:
    allow_s3 = {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
    deny_delete = {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}
    assert evaluate([policy(allow_s3, deny_delete)], Request("s3:DeleteBucket", "arn:aws:s3:::b")) == "ExplicitDeny"
    # The deny wins from another policy too: all of a principal's policies are evaluated together.
    assert evaluate([policy(allow_s3), policy(deny_delete)], Request("s3:DeleteBucket", "arn:aws:s3:::b")) == (
        "ExplicitDeny"
    )
    assert evaluate([policy(allow_s3, deny_delete)], Request("s3:GetObject", "arn:aws:s3:::b/k")) == "Allow"
    assert evaluate([policy(allow_s3)], Request("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q")) == "ImplicitDeny"
    assert evaluate([], Request("s3:GetObject", "arn:aws:s3:::b/k")) == "ImplicitDeny"


def test_action_wildcards_from_the_action_element_page_and_case_insensitivity() -> None:
    p = policy({"Effect": "Allow", "Action": "iam:*AccessKey*", "Resource": "*"})
    for action in ("iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys", "iam:UpdateAccessKey"):
        assert allows([p], Request(action, "*")), action
    assert allows([p], Request("IAM:createaccesskey", "*"))
    assert not allows([p], Request("iam:CreateUser", "*"))
    q = policy({"Effect": "Allow", "Action": "ec2:Describe?mage*", "Resource": "*"})
    assert allows([q], Request("ec2:DescribeImages", "*")) and not allows([q], Request("ec2:DescribeIImages", "*"))


def test_not_action_allows_everything_except_the_named_service() -> None:
    p = policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert allows([p], Request("s3:GetObject", "arn:aws:s3:::b/k"))
    assert evaluate([p], Request("iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/x")) == "ImplicitDeny"
    deny = policy({"Effect": "Deny", "NotAction": ["s3:GetObject"], "Resource": "*"})
    assert evaluate([p, deny], Request("s3:PutObject", "arn:aws:s3:::b/k")) == "ExplicitDeny"
    assert evaluate([p, deny], Request("s3:GetObject", "arn:aws:s3:::b/k")) == "Allow"


def test_resource_wildcards_stay_in_their_segment_unless_they_end_it() -> None:
    p = policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*"})
    assert allows([p], Request("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/folder/file.txt"))
    assert not allows([p], Request("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket2/file.txt"))
    assert not allows([p], Request("s3:GetObject", "arn:aws:s3:::AMZN-S3-DEMO-BUCKET/file.txt")), "case sensitive"
    logs = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:app"
    trailing = policy({"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": f"{logs}:*"})
    assert allows([trailing], Request("logs:PutLogEvents", f"{logs}:log-stream:web-1"))
    inside = policy({"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": f"{logs}:log-stream:w*1"})
    assert allows([inside], Request("logs:PutLogEvents", f"{logs}:log-stream:web-1"))
    assert not allows([inside], Request("logs:PutLogEvents", f"{logs}:log-stream:w:1")), "* inside a segment"
    single = policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/file?.txt"})
    assert allows([single], Request("s3:GetObject", "arn:aws:s3:::b/file1.txt"))
    assert not allows([single], Request("s3:GetObject", "arn:aws:s3:::b/file12.txt"))
    not_resource = policy({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"})
    assert allows([not_resource], Request("s3:GetObject", "arn:aws:s3:::public/k"))
    assert not allows([not_resource], Request("s3:GetObject", "arn:aws:s3:::secret/k"))


def test_conditions_and_across_keys_or_across_values_and_missing_keys() -> None:
    p = policy(
        {
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "kms:ViaService": ["ssm.us-east-1.amazonaws.com", "secretsmanager.us-east-1.amazonaws.com"],
                    "aws:PrincipalTag/job-category": "iamuser-admin",
                }
            },
        }
    )
    both = {"kms:ViaService": "ssm.us-east-1.amazonaws.com", "aws:PrincipalTag/job-category": "iamuser-admin"}
    assert allows([p], Request("kms:Decrypt", "k", both))
    assert allows(
        [p], Request("kms:Decrypt", "k", {**both, "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"})
    )
    assert not allows([p], Request("kms:Decrypt", "k", {**both, "kms:ViaService": "s3.us-east-1.amazonaws.com"}))
    # A key absent from the request never satisfies a positive operator.
    assert not allows([p], Request("kms:Decrypt", "k", {"kms:ViaService": "ssm.us-east-1.amazonaws.com"}))
    # Condition key names are not case sensitive; StringEquals values are.
    assert allows([p], Request("kms:Decrypt", "k", {k.upper(): v for k, v in both.items()}))
    assert not allows([p], Request("kms:Decrypt", "k", {**both, "aws:PrincipalTag/job-category": "IAMUSER-ADMIN"}))


def test_negated_if_exists_like_and_arn_operators() -> None:
    deny_outside = policy(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {
            "Effect": "Deny",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:SourceVpc": "vpc-1"}},
        },
    )
    assert evaluate([deny_outside], Request("s3:GetObject", "b", {"aws:SourceVpc": "vpc-2"})) == "ExplicitDeny"
    assert evaluate([deny_outside], Request("s3:GetObject", "b", {"aws:SourceVpc": "vpc-1"})) == "Allow"
    # A negated operator is true when the key is missing: the deny applies.
    assert evaluate([deny_outside], Request("s3:GetObject", "b")) == "ExplicitDeny"
    if_exists = policy(
        {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*",
         "Condition": {"StringLikeIfExists": {"ec2:InstanceType": ["t3.*", "t4g.*"]}}}
    )  # fmt: skip
    assert allows([if_exists], Request("ec2:RunInstances", "i", {"ec2:InstanceType": "t4g.micro"}))
    assert not allows([if_exists], Request("ec2:RunInstances", "i", {"ec2:InstanceType": "m5.large"}))
    assert allows([if_exists], Request("ec2:RunInstances", "i"))
    topic = f"arn:aws:sns:us-east-1:{ACCOUNT}:alarms"
    arn_like = policy(
        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*",
         "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:sns:*:{ACCOUNT}:*"}}}
    )  # fmt: skip
    assert allows([arn_like], Request("sqs:SendMessage", "q", {"aws:SourceArn": topic}))
    assert not allows(
        [arn_like], Request("sqs:SendMessage", "q", {"aws:SourceArn": topic.replace(ACCOUNT, "444455556666")})
    )
    # Each ARN part is matched on its own: the account wildcard cannot swallow the region.
    assert not allows([arn_like], Request("sqs:SendMessage", "q", {"aws:SourceArn": "arn:aws:sns:us-east-1:x"}))
    secure = policy(
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    )
    assert evaluate([secure], Request("s3:GetObject", "b", {"aws:SecureTransport": "false"})) == "ExplicitDeny"
    assert evaluate([secure], Request("s3:GetObject", "b", {"aws:SecureTransport": "true"})) == "ImplicitDeny"


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::${aws:username}/*"},
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"NumericLessThan": {"s3:max-keys": "10"}}},
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"ForAnyValue:StringEquals": {"k": "v"}}},
        {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"},
    ],
)
def test_what_it_does_not_implement_is_refused_not_guessed(statement: dict[str, object]) -> None:
    with pytest.raises(UnsupportedPolicyError):
        evaluate([policy(statement)], Request("s3:GetObject", "arn:aws:s3:::b/k", {"k": "v", "s3:max-keys": "5"}))


def test_null_says_whether_the_key_is_in_the_request() -> None:
    deny_tagged_elsewhere = {"Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
         "Condition": {"StringNotLike": {"aws:ResourceTag/Stack": "staging"}, "Null": {"aws:ResourceTag/Stack": "false"}}},
    ]}  # fmt: skip
    assert allows([deny_tagged_elsewhere], Request("s3:GetObject", "*"))  # untagged: the deny's Null fails
    assert allows([deny_tagged_elsewhere], Request("s3:GetObject", "*", {"aws:ResourceTag/Stack": "staging"}))
    assert not allows([deny_tagged_elsewhere], Request("s3:GetObject", "*", {"aws:ResourceTag/Stack": "production"}))
    absent = {
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"Null": {"k": "true"}}}]
    }
    assert allows([absent], Request("s3:GetObject", "*")) and not allows(
        [absent], Request("s3:GetObject", "*", {"k": "v"})
    )
