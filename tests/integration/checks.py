"""Pure checks of deployed resources: each takes boto3 responses and the values the stack's outputs promise,
and returns a list of problems (empty when the resource is as meant). Nothing here calls AWS, so every check
is unit-tested against moto's responses before anyone deploys.

Every problem is one line naming the resource, what AWS reports and what was expected.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from fnmatch import fnmatchcase
from typing import Any

Problems = list[str]

STRING_OUTPUTS = (
    "region",
    "accountId",
    "environmentSuffix",
    "apiUrl",
    "apiId",
    "apiStageName",
    "functionName",
    "functionArn",
    "ordersTableName",
    "ordersTableArn",
    "dataBucketName",
    "accessLogsBucketName",
    "clusterArn",
    "clusterIdentifier",
    "clusterEndpoint",
    "clusterReaderEndpoint",
    "clusterMasterUserSecretArn",
    "dataKeyArn",
    "logsKeyArn",
    "vpcId",
)
LIST_OUTPUTS = ("privateSubnetIds", "isolatedSubnetIds", "publicSubnetIds")
LOG_GROUP_KEYS = ("function", "apiAccess", "database", "flowLogs", "waf")
EXPECTED_KEYS: dict[str, tuple[type, ...]] = {
    "auroraMinCapacity": (int, float),
    "auroraMaxCapacity": (int, float),
    "deletionProtection": (bool,),
    "logRetentionDays": (int,),
    "logEncryption": (bool,),
    "pointInTimeRecovery": (bool,),
}
ARN_OUTPUTS = (
    "functionArn",
    "ordersTableArn",
    "clusterArn",
    "clusterMasterUserSecretArn",
    "dataKeyArn",
    "logsKeyArn",
)
HANDLER = "orders_api.handler.handler"
ORDERS_HASH_KEY = "orderId"
ORDERS_TTL_ATTRIBUTE = "expiresAt"
LOGS_KEY_ACTIONS = (
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:GenerateDataKey",
    "kms:DescribeKey",
)
LOGS_CONTEXT_KEY = "kms:EncryptionContext:aws:logs:arn"
_GRANTING_ACTIONS = ("kms:CreateGrant", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion")


def partition_of(arn: str) -> str:
    """The partition of an ARN (`aws`, `aws-cn`, `aws-us-gov`): read from outputs, never assumed."""
    return arn.split(":")[1]


# --- outputs ---------------------------------------------------------------------------------------------


def check_outputs(outputs: Mapping[str, Any]) -> Problems:
    """The outputs hold every key the tests need, with the right types, and agree on region and account."""
    problems: Problems = []
    for key in STRING_OUTPUTS:
        if not isinstance(outputs.get(key), str) or not outputs[key]:
            problems.append(f"output {key}: missing or not a non-empty string (got {outputs.get(key)!r})")
    for key in LIST_OUTPUTS:
        value = outputs.get(key)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            problems.append(f"output {key}: missing or not a list of ids (got {value!r})")
    for key in ("privateSubnetIds", "isolatedSubnetIds"):
        if isinstance(outputs.get(key), list) and not outputs[key]:
            problems.append(f"output {key}: empty, the stack must have subnets of this tier")
    groups = outputs.get("logGroupNames")
    if not isinstance(groups, Mapping):
        problems.append("output logGroupNames: missing or not an object")
    else:
        problems += [f"output logGroupNames.{key}: missing" for key in LOG_GROUP_KEYS if not groups.get(key)]
    expected = outputs.get("expected")
    if not isinstance(expected, Mapping):
        problems.append("output expected: missing or not an object")
    else:
        for key, types in EXPECTED_KEYS.items():
            value = expected.get(key)
            if not isinstance(value, types) or (bool not in types and isinstance(value, bool)):
                names = " or ".join(kind.__name__ for kind in types)
                problems.append(f"output expected.{key}: missing or not {names} (got {value!r})")
    if problems:
        return problems
    for key in ARN_OUTPUTS:
        parts = outputs[key].split(":")
        if (
            len(parts) < 6
            or parts[0] != "arn"
            or parts[3] != outputs["region"]
            or parts[4] != outputs["accountId"]
        ):
            problems.append(
                f"output {key}={outputs[key]!r}: not an ARN in region {outputs['region']} "
                f"and account {outputs['accountId']}"
            )
    suffix = f"-{outputs['environmentSuffix']}"
    for key in (
        "functionName",
        "ordersTableName",
        "dataBucketName",
        "accessLogsBucketName",
        "clusterIdentifier",
    ):
        if not outputs[key].endswith(suffix):
            problems.append(
                f"output {key}={outputs[key]!r}: does not end with the environment suffix {suffix!r}"
            )
    return problems


# --- network ---------------------------------------------------------------------------------------------


def check_vpc(response: Mapping[str, Any], vpc_id: str) -> Problems:
    """`ec2.describe_vpcs(VpcIds=[vpc_id])`: the VPC exists, is available and is not the default VPC."""
    vpcs = [vpc for vpc in response.get("Vpcs", []) if vpc.get("VpcId") == vpc_id]
    if not vpcs:
        return [f"VPC {vpc_id}: not found"]
    vpc = vpcs[0]
    problems: Problems = []
    if vpc.get("State") != "available":
        problems.append(f"VPC {vpc_id}: state {vpc.get('State')!r}, expected 'available'")
    if vpc.get("IsDefault"):
        problems.append(f"VPC {vpc_id}: is the account's default VPC, expected the stack's own VPC")
    return problems


def check_subnets(
    response: Mapping[str, Any],
    vpc_id: str,
    private_ids: Sequence[str],
    isolated_ids: Sequence[str],
    public_ids: Sequence[str],
) -> Problems:
    """`ec2.describe_subnets(SubnetIds=...)`: every subnet is in the VPC and available; private and isolated
    subnets span at least two AZs and give no public IPs."""
    by_id = {subnet["SubnetId"]: subnet for subnet in response.get("Subnets", [])}
    problems: Problems = []
    for tier, ids in (("private", private_ids), ("isolated", isolated_ids), ("public", public_ids)):
        zones = set()
        for subnet_id in ids:
            subnet = by_id.get(subnet_id)
            if subnet is None:
                problems.append(f"{tier} subnet {subnet_id}: not found")
                continue
            zones.add(subnet.get("AvailabilityZone"))
            if subnet.get("VpcId") != vpc_id:
                problems.append(f"{tier} subnet {subnet_id}: in {subnet.get('VpcId')}, expected {vpc_id}")
            if subnet.get("State") != "available":
                problems.append(
                    f"{tier} subnet {subnet_id}: state {subnet.get('State')!r}, expected 'available'"
                )
            if tier != "public" and subnet.get("MapPublicIpOnLaunch"):
                problems.append(f"{tier} subnet {subnet_id}: assigns public IPs on launch, expected none")
        if ids and tier != "public" and len(zones) < 2:
            problems.append(f"{tier} subnets: span {len(zones)} availability zone(s), expected at least 2")
    return problems


def check_route_tables(
    response: Mapping[str, Any],
    private_ids: Sequence[str],
    isolated_ids: Sequence[str],
    public_ids: Sequence[str],
) -> Problems:
    """`ec2.describe_route_tables(Filters=[vpc-id])`: isolated subnets have no default route; private subnets
    reach the internet only through a NAT gateway, and only when the stack has public subnets."""
    tables = response.get("RouteTables", [])
    main = next(
        (table for table in tables if any(assoc.get("Main") for assoc in table.get("Associations", []))), None
    )
    explicit = {
        assoc["SubnetId"]: table
        for table in tables
        for assoc in table.get("Associations", [])
        if assoc.get("SubnetId")
    }
    problems: Problems = []
    for tier, ids in (("isolated", isolated_ids), ("private", private_ids), ("public", public_ids)):
        for subnet_id in ids:
            table = explicit.get(subnet_id, main)
            if table is None:
                problems.append(f"{tier} subnet {subnet_id}: no route table found")
                continue
            defaults = [route for route in table.get("Routes", []) if _is_default_route(route)]
            targets = {_route_target(route) for route in defaults}
            where = f"{tier} subnet {subnet_id} (route table {table.get('RouteTableId')})"
            if tier == "isolated" and defaults:
                problems.append(f"{where}: has a default route to {sorted(targets)}, expected none")
            elif tier == "private" and any(target.startswith("igw-") for target in targets):
                problems.append(f"{where}: routes to an internet gateway, expected NAT only")
            elif tier == "private" and not public_ids and defaults:
                problems.append(
                    f"{where}: has a default route to {sorted(targets)} but the stack has no egress"
                )
            elif (
                tier == "private" and public_ids and not any(target.startswith("nat-") for target in targets)
            ):
                problems.append(
                    f"{where}: no default route through a NAT gateway, expected one (egress is on)"
                )
            elif tier == "public" and not any(target.startswith("igw-") for target in targets):
                problems.append(f"{where}: no default route to an internet gateway")
    return problems


def check_flow_logs(response: Mapping[str, Any], vpc_id: str, log_group_name: str) -> Problems:
    """`ec2.describe_flow_logs(Filters=[resource-id])`: all the VPC's traffic goes to the stack's group."""
    logs = [flow for flow in response.get("FlowLogs", []) if flow.get("ResourceId") == vpc_id]
    if not logs:
        return [f"VPC {vpc_id}: no flow log, expected one into {log_group_name}"]
    for flow in logs:
        if (
            flow.get("LogGroupName") == log_group_name
            and flow.get("TrafficType") == "ALL"
            and flow.get("FlowLogStatus") == "ACTIVE"
        ):
            return []
    found = [(flow.get("LogGroupName"), flow.get("TrafficType"), flow.get("FlowLogStatus")) for flow in logs]
    return [
        f"VPC {vpc_id}: flow logs {found}, expected an ACTIVE flow log of ALL traffic into {log_group_name}"
    ]


def _is_default_route(route: Mapping[str, Any]) -> bool:
    return route.get("DestinationCidrBlock") == "0.0.0.0/0" or route.get("DestinationIpv6CidrBlock") == "::/0"


def _route_target(route: Mapping[str, Any]) -> str:
    for key in (
        "NatGatewayId",
        "GatewayId",
        "TransitGatewayId",
        "NetworkInterfaceId",
        "VpcPeeringConnectionId",
    ):
        if route.get(key):
            return route[key]
    return "unknown"


# --- Aurora ----------------------------------------------------------------------------------------------


def check_aurora_cluster(
    response: Mapping[str, Any], cluster_id: str, expected: Mapping[str, Any], data_key_arn: str
) -> Problems:
    """`rds.describe_db_clusters(DBClusterIdentifier=...)`: available Aurora PostgreSQL Serverless v2 with the
    configured scaling, storage and master secret encrypted with the data key, and per-stack protection."""
    clusters = [c for c in response.get("DBClusters", []) if c.get("DBClusterIdentifier") == cluster_id]
    if not clusters:
        return [f"Aurora cluster {cluster_id}: not found"]
    cluster = clusters[0]
    name = f"Aurora cluster {cluster_id}"
    scaling = cluster.get("ServerlessV2ScalingConfiguration") or {}
    wanted = {
        "Status": "available",
        "Engine": "aurora-postgresql",
        "EngineMode": "provisioned",
        "StorageEncrypted": True,
        "KmsKeyId": data_key_arn,
        "DeletionProtection": expected["deletionProtection"],
        "IAMDatabaseAuthenticationEnabled": True,
        "HttpEndpointEnabled": True,
    }
    problems = _compare(name, cluster, wanted)
    for field, key in (("MinCapacity", "auroraMinCapacity"), ("MaxCapacity", "auroraMaxCapacity")):
        if scaling.get(field) is None or float(scaling[field]) != float(expected[key]):
            problems.append(
                f"{name}: Serverless v2 {field} is {scaling.get(field)!r}, expected {expected[key]} ({key})"
            )
    if "postgresql" not in (cluster.get("EnabledCloudwatchLogsExports") or []):
        problems.append(f"{name}: does not export the postgresql log to CloudWatch Logs")
    secret = cluster.get("MasterUserSecret") or {}
    if secret.get("KmsKeyId") != data_key_arn:
        problems.append(
            f"{name}: master password secret is encrypted with {secret.get('KmsKeyId')!r}, "
            f"expected the data key {data_key_arn} (and the password managed by Secrets Manager)"
        )
    return problems


def check_aurora_instances(response: Mapping[str, Any], cluster_id: str) -> Problems:
    """`rds.describe_db_instances(Filters=[db-cluster-id])`: at least one available, private `db.serverless`
    instance in the cluster."""
    instances = [i for i in response.get("DBInstances", []) if i.get("DBClusterIdentifier") == cluster_id]
    if not instances:
        return [f"Aurora cluster {cluster_id}: has no instances, expected at least one db.serverless"]
    problems: Problems = []
    for instance in instances:
        name = f"Aurora instance {instance.get('DBInstanceIdentifier')}"
        problems += _compare(
            name,
            instance,
            {
                "DBInstanceClass": "db.serverless",
                "DBInstanceStatus": "available",
                "PubliclyAccessible": False,
            },
        )
    return problems


# --- DynamoDB --------------------------------------------------------------------------------------------


def check_orders_table(response: Mapping[str, Any], data_key_arn: str, deletion_protection: bool) -> Problems:
    """`dynamodb.describe_table(TableName=...)`: active, on-demand, keyed on orderId, encrypted with the data
    key, deletion protection per stack."""
    table = response.get("Table") or {}
    name = f"DynamoDB table {table.get('TableName')}"
    problems = _compare(
        name,
        {
            "TableStatus": table.get("TableStatus"),
            "BillingMode": (table.get("BillingModeSummary") or {}).get("BillingMode"),
            "SSEStatus": (table.get("SSEDescription") or {}).get("Status"),
            "SSEType": (table.get("SSEDescription") or {}).get("SSEType"),
            "KMSMasterKeyArn": (table.get("SSEDescription") or {}).get("KMSMasterKeyArn"),
            "DeletionProtectionEnabled": bool(table.get("DeletionProtectionEnabled")),
        },
        {
            "TableStatus": "ACTIVE",
            "BillingMode": "PAY_PER_REQUEST",
            "SSEStatus": "ENABLED",
            "SSEType": "KMS",
            "KMSMasterKeyArn": data_key_arn,
            "DeletionProtectionEnabled": deletion_protection,
        },
    )
    if table.get("KeySchema") != [{"AttributeName": ORDERS_HASH_KEY, "KeyType": "HASH"}]:
        problems.append(
            f"{name}: key schema {table.get('KeySchema')}, expected hash key {ORDERS_HASH_KEY} only"
        )
    return problems


def check_point_in_time_recovery(response: Mapping[str, Any], table_name: str, expected: bool) -> Problems:
    """`dynamodb.describe_continuous_backups(TableName=...)`: point-in-time recovery as configured."""
    description = response.get("ContinuousBackupsDescription") or {}
    status = (description.get("PointInTimeRecoveryDescription") or {}).get("PointInTimeRecoveryStatus")
    if (status == "ENABLED") != expected:
        return [
            f"DynamoDB table {table_name}: point-in-time recovery is {status!r}, expected enabled={expected}"
        ]
    return []


def check_time_to_live(response: Mapping[str, Any], table_name: str) -> Problems:
    """`dynamodb.describe_time_to_live(TableName=...)`: TTL on the attribute the function writes."""
    description = response.get("TimeToLiveDescription") or {}
    status, attribute = description.get("TimeToLiveStatus"), description.get("AttributeName")
    if status not in ("ENABLED", "ENABLING") or attribute != ORDERS_TTL_ATTRIBUTE:
        return [
            f"DynamoDB table {table_name}: TTL is {status!r} on {attribute!r}, "
            f"expected ENABLED on {ORDERS_TTL_ATTRIBUTE!r}"
        ]
    return []


# --- S3 --------------------------------------------------------------------------------------------------


def check_bucket_encryption(response: Mapping[str, Any], bucket: str, kms_key_arn: str | None) -> Problems:
    """`s3.get_bucket_encryption(Bucket=...)`: SSE-KMS with `kms_key_arn` and bucket keys; when `kms_key_arn`
    is None (the access-log bucket, which S3 log delivery writes to) SSE-S3 or SSE-KMS."""
    rules = (response.get("ServerSideEncryptionConfiguration") or {}).get("Rules") or []
    defaults = [rule.get("ApplyServerSideEncryptionByDefault") or {} for rule in rules]
    if not defaults:
        return [f"S3 bucket {bucket}: no default encryption"]
    default, rule = defaults[0], rules[0]
    algorithm = default.get("SSEAlgorithm")
    if kms_key_arn is None:
        if algorithm in ("AES256", "aws:kms"):
            return []
        return [f"S3 bucket {bucket}: default encryption {algorithm!r}, expected AES256 or aws:kms"]
    problems: Problems = []
    if algorithm != "aws:kms" or default.get("KMSMasterKeyID") != kms_key_arn:
        problems.append(
            f"S3 bucket {bucket}: default encryption {algorithm!r} with key "
            f"{default.get('KMSMasterKeyID')!r}, expected aws:kms with {kms_key_arn}"
        )
    if not rule.get("BucketKeyEnabled"):
        problems.append(f"S3 bucket {bucket}: S3 Bucket Keys are off, expected on (fewer KMS calls)")
    return problems


def check_bucket_versioning(response: Mapping[str, Any], bucket: str) -> Problems:
    """`s3.get_bucket_versioning(Bucket=...)`: versioning Enabled."""
    if response.get("Status") != "Enabled":
        return [f"S3 bucket {bucket}: versioning is {response.get('Status')!r}, expected 'Enabled'"]
    return []


def check_public_access_block(response: Mapping[str, Any] | None, bucket: str) -> Problems:
    """`s3.get_public_access_block(Bucket=...)` (None when S3 says there is none): all four settings on."""
    settings = (response or {}).get("PublicAccessBlockConfiguration") or {}
    off = [
        name
        for name in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
        if settings.get(name) is not True
    ]
    if off:
        return [f"S3 bucket {bucket}: public access block settings not on: {', '.join(off)}"]
    return []


def check_tls_only_policy(policy_text: str | None, bucket: str, partition: str) -> Problems:
    """`s3.get_bucket_policy(Bucket=...)["Policy"]` (None when there is none): a statement denies every S3
    action on the bucket and its objects to everyone when `aws:SecureTransport` is false."""
    bucket_arn = f"arn:{partition}:s3:::{bucket}"
    for statement in _statements(policy_text):
        condition = (statement.get("Condition") or {}).get("Bool") or {}
        resources = set(_as_list(statement.get("Resource")))
        if (
            statement.get("Effect") == "Deny"
            and _principal_is_everyone(statement.get("Principal"))
            and set(_as_list(statement.get("Action"))) & {"s3:*", "*"}
            and str(condition.get("aws:SecureTransport")).lower() == "false"
            and {bucket_arn, f"{bucket_arn}/*"} <= resources
        ):
            return []
    return [
        f"S3 bucket {bucket}: no policy statement denies s3:* on the bucket and its objects "
        "when aws:SecureTransport is false"
    ]


# --- Lambda and API Gateway ------------------------------------------------------------------------------


def check_function(
    configuration: Mapping[str, Any],
    *,
    vpc_id: str,
    private_subnet_ids: Sequence[str],
    data_key_arn: str,
    log_group_name: str,
    table_name: str,
    cluster_arn: str,
) -> Problems:
    """`lambda.get_function_configuration(FunctionName=...)`: the orders handler, active, in the private
    subnets, traced, environment encrypted with the data key, JSON logs into its declared log group."""
    name = f"Lambda function {configuration.get('FunctionName')}"
    vpc = configuration.get("VpcConfig") or {}
    logging_config = configuration.get("LoggingConfig") or {}
    variables = (configuration.get("Environment") or {}).get("Variables") or {}
    problems = _compare(
        name,
        {
            "Handler": configuration.get("Handler"),
            "State": configuration.get("State"),
            "VpcId": vpc.get("VpcId"),
            "TracingMode": (configuration.get("TracingConfig") or {}).get("Mode"),
            "KMSKeyArn": configuration.get("KMSKeyArn"),
            "LogFormat": logging_config.get("LogFormat"),
            "LogGroup": logging_config.get("LogGroup"),
            "ORDERS_TABLE_NAME": variables.get("ORDERS_TABLE_NAME"),
            "DB_CLUSTER_ARN": variables.get("DB_CLUSTER_ARN"),
        },
        {
            "Handler": HANDLER,
            "State": "Active",
            "VpcId": vpc_id,
            "TracingMode": "Active",
            "KMSKeyArn": data_key_arn,
            "LogFormat": "JSON",
            "LogGroup": log_group_name,
            "ORDERS_TABLE_NAME": table_name,
            "DB_CLUSTER_ARN": cluster_arn,
        },
    )
    subnets = set(vpc.get("SubnetIds") or [])
    if not subnets or not subnets <= set(private_subnet_ids):
        problems.append(f"{name}: runs in subnets {sorted(subnets)}, expected the private subnets only")
    if not vpc.get("SecurityGroupIds"):
        problems.append(f"{name}: has no security group")
    for variable in ("LOG_LEVEL", "DB_SECRET_ARN", "DB_NAME"):
        if not variables.get(variable):
            problems.append(f"{name}: environment variable {variable} is not set")
    return problems


def check_api_stage(stage: Mapping[str, Any], access_log_group_arn: str) -> Problems:
    """`apigateway.get_stage(...)`: X-Ray on, JSON access logs into the stack's log group, metrics on and
    data tracing (which logs full request bodies) off."""
    name = f"API stage {stage.get('stageName')}"
    problems: Problems = []
    if stage.get("tracingEnabled") is not True:
        problems.append(f"{name}: X-Ray tracing is off, expected on")
    access = stage.get("accessLogSettings") or {}
    if access.get("destinationArn", "").removesuffix(":*") != access_log_group_arn:
        problems.append(
            f"{name}: access logs go to {access.get('destinationArn')!r}, expected {access_log_group_arn}"
        )
    if "$context.requestId" not in (access.get("format") or ""):
        problems.append(f"{name}: access log format does not record $context.requestId")
    settings = (stage.get("methodSettings") or {}).get("*/*")
    if settings is None:
        problems.append(f"{name}: no stage-wide (*/*) method settings")
    else:
        if settings.get("dataTraceEnabled"):
            problems.append(f"{name}: data tracing is on, which logs full requests; expected off")
        if not settings.get("metricsEnabled"):
            problems.append(f"{name}: CloudWatch metrics are off, expected on")
    return problems


def check_api_methods(response: Mapping[str, Any]) -> Problems:
    """`apigateway.get_resources(restApiId=..., embed=["methods"])`: POST /orders and GET /orders/{id} exist
    and every method requires AWS_IAM authorization."""
    methods = {
        (resource.get("path"), verb): method
        for resource in response.get("items", [])
        for verb, method in (resource.get("resourceMethods") or {}).items()
    }
    problems = [
        f"API: method {verb} {path} is missing"
        for path, verb in (("/orders", "POST"), ("/orders/{id}", "GET"))
        if (path, verb) not in methods
    ]
    for (path, verb), method in sorted(methods.items()):
        if method.get("authorizationType") != "AWS_IAM":
            problems.append(
                f"API: method {verb} {path} uses authorization {method.get('authorizationType')!r}, "
                "expected AWS_IAM"
            )
    return problems


def check_api_response(status: int, headers: Mapping[str, str], body: bytes, want_status: int) -> Problems:
    """An HTTP response from the deployed API: the expected status and, from the function, a JSON body with
    the API's error shape when it is an error."""
    problems: Problems = []
    if status != want_status:
        problems.append(f"API: answered {status}, expected {want_status}; body {body[:200]!r}")
    content_type = next((value for key, value in headers.items() if key.lower() == "content-type"), "")
    if not content_type.startswith("application/json"):
        problems.append(f"API: Content-Type {content_type!r}, expected application/json")
    try:
        document = json.loads(body)
    except ValueError:
        return [*problems, f"API: body is not JSON: {body[:200]!r}"]
    if want_status >= 400 and not (isinstance(document, dict) and isinstance(document.get("error"), dict)):
        problems.append(f"API: error body {document!r} lacks the 'error' object")
    return problems


