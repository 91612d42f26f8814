"""DynamoDB and RDS/Aurora rules."""

from __future__ import annotations

import json

import pytest
from policy_harness import R, U, run

CLUSTER = "aws:rds/cluster:Cluster"
INSTANCE = "aws:rds/instance:Instance"
MEMBER = "aws:rds/clusterInstance:ClusterInstance"


def faults(rule, resources, config=None):
    return [
        d.message.split("\n", 1)[1].split(": ", 1)[1].split(". Fix:")[0] for d in run(rule, resources, config)
    ]


def table(**props):
    return R("aws:dynamodb/table:Table", "t", {"name": "trading-orders-dev", **props})


def test_dynamodb_encryption_with_a_customer_managed_key():
    key = "arn:aws:kms:us-east-1:123456789012:key/k"
    assert (
        faults(
            "dynamodb-encrypted-with-cmk", [table(serverSideEncryption={"enabled": True, "kmsKeyArn": key})]
        )
        == []
    )
    (fault,) = faults("dynamodb-encrypted-with-cmk", [table()])
    assert fault.startswith("serverSideEncryption.enabled is <not set>")
    (fault,) = faults(
        "dynamodb-encrypted-with-cmk",
        [
            table(
                serverSideEncryption={
                    "enabled": True,
                    "kmsKeyArn": "arn:aws:kms:us-east-1:1:alias/aws/dynamodb",
                }
            )
        ],
    )
    assert "AWS managed key aws/dynamodb" in fault


CMK = "dynamodb-encrypted-with-cmk"
KEY = "arn:aws:kms:us-east-1:123456789012:key/k"
WEST_KEY = "arn:aws:kms:us-west-2:123456789012:key/w"


@pytest.mark.parametrize(
    ("replicas", "expected"),
    [
        ([{"regionName": "us-west-2", "kmsKeyArn": WEST_KEY}], []),
        ([{"regionName": "us-west-2", "kmsKeyArn": U}], []),
        (U, []),
        (
            [{"regionName": "us-west-2"}],
            [
                "replicas[0] (us-west-2) has kmsKeyArn <not set>, so that region's copy of the table is "
                "encrypted with the AWS managed key aws/dynamodb"
            ],
        ),
        (
            [
                {"regionName": "us-west-2", "kmsKeyArn": WEST_KEY},
                {"regionName": U, "kmsKeyArn": "arn:aws:kms:eu-west-1:123456789012:alias/aws/dynamodb"},
            ],
            [
                "replicas[1] has kmsKeyArn 'arn:aws:kms:eu-west-1:123456789012:alias/aws/dynamodb', so that "
                "region's copy of the table is encrypted with the AWS managed key aws/dynamodb"
            ],
        ),
    ],
)
def test_every_replica_of_a_table_names_a_customer_managed_key(replicas, expected):
    encrypted = table(serverSideEncryption={"enabled": True, "kmsKeyArn": KEY}, replicas=replicas)
    assert faults(CMK, [encrypted]) == expected


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({"kmsKeyArn": WEST_KEY}, []),
        ({"kmsKeyArn": U}, []),
        (
            {},
            [
                "kmsKeyArn is <not set>, so this replica's copy of the table is encrypted with the AWS "
                "managed key aws/dynamodb of its region"
            ],
        ),
    ],
)
def test_a_table_replica_resource_names_a_customer_managed_key(props, expected):
    replica = R(
        "aws:dynamodb/tableReplica:TableReplica",
        "replica",
        {"globalTableArn": "arn:aws:dynamodb:us-east-1:123456789012:table/trading-orders-dev", **props},
        provider={"region": "us-west-2"},
    )
    assert faults(CMK, [replica]) == expected


