"""A compliant stack and its faulty twins, built once in moto; tests get the AWS responses, not the mock.

The mock is stopped before any test runs, so the responses are plain dicts and no moto state outlives this
fixture (other test folders start their own mocks). The region is not us-east-1 on purpose: a check that
assumed a region would fail here. Where moto leaves a field out, the value is filled in through
`shaped()`, which refuses any name that botocore's service model does not define for that shape.
"""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from moto import mock_aws

TESTS_DIR = Path(__file__).resolve().parents[1]
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))
APP_DIR = TESTS_DIR.parent / "app"
if str(APP_DIR) not in sys.path:
    sys.path.insert(0, str(APP_DIR))

REGION = "ap-southeast-2"
ACCOUNT = "123456789012"
SUFFIX = "qa"
EXPECTED = {
    "auroraMinCapacity": 0.5,
    "auroraMaxCapacity": 4,
    "deletionProtection": True,
    "logRetentionDays": 365,
    "logEncryption": True,
    "pointInTimeRecovery": True,
}
LOG_GROUPS = {
    "function": f"/aws/lambda/trading-orders-{SUFFIX}",
    "apiAccess": f"/aws/apigateway/trading-api-{SUFFIX}/access",
    "database": f"/aws/rds/cluster/trading-db-{SUFFIX}/postgresql",
    "flowLogs": f"/aws/vpc/trading-{SUFFIX}/flow-logs",
    "waf": f"aws-waf-logs-trading-{SUFFIX}",
}
ACCESS_LOG_FORMAT = json.dumps(
    {"requestId": "$context.requestId", "caller": "$context.identity.userArn", "status": "$context.status"}
)


def shaped(service: str, shape_name: str, **members: Any) -> dict[str, Any]:
    """Members of botocore shape `shape_name`, for response fields moto does not produce."""
    shape = botocore.session.get_session().get_service_model(service).shape_for(shape_name)
    unknown = set(members) - set(shape.members)
    assert not unknown, f"{service} {shape_name} has no members {sorted(unknown)}"
    return members


def root_statement() -> dict[str, Any]:
    return {
        "Sid": "AccountAdministers",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }


def logs_statement(region: str = REGION) -> dict[str, Any]:
    return {
        "Sid": "CloudWatchLogsUse",
        "Effect": "Allow",
        "Principal": {"Service": f"logs.{region}.amazonaws.com"},
        "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        "Resource": "*",
        "Condition": {
            "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{ACCOUNT}:log-group:*"}
        },
    }


