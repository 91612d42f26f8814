"""The trading platform stack: settings first, then the components in dependency order, then the outputs.

Keys -> log groups (encrypted with the logs key, before anything writes logs) -> network -> storage and
tables -> database -> ledger -> function -> API -> its firewall. Reading this file top to bottom is reading
the architecture.
"""

import pulumi
import pulumi_aws as aws

from components.api import ACCOUNT_ROLE_OUTPUT, Api, ApiArgs
from components.conventions import AwsTarget
from components.database import DATABASE_NAME, Database, DatabaseArgs, ScalingArgs
from components.firewall import Firewall, FirewallArgs
from components.function import Function, FunctionArgs, code_archive
from components.keys import Keys, KeysArgs
from components.ledger import Ledger, LedgerArgs
from components.logs import LogGroups, LogGroupsArgs, logs_key_log_groups
from components.network import Network, NetworkArgs
from components.storage import Storage, StorageArgs
from components.tables import POINT_IN_TIME_RECOVERY, Tables, TablesArgs
from settings import load_settings, select_availability_zones, select_endpoint_zones

settings = load_settings()

identity = aws.get_caller_identity()
partition = aws.get_partition()
target = AwsTarget(
    account_id=identity.account_id,
    region=settings.region,
    partition=partition.partition,
    dns_suffix=partition.dns_suffix,
    reverse_dns_prefix=partition.reverse_dns_prefix,
)
zones = select_availability_zones(
    # Only the region's own zones: in an account that opted in to Local Zones they are listed too (and sort
    # first), and Aurora, NAT gateways and interface endpoints are not offered there.
    aws.get_availability_zones(
        state="available",
        filters=[{"name": "opt-in-status", "values": ["opt-in-not-required"]}],
        region=settings.region,
    ).names,
    settings.az_count,
    settings.region,
)
# Interface endpoints go only into the zones where AWS offers each service.
endpoint_zones = {
    service: select_endpoint_zones(
        service,
        aws.ec2.get_vpc_endpoint_service(service=service, service_type="Interface").availability_zones,
        zones,
    )
    for service in settings.interface_endpoints
}
names = settings.names(target.account_id)
tags = settings.tags
keep = settings.protect_stateful_resources

keys = Keys(
    "keys",
    KeysArgs(
        target=target,
        names=names,
        tags=tags,
        log_group_names=logs_key_log_groups(names),
        deletion_window_days=settings.key_deletion_window_days,
        protect=keep,
        # A final snapshot outlives the stack, encrypted with the data key: the key must stay readable.
        keep_data_key=settings.final_snapshot,
    ),
)
logs = LogGroups(
    "logs",
    LogGroupsArgs(
        names=names,
        tags=tags,
        retention_days=settings.log_retention_days,
        kms_key_arn=keys.logs_key.arn if settings.log_encryption else None,
        protect=keep,
    ),
)
network = Network(
    "network",
    NetworkArgs(
        target=target,
        names=names,
        tags=tags,
        cidr=settings.vpc_cidr,
        zones=zones,
        internet_egress=settings.internet_egress,
        interface_endpoints=settings.interface_endpoints,
        endpoint_zones=endpoint_zones,
        flow_logs_log_group_arn=logs.flow_logs.arn,
    ),
)
storage = Storage(
    "storage",
    StorageArgs(
        target=target,
        names=names,
        tags=tags,
        kms_key_arn=keys.data_key.arn,
        access_log_retention_days=settings.access_log_retention_days,
        noncurrent_version_retention_days=settings.noncurrent_version_retention_days,
        protect=keep,
    ),
)
tables = Tables(
    "tables",
    TablesArgs(
        names=names,
        tags=tags,
        kms_key_arn=keys.data_key.arn,
        deletion_protection=settings.deletion_protection,
        protect=keep,
    ),
)
database = Database(
    "database",
    DatabaseArgs(
        names=names,
        tags=tags,
        engine_version=settings.aurora_engine_version,
        scaling=ScalingArgs(
            min_capacity=settings.aurora_min_capacity,
            max_capacity=settings.aurora_max_capacity,
            seconds_until_auto_pause=settings.aurora_seconds_until_auto_pause,
        ),
        instance_count=settings.aurora_instance_count,
        zones=zones,
        subnet_ids=[subnet.id for subnet in network.isolated_subnets],
        security_group_id=network.database_security_group.id,
        kms_key_arn=keys.data_key.arn,
        log_group=logs.database,
        backup_retention_days=settings.backup_retention_days,
        deletion_protection=settings.deletion_protection,
        final_snapshot=settings.final_snapshot,
        protect=keep,
    ),
)
ledger = Ledger(
    "ledger",
    LedgerArgs(
        target=target,
        names=names,
        tags=tags,
        code=code_archive("app"),
        migrations_directory="app/ledger/migrations",
        subnet_ids=[subnet.id for subnet in network.private_subnets],
        security_group_id=network.function_security_group.id,
        kms_key_arn=keys.data_key.arn,
        table_stream_arn=tables.orders.stream_arn,
        cluster_arn=database.cluster.arn,
        master_secret_arn=database.master_user_secret_arn,
        database_name=DATABASE_NAME,
        cluster_instances=database.instances,
        writer_log_group=logs.ledger_writer,
        migration_log_group=logs.ledger_migration,
        log_level=settings.log_level,
    ),
)
function = Function(
    "function",
    FunctionArgs(
        target=target,
        names=names,
        tags=tags,
        code_directory="app",
        subnet_ids=[subnet.id for subnet in network.private_subnets],
        security_group_id=network.function_security_group.id,
        kms_key_arn=keys.data_key.arn,
        log_group=logs.function,
        table_name=tables.orders.name,
        table_arn=tables.orders.arn,
        cluster_arn=database.cluster.arn,
        # The application role's secret: the orders API never sees the master secret.
        secret_arn=ledger.app_secret.arn,
        database_name=DATABASE_NAME,
        reserved_concurrency=settings.lambda_reserved_concurrency,
        memory_mb=settings.lambda_memory_mb,
        timeout_seconds=settings.lambda_timeout_seconds,
        log_level=settings.log_level,
    ),
)
api = Api(
    "api",
    ApiArgs(
        target=target,
        names=names,
        tags=tags,
        function_name=function.function.name,
        function_invoke_arn=function.function.invoke_arn,
        access_log_group=logs.api_access,
        throttle_rate_limit=settings.api_throttle_rate_limit,
        throttle_burst_limit=settings.api_throttle_burst_limit,
        manage_account=settings.manage_api_gateway_account,
        account_stack=settings.api_gateway_account_stack,
        log_retention_days=settings.log_retention_days,
        logs_kms_key_arn=keys.logs_key.arn if settings.log_encryption else None,
        protect_logs=keep,
    ),
)
firewall = Firewall(
    "firewall",
    FirewallArgs(target=target, names=names, tags=tags, stage_arn=api.stage.arn, log_group=logs.waf),
)