def test_deletion_protection_applies_to_configured_environments_only():
    dev = table(deletionProtectionEnabled=False, tags={"Environment": "dev"})
    assert faults("dynamodb-deletion-protection", [dev], {"environments": ["prod", "staging"]}) == []
    assert faults("dynamodb-deletion-protection", [dev], {"environments": ["d*"]})
    untagged = table(deletionProtectionEnabled=False)
    assert faults("dynamodb-deletion-protection", [untagged], {"environments": ["prod"]})
    assert faults("dynamodb-deletion-protection", [untagged], {"environments": []}) == []
    assert (
        faults(
            "rds-deletion-protection",
            [R(CLUSTER, "c", {"deletionProtection": False, "tags": {"Environment": "dev"}})],
            {"environments": ["prod"]},
        )
        == []
    )


def cluster(**props):
    return R(CLUSTER, "db", {"engine": "aurora-postgresql", "clusterIdentifier": "trading-db-dev", **props})


def member(target, instance_class="db.serverless", linked=True):
    deps = {"clusterIdentifier": [target]} if linked else {}
    return R(
        MEMBER, "db-1", {"clusterIdentifier": "trading-db-dev", "instanceClass": instance_class}, deps=deps
    )


@pytest.mark.parametrize(
    ("scaling", "extra", "expected"),
    [
        ({"minCapacity": 0.5, "maxCapacity": 8}, {}, []),
        ({"minCapacity": 0, "maxCapacity": 1, "secondsUntilAutoPause": 300}, {"engineVersion": "17.2"}, []),
        (
            {"minCapacity": 0, "maxCapacity": 2, "secondsUntilAutoPause": 3600},
            {"engine": "aurora-mysql", "engineVersion": "8.0.mysql_aurora.3.08.0"},
            [],
        ),
        (
            {"minCapacity": 0, "maxCapacity": 2, "secondsUntilAutoPause": 3600},
            {"engine": "aurora-mysql", "engineVersion": "8.0"},
            [],
        ),
        ({"minCapacity": 0, "maxCapacity": 2}, {"engineVersion": "16"}, []),
        (
            {"minCapacity": 0.25, "maxCapacity": 300},
            {},
            [
                "minCapacity is 0.25; use 0-256 ACU in steps of 0.5",
                "maxCapacity is 300; use 0-256 ACU in steps of 0.5",
            ],
        ),
        (
            {"maxCapacity": "lots"},
            {},
            ["minCapacity is <not set>; use 0-256", "maxCapacity is 'lots'; use 0-256"],
        ),
        ({"minCapacity": 0, "maxCapacity": 0.5}, {}, ["maxCapacity is 0.5; it must be at least 1 ACU"]),
        ({"minCapacity": 8, "maxCapacity": 4}, {}, ["minCapacity 8 is above maxCapacity 4"]),
        (
            {"minCapacity": 1, "maxCapacity": 4, "secondsUntilAutoPause": 600},
            {},
            ["secondsUntilAutoPause is set but minCapacity is not 0"],
        ),
        (
            {"minCapacity": 0, "maxCapacity": 4, "secondsUntilAutoPause": 60},
            {},
            ["secondsUntilAutoPause is 60; use 300-86400"],
        ),
        (
            {"minCapacity": 0, "maxCapacity": 4},
            {"engineVersion": "15.4"},
            ["minCapacity is 0 but aurora-postgresql 15.4 cannot scale to 0 ACU"],
        ),
        ({"minCapacity": 0, "maxCapacity": 4}, {"engineVersion": "12.9"}, ["cannot scale to 0 ACU"]),
        (
            {"minCapacity": 0, "maxCapacity": 4},
            {"engine": "aurora-mysql", "engineVersion": "8.0.mysql_aurora.3.05.2"},
            ["aurora-mysql 8.0.mysql_aurora.3.05.2 cannot scale"],
        ),
        (
            {"minCapacity": 0, "maxCapacity": 4},
            {"engineMode": "serverless"},
            ["engineMode is 'serverless'; Serverless v2 needs 'provisioned'"],
        ),
        ({"minCapacity": U, "maxCapacity": U, "secondsUntilAutoPause": U}, {}, []),
    ],
)
def test_serverless_v2_scaling(scaling, extra, expected):
    db = cluster(serverlessv2ScalingConfiguration=scaling, **extra)
    found = faults("rds-serverless-v2-valid", [db, member(db)])
    assert len(found) == len(expected), found
    for fault, part in zip(found, expected, strict=True):
        assert part in fault