def tls_statement(bucket: str) -> dict[str, Any]:
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.fixture(scope="session")
def stack() -> dict[str, Any]:
    """Responses for the good resources (keys without prefix) and the faulty ones (`bad_*`), plus outputs."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
        }.items():
            patch.setenv(name, value)
        patch.delenv("AWS_PROFILE", raising=False)
        with mock_aws():
            return _build()


def _build() -> dict[str, Any]:
    r: dict[str, Any] = {}
    clients = {name: boto3.client(name, region_name=REGION) for name in ("ec2", "kms", "logs", "iam", "s3")}
    ec2, kms, logs, iam, s3 = (clients[n] for n in ("ec2", "kms", "logs", "iam", "s3"))

    # keys
    data_key = kms.create_key(Policy=policy(root_statement()))["KeyMetadata"]["Arn"]
    logs_key = kms.create_key(Policy=policy(root_statement(), logs_statement()))["KeyMetadata"]["Arn"]
    bad_key = kms.create_key(
        Policy=policy(
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"},
            {
                "Sid": "OpenGrants",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"},
                "Action": ["kms:Create*", "kms:Decrypt"],
                "Resource": "*",
            },
            logs_statement(region="us-east-1"),
        )
    )["KeyMetadata"]["Arn"]
    for key in (data_key, logs_key):
        kms.enable_key_rotation(KeyId=key)
    for name, key in (("data_key", data_key), ("logs_key", logs_key), ("bad_key", bad_key)):
        r[f"{name}_description"] = kms.describe_key(KeyId=key)
        r[f"{name}_rotation"] = kms.get_key_rotation_status(KeyId=key)
        r[f"{name}_policy"] = kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"]
    kms.disable_key(KeyId=bad_key.rsplit("/", 1)[-1])
    r["bad_key_description"] = kms.describe_key(KeyId=bad_key)

    # log groups
    for group in LOG_GROUPS.values():
        logs.create_log_group(logGroupName=group, kmsKeyId=logs_key)
        logs.put_retention_policy(logGroupName=group, retentionInDays=EXPECTED["logRetentionDays"])
    logs.create_log_group(logGroupName="/aws/lambda/unmanaged")
    r["log_groups"] = logs.describe_log_groups()
    r["bad_log_groups"] = logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/unmanaged")

    # network: private and isolated subnets in two AZs, public subnets with a NAT gateway
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    zones = [zone["ZoneName"] for zone in ec2.describe_availability_zones()["AvailabilityZones"][:2]]

    def subnet(cidr: str, zone: str, *, public_ips: bool = False, vpc_id: str = vpc) -> str:
        subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"][
            "SubnetId"
        ]
        if public_ips:
            ec2.modify_subnet_attribute(SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": True})
        return subnet_id

    def route_table(subnet_ids: list[str], **default_route: str) -> str:
        table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        for subnet_id in subnet_ids:
            ec2.associate_route_table(RouteTableId=table, SubnetId=subnet_id)
        if default_route:
            ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", **default_route)
        return table

    private = [subnet("10.20.1.0/24", zones[0]), subnet("10.20.2.0/24", zones[1])]
    isolated = [subnet("10.20.11.0/24", zones[0]), subnet("10.20.12.0/24", zones[1])]
    public = [
        subnet("10.20.21.0/24", zones[0], public_ips=True),
        subnet("10.20.22.0/24", zones[1], public_ips=True),
    ]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public[0], AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    route_table(public, GatewayId=igw)
    route_table(private, NatGatewayId=nat)
    route_table(isolated[:1])  # the other isolated subnet uses the main route table: local routes only

    other_vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    r["bad_subnet_ids"] = {
        "public_ips": subnet("10.20.31.0/24", zones[0], public_ips=True),
        "other_vpc": subnet("10.30.1.0/24", zones[0], vpc_id=other_vpc),
        "isolated_to_igw": subnet("10.20.41.0/24", zones[0]),
        "private_to_igw": subnet("10.20.42.0/24", zones[0]),
        "private_no_nat": subnet("10.20.43.0/24", zones[0]),
        "public_no_igw": subnet("10.20.44.0/24", zones[0]),
    }
    bad = r["bad_subnet_ids"]
    route_table([bad["isolated_to_igw"], bad["private_to_igw"]], GatewayId=igw)
    route_table([bad["private_no_nat"], bad["public_no_igw"]])
    r["vpcs"] = ec2.describe_vpcs()
    r["subnets"] = ec2.describe_subnets()
    r["route_tables"] = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])
    role = iam.create_role(RoleName="flow-logs", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    ec2.create_flow_logs(
        ResourceIds=[vpc],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="cloud-watch-logs",
        LogGroupName=LOG_GROUPS["flowLogs"],
        DeliverLogsPermissionArn=role,
    )
    ec2.create_flow_logs(
        ResourceIds=[other_vpc],
        ResourceType="VPC",
        TrafficType="REJECT",
        LogDestinationType="cloud-watch-logs",
        LogGroupName="elsewhere",
        DeliverLogsPermissionArn=role,
    )
    r["flow_logs"] = ec2.describe_flow_logs()

    r.update(_build_data(data_key))
    r.update(_build_buckets(s3, data_key))
    r.update(_build_function(iam, vpc, private, public, data_key, r["cluster_arn"]))
    r.update(_build_api())
    r["outputs"] = {
        "region": REGION,
        "accountId": ACCOUNT,
        "environmentSuffix": SUFFIX,
        "apiUrl": f"https://{r['api_id']}.execute-api.{REGION}.amazonaws.com/{SUFFIX}",
        "apiId": r["api_id"],
        "apiStageName": SUFFIX,
        "functionName": f"trading-orders-{SUFFIX}",
        "functionArn": r["function"]["FunctionArn"],
        "ordersTableName": f"trading-orders-{SUFFIX}",
        "ordersTableArn": r["table"]["Table"]["TableArn"],
        "dataBucketName": r["data_bucket"],
        "accessLogsBucketName": r["access_logs_bucket"],
        "clusterArn": r["cluster_arn"],
        "clusterIdentifier": f"trading-db-{SUFFIX}",
        "clusterEndpoint": "trading-db-qa.cluster-x.ap-southeast-2.rds.amazonaws.com",
        "clusterReaderEndpoint": "trading-db-qa.cluster-ro-x.ap-southeast-2.rds.amazonaws.com",
        "clusterMasterUserSecretArn": r["clusters"]["DBClusters"][0]["MasterUserSecret"]["SecretArn"],
        "dataKeyArn": data_key,
        "logsKeyArn": logs_key,
        "logGroupNames": dict(LOG_GROUPS),
        "vpcId": vpc,
        "privateSubnetIds": private,
        "isolatedSubnetIds": isolated,
        "publicSubnetIds": public,
        "expected": dict(EXPECTED),
    }
    return r


def _build_data(data_key: str) -> dict[str, Any]:
    rds = boto3.client("rds", region_name=REGION)
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    r: dict[str, Any] = {}
    cluster = rds.create_db_cluster(
        DBClusterIdentifier=f"trading-db-{SUFFIX}",
        Engine="aurora-postgresql",
        EngineMode="provisioned",
        MasterUsername="trading",
        ManageMasterUserPassword=True,
        MasterUserSecretKmsKeyId=data_key,
        StorageEncrypted=True,
        KmsKeyId=data_key,
        DeletionProtection=True,
        EnableIAMDatabaseAuthentication=True,
        EnableHttpEndpoint=True,
        EnableCloudwatchLogsExports=["postgresql"],
        ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 4},
    )["DBCluster"]
    r["cluster_arn"] = cluster["DBClusterArn"]
    rds.create_db_cluster(
        DBClusterIdentifier="trading-db-bad",
        Engine="aurora-postgresql",
        MasterUsername="trading",
        MasterUserPassword="plaintext-password",
        ServerlessV2ScalingConfiguration={"MinCapacity": 1, "MaxCapacity": 8},
    )
    for number, cluster_id in enumerate((f"trading-db-{SUFFIX}", f"trading-db-{SUFFIX}", "trading-db-bad")):
        rds.create_db_instance(
            DBInstanceIdentifier=f"{cluster_id}-{number}",
            DBClusterIdentifier=cluster_id,
            Engine="aurora-postgresql",
            DBInstanceClass="db.serverless" if cluster_id.endswith(SUFFIX) else "db.r6g.large",
            PubliclyAccessible=not cluster_id.endswith(SUFFIX),
        )
    r["clusters"] = rds.describe_db_clusters()
    # moto does not turn on the Data API for provisioned Aurora PostgreSQL; AWS reports it as below.
    for reported in r["clusters"]["DBClusters"]:
        if reported["DBClusterIdentifier"] == f"trading-db-{SUFFIX}":
            reported.update(shaped("rds", "DBCluster", HttpEndpointEnabled=True))
    r["instances"] = rds.describe_db_instances()

    key_schema = [{"AttributeName": "orderId", "KeyType": "HASH"}]
    attributes = [{"AttributeName": "orderId", "AttributeType": "S"}]
    dynamodb.create_table(
        TableName=f"trading-orders-{SUFFIX}",
        KeySchema=key_schema,
        AttributeDefinitions=attributes,
        BillingMode="PAY_PER_REQUEST",
        SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": data_key},
        DeletionProtectionEnabled=True,
    )
    dynamodb.update_continuous_backups(
        TableName=f"trading-orders-{SUFFIX}",
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
    )
    dynamodb.update_time_to_live(
        TableName=f"trading-orders-{SUFFIX}",
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiresAt"},
    )
    dynamodb.create_table(
        TableName="trading-orders-bad",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
    )
    dynamodb.update_time_to_live(
        TableName="trading-orders-bad", TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"}
    )
    for prefix, table in (("", f"trading-orders-{SUFFIX}"), ("bad_", "trading-orders-bad")):
        r[f"{prefix}table"] = dynamodb.describe_table(TableName=table)
        r[f"{prefix}backups"] = dynamodb.describe_continuous_backups(TableName=table)
        r[f"{prefix}ttl"] = dynamodb.describe_time_to_live(TableName=table)
    r["api_responses"] = _function_responses()
    return r


def _function_responses() -> dict[str, Any]:
    """What the orders function answers through the API (API Gateway passes proxy responses through)."""
    from orders_api import handler
    from orders_api.logs import configure_logger

    configure_logger("INFO", stream=io.StringIO())
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ORDERS_TABLE_NAME", f"trading-orders-{SUFFIX}")
        patch.setattr(handler, "_api", None)
        patch.setattr(handler, "_config_problem", None)
        identity = {"userArn": f"arn:aws:iam::{ACCOUNT}:user/operator"}

        def call(method: str, resource: str, **fields: Any) -> tuple[int, dict[str, str], bytes]:
            event = {
                "resource": resource,
                "httpMethod": method,
                "requestContext": {"identity": identity},
                **fields,
            }
            response = handler.handler(event, None)
            return response["statusCode"], response["headers"], response["body"].encode()

        return {
            "not_found": call(
                "GET", "/orders/{id}", pathParameters={"id": "0b7f1c9e-5d1f-4a55-9a4c-3f0e8f0c2b11"}
            ),
            "created": call(
                "POST",
                "/orders",
                body=json.dumps(
                    {
                        "clientOrderId": "it-1",
                        "symbol": "TEST",
                        "side": "BUY",
                        "quantity": 1,
                        "limitPrice": "0.01",
                    }
                ),
            ),
        }


def _build_buckets(s3: Any, data_key: str) -> dict[str, Any]:
    r: dict[str, Any] = {}
    data = f"trading-data-{ACCOUNT}-{REGION}-{SUFFIX}"
    access = f"trading-access-logs-{ACCOUNT}-{REGION}-{SUFFIX}"
    bad = f"trading-bad-{ACCOUNT}-{REGION}-{SUFFIX}"
    for bucket in (data, access, bad):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    for bucket, rule in (
        (data, {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": data_key}),
        (access, {"SSEAlgorithm": "AES256"}),
        (bad, {"SSEAlgorithm": "AES256"}),  # what S3 applies to a bucket nobody configured
    ):
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": rule,
                        "BucketKeyEnabled": rule["SSEAlgorithm"] != "AES256",
                    }
                ]
            },
        )
        if bucket == bad:
            continue
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_public_access_block(
            Bucket=bucket,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        s3.put_bucket_policy(Bucket=bucket, Policy=policy(tls_statement(bucket)))
    s3.put_bucket_versioning(Bucket=bad, VersioningConfiguration={"Status": "Suspended"})
    s3.put_public_access_block(
        Bucket=bad,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": False,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": False,
        },
    )
    s3.put_bucket_policy(
        Bucket=bad,
        Policy=policy({**tls_statement(bad), "Resource": f"arn:aws:s3:::{bad}"}),  # objects not covered
    )
    r.update(data_bucket=data, access_logs_bucket=access, bad_bucket=bad)
    for name, bucket in (("data", data), ("access_logs", access), ("bad", bad)):
        r[f"{name}_encryption"] = s3.get_bucket_encryption(Bucket=bucket)
        r[f"{name}_versioning"] = s3.get_bucket_versioning(Bucket=bucket)
        r[f"{name}_public_access"] = s3.get_public_access_block(Bucket=bucket)
        r[f"{name}_policy"] = s3.get_bucket_policy(Bucket=bucket)["Policy"]
    return r


def _build_function(
    iam: Any, vpc: str, private: list[str], public: list[str], data_key: str, cluster_arn: str
) -> dict[str, Any]:
    lambda_client = boto3.client("lambda", region_name=REGION)
    ec2 = boto3.client("ec2", region_name=REGION)
    role = iam.create_role(RoleName="trading-orders", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    group = ec2.create_security_group(GroupName="orders", Description="orders function", VpcId=vpc)["GroupId"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("orders_api/__init__.py", "")
    common = {"Runtime": "python3.12", "Role": role, "Code": {"ZipFile": archive.getvalue()}}
    lambda_client.create_function(
        FunctionName=f"trading-orders-{SUFFIX}",
        Handler="orders_api.handler.handler",
        VpcConfig={"SubnetIds": private, "SecurityGroupIds": [group]},
        TracingConfig={"Mode": "Active"},
        KMSKeyArn=data_key,
        Environment={
            "Variables": {
                "ORDERS_TABLE_NAME": f"trading-orders-{SUFFIX}",
                "LOG_LEVEL": "INFO",
                "DB_CLUSTER_ARN": cluster_arn,
                "DB_SECRET_ARN": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:rds-x",
                "DB_NAME": "trading",
            }
        },
        LoggingConfig={"LogFormat": "JSON", "LogGroup": LOG_GROUPS["function"]},
        **common,
    )
    lambda_client.create_function(
        FunctionName="trading-orders-bad",
        Handler="index.handler",
        VpcConfig={"SubnetIds": public, "SecurityGroupIds": []},
        **common,
    )
    function = lambda_client.get_function_configuration(FunctionName=f"trading-orders-{SUFFIX}")
    # moto drops LoggingConfig and reports a fixed VpcId; AWS reports the config and the subnets' VPC.
    function["VpcConfig"].update(shaped("lambda", "VpcConfigResponse", VpcId=vpc))
    function["LoggingConfig"] = shaped(
        "lambda", "LoggingConfig", LogFormat="JSON", LogGroup=LOG_GROUPS["function"]
    )
    return {
        "function": function,
        "bad_function": lambda_client.get_function_configuration(FunctionName="trading-orders-bad"),
    }


def _build_api() -> dict[str, Any]:
    apigateway = boto3.client("apigateway", region_name=REGION)
    r: dict[str, Any] = {}
    for prefix, authorization in (("", "AWS_IAM"), ("bad_", "NONE")):
        api = apigateway.create_rest_api(name=f"trading-api-{prefix or SUFFIX}")["id"]
        root = apigateway.get_resources(restApiId=api)["items"][0]["id"]
        orders = apigateway.create_resource(restApiId=api, parentId=root, pathPart="orders")["id"]
        order = apigateway.create_resource(restApiId=api, parentId=orders, pathPart="{id}")["id"]
        methods = [(order, "GET")] if prefix else [(orders, "POST"), (order, "GET")]
        for resource, verb in methods:
            apigateway.put_method(
                restApiId=api, resourceId=resource, httpMethod=verb, authorizationType=authorization
            )
            apigateway.put_integration(
                restApiId=api,
                resourceId=resource,
                httpMethod=verb,
                type="AWS_PROXY",
                integrationHttpMethod="POST",
                uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/orders/invocations",
            )
        deployment = apigateway.create_deployment(restApiId=api)["id"]
        apigateway.create_stage(
            restApiId=api, stageName=SUFFIX, deploymentId=deployment, tracingEnabled=not prefix
        )
        if not prefix:
            destination = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{LOG_GROUPS['apiAccess']}"
            apigateway.update_stage(
                restApiId=api,
                stageName=SUFFIX,
                patchOperations=[
                    {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": destination},
                    {"op": "replace", "path": "/accessLogSettings/format", "value": ACCESS_LOG_FORMAT},
                    {"op": "replace", "path": "/*/*/metrics/enabled", "value": "true"},
                    {"op": "replace", "path": "/*/*/logging/dataTrace", "value": "false"},
                ],
            )
            r["api_id"] = api
        else:
            apigateway.update_stage(
                restApiId=api,
                stageName=SUFFIX,
                patchOperations=[{"op": "replace", "path": "/*/*/logging/dataTrace", "value": "true"}],
            )
        r[f"{prefix}stage"] = apigateway.get_stage(restApiId=api, stageName=SUFFIX)
        r[f"{prefix}resources"] = apigateway.get_resources(restApiId=api, embed=["methods"])
    return r
