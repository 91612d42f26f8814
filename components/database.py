"""Aurora PostgreSQL Serverless v2 in the isolated subnets.

Serverless v2 is the ``provisioned`` engine mode with a scaling range and ``db.serverless`` instances;
storage and the Secrets Manager master secret are encrypted with the data key; IAM authentication and the
Data API are on; the ``postgresql`` log goes to the log group the stack declared (which must exist first,
or RDS creates it unencrypted with no retention); TLS is enforced by the cluster parameter group.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.conventions import Names, Tags, child_options

ENGINE = "aurora-postgresql"
DATABASE_NAME = "trading"
MASTER_USERNAME = "trading_admin"
PORT = 5432
EXTENDED_SUPPORT_DISABLED = "open-source-rds-extended-support-disabled"
# Parameters that PCI DSS 4.0 asks of a database: encrypted connections (4.2.1), logged sessions, schema
# and role changes, and slow queries (10.2.1, 10.2.1.2, 10.2.1.5). log_statement stays at ddl: mod or all
# would copy order values from every write into the logs.
CLUSTER_PARAMETERS = {
    "rds.force_ssl": "1",
    "log_connections": "1",
    "log_disconnections": "1",
    "log_statement": "ddl",
    "log_min_duration_statement": "1000",
}


@dataclass(frozen=True)
class ScalingArgs:
    min_capacity: float
    max_capacity: float
    seconds_until_auto_pause: int | None


@dataclass(frozen=True)
class DatabaseArgs:
    names: Names
    tags: Tags
    engine_version: str
    scaling: ScalingArgs
    instance_count: int
    zones: Sequence[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    log_group: pulumi.Resource
    backup_retention_days: int
    deletion_protection: bool
    final_snapshot: bool
    protect: bool


class Database(pulumi.ComponentResource):
    """The Aurora cluster, its instances (spread over the zones), subnet group and parameter group."""

    cluster: aws.rds.Cluster
    instances: list[aws.rds.ClusterInstance]
    master_user_secret_arn: pulumi.Output[str]
    engine_version_actual: pulumi.Output[str]

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("trading:database:Database", name, None, opts)
        names, tags, child = args.names, args.tags, child_options(self)
        major = args.engine_version.split(".")[0]

        subnet_group = aws.rds.SubnetGroup(
            f"{name}-subnets",
            name=names.cluster,
            description="Isolated subnets of the trading database",
            subnet_ids=list(args.subnet_ids),
            tags=tags.plain(names.cluster),
            opts=child,
        )
        family = f"{ENGINE}{major}"
        parameter_group = aws.rds.ClusterParameterGroup(
            f"{name}-parameters",
            # The family is create-only: a new major replaces the group. Named after its family, the new group
            # is created beside the old one (the cluster's until it moves) instead of clashing with it.
            name=names.db_parameter_group(family),
            family=family,
            # Changing the description replaces the group (and its fixed name would clash): keep it as is.
            description="Trading database: TLS only, connections logged",
            parameters=[
                aws.rds.ClusterParameterGroupParameterArgs(name=key, value=value)
                for key, value in CLUSTER_PARAMETERS.items()
            ],
            tags=tags.plain(names.cluster),
            opts=child,
        )
        scaling = args.scaling
        final_snapshot_identifier: pulumi.Input[str] | None = None
        if args.final_snapshot:
            # The snapshot outlives the cluster, so a fixed name works once: deleting a re-created cluster
            # would then fail on the existing snapshot. The suffix is drawn once per cluster identifier.
            suffix = random.RandomId(
                f"{name}-final-snapshot-suffix",
                byte_length=4,
                keepers={"clusterIdentifier": names.cluster},
                opts=child,
            )
            final_snapshot_identifier = pulumi.Output.concat(names.final_snapshot, "-", suffix.hex)
        # Instances take AWS's minor upgrades in the maintenance window. A major version alone follows them
        # (the provider matches it against the running version); a pinned minor only says where a new cluster
        # starts, so changes to it are ignored rather than sent to RDS as a downgrade it refuses.
        pinned_minor = "." in args.engine_version
        self.cluster = aws.rds.Cluster(
            f"{name}-cluster",
            cluster_identifier=names.cluster,
            engine=ENGINE,
            engine_mode="provisioned",
            engine_version=args.engine_version,
            # RDS refuses a new major in ModifyDBCluster unless this is set; it changes nothing else. A new
            # major in the setting (or the one AWS moved the cluster to at the end of standard support) then
            # upgrades the cluster and moves it to that family's parameter group in the same call.
            allow_major_version_upgrade=True,
            # No RDS Extended Support: its charges start when a major version leaves standard support; AWS
            # then upgrades the cluster instead (plan the major upgrade before that date).
            engine_lifecycle_support=EXTENDED_SUPPORT_DISABLED,
            serverlessv2_scaling_configuration=aws.rds.ClusterServerlessv2ScalingConfigurationArgs(
                min_capacity=scaling.min_capacity,
                max_capacity=scaling.max_capacity,
                seconds_until_auto_pause=scaling.seconds_until_auto_pause,
            ),
            database_name=DATABASE_NAME,
            master_username=MASTER_USERNAME,
            manage_master_user_password=True,
            master_user_secret_kms_key_id=args.kms_key_arn,
            storage_encrypted=True,
            kms_key_id=args.kms_key_arn,
            iam_database_authentication_enabled=True,
            enable_http_endpoint=True,
            enabled_cloudwatch_logs_exports=["postgresql"],
            port=PORT,
            db_subnet_group_name=subnet_group.name,
            db_cluster_parameter_group_name=parameter_group.name,
            vpc_security_group_ids=[args.security_group_id],
            backup_retention_period=args.backup_retention_days,
            preferred_backup_window="03:00-04:00",
            preferred_maintenance_window="sun:04:30-sun:05:30",
            copy_tags_to_snapshot=True,
            deletion_protection=args.deletion_protection,
            skip_final_snapshot=not args.final_snapshot,
            final_snapshot_identifier=final_snapshot_identifier,
            # Automated backups outlive the cluster when it is kept on delete.
            delete_automated_backups=not args.protect,
            tags=tags.sensitive(names.cluster),
            opts=pulumi.ResourceOptions.merge(
                child_options(self, keep=args.protect, depends_on=[args.log_group]),
                pulumi.ResourceOptions(ignore_changes=["engineVersion"] if pinned_minor else None),
            ),
        )
        self.instances = [
            aws.rds.ClusterInstance(
                f"{name}-instance-{number}",
                identifier=names.db_instance(number),
                cluster_identifier=self.cluster.id,
                instance_class="db.serverless",
                engine=ENGINE,
                # No engine_version: instances run the cluster's version, which RDS upgrades for them.
                # Instances take the zones in turn, so two or more never share one while zones remain.
                availability_zone=args.zones[(number - 1) % len(args.zones)],
                db_subnet_group_name=subnet_group.name,
                publicly_accessible=False,
                auto_minor_version_upgrade=True,
                promotion_tier=number - 1,
                tags=tags.sensitive(names.db_instance(number)),
                opts=child_options(self, keep=args.protect),
            )
            for number in range(1, args.instance_count + 1)
        ]
        # RDS creates exactly one master secret when it manages the password.
        self.master_user_secret_arn = self.cluster.master_user_secrets.apply(
            lambda secrets: secrets[0].secret_arn
        )
        # What AWS actually runs (e.g. 16.8 for "16", or past a pinned minor after an automatic upgrade).
        self.engine_version_actual = self.cluster.engine_version_actual
        self.register_outputs(
            {
                "clusterArn": self.cluster.arn,
                "clusterEndpoint": self.cluster.endpoint,
                "masterUserSecretArn": self.master_user_secret_arn,
                "engineVersionActual": self.engine_version_actual,
            }
        )