def test_serverless_v2_needs_a_db_serverless_instance_and_vice_versa():
    db = cluster(serverlessv2ScalingConfiguration={"minCapacity": 0.5, "maxCapacity": 2})
    (fault,) = faults("rds-serverless-v2-valid", [db, member(db, "db.r6g.large")])
    assert "no aws.rds.ClusterInstance with instance_class 'db.serverless'" in fault
    assert faults("rds-serverless-v2-valid", [db, member(db, linked=False)]) == []
    plain = cluster()
    (fault,) = faults("rds-serverless-v2-valid", [plain, member(plain)])
    assert fault == (
        "instance 'db-1' is db.serverless but the cluster has no "
        "serverlessv2ScalingConfiguration, which AWS requires"
    )
    assert faults("rds-serverless-v2-valid", [plain, member(plain, "db.r6g.large")]) == []


def test_storage_encryption_needs_a_customer_managed_key():
    (fault,) = faults("rds-storage-encrypted-with-cmk", [cluster(storageEncrypted=True)])
    assert fault.startswith("kmsKeyId is not a customer-managed key")
    found = faults("rds-storage-encrypted-with-cmk", [R(INSTANCE, "i", {"kmsKeyId": "alias/aws/rds"})])
    assert found[0] == "storageEncrypted is <not set>; it must be true"
    assert len(found) == 2


@pytest.mark.parametrize(
    ("restore", "value"),
    [
        ("snapshotIdentifier", "arn:aws:rds:us-east-1:123456789012:snapshot:legacy"),
        ("snapshotIdentifier", U),
        (
            "restoreToPointInTime",
            {"sourceDbInstanceIdentifier": "legacy-db", "useLatestRestorableTime": True},
        ),
    ],
)
def test_a_restored_instance_keeps_its_sources_key_whatever_it_declares(restore, value):
    # RestoreDBInstanceFromDBSnapshot and RestoreDBInstanceToPointInTime take no KmsKeyId: the provider
    # sends neither kmsKeyId nor storageEncrypted, and the instance keeps the snapshot's (or source's) key.
    key = "arn:aws:kms:us-east-1:123456789012:key/data"
    instance = R(INSTANCE, "i", {restore: value, "storageEncrypted": True, "kmsKeyId": key})
    (diagnostic,) = run("rds-storage-encrypted-with-cmk", [instance])
    assert diagnostic.level == "advisory"  # the source's key is outside what the rule can see
    assert (
        f"{restore} is set, so RDS restores the instance with its source's encryption and key and ignores "
        "storageEncrypted and kmsKeyId (a DB instance restore takes no key)" in diagnostic.message
    )
    # A cluster's restores do take a key (RestoreDBClusterFromSnapshot and ...ToPointInTime honour KmsKeyId).
    restored_cluster = cluster(snapshotIdentifier="legacy", storageEncrypted=True, kmsKeyId=key)
    assert faults("rds-storage-encrypted-with-cmk", [restored_cluster]) == []
    plain = R(INSTANCE, "i", {"snapshotIdentifier": "", "storageEncrypted": True, "kmsKeyId": key})
    assert faults("rds-storage-encrypted-with-cmk", [plain]) == []


REPLICA_KEY = "arn:aws:kms:us-east-1:123456789012:key/data"


@pytest.mark.parametrize(
    "source", ["legacy-db", "arn:aws:rds:us-east-1:123456789012:db:legacy-db", "arn:aws:rds::1:db:x"]
)
def test_a_same_region_read_replica_keeps_its_sources_key_whatever_it_declares(source):
    # CreateDBInstanceReadReplica: a replica in its source's region is always encrypted with the source's
    # key (and RDS refuses an encrypted replica of an unencrypted source); what the replica declares is not
    # what protects it, and the source may be outside the stack.
    replica = R(
        INSTANCE, "r", {"replicateSourceDb": source, "storageEncrypted": True, "kmsKeyId": REPLICA_KEY}
    )
    (diagnostic,) = run("rds-storage-encrypted-with-cmk", [replica])
    assert diagnostic.level == "advisory"
    assert (
        f"replicateSourceDb '{source}' names a DB instance in this region, so RDS encrypts the read replica "
        "with its source's encryption and key and ignores storageEncrypted and kmsKeyId (a same-region read "
        "replica takes no key of its own); the source is judged where the stack declares it, and nothing "
        "shows the key of a source outside the stack is customer-managed: check it is" in diagnostic.message
    )
    # Nor is a replica that declares nothing blocked for it: its source's key decides.
    bare = R(INSTANCE, "r", {"replicateSourceDb": source})
    assert [d.level for d in run("rds-storage-encrypted-with-cmk", [bare])] == ["advisory"]


