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

from .awsfacts import is_aws_managed_key, parse_arn
from .config import ENVIRONMENTS_SCHEMA, applies_to_environment
from .graph import Resource, Stack
from .registry import Finding, Rule, unknown_until_deployed
from .values import ABSENT, UNKNOWN, as_bool, as_number, describe, get

CLUSTER = "aws:rds/cluster:Cluster"
CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
INSTANCE = "aws:rds/instance:Instance"
SNAPSHOTS = (
    "aws:rds/clusterSnapshot:ClusterSnapshot",
    "aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy",
    "aws:rds/snapshot:Snapshot",
    "aws:rds/snapshotCopy:SnapshotCopy",
)
CLUSTER_PARAMETER_GROUP = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup"
# The parameters that decide what Aurora PostgreSQL logs; a DB instance's parameter group overrides them.
_LOGGING_PARAMETERS = (
    "log_statement",
    "log_min_duration_statement",
    "shared_preload_libraries",
    "pgaudit.log",
)
# log_statement values that record statements (none records nothing); pgaudit.log classes likewise.
STATEMENT_LOGGING = ("ddl", "mod", "all")
# The log types each engine should export to CloudWatch Logs (cdk-nag PCI's RDSLoggingEnabled agrees).
LOG_EXPORTS = {
    "aurora-postgresql": ["postgresql"],
    "postgres": ["postgresql"],
    "aurora-mysql": ["audit", "error", "slowquery"],
    "mysql": ["audit", "error", "slowquery"],
    "mariadb": ["audit", "error", "slowquery"],
}
IAM_AUTH_ENGINES = ("aurora-mysql", "aurora-postgresql", "mysql", "postgres")
# RDS for MariaDB supports IAM database authentication from 10.11 (not 10.4-10.6); unset means the default,
# a current version.
_MARIADB_IAM_AUTH_MINIMUM = (10, 11)
# Engine versions from which Aurora Serverless v2 can scale to 0 ACU and pause.
_PAUSE_MINIMUM = {"aurora-postgresql": {13: (13, 15), 14: (14, 12), 15: (15, 7), 16: (16, 3)}}
_MYSQL_PAUSE_MINIMUM = (3, 8, 0)
_RDS_DOCS = "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/"


def check_storage_encryption(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str | Finding]:
    restore = _instance_restore(resource)
    if restore is not None:
        # The source is outside what a resource rule sees: a note, as for other things outside the stack.
        yield Finding(
            resource,
            f"{restore} is set, so RDS restores the instance with its source's encryption and key and "
            "ignores storageEncrypted and kmsKeyId (a DB instance restore takes no key), and nothing in the "
            "stack shows that key is customer-managed; check it is, or restore from a snapshot copied with "
            "the customer-managed key",
            unknown_at_preview=True,
        )
        return
    source = resource.get("replicateSourceDb") if resource.type == INSTANCE else ABSENT
    if source not in (ABSENT, "") and not _in_another_region(source, resource.region()):
        yield _same_region_replica_note(resource, source)
        return
    encrypted = resource.get("storageEncrypted")
    key = resource.get("kmsKeyId")
    # A cross-region read replica is encrypted with kmsKeyId (required when its source is encrypted, refused
    # when it is not); RDS ignores its storageEncrypted.
    if source in (ABSENT, "") and as_bool(encrypted) not in (True, UNKNOWN):
        yield f"storageEncrypted is {describe(encrypted)}; it must be true"
    if key is ABSENT or key == "" or is_aws_managed_key(key, "rds"):
        yield (
            "kmsKeyId is not a customer-managed key, so storage is encrypted (if at all) with the "
            "AWS managed key aws/rds"
        )


def _in_another_region(source: Any, region: str | None) -> bool:
    """Whether replicateSourceDb names a DB instance of another region: only an ARN can (an identifier
    names one in the replica's region)."""
    arn = parse_arn(source) if isinstance(source, str) else None
    return arn is not None and region is not None and arn.region not in ("", region)