# --- CloudWatch Logs and KMS -----------------------------------------------------------------------------


def check_log_group(
    response: Mapping[str, Any], name: str, retention_days: int, logs_key_arn: str, encrypted: bool
) -> Problems:
    """`logs.describe_log_groups(logGroupNamePrefix=name)`: the group exists with the configured retention,
    encrypted with the logs key when log encryption is on."""
    groups = [group for group in response.get("logGroups", []) if group.get("logGroupName") == name]
    if not groups:
        return [f"log group {name}: not found (AWS would create it unencrypted with infinite retention)"]
    group = groups[0]
    problems: Problems = []
    if group.get("retentionInDays") != retention_days:
        problems.append(
            f"log group {name}: retention {group.get('retentionInDays')!r} days, expected {retention_days}"
        )
    if encrypted and group.get("kmsKeyId") != logs_key_arn:
        problems.append(
            f"log group {name}: encrypted with {group.get('kmsKeyId')!r}, expected {logs_key_arn}"
        )
    return problems


def check_key(description: Mapping[str, Any], rotation: Mapping[str, Any], key_arn: str) -> Problems:
    """`kms.describe_key` and `kms.get_key_rotation_status`: an enabled customer-managed key, rotation on."""
    metadata = description.get("KeyMetadata") or {}
    problems = _compare(
        f"KMS key {key_arn}",
        {"KeyState": metadata.get("KeyState"), "KeyManager": metadata.get("KeyManager")},
        {"KeyState": "Enabled", "KeyManager": "CUSTOMER"},
    )
    if rotation.get("KeyRotationEnabled") is not True:
        problems.append(f"KMS key {key_arn}: automatic rotation is off, expected on")
    return problems