def test_a_read_replica_whose_source_is_unknown_at_preview_gets_a_note():
    replica = R(INSTANCE, "r", {"replicateSourceDb": U, "storageEncrypted": True, "kmsKeyId": REPLICA_KEY})
    (diagnostic,) = run("rds-storage-encrypted-with-cmk", [replica])
    assert diagnostic.level == "advisory"
    assert (
        "the key that encrypts the read replica (its source's when the source is in this region, whatever "
        "the replica declares; kmsKeyId when it is in another) cannot be checked until "
        "aws:rds/instance:Instance 'r'.replicateSourceDb is known" in diagnostic.message
    )


def test_a_cross_region_read_replica_is_encrypted_with_its_kms_key_id():
    # The replica's region's key encrypts it (required for an encrypted source, refused for an unencrypted
    # one); the provider ignores storageEncrypted for a cross-region replica.
    source = "arn:aws:rds:eu-west-1:123456789012:db:orders"
    replica = R(INSTANCE, "r", {"replicateSourceDb": source, "kmsKeyId": REPLICA_KEY})
    assert faults("rds-storage-encrypted-with-cmk", [replica]) == []
    for key in ({}, {"kmsKeyId": "alias/aws/rds"}):
        managed = R(INSTANCE, "r", {"replicateSourceDb": source, "storageEncrypted": True, **key})
        assert faults("rds-storage-encrypted-with-cmk", [managed]) == [
            "kmsKeyId is not a customer-managed key, so storage is encrypted (if at all) with the AWS "
            "managed key aws/rds"
        ]
    # Aurora: CreateDBCluster takes KmsKeyId for a replica cluster (replicationSourceIdentifier), as its
    # restores do; the cluster's own settings are judged.
    replica_cluster = cluster(replicationSourceIdentifier=source, storageEncrypted=True)
    (fault,) = faults("rds-storage-encrypted-with-cmk", [replica_cluster])
    assert fault.startswith("kmsKeyId is not a customer-managed key")


def test_master_passwords_are_managed_unless_inherited():
    (fault,) = faults(
        "rds-master-password-managed",
        [R(INSTANCE, "i", {"engine": "postgres", "passwordWo": "x", "manageMasterUserPassword": True})],
    )
    assert fault == "passwordWo is set, so the database password lives in the program and its state or inputs"
    (fault,) = faults("rds-master-password-managed", [cluster()])
    assert fault == "manageMasterUserPassword is <not set>; it must be true"
    for inherited in (
        {"snapshotIdentifier": "snap"},
        {"replicationSourceIdentifier": "arn"},
        {"globalClusterIdentifier": "g"},
    ):
        assert faults("rds-master-password-managed", [cluster(**inherited)]) == []
    assert faults(
        "rds-master-password-managed", [cluster(globalClusterIdentifier="g", masterUsername="admin")]
    )
    assert faults("rds-master-password-managed", [R(INSTANCE, "i", {"replicateSourceDb": "src"})]) == []