def _same_region_replica_note(resource: Resource, source: Any) -> Finding:
    """CreateDBInstanceReadReplica takes no key for a replica in its source's region: RDS encrypts it with
    the source's key (and refuses an encrypted replica of an unencrypted source), whatever the replica
    declares. The source is judged by this rule where the stack declares it; a resource rule cannot tell
    whether it does, so this is a note, as for a restore."""
    if source is UNKNOWN:
        return unknown_until_deployed(
            resource,
            resource,
            "replicateSourceDb",
            "the key that encrypts the read replica (its source's when the source is in this region, "
            "whatever the replica declares; kmsKeyId when it is in another)",
        )
    return Finding(
        resource,
        f"replicateSourceDb {describe(source)} names a DB instance in this region, so RDS encrypts the read "
        "replica with its source's encryption and key and ignores storageEncrypted and kmsKeyId (a "
        "same-region read replica takes no key of its own); the source is judged where the stack declares "
        "it, and nothing shows the key of a source outside the stack is customer-managed: check it is",
        unknown_at_preview=True,
    )


def _instance_restore(resource: Resource) -> str | None:
    """The property a DB instance is restored by, if any: RestoreDBInstanceFromDBSnapshot and
    RestoreDBInstanceToPointInTime take no KmsKeyId or StorageEncrypted (unlike a cluster's restores), so
    the instance keeps its source's encryption whatever it declares."""
    if resource.type != INSTANCE:
        return None
    restores = ("snapshotIdentifier", "restoreToPointInTime")
    return next((p for p in restores if resource.get(p) not in (ABSENT, "")), None)


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
    if resource.type in SNAPSHOTS:
        shared = resource.get("sharedAccounts")
        if isinstance(shared, list) and any(isinstance(a, str) and a.lower() == "all" for a in shared):
            yield (
                'sharedAccounts includes "all", so every AWS account can restore the snapshot and read the '
                "database (AWS refuses it for an encrypted snapshot, at deployment)"
            )
        return
    if as_bool(resource.get("publiclyAccessible")) is True:
        yield "publiclyAccessible is true, so the database gets a public IP address"


def _engine(resource: Resource) -> Any:
    """The engine in lower case: a rule must not skip "Postgres" because of how it is spelt."""
    engine = resource.get("engine")
    return engine.strip().lower() if isinstance(engine, str) else engine


def check_iam_auth(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str]:
    engine = _engine(resource)
    if engine == "mariadb":
        if not _mariadb_has_iam_auth(resource.get("engineVersion")):
            return
    elif engine not in IAM_AUTH_ENGINES or resource.get("engineMode") == "serverless":
        return
    value = resource.get("iamDatabaseAuthenticationEnabled")
    if as_bool(value) not in (True, UNKNOWN):
        yield f"iamDatabaseAuthenticationEnabled is {describe(value)}; it must be true"


def _mariadb_has_iam_auth(version: Any) -> bool:
    if version is ABSENT or version == "":
        return True
    match = re.match(r"^\s*(\d+)\.(\d+)", version) if isinstance(version, str) else None
    return match is not None and (int(match[1]), int(match[2])) >= _MARIADB_IAM_AUTH_MINIMUM


def check_log_exports(resource: Resource, config: Mapping[str, Any]) -> Iterator[str]:
    exports = resource.get("enabledCloudwatchLogsExports")
    if exports is UNKNOWN or resource.get("replicateSourceDb") not in (ABSENT, ""):
        return
    if isinstance(exports, list) and UNKNOWN in exports:
        return
    engine = _engine(resource)
    exported = [e for e in exports if isinstance(e, str)] if isinstance(exports, list) else []
    required = config["requiredLogTypes"].get(engine, []) if isinstance(engine, str) else []
    if not exported:
        yield (
            "enabledCloudwatchLogsExports is not set, so the database's own logs (connections, errors, "
            "statements) never reach CloudWatch Logs"
        )
        return
    missing = [log for log in required if log not in exported]
    if missing:
        yield f"enabledCloudwatchLogsExports {exported} does not export {', '.join(missing)}"