def check_key_policy(policy_text: str, key_arn: str, account_id: str, partition: str) -> Problems:
    """`kms.get_key_policy(KeyId=..., PolicyName="default")["Policy"]`: the account root administers the key
    (or AWS rejects the policy), and no statement grants key use to everyone or hands out grants without a
    condition."""
    root = f"arn:{partition}:iam::{account_id}:root"
    statements = _statements(policy_text)
    problems: Problems = []
    if not any(
        statement.get("Effect") == "Allow"
        and root in _principals(statement.get("Principal"), "AWS")
        and "kms:*" in _as_list(statement.get("Action"))
        and not statement.get("Condition")
        for statement in statements
    ):
        problems.append(f"KMS key {key_arn}: policy does not let {root} administer the key (kms:*)")
    for index, statement in enumerate(statements):
        if statement.get("Effect") != "Allow" or statement.get("Condition"):
            continue
        label = statement.get("Sid") or f"statement {index}"
        if _principal_is_everyone(statement.get("Principal")):
            problems.append(f"KMS key {key_arn}: {label} allows Principal '*' without a condition")
            continue
        others = [
            p
            for p in _principals(statement.get("Principal"), "AWS", "Service")
            if p not in (root, account_id)
        ]
        granting = [
            action
            for action in _as_list(statement.get("Action"))
            if any(fnmatchcase(wanted.lower(), action.lower()) for wanted in _GRANTING_ACTIONS)
        ]
        if others and granting:
            problems.append(
                f"KMS key {key_arn}: {label} allows {granting} to {others} without a condition "
                "(scope grants with kms:GrantIsForAWSResource)"
            )
    return problems