@pytest.mark.parametrize(
    ("props", "config", "expected"),
    [
        ({"backupRetentionPeriod": 7}, None, []),
        ({"backupRetentionPeriod": 3}, {"minimumDays": 3}, []),
        ({}, None, ["backupRetentionPeriod is not set, so AWS keeps 1 day of backups; set at least 7"]),
        (
            {"backupRetentionPeriod": 1},
            None,
            ["backupRetentionPeriod is 1; keep at least 7 days of automated backups"],
        ),
        (
            {"backupRetentionPeriod": "week"},
            None,
            ["backupRetentionPeriod is 'week'; keep at least 7 days of automated backups"],
        ),
        ({"replicateSourceDb": "src"}, None, []),
    ],
)
def test_backup_retention(props, config, expected):
    assert faults("rds-backup-retention", [R(INSTANCE, "i", props)], config) == expected


@pytest.mark.parametrize(
    "type_",
    [
        "aws:rds/clusterSnapshot:ClusterSnapshot",
        "aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy",
        "aws:rds/snapshot:Snapshot",
        "aws:rds/snapshotCopy:SnapshotCopy",
    ],
)
def test_a_snapshot_shared_with_every_account_is_public(type_):
    assert faults(
        "rds-not-publicly-accessible", [R(type_, "s", {"sharedAccounts": ["123456789012", "All"]})]
    ) == [
        'sharedAccounts includes "all", so every AWS account can restore the snapshot and read the database '
        "(AWS refuses it for an encrypted snapshot, at deployment)"
    ]
    for shared in (["123456789012"], [], U, [U], None):
        props = {} if shared is None else {"sharedAccounts": shared}
        assert faults("rds-not-publicly-accessible", [R(type_, "s", props)]) == []


def test_public_access_and_iam_authentication():
    assert faults("rds-not-publicly-accessible", [R(INSTANCE, "i", {"publiclyAccessible": False})]) == []
    assert faults("rds-not-publicly-accessible", [cluster(publiclyAccessible="true")])
    assert faults("rds-iam-authentication", [cluster(iamDatabaseAuthenticationEnabled=True)]) == []
    assert faults("rds-iam-authentication", [R(INSTANCE, "i", {"engine": "sqlserver-ex"})]) == []
    assert faults("rds-iam-authentication", [cluster(engine="aurora-mysql", engineMode="serverless")]) == []
    (fault,) = faults(
        "rds-iam-authentication",
        [R(INSTANCE, "i", {"engine": "mysql", "iamDatabaseAuthenticationEnabled": False})],
    )
    assert fault == "iamDatabaseAuthenticationEnabled is False; it must be true"


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ({}, ["iamDatabaseAuthenticationEnabled is False; it must be true"]),
        ({"engineVersion": "10.11.9"}, ["iamDatabaseAuthenticationEnabled is False; it must be true"]),
        ({"engineVersion": "11.4"}, ["iamDatabaseAuthenticationEnabled is False; it must be true"]),
        ({"engineVersion": "10.6.19"}, []),
        ({"engineVersion": "10.5"}, []),
        ({"engineVersion": U}, []),
    ],
)
def test_mariadb_needs_iam_authentication_from_the_versions_that_support_it(version, expected):
    # RDS for MariaDB supports IAM database authentication on 10.11, 11.4 and 11.8, not on 10.4-10.6.
    instance = R(INSTANCE, "i", {"engine": "MariaDB", "iamDatabaseAuthenticationEnabled": False, **version})
    assert faults("rds-iam-authentication", [instance]) == expected


@pytest.mark.parametrize("engine", ["Postgres", " POSTGRES "])
def test_an_engine_written_in_another_case_is_the_same_engine(engine):
    # The provider lowercases an instance's engine, as RDS keeps it; the rules must not skip "Postgres".
    instance = R(INSTANCE, "i", {"engine": engine, "iamDatabaseAuthenticationEnabled": False})
    assert faults("rds-iam-authentication", [instance]) == [
        "iamDatabaseAuthenticationEnabled is False; it must be true"
    ]
    (fault,) = faults(
        "rds-log-exports-enabled",
        [R(INSTANCE, "i", {"engine": engine, "enabledCloudwatchLogsExports": ["upgrade"]})],
    )
    assert "does not export postgresql" in fault


PITR = "dynamodb-pitr-enabled"
PROTECTION = "dynamodb-deletion-protection"