def check_query_logging(stack: Stack, config: Mapping[str, Any]) -> Iterator[Finding]:
    for cluster in stack.of_type(CLUSTER):
        if _engine(cluster) != "aurora-postgresql":
            continue
        name = cluster.get("dbClusterParameterGroupName")
        if name is UNKNOWN and not cluster.property_dependencies.get("dbClusterParameterGroupName"):
            continue
        groups = stack.targets(
            cluster, "dbClusterParameterGroupName", (CLUSTER_PARAMETER_GROUP,), ("name", "id")
        )
        if not groups:
            if name is ABSENT or name == "" or (isinstance(name, str) and name.startswith("default.")):
                yield Finding(
                    cluster,
                    f"uses the default cluster parameter group {describe(name)}, which logs no statements "
                    "(log_statement none) and no slow queries (log_min_duration_statement -1)",
                )
            elif name is not UNKNOWN:
                yield Finding(
                    cluster,
                    f"uses the cluster parameter group {describe(name)}, which the stack does not declare, "
                    "so its statement and slow-query logging cannot be checked; declare it in the stack",
                )
            continue
        members = stack.attached(
            (CLUSTER_INSTANCE,), "clusterIdentifier", (CLUSTER,), ("clusterIdentifier", "id")
        ).get(cluster, [])
        for group in groups:
            values = _parameters(group)
            if values is None:
                continue
            yield from (
                Finding(cluster, fault)
                for fault in _logging_faults(values, f"cluster parameter group '{group.name}'", config)
            )
            # A parameter an instance's DB parameter group sets overrides the cluster group's there.
            for member in members:
                for instance_group in stack.targets(
                    member, "dbParameterGroupName", (PARAMETER_GROUP,), ("name", "id")
                ):
                    own = _parameters(instance_group)
                    if own is None or not any(name in own for name in _LOGGING_PARAMETERS):
                        continue
                    where = (
                        f"DB parameter group '{instance_group.name}' of instance '{member.name}', which "
                        f"overrides cluster parameter group '{group.name}',"
                    )
                    for fault in _logging_faults({**values, **own}, where, config):
                        yield Finding(cluster, fault)


def _parameters(group: Resource) -> dict[str, Any] | None:
    """A parameter group's parameters by lower-case name; None while any is unknown."""
    parameters = group.get("parameters")
    if parameters is UNKNOWN:
        return None
    values: dict[str, Any] = {}
    for parameter in parameters if isinstance(parameters, list) else []:
        key = get(parameter, "name")
        if isinstance(key, str):
            values[key.lower()] = get(parameter, "value")
    return None if UNKNOWN in values.values() else values


