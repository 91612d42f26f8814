"""Aurora Serverless v2: engine mode, scaling, encryption, managed secret, logs, instances per zone."""

import re

import pulumi
import pulumi_aws as aws
import pytest
from stack_harness import BASE_TAGS, PCI_TAGS, UNKNOWN, component_context, run_program

from components.database import CLUSTER_PARAMETERS, Database, DatabaseArgs, ScalingArgs

KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/data"
ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"]
PAUSING = ScalingArgs(min_capacity=0, max_capacity=2, seconds_until_auto_pause=600)


def _database(
    *, scaling=PAUSING, instances=1, final_snapshot=False, protect=False, preview=False, version="16"
):
    _, names, tags = component_context()

    def program() -> None:
        log_group = aws.cloudwatch.LogGroup("db-logs", name=names.database_log_group, retention_in_days=30)
        database = Database(
            "database",
            DatabaseArgs(
                names=names,
                tags=tags,
                engine_version=version,
                scaling=scaling,
                instance_count=instances,
                zones=ZONES,
                subnet_ids=["subnet-iso-1", "subnet-iso-2"],
                security_group_id="sg-db",
                kms_key_arn=KEY_ARN,
                log_group=log_group,
                backup_retention_days=7,
                deletion_protection=protect,
                final_snapshot=final_snapshot,
                protect=protect,
            ),
        )
        pulumi.export("secret", database.master_user_secret_arn)
        pulumi.export("engineVersionActual", database.engine_version_actual)

    return run_program(program, preview=preview)


def test_cluster_is_serverless_v2_encrypted_with_a_managed_secret():
    cluster = _database().one("aws:rds/cluster:Cluster").inputs

    assert cluster["engine"] == "aurora-postgresql"
    assert cluster["engineMode"] == "provisioned"
    assert cluster["engineVersion"] == "16"
    # Extended Support is charged once a major leaves standard support: opted out.
    assert cluster["engineLifecycleSupport"] == "open-source-rds-extended-support-disabled"
    assert cluster["serverlessv2ScalingConfiguration"] == {
        "minCapacity": 0,
        "maxCapacity": 2,
        "secondsUntilAutoPause": 600,
    }
    assert cluster["storageEncrypted"] is True
    assert cluster["kmsKeyId"] == KEY_ARN
    assert cluster["manageMasterUserPassword"] is True
    assert cluster["masterUserSecretKmsKeyId"] == KEY_ARN
    assert "masterPassword" not in cluster
    assert cluster["iamDatabaseAuthenticationEnabled"] is True
    assert cluster["enableHttpEndpoint"] is True
    assert cluster["enabledCloudwatchLogsExports"] == ["postgresql"]
    assert cluster["copyTagsToSnapshot"] is True
    assert cluster["backupRetentionPeriod"] == 7
    assert cluster["vpcSecurityGroupIds"] == ["sg-db"]
    assert cluster["clusterIdentifier"] == "trading-db-dev"
    assert cluster["tags"] == {**BASE_TAGS, **PCI_TAGS, "Name": "trading-db-dev"}


def test_the_log_group_exists_before_the_cluster_exports_to_it():
    run = _database()

    assert run.named("db-logs").urn in run.one("aws:rds/cluster:Cluster").dependencies


def test_a_cluster_that_does_not_pause_sends_no_pause_timer():
    cluster = _database(scaling=ScalingArgs(2, 32, None)).one("aws:rds/cluster:Cluster").inputs

    assert cluster["serverlessv2ScalingConfiguration"] == {"minCapacity": 2, "maxCapacity": 32}


def test_cluster_lives_in_the_isolated_subnets_with_tls_enforced():
    run = _database()
    cluster = run.one("aws:rds/cluster:Cluster")
    subnet_group = run.one("aws:rds/subnetGroup:SubnetGroup")
    parameters = run.one("aws:rds/clusterParameterGroup:ClusterParameterGroup")

    assert subnet_group.inputs["subnetIds"] == ["subnet-iso-1", "subnet-iso-2"]
    assert cluster.property_dependencies["dbSubnetGroupName"] == [subnet_group.urn]
    assert parameters.inputs["family"] == "aurora-postgresql16"
    assert {p["name"]: p["value"] for p in parameters.inputs["parameters"]} == CLUSTER_PARAMETERS
    assert CLUSTER_PARAMETERS["rds.force_ssl"] == "1"
    assert cluster.property_dependencies["dbClusterParameterGroupName"] == [parameters.urn]


def test_cluster_logs_schema_changes_and_slow_queries_to_cloudwatch():
    run = _database()
    cluster = run.one("aws:rds/cluster:Cluster").inputs
    parameters = {
        p["name"]: p["value"]
        for p in run.one("aws:rds/clusterParameterGroup:ClusterParameterGroup").inputs["parameters"]
    }

    # ddl, not mod or all: those would copy the order values of every write into the logs.
    assert parameters["log_statement"] == "ddl"
    assert parameters["log_min_duration_statement"] == "1000"
    assert parameters["log_connections"] == parameters["log_disconnections"] == "1"
    assert cluster["enabledCloudwatchLogsExports"] == ["postgresql"]
    # The description is create-only: a new one would replace the group under its fixed name.
    assert (
        run.one("aws:rds/clusterParameterGroup:ClusterParameterGroup").inputs["description"]
        == "Trading database: TLS only, connections logged"
    )