def replica_resource(**props):
    return R(
        "aws:dynamodb/tableReplica:TableReplica",
        "replica",
        {"globalTableArn": "arn:aws:dynamodb:us-east-1:123456789012:table/trading-orders-dev", **props},
        provider={"region": "us-west-2"},
    )


@pytest.mark.parametrize(
    ("rule", "table_props", "prop"),
    [
        (PITR, {"pointInTimeRecovery": {"enabled": True}}, "pointInTimeRecovery"),
        (PROTECTION, {"deletionProtectionEnabled": True}, "deletionProtectionEnabled"),
    ],
)
def test_every_replica_of_a_table_sets_its_own_recovery_and_protection(rule, table_props, prop):
    what = "point-in-time recovery" if rule == PITR else "deletion protection"
    replicas = [
        {"regionName": "us-west-2", prop: True},
        {"regionName": "eu-west-1"},
        {"regionName": U, prop: False},
        {"regionName": "ap-south-1", prop: U},
    ]
    assert faults(rule, [table(**table_props, replicas=replicas)]) == [
        f"replicas[1] (eu-west-1) has {prop} <not set>, so this replica of the table has no {what} (each "
        "replica sets its own, off by default); it must be true",
        f"replicas[2] has {prop} False, so this replica of the table has no {what} (each replica sets its "
        "own, off by default); it must be true",
    ]
    assert faults(rule, [table(**table_props, replicas=U)]) == []
    assert faults(rule, [replica_resource(**{prop: True})]) == []
    assert faults(rule, [replica_resource(**{prop: U})]) == []
    assert faults(rule, [replica_resource()]) == [
        f"{prop} is <not set>, so this replica of the table has no {what} (each replica sets its own, off "
        "by default); it must be true"
    ]
    assert [d.level for d in run(rule, [replica_resource()])] == ["mandatory"]


def test_replica_deletion_protection_follows_the_configured_environments():
    dev = replica_resource(tags={"Environment": "dev"})
    assert faults(PROTECTION, [dev], {"environments": ["prod"]}) == []
    assert faults(PROTECTION, [dev], {"environments": ["dev"]})


@pytest.mark.parametrize(
    ("period", "config", "expected"),
    [
        (None, None, []),
        (35, None, []),
        (7, None, []),
        (U, None, []),
        (3, {"minimumRecoveryDays": 3}, []),
        (
            1,
            None,
            [
                "pointInTimeRecovery.recoveryPeriodInDays is 1, so a change noticed later than that cannot "
                "be rolled back; keep at least 7 days"
            ],
        ),
        (
            "a week",
            None,
            [
                "pointInTimeRecovery.recoveryPeriodInDays is 'a week', so a change noticed later than that "
                "cannot be rolled back; keep at least 7 days"
            ],
        ),
    ],
)
def test_point_in_time_recovery_keeps_the_configured_number_of_days(period, config, expected):
    recovery = {"enabled": True} if period is None else {"enabled": True, "recoveryPeriodInDays": period}
    assert faults(PITR, [table(pointInTimeRecovery=recovery)], config) == expected
    assert faults(PITR, [table(pointInTimeRecovery={"enabled": False, "recoveryPeriodInDays": 1})]) == [
        "pointInTimeRecovery.enabled is False; it must be true"
    ]


SERVERLESS_CMK = "opensearch-serverless-encrypted-with-cmk"
SECURITY_POLICY = "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy"
COLLECTION = "aws:opensearch/serverlessCollection:ServerlessCollection"
DATA_KEY = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
ORDERS = [{"ResourceType": "collection", "Resource": ["collection/orders*"]}]


def encryption(policy, kind="encryption"):
    text = policy if isinstance(policy, str) else json.dumps(policy)
    return R(SECURITY_POLICY, "enc", {"name": "orders-enc", "type": kind, "policy": text})