def check_logs_key_policy(
    policy_text: str, key_arn: str, account_id: str, region: str, partition: str
) -> Problems:
    """The logs key lets `logs.<region>.amazonaws.com` encrypt, decrypt, re-encrypt, generate data keys and
    describe the key, only for this account's log groups in this region (ArnLike/ArnEquals on the
    `kms:EncryptionContext:aws:logs:arn` condition): without it log group creation fails."""
    service = f"logs.{region}.amazonaws.com"
    scope = f"arn:{partition}:logs:{region}:{account_id}:"
    for statement in _statements(policy_text):
        if statement.get("Effect") != "Allow" or service not in _principals(
            statement.get("Principal"), "Service"
        ):
            continue
        actions = [action.lower() for action in _as_list(statement.get("Action"))]
        missing = [
            wanted for wanted in LOGS_KEY_ACTIONS if not any(fnmatchcase(wanted.lower(), a) for a in actions)
        ]
        condition = statement.get("Condition") or {}
        arns = [
            value
            for operator in ("ArnLike", "ArnEquals")
            for value in _as_list((condition.get(operator) or {}).get(LOGS_CONTEXT_KEY))
        ]
        if not missing and arns and all(arn.startswith(scope) for arn in arns):
            return []
    return [
        f"KMS key {key_arn}: no statement allows {service} the actions {', '.join(LOGS_KEY_ACTIONS)} "
        f"under ArnLike/ArnEquals {LOGS_CONTEXT_KEY} scoped to {scope}*"
    ]


