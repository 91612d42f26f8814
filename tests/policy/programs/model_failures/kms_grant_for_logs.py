"""MODEL_FAILURES.md #1: a key for CloudWatch Logs whose policy only allows logs.amazonaws.com
kms:CreateGrant, unconditionally (and keeps no account access); the log group encrypted with it fails to
deploy."""

import json

import pulumi_aws as aws
from tags import TAGS


def build() -> None:
    key = aws.kms.Key(
        "grant-key",
        description="CloudWatch Logs key",
        enable_key_rotation=True,
        policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "logs.amazonaws.com"},
                        "Action": ["kms:CreateGrant"],
                        "Resource": "*",
                    }
                ],
            }
        ),
        tags=TAGS,
    )
    aws.cloudwatch.LogGroup(
        "grant-log-group",
        name="/aws/apigateway/trading-api-dev",
        retention_in_days=365,
        kms_key_id=key.arn,
        tags=TAGS,
    )