def test_a_serverless_encryption_policy_on_a_customer_managed_key_passes():
    assert (
        faults(SERVERLESS_CMK, [encryption({"Rules": ORDERS, "AWSOwnedKey": False, "KmsARN": DATA_KEY})])
        == []
    )
    assert faults(SERVERLESS_CMK, [encryption({"Rules": ORDERS, "KmsARN": U})]) == []
    assert faults(SERVERLESS_CMK, [encryption("")]) == []
    # A network policy is judged by opensearch-access-policy-not-public; so is a list under an unknown type.
    assert faults(SERVERLESS_CMK, [encryption([{"Rules": ORDERS, "AllowFromPublic": True}], "network")]) == []
    assert faults(SERVERLESS_CMK, [encryption([{"Rules": ORDERS, "AllowFromPublic": True}], U)]) == []


def test_a_serverless_encryption_policy_on_an_aws_owned_key_is_a_violation():
    (diag,) = run(SERVERLESS_CMK, [encryption({"Rules": ORDERS, "AWSOwnedKey": True})])
    assert diag.level == "mandatory"
    assert faults(SERVERLESS_CMK, [encryption({"Rules": ORDERS, "AWSOwnedKey": True})]) == [
        "policy sets AWSOwnedKey true, so the collections it matches (collection collection/orders*) are "
        "encrypted with an AWS owned key, whose use no key policy of yours limits and CloudTrail does not log"
    ]
    assert faults(SERVERLESS_CMK, [encryption({"rules": ORDERS[0], "awsOwnedKey": False}, "Encryption")]) == [
        "policy names no KmsARN, so the collections it matches (collection collection/orders*) are not "
        "encrypted with a customer-managed key"
    ]
    # A type unknown at preview: an object is an encryption policy's shape.
    (fault,) = faults(SERVERLESS_CMK, [encryption({"Rules": ORDERS, "AWSOwnedKey": "true", "KmsARN": ""}, U)])
    assert fault.startswith("policy sets AWSOwnedKey true")
    assert faults(SERVERLESS_CMK, [encryption([{"AWSOwnedKey": True}])]) == [
        "policy[0] sets AWSOwnedKey true, so the collections it matches (no collection) are encrypted with "
        "an AWS owned key, whose use no key policy of yours limits and CloudTrail does not log"
    ]
    assert faults(SERVERLESS_CMK, [encryption({"Rules": ORDERS, "AWSOwnedKey": "yes"})]) == [
        "policy sets AWSOwnedKey to 'yes', which is not true or false"
    ]


def test_a_serverless_encryption_policy_that_cannot_be_read_or_judged_yet():
    (note,) = run(SERVERLESS_CMK, [encryption(U)])
    assert note.level == "advisory"
    assert (
        f"the key the encryption policy puts collections on cannot be checked until {SECURITY_POLICY} "
        "'enc'.policy is known" in note.message
    )
    (note,) = run(SERVERLESS_CMK, [encryption({"Rules": ORDERS, "AWSOwnedKey": U})])
    assert note.level == "advisory"
    assert faults(SERVERLESS_CMK, [encryption('{"KmsARN": "a", "kmsarn": "b"}')]) == [
        'the encryption policy (policy) is unreadable: the document is ambiguous: the key "kmsarn" appears '
        "twice in one object (in any case); write each key once"
    ]
    assert faults(SERVERLESS_CMK, [R(SECURITY_POLICY, "enc", {"type": "encryption", "policy": 7})]) == [
        "the encryption policy (policy) is unreadable: it is not a string"
    ]
    assert faults(SERVERLESS_CMK, [encryption("{not json")]) == [
        "the encryption policy (policy) is unreadable: the document is not valid JSON"
    ]
    assert faults(SERVERLESS_CMK, [encryption(["collection/*"])]) == [
        "the encryption policy (policy) is unreadable: the document must be a rule set (a JSON object) or a "
        "list of rule sets"
    ]
    (fault,) = faults(SERVERLESS_CMK, [encryption({"Rules": ["collection/*"], "AWSOwnedKey": True})])
    assert fault.startswith("policy sets AWSOwnedKey true, so the collections it matches (no collection) ")


