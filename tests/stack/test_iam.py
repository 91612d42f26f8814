"""IAM document builders: region-pinned statements and narrow trust policies."""

from stack_harness import ACCOUNT

from components.conventions import AwsTarget
from components.iam import allow, policy_document, service_trust_policy

TARGET = AwsTarget(account_id=ACCOUNT, region="eu-west-1")


def test_allow_pins_every_statement_to_the_region():
    assert allow("Read", ["s3:GetObject"], ["arn:aws:s3:::b/*"], TARGET) == {
        "Sid": "Read",
        "Effect": "Allow",
        "Action": ["s3:GetObject"],
        "Resource": ["arn:aws:s3:::b/*"],
        "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
    }


def test_allow_merges_further_conditions_without_losing_the_region():
    statement = allow(
        "Read",
        ["s3:GetObject"],
        ["*"],
        TARGET,
        {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}, "Bool": {"aws:SecureTransport": "true"}},
    )

    assert statement["Condition"] == {
        "StringEquals": {"aws:RequestedRegion": "eu-west-1", "aws:PrincipalAccount": ACCOUNT},
        "Bool": {"aws:SecureTransport": "true"},
    }


def test_policy_document_has_the_current_version():
    assert policy_document({"Sid": "A"}) == {"Version": "2012-10-17", "Statement": [{"Sid": "A"}]}


def test_trust_policy_without_source_names_one_service_only():
    assert service_trust_policy("lambda", TARGET) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ServiceAssumesRole",
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def test_trust_policy_with_a_source_closes_the_confused_deputy_path():
    statement = service_trust_policy(
        "vpc-flow-logs", TARGET, source_arn="arn:aws:ec2:eu-west-1:1:vpc-flow-log/*"
    )["Statement"][0]

    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": "arn:aws:ec2:eu-west-1:1:vpc-flow-log/*"},
    }