def _logging_faults(values: Mapping[str, Any], where: str, config: Mapping[str, Any]) -> Iterator[str]:
    statement = str(values.get("log_statement", "none")).strip().lower()
    libraries = [v.strip().lower() for v in str(values.get("shared_preload_libraries", "")).split(",")]
    audit = [v.strip().lower() for v in str(values.get("pgaudit.log", "none")).split(",")]
    audited = "pgaudit" in libraries and any(v not in ("none", "") for v in audit)
    if statement not in STATEMENT_LOGGING and not audited:
        yield (
            f"{where} logs no statements: set log_statement to ddl, mod or all, or load pgaudit "
            "(shared_preload_libraries) with pgaudit.log set (e.g. ddl,role,write)"
        )
    raw = values.get("log_min_duration_statement", ABSENT)
    duration = as_number(raw)
    maximum = config["maximumSlowQueryMs"]
    if not isinstance(duration, float) or duration < 0 or duration > maximum:
        shown = "not set (-1, off)" if raw is ABSENT else describe(raw)
        yield (
            f"{where} has log_min_duration_statement {shown}; log queries slower than at most {maximum} ms"
        )


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
        problem = _pause_version_problem(_engine(cluster), cluster.get("engineVersion"))
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
            "customer-managed KMS key (a cross-region read replica: kmsKeyId); an instance restored from a "
            "snapshot or to a point in time, or a read replica (replicateSourceDb) of a DB instance in its "
            "own region, keeps its source's key whatever it declares, which a rule of one resource cannot "
            "see: an advisory note to check it (a source the stack declares is judged itself)."
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
        description=(
            "Aurora clusters, cluster instances and RDS instances are not publicly accessible, and no "
            'cluster or DB snapshot (or snapshot copy) is shared with every account (sharedAccounts "all").'
        ),
        severity=Severity.CRITICAL,
        pci=("1.3.1", "1.4.4"),
        remediation=(
            "Remove publicly_accessible (or set it to False) and place the database in isolated subnets; "
            'share snapshots with named accounts, never "all"'
        ),
        url=_RDS_DOCS + "USER_VPC.WorkingWithRDSInstanceinaVPC.html",
        topic="rds",
        check=check_not_public,
        resource_types=(CLUSTER, CLUSTER_INSTANCE, INSTANCE, *SNAPSHOTS),
    ),
    Rule(
        name="rds-iam-authentication",
        description=(
            "MySQL, PostgreSQL and MariaDB (10.11 and later, the versions that support it) clusters and "
            "instances have IAM database authentication enabled."
        ),
        severity=Severity.MEDIUM,
        pci=("8.3.1", "8.6.2"),
        remediation="Set iam_database_authentication_enabled=True",
        url=_RDS_DOCS + "UsingWithRDS.IAMDBAuth.html",
        topic="rds",
        check=check_iam_auth,
        resource_types=(CLUSTER, INSTANCE),
    ),
    Rule(
        name="rds-log-exports-enabled",
        description=(
            "Aurora clusters and RDS instances export their logs to CloudWatch Logs "
            "(enabledCloudwatchLogsExports), with the log types requiredLogTypes names for their engine."
        ),
        severity=Severity.MEDIUM,
        pci=("10.2.1", "10.3.3"),
        remediation=(
            "Set enabled_cloudwatch_logs_exports=['postgresql'] (Aurora MySQL: ['audit', 'error', "
            "'slowquery']) and declare the /aws/rds/cluster/<id>/<type> log group first, with retention and "
            "a KMS key"
        ),
        url=_RDS_DOCS + "USER_LogAccess.Procedural.UploadtoCloudWatch.html",
        topic="rds",
        check=check_log_exports,
        resource_types=(CLUSTER, INSTANCE),
        config={
            "requiredLogTypes": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string", "minLength": 1}},
                "default": LOG_EXPORTS,
                "description": "Engine -> log types it must export; other engines must export at least one.",
            }
        },
    ),
    Rule(
        name="rds-postgresql-query-logging",
        description=(
            "Aurora PostgreSQL clusters use a cluster parameter group the stack declares that logs "
            "statements (log_statement ddl, mod or all, or pgaudit loaded with pgaudit.log set) and slow "
            "queries (log_min_duration_statement from 0 to maximumSlowQueryMs), and no cluster instance's "
            "DB parameter group overrides those parameters with values that log less."
        ),
        severity=Severity.MEDIUM,
        pci=("10.2.1", "10.2.1.2", "10.2.1.5"),
        remediation=(
            "Give the cluster aws.rds.ClusterParameterGroup(family='aurora-postgresql16', parameters=["
            "{'name': 'log_statement', 'value': 'ddl'}, {'name': 'log_min_duration_statement', "
            "'value': '1000'}]) and export the postgresql log to CloudWatch Logs"
        ),
        url=_RDS_DOCS + "USER_LogAccess.Concepts.PostgreSQL.html",
        topic="rds",
        check=check_query_logging,
        stack=True,
        config={
            "maximumSlowQueryMs": {
                "type": "integer",
                "minimum": 0,
                "default": 10000,
                "description": "Largest log_min_duration_statement (milliseconds) accepted.",
            }
        },
    ),
]