def test_dev_deletes_without_snapshot_or_protection():
    cluster = _database(final_snapshot=False, protect=False).one("aws:rds/cluster:Cluster")

    assert cluster.inputs["skipFinalSnapshot"] is True
    assert "finalSnapshotIdentifier" not in cluster.inputs
    assert cluster.inputs["deletionProtection"] is False
    assert cluster.inputs["deleteAutomatedBackups"] is True
    assert (cluster.protect, cluster.retain_on_delete) == (False, False)


def test_a_kept_cluster_takes_a_final_snapshot_and_survives_destroy():
    run = _database(final_snapshot=True, protect=True, instances=2)
    cluster = run.one("aws:rds/cluster:Cluster")

    assert cluster.inputs["skipFinalSnapshot"] is False
    suffix = run.one("random:index/randomId:RandomId")
    assert suffix.inputs["byteLength"] == 4
    assert suffix.inputs["keepers"] == {"clusterIdentifier": "trading-db-dev"}
    assert re.fullmatch(r"trading-db-final-dev-[0-9a-f]{8}", cluster.inputs["finalSnapshotIdentifier"])
    assert cluster.property_dependencies["finalSnapshotIdentifier"] == [suffix.urn]
    assert cluster.inputs["deletionProtection"] is True
    assert cluster.inputs["deleteAutomatedBackups"] is False
    assert (cluster.protect, cluster.retain_on_delete) == (True, True)
    for instance in run.of_type("aws:rds/clusterInstance:ClusterInstance"):
        assert (instance.protect, instance.retain_on_delete) == (True, True)


@pytest.mark.parametrize(
    ("count", "zones"), [(1, ["us-east-1a"]), (2, ZONES[:2]), (4, [*ZONES, "us-east-1a"])]
)
def test_instances_are_serverless_private_and_take_the_zones_in_turn(count, zones):
    run = _database(instances=count)
    instances = run.of_type("aws:rds/clusterInstance:ClusterInstance")

    assert [instance.inputs["availabilityZone"] for instance in instances] == zones
    for number, instance in enumerate(instances, start=1):
        assert instance.inputs["identifier"] == f"trading-db-{number}-dev"
        assert instance.inputs["instanceClass"] == "db.serverless"
        assert instance.inputs["engine"] == "aurora-postgresql"
        assert "engineVersion" not in instance.inputs  # the cluster's version, upgraded by RDS
        assert instance.inputs["publiclyAccessible"] is False
        assert instance.inputs["promotionTier"] == number - 1
        assert instance.property_dependencies["clusterIdentifier"] == [run.one("aws:rds/cluster:Cluster").urn]
        assert PCI_TAGS.items() <= instance.inputs["tags"].items()


def test_master_secret_arn_comes_from_the_cluster():
    assert (
        _database().outputs["secret"].startswith("arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!")
    )
    assert _database(preview=True).outputs["secret"] == UNKNOWN


def test_a_major_version_follows_aws_minor_upgrades_without_ignoring_changes():
    cluster = _database(version="16").one("aws:rds/cluster:Cluster")
    assert cluster.inputs["engineVersion"] == "16"
    assert cluster.ignore_changes == []  # a later major upgrade in the setting still reaches RDS


def test_a_pinned_minor_is_the_creation_version_only():
    # AWS's automatic minor upgrade moves the cluster past 16.6; sending 16.6 again is a refused downgrade.
    cluster = _database(version="16.6").one("aws:rds/cluster:Cluster")
    assert cluster.inputs["engineVersion"] == "16.6"
    assert cluster.ignore_changes == ["engineVersion"]


@pytest.mark.parametrize("version", ["16", "17"])
def test_a_new_major_upgrades_the_cluster_into_a_parameter_group_of_its_own(version):
    # The family is create-only: a new major replaces the group. Under one fixed name the replacement would
    # clash with the group the cluster still uses (DBParameterGroupAlreadyExists); and RDS refuses a new
    # major in ModifyDBCluster without AllowMajorVersionUpgrade.
    run = _database(version=version)
    cluster = run.one("aws:rds/cluster:Cluster")
    parameters = run.one("aws:rds/clusterParameterGroup:ClusterParameterGroup").inputs

    assert parameters["family"] == f"aurora-postgresql{version}"
    assert parameters["name"] == f"trading-db-aurora-postgresql{version}-dev"
    assert cluster.inputs["dbClusterParameterGroupName"] == parameters["name"]
    assert cluster.inputs["allowMajorVersionUpgrade"] is True


def test_the_running_engine_version_is_an_output():
    # The provider reports engineVersionActual once the cluster exists: unknown at the first preview.
    assert _database(version="16").outputs["engineVersionActual"] == "16.8"
    assert _database(preview=True).outputs["engineVersionActual"] == UNKNOWN