pulumi.export("region", target.region)
pulumi.export("accountId", target.account_id)
pulumi.export("environmentSuffix", settings.environment_suffix)
pulumi.export("apiUrl", api.stage.invoke_url)
pulumi.export("apiId", api.rest_api.id)
pulumi.export("apiStageName", api.stage.stage_name)
pulumi.export("functionName", function.function.name)
pulumi.export("functionArn", function.function.arn)
pulumi.export("ordersTableName", tables.orders.name)
pulumi.export("ordersTableArn", tables.orders.arn)
pulumi.export("dataBucketName", storage.data_bucket.bucket)
pulumi.export("accessLogsBucketName", storage.access_logs_bucket.bucket)
pulumi.export("clusterArn", database.cluster.arn)
pulumi.export("clusterIdentifier", database.cluster.cluster_identifier)
pulumi.export("clusterEndpoint", database.cluster.endpoint)
pulumi.export("clusterReaderEndpoint", database.cluster.reader_endpoint)
pulumi.export("clusterMasterUserSecretArn", database.master_user_secret_arn)
pulumi.export("clusterEngineVersion", database.engine_version_actual)
pulumi.export("ledgerWriterName", ledger.writer.name)
pulumi.export("ledgerMigrationFunctionName", ledger.migration.name)
pulumi.export("ledgerDeadLetterQueueUrl", ledger.dead_letter_queue.url)
pulumi.export("ledgerAppSecretArn", ledger.app_secret.arn)
pulumi.export("dataKeyArn", keys.data_key.arn)
pulumi.export("logsKeyArn", keys.logs_key.arn)
pulumi.export("webAclArn", firewall.web_acl.arn)
# Set here (dev, prod) or read from the stack that sets it (staging): the other stacks of the account read it.
pulumi.export(ACCOUNT_ROLE_OUTPUT, api.account_role_arn)
pulumi.export("logGroupNames", logs.names)
pulumi.export("vpcId", network.vpc.id)
pulumi.export("privateSubnetIds", [subnet.id for subnet in network.private_subnets])
pulumi.export("isolatedSubnetIds", [subnet.id for subnet in network.isolated_subnets])
pulumi.export("publicSubnetIds", [subnet.id for subnet in network.public_subnets])
pulumi.export(
    "expected",
    {
        "auroraMinCapacity": settings.aurora_min_capacity,
        "auroraMaxCapacity": settings.aurora_max_capacity,
        "deletionProtection": settings.deletion_protection,
        "logRetentionDays": settings.log_retention_days,
        "logEncryption": settings.log_encryption,
        "pointInTimeRecovery": POINT_IN_TIME_RECOVERY,
    },
)
