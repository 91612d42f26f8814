"""What AWS does to a database after the first deployment, caught before it breaks a later one.

- ``rds-engine-version-follows-upgrades``: with automatic minor upgrades on (the default), AWS moves a
  database past a pinned minor version in a maintenance window; the next ``pulumi up`` then sends the old
  version back, and RDS refuses the downgrade. A pinned minor also stops new databases once AWS withdraws
  that version. Give the major version only, or ignore changes to ``engineVersion``.
- ``rds-final-snapshot-key-kept``: a database that keeps a final snapshot on delete while ``pulumi destroy``
  schedules the snapshot's KMS key for deletion leaves a snapshot nobody can restore. The key must be kept
  too. Pulumi shows a policy pack a resource's ``protect`` option but not ``retainOnDelete``, so the rule
  asks for ``protect`` (give the key both: ``pulumi destroy --exclude-protected`` then leaves it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from .graph import Resource, Stack
from .registry import Finding, Rule
from .values import UNKNOWN, as_bool, describe

CLUSTER = "aws:rds/cluster:Cluster"
CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
INSTANCE = "aws:rds/instance:Instance"
# Every KMS key a stack owns, which pulumi destroy schedules for deletion, and the alias that may name one.
KEYS = (
    "aws:kms/key:Key",
    "aws:kms/replicaKey:ReplicaKey",
    "aws:kms/externalKey:ExternalKey",
    "aws:kms/replicaExternalKey:ReplicaExternalKey",
)
ALIAS = "aws:kms/alias:Alias"
_RDS_DOCS = "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/"
_POSTGRES_ENGINES = ("aurora-postgresql", "postgres")
_MYSQL_ENGINES = ("aurora-mysql", "mysql", "mariadb")


def pinned_minor(engine: Any, version: Any) -> bool:
    """Whether ``version`` names a minor release of ``engine`` rather than a major version alone.

    PostgreSQL majors are one number from 10 on ("16"; "16.6" is a minor). MySQL and MariaDB majors are two
    ("8.0"; "8.0.36" is a minor), and an Aurora MySQL version that names its Aurora release
    ("8.0.mysql_aurora.3.05.2") is pinned too. Other engines are not judged.
    """
    if not isinstance(engine, str) or not isinstance(version, str):
        return False
    engine = engine.strip().lower()  # the provider lowercases an instance's engine, as RDS keeps it
    numbers = re.findall(r"\d+", version)
    if engine in _POSTGRES_ENGINES:
        return len(numbers) >= 2 and int(numbers[0]) >= 10
    if engine in _MYSQL_ENGINES:
        return len(numbers) >= 3
    return False


def _upgrades_automatically(resource: Resource) -> bool:
    """``autoMinorVersionUpgrade`` defaults to true; only an explicit (or unknown) false turns it off."""
    return as_bool(resource.get("autoMinorVersionUpgrade")) not in (False, UNKNOWN)


def check_engine_version(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    members = stack.attached(
        (CLUSTER_INSTANCE,), "clusterIdentifier", (CLUSTER,), ("clusterIdentifier", "id")
    )
    for database in stack.of_type(CLUSTER, INSTANCE, CLUSTER_INSTANCE):
        engine, version = database.get("engine"), database.get("engineVersion")
        if not pinned_minor(engine, version) or "engineVersion" in database.ignore_changes:
            continue
        if database.type == CLUSTER:
            # An Aurora cluster's instances take the upgrades (and a cluster without any in the stack
            # gets instances elsewhere, which upgrade by default).
            instances = members.get(database, [])
            upgrading = any(_upgrades_automatically(i) for i in instances) if instances else True
        else:
            upgrading = _upgrades_automatically(database)
        if upgrading:
            yield Finding(
                database,
                f"engineVersion {describe(version)} pins a minor version while automatic minor upgrades are "
                f"on, so the first pulumi up after AWS upgrades the {engine} database tries a downgrade, "
                "which RDS refuses (and new databases fail once AWS stops offering that version)",
            )


def _keeps_final_snapshot(database: Resource) -> bool:
    # The provider's default for skipFinalSnapshot is false: a snapshot is taken unless told otherwise.
    return as_bool(database.get("skipFinalSnapshot")) not in (True, UNKNOWN)


def check_final_snapshot_key(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for database in stack.of_type(CLUSTER, INSTANCE):
        if not _keeps_final_snapshot(database):
            continue
        for key in _keys_of(stack, database):
            if not key.protect:
                skip = describe(database.get("skipFinalSnapshot"))
                yield Finding(
                    database,
                    f"keeps a final snapshot on delete (skipFinalSnapshot {skip}), encrypted with "
                    f"{key.label}, which is not protected: pulumi destroy schedules that key for deletion "
                    "and the snapshot can no longer be restored",
                )


def _keys_of(stack: Stack, database: Resource) -> list[Resource]:
    """The stack's keys a database's kmsKeyId names: directly, or through an alias (RDS takes an alias
    name or ARN as well as a key id or ARN)."""
    keys = stack.targets(database, "kmsKeyId", KEYS, ("arn", "id", "keyId"))
    for alias in stack.targets(database, "kmsKeyId", (ALIAS,), ("arn", "name")):
        keys += stack.targets(alias, "targetKeyId", KEYS, ("arn", "id", "keyId"))
    return list(dict.fromkeys(keys))


RULES = [
    Rule(
        name="rds-engine-version-follows-upgrades",
        description=(
            "An RDS or Aurora database whose minor versions AWS upgrades automatically gives its major "
            "version only (or ignores changes to engineVersion), so no later deployment tries a downgrade."
        ),
        severity=Severity.MEDIUM,
        pci=("6.3.3", "12.10.1"),
        remediation=(
            "Set engine_version to the major version alone (e.g. '16'), or keep the pinned minor as the "
            "creation version with opts=ResourceOptions(ignore_changes=['engineVersion'])"
        ),
        url=_RDS_DOCS + "USER_UpgradeDBInstance.Maintenance.html",
        topic="rds",
        check=check_engine_version,
        stack=True,
    ),
    Rule(
        name="rds-final-snapshot-key-kept",
        description=(
            "A database that keeps a final snapshot on delete has its KMS key (a Key, ReplicaKey, "
            "ExternalKey or ReplicaExternalKey of the stack, named directly or through an Alias) kept too "
            "(protect, with retainOnDelete), so pulumi destroy never schedules the snapshot's key for "
            "deletion."
        ),
        severity=Severity.HIGH,
        pci=("3.6.1", "12.10.1"),
        remediation=(
            "Give the key opts=ResourceOptions(protect=True, retain_on_delete=True) whenever the cluster "
            "keeps a final snapshot (or set skip_final_snapshot=True)"
        ),
        url=_RDS_DOCS + "USER_DeleteCluster.html",
        topic="rds",
        check=check_final_snapshot_key,
        stack=True,
    ),
]