# --- helpers ---------------------------------------------------------------------------------------------


def _compare(name: str, actual: Mapping[str, Any], wanted: Mapping[str, Any]) -> Problems:
    return [
        f"{name}: {field} is {actual.get(field)!r}, expected {value!r}"
        for field, value in wanted.items()
        if actual.get(field) != value
    ]


def _statements(policy_text: str | None) -> list[dict[str, Any]]:
    if not policy_text:
        return []
    statements = json.loads(policy_text).get("Statement", [])
    return [statements] if isinstance(statements, dict) else list(statements)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _principals(principal: Any, *kinds: str) -> list[str]:
    if not isinstance(principal, Mapping):
        return []
    return [value for kind in kinds for value in _as_list(principal.get(kind))]


def _principal_is_everyone(principal: Any) -> bool:
    return principal == "*" or "*" in _principals(principal, "AWS")


def flatten(groups: Iterable[Problems]) -> Problems:
    """All problems of several checks, in order."""
    return [problem for group in groups for problem in group]


# --- ledger ----------------------------------------------------------------------------------------------


def check_dead_letter_queue(attributes: Mapping[str, Any], queue_url: str, data_key_arn: str) -> Problems:
    """The ledger's dead-letter queue is encrypted with the data key and holds no message (every order
    reached the ledger). `attributes` is GetQueueAttributes' answer for All attributes."""
    values = attributes.get("Attributes", {})
    problems: Problems = []
    if values.get("KmsMasterKeyId") not in (data_key_arn, data_key_arn.rsplit("/", 1)[-1]):
        problems.append(
            f"queue {queue_url}: KmsMasterKeyId is {values.get('KmsMasterKeyId')!r}, expected the data key "
            f"{data_key_arn}"
        )
    for name in ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"):
        if values.get(name) != "0":
            problems.append(
                f"queue {queue_url}: {name} is {values.get(name)!r}, expected '0' (orders the ledger writer "
                "could not record: read the messages)"
            )
    return problems


def check_listing_has_order(status: int, body: bytes, order: Mapping[str, Any]) -> Problems:
    """GET /orders answered 200 and lists `order` exactly as POST /orders returned it."""
    if status != 200:
        return [f"GET /orders answered {status}, expected 200: {body[:200]!r}"]
    try:
        listed = json.loads(body).get("orders")
    except (ValueError, AttributeError):
        return [f"GET /orders: the body is not a JSON object with orders: {body[:200]!r}"]
    if not isinstance(listed, list):
        return [f"GET /orders: 'orders' is {listed!r}, expected a list"]
    matches = [
        item for item in listed if isinstance(item, Mapping) and item.get("orderId") == order["orderId"]
    ]
    if not matches:
        return [f"GET /orders: order {order['orderId']} is not listed (yet)"]
    if matches[0] != order:
        return [
            f"GET /orders: order {order['orderId']} is listed as {matches[0]!r}, expected {dict(order)!r}"
        ]
    return []
