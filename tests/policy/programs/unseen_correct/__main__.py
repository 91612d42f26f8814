"""Correct variants the pack once refused or mis-read; every contract policy must pass them in both modes.

Each block is one red-team program, renamed only so that logical and physical names do not collide.
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
LOGS_ACTIONS = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
account = aws.get_caller_identity().account_id
region = aws.get_region().region
ROOT = {
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
    "Action": "kms:*",
    "Resource": "*",
}


def logs_key(name: str, condition: dict) -> aws.kms.Key:
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": f"logs.{region}.amazonaws.com"},
        "Action": LOGS_ACTIONS,
        "Resource": "*",
        "Condition": condition,
    }
    policy = json.dumps({"Version": "2012-10-17", "Statement": [ROOT, statement]})
    return aws.kms.Key(name, enable_key_rotation=True, tags=TAGS, policy=policy)


# c12: the AWS CloudWatch Logs documentation's own condition, arn:aws:logs:<region>:<account>:*
c12 = logs_key(
    "c12-key", {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account}:*"}}
)
aws.cloudwatch.LogGroup(
    "c12-group", name="/trading/app-dev", retention_in_days=365, kms_key_id=c12.arn, tags=TAGS
)

# c21: ArnEquals takes wildcards exactly like ArnLike.
c21 = logs_key(
    "c21-key",
    {
        "ArnEquals": {
            "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account}:log-group:/trading/*"
        }
    },
)
aws.cloudwatch.LogGroup(
    "c21-group", name="/trading/audit-dev", retention_in_days=365, kms_key_id=c21.arn, tags=TAGS
)

# c11: an AWS-console style key policy (root as a bare account id, CreateGrant for AWS resources only,
# Principal "*" limited by kms:CallerAccount and kms:ViaService).
role = aws.iam.Role(
    "c11-app",
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
role_arn = f"arn:aws:iam::{account}:role/trading-app-dev"
aws.kms.Key(
    "c11-key",
    enable_key_rotation=True,
    rotation_period_in_days=365,
    tags=TAGS,
    policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Id": "key-consolepolicy-3",
            "Statement": [
                {
                    "Sid": "Enable IAM User Permissions",
                    "Effect": "Allow",
                    "Principal": {"AWS": account},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    "Sid": "Allow use of the key",
                    "Effect": "Allow",
                    "Principal": {"AWS": [role_arn]},
                    "Action": [
                        "kms:Encrypt",
                        "kms:Decrypt",
                        "kms:ReEncrypt*",
                        "kms:GenerateDataKey*",
                        "kms:DescribeKey",
                    ],
                    "Resource": "*",
                },
                {
                    "Sid": "Allow attachment of persistent resources",
                    "Effect": "Allow",
                    "Principal": {"AWS": role_arn},
                    "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
                    "Resource": "*",
                    "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
                },
                {
                    "Sid": "Via Secrets Manager",
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": [
                        "kms:Encrypt",
                        "kms:Decrypt",
                        "kms:ReEncrypt*",
                        "kms:CreateGrant",
                        "kms:DescribeKey",
                    ],
                    "Resource": "*",
                    "Condition": {
                        "StringEquals": {
                            "kms:CallerAccount": account,
                            "kms:ViaService": f"secretsmanager.{region}.amazonaws.com",
                        }
                    },
                },
            ],
        }
    ),
)

# c02: the key policy as a separate aws.kms.KeyPolicy, ArnEquals on one log group's ARN.
group_name = "/aws/lambda/trading-orders-dev"
group_arn = f"arn:aws:logs:{region}:{account}:log-group:{group_name}"
c02 = aws.kms.Key("c02-key", enable_key_rotation=True, deletion_window_in_days=7, tags=TAGS)
c02_policy = aws.kms.KeyPolicy(
    "c02-key-policy",
    key_id=c02.id,
    policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {**ROOT, "Sid": "Root"},
                {
                    "Sid": "Logs",
                    "Effect": "Allow",
                    "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                    "Action": [
                        "kms:Encrypt",
                        "kms:Decrypt",
                        "kms:ReEncrypt*",
                        "kms:GenerateDataKey*",
                        "kms:DescribeKey",
                    ],
                    "Resource": "*",
                    "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": group_arn}},
                },
            ],
        }
    ),
)
aws.cloudwatch.LogGroup(
    "c02-group",
    name=group_name,
    retention_in_days=365,
    kms_key_id=c02.arn,
    tags=TAGS,
    opts=pulumi.ResourceOptions(depends_on=[c02_policy]),
)

# c01: the key policy built with aws.iam.get_policy_document, the log group reached through the key ARN.
document = aws.iam.get_policy_document(
    statements=[
        aws.iam.GetPolicyDocumentStatementArgs(
            sid="EnableRootPermissions",
            effect="Allow",
            principals=[
                aws.iam.GetPolicyDocumentStatementPrincipalArgs(
                    type="AWS", identifiers=[f"arn:aws:iam::{account}:root"]
                )
            ],
            actions=["kms:*"],
            resources=["*"],
        ),
        aws.iam.GetPolicyDocumentStatementArgs(
            sid="AllowCloudWatchLogs",
            effect="Allow",
            principals=[
                aws.iam.GetPolicyDocumentStatementPrincipalArgs(
                    type="Service", identifiers=[f"logs.{region}.amazonaws.com"]
                )
            ],
            actions=LOGS_ACTIONS,
            resources=["*"],
            conditions=[
                aws.iam.GetPolicyDocumentStatementConditionArgs(
                    test="ArnLike",
                    variable="kms:EncryptionContext:aws:logs:arn",
                    values=[f"arn:aws:logs:{region}:{account}:log-group:*"],
                )
            ],
        ),
    ]
)
c01 = aws.kms.Key(
    "c01-key",
    description="logs key",
    enable_key_rotation=True,
    deletion_window_in_days=7,
    policy=document.json,
    tags=TAGS,
)
aws.kms.Alias("c01-alias", name="alias/trading-logs-dev", target_key_id=c01.key_id)
c01_group = aws.cloudwatch.LogGroup(
    "c01-group", name="/trading/web-dev", retention_in_days=365, kms_key_id=c01.arn, tags=TAGS
)
pulumi.export("group", c01_group.name)
