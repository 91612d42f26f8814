"""MODEL_FAILURES.md #1, the document's own "IDEAL" key policy: conditioned, but for logs.amazonaws.com
(CloudWatch Logs calls KMS as logs.<region>.amazonaws.com) and without the account root, so AWS rejects it."""

import json

import pulumi_aws as aws
from tags import TAGS


def build() -> None:
    region = aws.get_region().region
    account = aws.get_caller_identity().account_id
    log_groups = f"arn:aws:logs:{region}:{account}:log-group:*"
    key = aws.kms.Key(
        "ideal-key",
        description="CloudWatch Logs key",
        enable_key_rotation=True,
        policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "logs.amazonaws.com"},
                        "Action": [
                            "kms:Decrypt",
                            "kms:Encrypt",
                            "kms:GenerateDataKey",
                            "kms:CreateGrant",
                            "kms:DescribeKey",
                        ],
                        "Resource": "*",
                        "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": log_groups}},
                    }
                ],
            }
        ),
        tags=TAGS,
    )
    aws.cloudwatch.LogGroup(
        "ideal-log-group",
        name="/aws/apigateway/trading-api-dev/ideal",
        retention_in_days=365,
        kms_key_id=key.arn,
        tags=TAGS,
    )
