"""Secrets Manager rules: secrets encrypted with a customer-managed key, and rotated.

Decision on the RDS-managed master secret (``manageMasterUserPassword``): RDS creates it outside the stack
and rotates it itself (every 7 days unless changed), so it needs no ``SecretRotation``; the stack sets only
its key (``masterUserSecretKmsKeyId``, checked here). A ``SecretRotation`` with ``rotationEnabled`` false
is a finding wherever it points, because on that secret it turns AWS's own rotation off. Secrets whose
name starts with ``<service>!`` are created and rotated by that service and are not checked for rotation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from .graph import Resource, Stack
from .registry import Finding, Rule
from .values import ABSENT, as_bool, as_number, describe

SECRET = "aws:secretsmanager/secret:Secret"
SECRET_ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
CLUSTER = "aws:rds/cluster:Cluster"
INSTANCE = "aws:rds/instance:Instance"
_SERVICE_MANAGED = re.compile(r"^[a-z0-9-]+!")
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(day|days|hour|hours)\s*\)$")
_DOCS = "https://docs.aws.amazon.com/secretsmanager/latest/userguide/"


def _aws_managed_key(key: Any) -> bool:
    return key is ABSENT or key == "" or (isinstance(key, str) and key.endswith("alias/aws/secretsmanager"))


def check_secret_key(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str]:
    if resource.type == SECRET:
        key = resource.get("kmsKeyId")
        if _aws_managed_key(key):
            yield (
                f"kmsKeyId is {describe(key)}, so the secret is encrypted with the AWS managed key "
                "aws/secretsmanager, whose policy you cannot restrict"
            )
        return
    if as_bool(resource.get("manageMasterUserPassword")) is not True:
        return
    key = resource.get("masterUserSecretKmsKeyId")
    if _aws_managed_key(key):
        yield (
            f"manageMasterUserPassword is true but masterUserSecretKmsKeyId is {describe(key)}, so the "
            "RDS-managed master secret is encrypted with the AWS managed key aws/secretsmanager"
        )


def check_rotation(stack: Stack, config: Mapping[str, Any]) -> Iterator[Finding]:
    maximum = config["maximumRotationDays"]
    rotations = stack.attached((SECRET_ROTATION,), "secretId", (SECRET,), ("arn", "id", "name"))
    for rotation in stack.of_type(SECRET_ROTATION):
        for fault in _rotation_faults(rotation, maximum):
            yield Finding(rotation, fault)
    for secret in stack.of_type(SECRET):
        name = secret.get("name")
        if isinstance(name, str) and _SERVICE_MANAGED.match(name):
            continue
        if secret not in rotations:
            yield Finding(
                secret,
                "has no aws.secretsmanager.SecretRotation, so its value never changes and a leaked copy "
                "stays valid",
            )


def _rotation_faults(rotation: Resource, maximum: int) -> Iterator[str]:
    if as_bool(rotation.get("rotationEnabled")) is False:
        yield (
            "rotationEnabled is false, which turns rotation off (on an RDS-managed master secret it stops "
            "the rotation RDS would otherwise do every 7 days)"
        )
        return
    days = _interval_days(rotation)
    if days is not None and days > maximum:
        yield f"rotates every {days:g} days; rotate at least every {maximum} days"


def _interval_days(rotation: Resource) -> float | None:
    after = as_number(rotation.get("rotationRules", "automaticallyAfterDays"))
    if isinstance(after, float):
        return after
    expression = rotation.get("rotationRules", "scheduleExpression")
    match = _RATE.match(expression.strip().lower()) if isinstance(expression, str) else None
    if match is None:
        return None  # cron() schedules and unknown values are not judged
    count = float(match.group(1))
    return count if match.group(2).startswith("day") else count / 24


RULES = [
    Rule(
        name="secretsmanager-secret-encrypted-with-cmk",
        description=(
            "Secrets Manager secrets, and the master secrets RDS manages for clusters and instances "
            "(masterUserSecretKmsKeyId), are encrypted with a customer-managed KMS key."
        ),
        severity=Severity.MEDIUM,
        pci=("3.6.1", "8.3.2"),
        remediation=(
            "Set kms_key_id=data_key.arn on the secret, or master_user_secret_kms_key_id=data_key.arn on a "
            "cluster or instance with manage_master_user_password=True"
        ),
        url=_DOCS + "security-encryption.html",
        topic="secretsmanager",
        check=check_secret_key,
        resource_types=(SECRET, CLUSTER, INSTANCE),
    ),
    Rule(
        name="secretsmanager-secret-rotation",
        description=(
            "Every Secrets Manager secret the stack declares has a SecretRotation rotating it at least every "
            "maximumRotationDays days, and no SecretRotation turns rotation off; RDS-managed master secrets "
            "rotate by themselves and need none."
        ),
        severity=Severity.MEDIUM,
        pci=("8.3.9", "8.6.3"),
        remediation=(
            "Add aws.secretsmanager.SecretRotation(secret_id=secret.id, rotation_lambda_arn=..., "
            "rotation_rules={'automatically_after_days': 30}); for a database password prefer "
            "manage_master_user_password=True, which RDS rotates itself"
        ),
        url=_DOCS + "rotating-secrets.html",
        topic="secretsmanager",
        check=check_rotation,
        stack=True,
        config={
            "maximumRotationDays": {
                "type": "integer",
                "minimum": 1,
                "maximum": 1000,
                "default": 90,
                "description": "Longest accepted interval between rotations, in days.",
            }
        },
    ),
]
