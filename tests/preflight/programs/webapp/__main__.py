"""A typical small Pulumi AWS program: stack config, a component, a policy document, code, random values."""

import pulumi
import pulumi_aws as aws
import pulumi_random as random
from storage import SecureBucket

config = pulumi.Config()
environment = config.require("environment")
tags = {**config.require_object("tags"), "Environment": environment}
retention = config.require_int("retentionDays")
db_password = config.require_secret("dbPassword")

identity = aws.get_caller_identity()
region = aws.get_region()

key_policy = aws.iam.get_policy_document(
    statements=[
        {
            "sid": "AccountAdmin",
            "principals": [{"type": "AWS", "identifiers": [f"arn:aws:iam::{identity.account_id}:root"]}],
            "actions": ["kms:*"],
            "resources": ["*"],
        },
        {
            "sid": "Logs",
            "principals": [{"type": "Service", "identifiers": [f"logs.{region.region}.amazonaws.com"]}],
            "actions": ["kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*"],
            "resources": ["*"],
            "conditions": [
                {
                    "test": "ArnLike",
                    "variable": "kms:EncryptionContext:aws:logs:arn",
                    "values": [f"arn:aws:logs:{region.region}:{identity.account_id}:log-group:*"],
                }
            ],
        },
    ]
)
key = aws.kms.Key(
    "data-key",
    description=f"webapp {environment} data",
    enable_key_rotation=True,
    policy=key_policy.json,
    tags=tags,
    opts=pulumi.ResourceOptions(protect=environment == "prod"),
)
alias = aws.kms.Alias("data-key-alias", name=f"alias/webapp-{environment}", target_key_id=key.key_id)

storage = SecureBucket("assets", tags, key.arn)

if config.get_bool("enableLogs"):
    log_group = aws.cloudwatch.LogGroup(
        "app-logs", name=f"/webapp/{environment}", retention_in_days=retention, kms_key_id=key.arn, tags=tags
    )

role = aws.iam.Role(
    "handler-role",
    assume_role_policy=aws.iam.get_policy_document(
        statements=[
            {
                "actions": ["sts:AssumeRole"],
                "principals": [{"type": "Service", "identifiers": ["lambda.amazonaws.com"]}],
            }
        ]
    ).json,
)
function = aws.lambda_.Function(
    "handler",
    role=role.arn,
    runtime="python3.12",
    handler="index.handler",
    code=pulumi.FileArchive("./handler"),
    environment={"variables": {"BUCKET": storage.bucket.bucket}},
    tags=tags,
)

password = random.RandomPassword("db-password", length=20, special=True, min_numeric=2)
suffix = random.RandomId("suffix", byte_length=4)

if not config.get_bool("enableLogs"):
    pulumi.log.warn("logs are disabled for this stack")

pulumi.export("bucketName", storage.bucket.bucket)
pulumi.export("keyArn", key.arn)
pulumi.export("functionArn", function.arn)
pulumi.export("invokeArn", function.invoke_arn)
pulumi.export("accountId", identity.account_id)
pulumi.export("suffix", suffix.hex)
pulumi.export("passwordLength", password.result.apply(len))
pulumi.export("dbPassword", db_password)
