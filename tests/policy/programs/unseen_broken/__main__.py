"""Broken variants the pack once missed (or caught only in update); each must be caught in both modes.

b19 and b28 are blocked in preview and update alike (b28 only once the key id is known, in update); b07's key
policy is unknown at preview, so preview gives an advisory note and update the blocking violation.
"""

import json

import pulumi
import pulumi_aws as aws

TAGS = {
    "Environment": "dev",
    "Project": "trading",
    "ManagedBy": "pulumi",
    "Owner": "team",
    "CostCenter": "cc1",
    "Compliance": "PCI-DSS",
    "DataClassification": "confidential",
}
account = aws.get_caller_identity().account_id
region = aws.get_region().region
ROOT = {
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
    "Action": "kms:*",
    "Resource": "*",
}
LOGS = {
    "Effect": "Allow",
    "Principal": {"Service": f"logs.{region}.amazonaws.com"},
    "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
    "Resource": "*",
    "Condition": {
        "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account}:log-group:*"}
    },
}

# b19: a key with no policy (AWS default: the account root only) used by a log group.
b19 = aws.kms.Key("b19-key", enable_key_rotation=True, tags=TAGS)
aws.cloudwatch.LogGroup(
    "b19-group", name="/trading/app-dev", retention_in_days=365, kms_key_id=b19.arn, tags=TAGS
)

# b28: the log group names the key by its id; CloudWatch Logs needs the key ARN. The key policy is fine.
b28 = aws.kms.Key(
    "b28-key",
    enable_key_rotation=True,
    tags=TAGS,
    policy=json.dumps({"Version": "2012-10-17", "Statement": [ROOT, LOGS]}),
)
aws.cloudwatch.LogGroup(
    "b28-group", name="/trading/audit-dev", retention_in_days=365, kms_key_id=b28.key_id, tags=TAGS
)

# b07: the key policy gives an app role kms:* without a Condition, built from the role's computed ARN.
role = aws.iam.Role(
    "b07-app",
    name="trading-app-dev",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    ),
    tags=TAGS,
)
aws.kms.Key(
    "b07-key",
    enable_key_rotation=True,
    tags=TAGS,
    policy=pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                ROOT,
                {
                    "Sid": "App",
                    "Effect": "Allow",
                    "Principal": {"AWS": role.arn},
                    "Action": "kms:*",
                    "Resource": "*",
                },
            ],
        }
    ),
)
