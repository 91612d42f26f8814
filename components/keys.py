"""Customer-managed KMS keys: one for data at rest (Aurora, DynamoDB, S3, Secrets Manager, Lambda
environment) and one for CloudWatch Logs.

The key policies are built by the pure functions below from values known before anything is created
(account, region, partition and log group names), so a first ``pulumi preview`` already shows them and a
policy pack can judge them. Every policy keeps the account root as administrator: without it AWS rejects
the policy (lock-out safety check).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.conventions import AwsTarget, Names, Tags, child_options

# Services that may use the data key on behalf of principals of this account.
DATA_KEY_SERVICES = ("dynamodb", "lambda", "rds", "s3", "secretsmanager")
# What CloudWatch Logs needs to encrypt and read a log group (AWS docs: encrypt-log-data-kms).
LOGS_ACTIONS = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
SERVICE_USE_ACTIONS = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
]
GRANT_ACTIONS = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]
# "Key policy for a customer managed key" in the DynamoDB Developer Guide (encryption at rest): read-only.
DYNAMODB_READ_ACTIONS = ["kms:Describe*", "kms:Get*", "kms:List*"]


def account_admin_statement(target: AwsTarget) -> dict[str, Any]:
    """The account keeps full control, so IAM policies govern the key and AWS accepts the policy."""
    return {
        "Sid": "AccountAdministersKey",
        "Effect": "Allow",
        "Principal": {"AWS": target.root_arn},
        "Action": "kms:*",
        "Resource": "*",
    }


def data_key_policy(target: AwsTarget, services: Sequence[str] = DATA_KEY_SERVICES) -> dict[str, Any]:
    """Principals of this account may use the key only through the listed AWS services in this region."""
    scope = {
        "kms:CallerAccount": target.account_id,
        "kms:ViaService": [target.regional_service(service) for service in services],
    }
    return {
        "Version": "2012-10-17",
        "Statement": [
            account_admin_statement(target),
            {
                "Sid": "ServiceUseForThisAccount",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": SERVICE_USE_ACTIONS,
                "Resource": "*",
                "Condition": {"StringEquals": scope},
            },
            {
                # DynamoDB's documented statement: it reads the key's metadata and state itself (not on a
                # caller's behalf) to monitor a table's key, e.g. to report a disabled key as inaccessible.
                "Sid": "DynamoDbReadsKeyMetadata",
                "Effect": "Allow",
                "Principal": {"Service": target.service_principal("dynamodb")},
                "Action": DYNAMODB_READ_ACTIONS,
                "Resource": "*",
            },
            {
                "Sid": "GrantsOnlyForAwsResources",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": GRANT_ACTIONS,
                "Resource": "*",
                "Condition": {"StringEquals": scope, "Bool": {"kms:GrantIsForAWSResource": "true"}},
            },
        ],
    }


def logs_key_policy(target: AwsTarget, log_group_names: Sequence[str]) -> dict[str, Any]:
    """CloudWatch Logs in this region may use the key only for the stack's own log groups.

    The encryption context names each log group by ARN; they are built from names rather than taken from
    the log groups, which need this key first (a cycle otherwise).
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            account_admin_statement(target),
            {
                "Sid": "CloudWatchLogsForStackLogGroups",
                "Effect": "Allow",
                "Principal": {"Service": target.regional_service("logs")},
                "Action": LOGS_ACTIONS,
                "Resource": "*",
                "Condition": {
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": [
                            target.log_group_arn(name) for name in sorted(log_group_names)
                        ]
                    }
                },
            },
        ],
    }


@dataclass(frozen=True)
class KeysArgs:
    target: AwsTarget
    names: Names
    tags: Tags
    log_group_names: Sequence[str]
    deletion_window_days: int
    protect: bool
    # Something encrypted with the data key outlives the stack (a final snapshot): so must the key.
    keep_data_key: bool = False


class Keys(pulumi.ComponentResource):
    """The data key and the logs key, each with rotation and an alias."""

    data_key: aws.kms.Key
    logs_key: aws.kms.Key
    aliases: dict[str, aws.kms.Alias]

    def __init__(self, name: str, args: KeysArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("trading:keys:Keys", name, None, opts)
        self.aliases = {}
        self.data_key = self._key(
            f"{name}-data",
            args,
            purpose="data",
            description="Trading data at rest: Aurora, DynamoDB, S3, Secrets Manager, Lambda environment",
            policy=data_key_policy(args.target),
            keep=args.protect or args.keep_data_key,
        )
        self.logs_key = self._key(
            f"{name}-logs",
            args,
            purpose="logs",
            description="Trading platform CloudWatch Logs log groups",
            policy=logs_key_policy(args.target, args.log_group_names),
            keep=args.protect,
        )
        self.register_outputs({"dataKeyArn": self.data_key.arn, "logsKeyArn": self.logs_key.arn})

    def _key(
        self,
        name: str,
        args: KeysArgs,
        *,
        purpose: str,
        description: str,
        policy: dict[str, Any],
        keep: bool,
    ) -> aws.kms.Key:
        key = aws.kms.Key(
            name,
            description=description,
            key_usage="ENCRYPT_DECRYPT",
            customer_master_key_spec="SYMMETRIC_DEFAULT",
            enable_key_rotation=True,
            rotation_period_in_days=365,
            deletion_window_in_days=args.deletion_window_days,
            bypass_policy_lockout_safety_check=False,
            policy=json.dumps(policy),
            tags=args.tags.sensitive(args.names.resource(purpose)),
            opts=child_options(self, keep=keep),
        )
        self.aliases[purpose] = aws.kms.Alias(
            f"{name}-alias",
            name=args.names.key_alias(purpose),
            target_key_id=key.key_id,
            opts=child_options(self),
        )
        return key