def test_a_serverless_collection_on_an_aws_owned_key_is_a_violation():
    def collection(configs):
        return R(COLLECTION, "orders", {"name": "orders", "encryptionConfigs": configs})

    assert faults(SERVERLESS_CMK, [collection([{"awsOwnedKey": False, "kmsKeyArn": DATA_KEY}])]) == []
    assert faults(SERVERLESS_CMK, [collection([{"awsOwnedKey": True, "kmsKeyArn": ""}])]) == [
        "encryptionConfigs[0].awsOwnedKey is true, so the collection is encrypted with an AWS owned key, "
        "whose use no key policy of yours limits and CloudTrail does not log"
    ]
    assert len(faults(SERVERLESS_CMK, [collection({"awsOwnedKey": "true"})])) == 1
    assert faults(SERVERLESS_CMK, [collection(["odd"])]) == []
    (note,) = run(SERVERLESS_CMK, [collection([{"awsOwnedKey": U}])])
    assert note.level == "advisory"
    assert "whether the collection uses an AWS owned key cannot be checked until" in note.message


OUTSIDE = (
    "no encryption policy of the stack matches collection orders-dev and it sets no encryptionConfigs, so "
    "its key comes from an encryption policy outside the stack, which may be an AWS owned key: whether it is "
    "a customer-managed key cannot be checked"
)


@pytest.mark.parametrize(
    "policies",
    [
        [],
        # Policies for other collections, a network policy, an empty one.
        [
            encryption(
                {"Rules": [{"ResourceType": "collection", "Resource": ["collection/trades*"]}], "KmsARN": "k"}
            )
        ],
        [
            encryption(
                {"Rules": [{"ResourceType": "index", "Resource": ["collection/orders-dev"]}], "KmsARN": "k"}
            )
        ],
        [
            encryption(
                {"Rules": [{"ResourceType": "collection", "Resource": ["collection/Orders*"]}], "KmsARN": "k"}
            )
        ],
        [encryption({"Rules": ORDERS[0], "AWSOwnedKey": False, "KmsARN": "k"}, "network")],
        [encryption([{"Rules": ORDERS, "AllowFromPublic": True}], U)],
        [encryption("")],
    ],
)
def test_a_serverless_collection_whose_key_no_policy_of_the_stack_sets_is_a_note(policies):
    # AWS creates a collection only when an encryption policy matches its name: without one in the stack,
    # the collection takes its key from a policy outside it, which may be an AWS owned key (the console's
    # default).
    collection = R(COLLECTION, "orders", {"name": "orders-dev"})
    diags = [d for d in run(SERVERLESS_CMK, [*policies, collection]) if "'orders'" in d.message]
    assert [d.level for d in diags] == ["advisory"]
    assert faults(SERVERLESS_CMK, [*policies, collection])[-1] == OUTSIDE


@pytest.mark.parametrize(
    "policies",
    [
        [encryption({"Rules": ORDERS, "AWSOwnedKey": False, "KmsARN": DATA_KEY})],
        [
            encryption(
                {"Rules": {"resourceType": "Collection", "resource": "collection/orders-dev"}, "KmsARN": "k"}
            )
        ],
        # A type not known yet: an object is an encryption policy's shape.
        [encryption({"Rules": ORDERS, "KmsARN": DATA_KEY}, U)],
        # A policy not known yet or unreadable has its own finding.
        [encryption(U)],
        [encryption("{not json")],
    ],
)
def test_a_serverless_collection_is_judged_by_the_stacks_policy_that_matches_it(policies):
    collection = R(COLLECTION, "orders", {"name": "orders-dev"})
    assert [d for d in run(SERVERLESS_CMK, [*policies, collection]) if "'orders'" in d.message] == []
    # Its own encryptionConfigs, or a name or configs not known yet: no note either.
    for props in ({"encryptionConfigs": [{"awsOwnedKey": False, "kmsKeyArn": DATA_KEY}]}, {"name": U}):
        assert run(SERVERLESS_CMK, [R(COLLECTION, "orders", {"name": "orders-dev"} | props)]) == []
    (note,) = run(SERVERLESS_CMK, [R(COLLECTION, "orders", {"name": "orders-dev", "encryptionConfigs": U})])
    assert note.level == "advisory"
    assert "whether the collection uses an AWS owned key cannot be checked until" in note.message
