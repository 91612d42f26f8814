"""DynamoDB rules: point-in-time recovery, encryption with a customer-managed key, deletion protection."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from .config import ENVIRONMENTS_SCHEMA, applies_to_environment
from .graph import Resource
from .registry import Rule
from .values import ABSENT, UNKNOWN, as_bool, describe

TABLE = "aws:dynamodb/table:Table"
_AWS_MANAGED_KEY = "alias/aws/dynamodb"
_DOCS = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/"


def check_pitr(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str]:
    enabled = resource.get("pointInTimeRecovery", "enabled")
    if as_bool(enabled) not in (True, UNKNOWN):
        yield f"pointInTimeRecovery.enabled is {describe(enabled)}; it must be true"


def check_cmk(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str]:
    enabled = resource.get("serverSideEncryption", "enabled")
    key = resource.get("serverSideEncryption", "kmsKeyArn")
    if as_bool(enabled) not in (True, UNKNOWN):
        yield (
            f"serverSideEncryption.enabled is {describe(enabled)}, so the table uses an AWS owned key you "
            "cannot control or audit"
        )
    elif key is ABSENT or key == "" or (isinstance(key, str) and key.endswith(_AWS_MANAGED_KEY)):
        yield (
            "serverSideEncryption.kmsKeyArn is not a customer-managed key, so the AWS managed key "
            "aws/dynamodb is used"
        )


def check_deletion_protection(resource: Resource, config: Mapping[str, Any]) -> Iterator[str]:
    if not applies_to_environment(resource.environment(), config["environments"]):
        return
    value = resource.get("deletionProtectionEnabled")
    if as_bool(value) not in (True, UNKNOWN):
        yield f"deletionProtectionEnabled is {describe(value)}; it must be true in this environment"


RULES = [
    Rule(
        name="dynamodb-pitr-enabled",
        description="DynamoDB tables have point-in-time recovery enabled.",
        severity=Severity.MEDIUM,
        pci=("12.10.1",),
        remediation="Set point_in_time_recovery={'enabled': True} on the table",
        url=_DOCS + "PointInTimeRecovery.html",
        topic="dynamodb",
        check=check_pitr,
        resource_types=(TABLE,),
    ),
    Rule(
        name="dynamodb-encrypted-with-cmk",
        description="DynamoDB tables use server-side encryption with a customer-managed KMS key.",
        severity=Severity.HIGH,
        pci=("3.5.1", "3.6.1"),
        remediation="Set server_side_encryption={'enabled': True, 'kms_key_arn': data_key.arn} on the table",
        url=_DOCS + "EncryptionAtRest.html",
        topic="dynamodb",
        check=check_cmk,
        resource_types=(TABLE,),
    ),
    Rule(
        name="dynamodb-deletion-protection",
        description=(
            "DynamoDB tables have deletion protection on in the configured environments (default: all)."
        ),
        severity=Severity.MEDIUM,
        pci=("12.10.1",),
        remediation=(
            "Set deletion_protection_enabled=True on the table, or limit the policy's environments config "
            '(e.g. ["prod", "staging"])'
        ),
        url=_DOCS + "WorkingWithTables.Basics.html#WorkingWithTables.Basics.DeletionProtection",
        topic="dynamodb",
        check=check_deletion_protection,
        resource_types=(TABLE,),
        config={"environments": ENVIRONMENTS_SCHEMA},
    ),
]
