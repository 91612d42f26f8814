"""DynamoDB rules: point-in-time recovery, encryption with a customer-managed key, deletion protection.

A global table keeps a copy of its data in every replica's region, and each copy is a table of its own:
a replica (an entry of the table's ``replicas`` or an ``aws.dynamodb.TableReplica``) without
``kmsKeyArn`` uses the AWS managed key ``aws/dynamodb`` of its region whatever the table's own key is,
and point-in-time recovery and deletion protection are set per replica too (both default to off), so
each replica names its key and turns both on.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from .awsfacts import is_aws_managed_key
from .config import ENVIRONMENTS_SCHEMA, applies_to_environment
from .graph import Resource
from .registry import Rule
from .values import ABSENT, UNKNOWN, as_bool, as_number, describe, get

TABLE = "aws:dynamodb/table:Table"
TABLE_REPLICA = "aws:dynamodb/tableReplica:TableReplica"
_DOCS = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/"


def check_pitr(resource: Resource, config: Mapping[str, Any]) -> Iterator[str]:
    if resource.type == TABLE_REPLICA:
        yield from _replica_off(
            resource.get("pointInTimeRecovery"), "pointInTimeRecovery is", "point-in-time recovery"
        )
        return
    enabled = resource.get("pointInTimeRecovery", "enabled")
    if as_bool(enabled) not in (True, UNKNOWN):
        yield f"pointInTimeRecovery.enabled is {describe(enabled)}; it must be true"
    else:
        raw = resource.get("pointInTimeRecovery", "recoveryPeriodInDays")
        days, minimum = as_number(raw), config["minimumRecoveryDays"]
        if days is None or (isinstance(days, float) and days < minimum):
            yield (
                f"pointInTimeRecovery.recoveryPeriodInDays is {describe(raw)}, so a change noticed later "
                f"than that cannot be rolled back; keep at least {minimum} days"
            )
    yield from _replicas_off(resource, "pointInTimeRecovery", "point-in-time recovery")


def _replicas_off(table: Resource, prop: str, what: str) -> Iterator[str]:
    """A fault for each entry of the table's ``replicas`` whose boolean ``prop`` is not true."""
    replicas = table.get("replicas")
    for index, replica in enumerate(replicas if isinstance(replicas, list) else []):
        region = get(replica, "regionName")
        where = f"replicas[{index}]" + (f" ({region})" if isinstance(region, str) else "")
        yield from _replica_off(get(replica, prop), f"{where} has {prop}", what)


def _replica_off(value: Any, shown: str, what: str) -> Iterator[str]:
    if as_bool(value) not in (True, UNKNOWN):
        yield (
            f"{shown} {describe(value)}, so this replica of the table has no {what} (each replica sets "
            "its own, off by default); it must be true"
        )


def check_cmk(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str]:
    if resource.type == TABLE_REPLICA:
        key = resource.get("kmsKeyArn")
        if _aws_managed(key):
            yield (
                f"kmsKeyArn is {describe(key)}, so this replica's copy of the table is encrypted with the "
                "AWS managed key aws/dynamodb of its region"
            )
        return
    enabled = resource.get("serverSideEncryption", "enabled")
    key = resource.get("serverSideEncryption", "kmsKeyArn")
    if as_bool(enabled) not in (True, UNKNOWN):
        yield (
            f"serverSideEncryption.enabled is {describe(enabled)}, so the table uses an AWS owned key you "
            "cannot control or audit"
        )
    elif _aws_managed(key):
        yield (
            "serverSideEncryption.kmsKeyArn is not a customer-managed key, so the AWS managed key "
            "aws/dynamodb is used"
        )
    replicas = resource.get("replicas")
    for index, replica in enumerate(replicas if isinstance(replicas, list) else []):
        key = get(replica, "kmsKeyArn")
        if _aws_managed(key):
            region = get(replica, "regionName")
            where = f" ({region})" if isinstance(region, str) else ""
            yield (
                f"replicas[{index}]{where} has kmsKeyArn {describe(key)}, so that region's copy of the table "
                "is encrypted with the AWS managed key aws/dynamodb"
            )


def _aws_managed(key: Any) -> bool:
    return key is ABSENT or key == "" or is_aws_managed_key(key, "dynamodb")


def check_deletion_protection(resource: Resource, config: Mapping[str, Any]) -> Iterator[str]:
    if not applies_to_environment(resource.environment(), config["environments"]):
        return
    value = resource.get("deletionProtectionEnabled")
    if resource.type == TABLE_REPLICA:
        yield from _replica_off(value, "deletionProtectionEnabled is", "deletion protection")
        return
    if as_bool(value) not in (True, UNKNOWN):
        yield f"deletionProtectionEnabled is {describe(value)}; it must be true in this environment"
    yield from _replicas_off(resource, "deletionProtectionEnabled", "deletion protection")


RULES = [
    Rule(
        name="dynamodb-pitr-enabled",
        description=(
            "DynamoDB tables have point-in-time recovery enabled with a recovery period "
            "(recoveryPeriodInDays, default 35) of at least the configured number of days (default 7), and "
            "so does every replica (each entry of replicas and each TableReplica sets pointInTimeRecovery "
            "true)."
        ),
        severity=Severity.MEDIUM,
        pci=("12.10.1",),
        remediation=(
            "Set point_in_time_recovery={'enabled': True} (recovery_period_in_days, when set, at least "
            "minimumRecoveryDays) on the table and point_in_time_recovery=True on each replica"
        ),
        url=_DOCS + "PointInTimeRecovery.html",
        topic="dynamodb",
        check=check_pitr,
        resource_types=(TABLE, TABLE_REPLICA),
        config={
            "minimumRecoveryDays": {
                "type": "integer",
                "minimum": 1,
                "maximum": 35,
                "default": 7,
                "description": "Shortest point-in-time recovery period accepted, in days.",
            }
        },
    ),
    Rule(
        name="dynamodb-encrypted-with-cmk",
        description=(
            "DynamoDB tables use server-side encryption with a customer-managed KMS key, and so does every "
            "replica (each entry of replicas and each TableReplica names its kmsKeyArn)."
        ),
        severity=Severity.HIGH,
        pci=("3.5.1", "3.6.1"),
        remediation=(
            "Set server_side_encryption={'enabled': True, 'kms_key_arn': data_key.arn} on the table and "
            "kms_key_arn=<customer-managed key in the replica's region> on each replica"
        ),
        url=_DOCS + "EncryptionAtRest.html",
        topic="dynamodb",
        check=check_cmk,
        resource_types=(TABLE, TABLE_REPLICA),
    ),
    Rule(
        name="dynamodb-deletion-protection",
        description=(
            "DynamoDB tables and each of their replicas (entries of replicas and TableReplica resources) "
            "have deletion protection on in the configured environments (default: all)."
        ),
        severity=Severity.MEDIUM,
        pci=("12.10.1",),
        remediation=(
            "Set deletion_protection_enabled=True on the table and on each replica, or limit the policy's "
            'environments config (e.g. ["prod", "staging"])'
        ),
        url=_DOCS + "WorkingWithTables.Basics.html#WorkingWithTables.Basics.DeletionProtection",
        topic="dynamodb",
        check=check_deletion_protection,
        resource_types=(TABLE, TABLE_REPLICA),
        config={"environments": ENVIRONMENTS_SCHEMA},
    ),
]
