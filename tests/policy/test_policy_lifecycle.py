"""What AWS does after day one: engine versions that drift past a pinned minor, and final snapshots whose
key would be deleted with the stack."""

from __future__ import annotations

import pytest
from policy_harness import R, U, run
from trading_policies.lifecycle import pinned_minor

CLUSTER = "aws:rds/cluster:Cluster"
MEMBER = "aws:rds/clusterInstance:ClusterInstance"
INSTANCE = "aws:rds/instance:Instance"
KEY = "aws:kms/key:Key"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/data"


def faults(rule, resources):
    return [(d.level, d.message.split(": ", 1)[1].split(". Fix:")[0]) for d in run(rule, resources)]


@pytest.mark.parametrize(
    ("engine", "version", "pinned"),
    [
        ("aurora-postgresql", "16", False),
        ("aurora-postgresql", "16.6", True),
        ("postgres", "16.4", True),
        (" Postgres ", "16.4", True),  # RDS keeps the engine in lower case
        ("MySQL", "8.0.36", True),
        ("postgres", "9.6", False),  # a pre-10 PostgreSQL major has two numbers
        ("aurora-mysql", "8.0", False),
        ("aurora-mysql", "8.0.mysql_aurora.3.05.2", True),
        ("mysql", "8.0.36", True),
        ("mariadb", "10.11", False),
        ("oracle-ee", "19.0.0.0.ru-2024-01.rur-2024-01.r1", False),
        ("aurora-postgresql", U, False),
        (None, "16.6", False),
    ],
)
def test_which_versions_pin_a_minor(engine, version, pinned):
    assert pinned_minor(engine, version) is pinned


def cluster(version="16.6", ignore=(), **props):
    return R(
        CLUSTER,
        "db",
        {
            "engine": "aurora-postgresql",
            "clusterIdentifier": "trading-db-dev",
            "engineVersion": version,
            **props,
        },
        ignore_changes=list(ignore),
    )


def member(target, **props):
    return R(
        MEMBER,
        "db-1",
        {"clusterIdentifier": "trading-db-dev", "instanceClass": "db.serverless", **props},
        deps={"clusterIdentifier": [target]},
    )


def test_a_pinned_minor_with_automatic_upgrades_is_a_violation():
    db = cluster()
    ((level, fault),) = faults("rds-engine-version-follows-upgrades", [db, member(db)])
    assert level == "mandatory"
    assert fault.startswith("engineVersion '16.6' pins a minor version while automatic minor upgrades are on")
    assert "tries a downgrade, which RDS refuses" in fault


def test_a_cluster_without_instances_in_the_stack_is_judged_by_the_default():
    assert faults("rds-engine-version-follows-upgrades", [cluster()])


@pytest.mark.parametrize(
    "resources",
    [
        lambda: [db := cluster("16"), member(db)],  # the major alone follows AWS's upgrades
        lambda: [db := cluster(ignore=["engineVersion"]), member(db)],  # the pin is the creation version
        lambda: [db := cluster(), member(db, autoMinorVersionUpgrade=False)],  # nobody upgrades it
        lambda: [db := cluster(), member(db, autoMinorVersionUpgrade=U)],  # not known yet
        lambda: [cluster(version=U)],
    ],
)
def test_versions_that_cannot_drift_pass(resources):
    assert faults("rds-engine-version-follows-upgrades", resources()) == []


def test_instances_are_judged_on_their_own_upgrade_setting():
    pinned = {"engine": "postgres", "engineVersion": "16.4"}
    (fault,) = faults("rds-engine-version-follows-upgrades", [R(INSTANCE, "db", pinned)])
    assert "postgres database" in fault[1]
    off = R(INSTANCE, "db", {**pinned, "autoMinorVersionUpgrade": False})
    assert faults("rds-engine-version-follows-upgrades", [off]) == []
    ((level, fault),) = faults(
        "rds-engine-version-follows-upgrades", [R(INSTANCE, "db", {**pinned, "engine": "Postgres"})]
    )
    assert level == "mandatory"
    assert fault.startswith("engineVersion '16.4' pins a minor version while automatic minor upgrades are on")


def key(protect):
    return R(KEY, "data-key", {"arn": KEY_ARN}, protect=protect)


def snapshotting(target, **props):
    return R(CLUSTER, "db", {"kmsKeyId": U, **props}, deps={"kmsKeyId": [target]})


@pytest.mark.parametrize("skip", [{"skipFinalSnapshot": False}, {}])  # the provider's default is to keep one
def test_a_kept_final_snapshot_needs_a_kept_key(skip):
    data_key = key(protect=False)
    ((level, fault),) = faults("rds-final-snapshot-key-kept", [data_key, snapshotting(data_key, **skip)])
    assert level == "mandatory"
    assert "keeps a final snapshot on delete" in fault
    assert "aws:kms/key:Key 'data-key', which is not protected" in fault


def test_a_protected_key_or_no_snapshot_passes():
    protected = key(protect=True)
    assert faults("rds-final-snapshot-key-kept", [protected, snapshotting(protected)]) == []
    plain = key(protect=False)
    assert faults("rds-final-snapshot-key-kept", [plain, snapshotting(plain, skipFinalSnapshot=True)]) == []


def test_a_key_found_by_its_arn_in_update_mode_counts_too():
    data_key = key(protect=False)
    database = R(INSTANCE, "db", {"kmsKeyId": KEY_ARN, "skipFinalSnapshot": False})
    assert faults("rds-final-snapshot-key-kept", [data_key, database])


@pytest.mark.parametrize(
    "key_type", ["aws:kms/replicaKey:ReplicaKey", "aws:kms/externalKey:ExternalKey", KEY]
)
def test_a_key_named_through_an_alias_or_of_another_kind_counts_too(key_type):
    # RDS takes an alias name or ARN for kmsKeyId; pulumi destroy schedules any key type for deletion.
    data_key = R(key_type, "data-key", {"arn": KEY_ARN, "keyId": "data"})
    alias = R(
        "aws:kms/alias:Alias",
        "data-alias",
        {"name": "alias/data", "targetKeyId": U},
        deps={"targetKeyId": [data_key]},
    )
    ((level, fault),) = faults("rds-final-snapshot-key-kept", [data_key, alias, snapshotting(alias)])
    assert level == "mandatory"
    assert f"{key_type} 'data-key', which is not protected" in fault
    alias.props["targetKeyId"], alias.deps = "data", {}
    by_name = R(INSTANCE, "db", {"kmsKeyId": "alias/data"})
    assert len(faults("rds-final-snapshot-key-kept", [data_key, alias, by_name])) == 1
    data_key.protect = True
    assert faults("rds-final-snapshot-key-kept", [data_key, alias, by_name]) == []


def test_a_key_outside_the_stack_is_not_judged():
    database = R(CLUSTER, "db", {"kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/elsewhere"})
    assert faults("rds-final-snapshot-key-kept", [database]) == []
