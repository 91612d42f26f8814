"""RDS and Aurora rules: encryption with a customer-managed key, Serverless v2 settings AWS accepts,
managed master passwords, deletion protection, backups, network exposure and IAM authentication.

``rds-serverless-v2-valid`` covers the Aurora Serverless v2 mistakes that fail only at deployment: a
scaling configuration outside 0-256 ACU in steps of 0.5, min above max, auto-pause without a minimum of
0 ACU or on an engine version that cannot pause, ``engineMode`` other than provisioned, and a cluster
without any ``db.serverless`` instance (it then has no capacity at all).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from .config import ENVIRONMENTS_SCHEMA, applies_to_environment
from .graph import Resource, Stack
from .registry import Finding, Rule
from .values import ABSENT, UNKNOWN, as_bool, as_number, describe

CLUSTER = "aws:rds/cluster:Cluster"
CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
INSTANCE = "aws:rds/instance:Instance"
IAM_AUTH_ENGINES = ("aurora-mysql", "aurora-postgresql", "mysql", "postgres")
# Engine versions from which Aurora Serverless v2 can scale to 0 ACU and pause.
_PAUSE_MINIMUM = {"aurora-postgresql": {13: (13, 15), 14: (14, 12), 15: (15, 7), 16: (16, 3)}}
_MYSQL_PAUSE_MINIMUM = (3, 8, 0)
_RDS_DOCS = "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/"


def check_storage_encryption(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str]:
    encrypted = resource.get("storageEncrypted")
    key = resource.get("kmsKeyId")
    if as_bool(encrypted) not in (True, UNKNOWN):
        yield f"storageEncrypted is {describe(encrypted)}; it must be true"
    if key is ABSENT or key == "" or (isinstance(key, str) and key.endswith("alias/aws/rds")):
        yield (
            "kmsKeyId is not a customer-managed key, so storage is encrypted (if at all) with the "
            "AWS managed key aws/rds"
        )


def _restored_or_replica(resource: Resource) -> bool:
    sources = (
        "snapshotIdentifier",
        "replicationSourceIdentifier",
        "replicateSourceDb",
        "restoreToPointInTime",
    )
    if any(resource.get(p) not in (ABSENT, "") for p in sources):
        return True
    # A secondary cluster of a global database takes its credentials from the primary.
    return (
        resource.get("globalClusterIdentifier") not in (ABSENT, "")
        and resource.get("masterUsername") is ABSENT
    )


def check_master_password(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str]:
    for prop in ("masterPassword", "masterPasswordWo", "password", "passwordWo"):
        if resource.get(prop) is not ABSENT:
            yield f"{prop} is set, so the database password lives in the program and its state or inputs"
    managed = resource.get("manageMasterUserPassword")
    if as_bool(managed) not in (True, UNKNOWN) and not _restored_or_replica(resource):
        yield f"manageMasterUserPassword is {describe(managed)}; it must be true"


def check_deletion_protection(resource: Resource, config: Mapping[str, Any]) -> Iterator[str]:
    if not applies_to_environment(resource.environment(), config["environments"]):
        return
    value = resource.get("deletionProtection")
    if as_bool(value) not in (True, UNKNOWN):
        yield f"deletionProtection is {describe(value)}; it must be true in this environment"


def check_backup_retention(resource: Resource, config: Mapping[str, Any]) -> Iterator[str]:
    if resource.get("replicateSourceDb") not in (ABSENT, ""):
        return
    raw = resource.get("backupRetentionPeriod")
    days = as_number(raw)
    minimum = config["minimumDays"]
    if days is UNKNOWN:
        return
    if days is ABSENT:
        yield f"backupRetentionPeriod is not set, so AWS keeps 1 day of backups; set at least {minimum}"
    elif days is None or days < minimum:
        yield f"backupRetentionPeriod is {describe(raw)}; keep at least {minimum} days of automated backups"


def check_not_public(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str]:
    if as_bool(resource.get("publiclyAccessible")) is True:
        yield "publiclyAccessible is true, so the database gets a public IP address"


def check_iam_auth(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str]:
    engine = resource.get("engine")
    if engine not in IAM_AUTH_ENGINES or resource.get("engineMode") == "serverless":
        return
    value = resource.get("iamDatabaseAuthenticationEnabled")
    if as_bool(value) not in (True, UNKNOWN):
        yield f"iamDatabaseAuthenticationEnabled is {describe(value)}; it must be true"


def check_serverless_v2(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    instances = stack.attached(
        (CLUSTER_INSTANCE,), "clusterIdentifier", (CLUSTER,), ("clusterIdentifier", "id")
    )
    for cluster in stack.of_type(CLUSTER):
        serverless = [
            i for i in instances.get(cluster, []) if i.get("instanceClass") in ("db.serverless", UNKNOWN)
        ]
        scaling = cluster.get("serverlessv2ScalingConfiguration")
        if scaling is ABSENT:
            named = [i for i in serverless if i.get("instanceClass") == "db.serverless"]
            if named:
                yield Finding(
                    cluster,
                    f"instance '{named[0].name}' is db.serverless but the cluster has no "
                    "serverlessv2ScalingConfiguration, which AWS requires",
                )
            continue
        mode = cluster.get("engineMode")
        if mode not in (ABSENT, UNKNOWN, "provisioned"):
            yield Finding(cluster, f"engineMode is {describe(mode)}; Serverless v2 needs 'provisioned'")
        yield from (Finding(cluster, fault) for fault in _scaling_faults(cluster, scaling))
        if not serverless:
            yield Finding(
                cluster,
                "has a Serverless v2 scaling configuration but no aws.rds.ClusterInstance with "
                "instance_class "
                "'db.serverless', so it has no capacity",
            )


def _scaling_faults(cluster: Resource, scaling: Any) -> Iterator[str]:
    if scaling is UNKNOWN:
        return
    raw_min, raw_max = (
        cluster.get("serverlessv2ScalingConfiguration", "minCapacity"),
        cluster.get("serverlessv2ScalingConfiguration", "maxCapacity"),
    )
    low, high = as_number(raw_min), as_number(raw_max)
    for label, raw, value in (("minCapacity", raw_min, low), ("maxCapacity", raw_max, high)):
        if value is ABSENT or value is None or (isinstance(value, float) and not _valid_acu(value)):
            yield (
                f"serverlessv2ScalingConfiguration.{label} is {describe(raw)}; use 0-256 ACU in steps of 0.5"
            )
    if isinstance(high, float) and high < 1:
        yield (
            f"serverlessv2ScalingConfiguration.maxCapacity is {describe(raw_max)}; it must be at least 1 ACU"
        )
    if isinstance(low, float) and isinstance(high, float) and low > high:
        yield (
            f"serverlessv2ScalingConfiguration.minCapacity {describe(raw_min)} is above maxCapacity "
            f"{describe(raw_max)}"
        )
    if low == 0:
        problem = _pause_version_problem(cluster.get("engine"), cluster.get("engineVersion"))
        if problem:
            yield problem
    pause_raw = cluster.get("serverlessv2ScalingConfiguration", "secondsUntilAutoPause")
    pause = as_number(pause_raw)
    if pause is ABSENT or pause is UNKNOWN:
        return
    if pause is None or not 300 <= pause <= 86400:
        shown = describe(pause_raw)
        yield f"serverlessv2ScalingConfiguration.secondsUntilAutoPause is {shown}; use 300-86400"
    if isinstance(low, float) and low != 0:
        yield (
            "serverlessv2ScalingConfiguration.secondsUntilAutoPause is set but minCapacity is not 0, so the "
            "cluster cannot pause"
        )


def _valid_acu(value: float) -> bool:
    return 0 <= value <= 256 and (value * 2).is_integer()


def _pause_version_problem(engine: Any, version: Any) -> str | None:
    if not (isinstance(engine, str) and isinstance(version, str)):
        return None
    numbers = tuple(int(n) for n in re.findall(r"\d+", version.split("mysql_aurora.")[-1]))
    if engine == "aurora-postgresql" and len(numbers) >= 2:
        floor = _PAUSE_MINIMUM["aurora-postgresql"].get(numbers[0])
        too_old = numbers[0] < 13 or (floor is not None and numbers[:2] < floor)
    elif engine == "aurora-mysql" and "mysql_aurora." in version:
        too_old = numbers < _MYSQL_PAUSE_MINIMUM
    else:
        return None
    if too_old:
        return (
            f"minCapacity is 0 but {engine} {version} cannot scale to 0 ACU (needs Aurora PostgreSQL 13.15, "
            "14.12, 15.7, 16.3 or later, or Aurora MySQL 3.08.0 or later)"
        )
    return None


_ENVIRONMENTS = {"environments": ENVIRONMENTS_SCHEMA}

RULES = [
    Rule(
        name="rds-storage-encrypted-with-cmk",
        description=(
            "Aurora clusters and RDS instances encrypt storage (storageEncrypted true) with a "
            "customer-managed KMS key."
        ),
        severity=Severity.HIGH,
        pci=("3.5.1", "3.6.1"),
        remediation="Set storage_encrypted=True and kms_key_id=data_key.arn on the cluster or instance",
        url=_RDS_DOCS + "Overview.Encryption.html",
        topic="rds",
        check=check_storage_encryption,
        resource_types=(CLUSTER, INSTANCE),
    ),
    Rule(
        name="rds-serverless-v2-valid",
        description=(
            "An Aurora cluster with a Serverless v2 scaling configuration has engineMode provisioned, "
            "min/max ACUs within 0-256 in steps of 0.5 (max at least 1, min <= max), auto-pause only with "
            "min 0 on a version that supports it, and at least one db.serverless instance."
        ),
        severity=Severity.HIGH,
        pci=("2.2.1",),
        remediation=(
            "Use engine_mode='provisioned', serverlessv2_scaling_configuration={min_capacity, max_capacity[, "
            "seconds_until_auto_pause with min 0]} and add aws.rds.ClusterInstance(cluster_identifier="
            "cluster.id, instance_class='db.serverless', engine=cluster.engine)"
        ),
        url=_RDS_DOCS + "aurora-serverless-v2.requirements.html",
        topic="rds",
        check=check_serverless_v2,
        stack=True,
    ),
    Rule(
        name="rds-master-password-managed",
        description=(
            "Databases take no plaintext master password and let Secrets Manager manage it "
            "(manageMasterUserPassword true), except replicas and restores, which inherit credentials."
        ),
        severity=Severity.CRITICAL,
        pci=("8.3.2", "8.6.2", "8.6.3"),
        remediation=(
            "Remove master_password and set manage_master_user_password=True (and "
            "master_user_secret_kms_key_id=data_key.arn)"
        ),
        url=_RDS_DOCS + "rds-secrets-manager.html",
        topic="rds",
        check=check_master_password,
        resource_types=(CLUSTER, INSTANCE),
    ),
    Rule(
        name="rds-deletion-protection",
        description=(
            "Aurora clusters and RDS instances have deletion protection on in the configured "
            "environments (default: all)."
        ),
        severity=Severity.MEDIUM,
        pci=("12.10.1",),
        remediation=(
            "Set deletion_protection=True, or limit the policy's environments config "
            '(e.g. ["prod", "staging"])'
        ),
        url=_RDS_DOCS + "USER_DeleteCluster.html#USER_DeletionProtection",
        topic="rds",
        check=check_deletion_protection,
        resource_types=(CLUSTER, INSTANCE),
        config=_ENVIRONMENTS,
    ),
    Rule(
        name="rds-backup-retention",
        description=(
            "Aurora clusters and RDS instances keep automated backups at least the configured number "
            "of days (default 7)."
        ),
        severity=Severity.MEDIUM,
        pci=("12.10.1",),
        remediation="Set backup_retention_period to at least minimumDays (1-35)",
        url=_RDS_DOCS + "Aurora.Managing.Backups.html",
        topic="rds",
        check=check_backup_retention,
        resource_types=(CLUSTER, INSTANCE),
        config={
            "minimumDays": {
                "type": "integer",
                "minimum": 1,
                "maximum": 35,
                "default": 7,
                "description": "Fewest days of automated backups accepted.",
            }
        },
    ),
    Rule(
        name="rds-not-publicly-accessible",
        description="Aurora clusters, cluster instances and RDS instances are not publicly accessible.",
        severity=Severity.CRITICAL,
        pci=("1.3.1", "1.4.4"),
        remediation=(
            "Remove publicly_accessible (or set it to False) and place the database in isolated subnets"
        ),
        url=_RDS_DOCS + "USER_VPC.WorkingWithRDSInstanceinaVPC.html",
        topic="rds",
        check=check_not_public,
        resource_types=(CLUSTER, CLUSTER_INSTANCE, INSTANCE),
    ),
    Rule(
        name="rds-iam-authentication",
        description="MySQL and PostgreSQL clusters and instances have IAM database authentication enabled.",
        severity=Severity.MEDIUM,
        pci=("8.3.1", "8.6.2"),
        remediation="Set iam_database_authentication_enabled=True",
        url=_RDS_DOCS + "UsingWithRDS.IAMDBAuth.html",
        topic="rds",
        check=check_iam_auth,
        resource_types=(CLUSTER, INSTANCE),
    ),
]
