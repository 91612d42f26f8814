"""A small stack that does everything right, as the engine shows it in preview and in update.

Tests take it whole (no policy may fire on it) or change one thing to make one policy fire.
"""

from __future__ import annotations

import json
from typing import Any

from policy_harness import ACCOUNT, REGION, R, U

ENV = "dev"
BASE_TAGS = {
    "Environment": ENV,
    "Project": "trading",
    "ManagedBy": "pulumi",
    "Owner": "team",
    "CostCenter": "cc1",
}
PCI_TAGS = {**BASE_TAGS, "Compliance": "PCI-DSS", "DataClassification": "confidential"}
ROOT = f"arn:aws:iam::{ACCOUNT}:root"


def root_statement() -> dict[str, Any]:
    return {
        "Sid": "EnableRoot",
        "Effect": "Allow",
        "Principal": {"AWS": ROOT},
        "Action": "kms:*",
        "Resource": "*",
    }


def logs_statement(region: str = REGION, account: str = ACCOUNT, **changes: Any) -> dict[str, Any]:
    statement = {
        "Sid": "AllowCloudWatchLogs",
        "Effect": "Allow",
        "Principal": {"Service": f"logs.{region}.amazonaws.com"},
        "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        "Resource": "*",
        "Condition": {
            "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account}:log-group:*"}
        },
    }
    statement.update(changes)
    return statement


def data_key_policy() -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                root_statement(),
                {
                    "Sid": "AllowServicesInAccount",
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": [
                        "kms:Encrypt",
                        "kms:Decrypt",
                        "kms:ReEncrypt*",
                        "kms:GenerateDataKey*",
                        "kms:DescribeKey",
                    ],
                    "Resource": "*",
                    "Condition": {
                        "StringEquals": {"kms:CallerAccount": ACCOUNT},
                        "StringLike": {
                            "kms:ViaService": [
                                f"rds.{REGION}.amazonaws.com",
                                f"dynamodb.{REGION}.amazonaws.com",
                            ]
                        },
                    },
                },
                {
                    "Sid": "AllowGrantsForAwsResources",
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
                    "Resource": "*",
                    # GrantIsForAWSResource limits what a grant passes on, not who: the caller's account
                    # must be bound too, or any account could attach the key to its own resources.
                    "Condition": {
                        "StringEquals": {"kms:CallerAccount": ACCOUNT},
                        "Bool": {"kms:GrantIsForAWSResource": "true"},
                    },
                },
            ],
        }
    )


def logs_key_policy(*statements: dict[str, Any]) -> str:
    return json.dumps(
        {"Version": "2012-10-17", "Statement": list(statements) or [root_statement(), logs_statement()]}
    )


def tls_policy(bucket: str, *, log_sources: tuple[str, ...] = ()) -> str:
    """A bucket policy that denies plain HTTP and, for an access-log bucket, lets S3 log delivery write the
    logs of ``log_sources``."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]
    if log_sources:
        statements.append(
            {
                "Sid": "S3ServerAccessLogDelivery",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": {
                    "ArnLike": {"aws:SourceArn": [f"arn:aws:s3:::{source}" for source in log_sources]},
                    "StringEquals": {"aws:SourceAccount": ACCOUNT},
                },
            }
        )
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def role_policy(cluster_arn: Any, table_arn: Any) -> str:
    region = {"StringEquals": {"aws:RequestedRegion": REGION}}
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
                    "Resource": table_arn,
                    "Condition": region,
                },
                {
                    "Effect": "Allow",
                    "Action": "rds-data:ExecuteStatement",
                    "Resource": cluster_arn,
                    "Condition": region,
                },
                {
                    "Effect": "Allow",
                    "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                    "Resource": "*",
                    "Condition": region,
                },
                {"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"},
            ],
        }
    )


def arn(service: str, resource: str, mode: str) -> str:
    return U if mode == "preview" else f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"


def compliant_stack(mode: str = "preview") -> list[R]:
    """Every resource kind the pack checks, configured correctly; ARNs and ids unknown in preview."""
    known = mode != "preview"

    def ident(value: str) -> str:
        return value if known else U

    vpc = R("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16", "tags": BASE_TAGS, "id": ident("vpc-1")})
    flow_group = R(
        "aws:cloudwatch/logGroup:LogGroup",
        "flow-logs",
        {"name": f"/aws/vpc/trading-{ENV}/flow-logs", "retentionInDays": 365, "tags": PCI_TAGS},
    )
    logs_key = R(
        "aws:kms/key:Key",
        "logs-key",
        {
            "policy": logs_key_policy(),
            "enableKeyRotation": True,
            "tags": PCI_TAGS,
            "arn": arn("kms", "key/logs", mode),
            "keyId": ident("logs"),
        },
    )
    data_key = R(
        "aws:kms/key:Key",
        "data-key",
        {
            "policy": data_key_policy(),
            "enableKeyRotation": True,
            "rotationPeriodInDays": 365,
            "tags": PCI_TAGS,
            "arn": arn("kms", "key/data", mode),
            "keyId": ident("data"),
        },
        protect=True,  # the cluster keeps a final snapshot encrypted with it
    )
    alias = R(
        "aws:kms/alias:Alias",
        "logs-alias",
        {"name": f"alias/trading-logs-{ENV}", "targetKeyId": logs_key.props["keyId"]},
        deps={"targetKeyId": [logs_key]},
    )
    flow_group.props["kmsKeyId"] = logs_key.props["arn"]
    flow_group.deps = {"kmsKeyId": [logs_key]}
    flow_log = R(
        "aws:ec2/flowLog:FlowLog",
        "flow-log",
        {"vpcId": vpc.props["id"], "trafficType": "ALL", "logDestination": U, "tags": BASE_TAGS},
        deps={"vpcId": [vpc]},
    )
    default_sg = R(
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
        "default-sg",
        {"vpcId": vpc.props["id"], "ingress": [], "egress": [], "tags": BASE_TAGS},
        deps={"vpcId": [vpc]},
    )
    subnet = R(
        "aws:ec2/subnet:Subnet",
        "private-1",
        {
            "vpcId": vpc.props["id"],
            "cidrBlock": "10.0.64.0/20",
            "mapPublicIpOnLaunch": False,
            "tags": BASE_TAGS,
        },
        deps={"vpcId": [vpc]},
    )
    function_sg = R(
        "aws:ec2/securityGroup:SecurityGroup",
        "function-sg",
        {
            "name": f"trading-function-sg-{ENV}",
            "vpcId": vpc.props["id"],
            "tags": BASE_TAGS,
            "id": ident("sg-1"),
        },
        deps={"vpcId": [vpc]},
    )
    egress_rules = [
        R(
            "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
            f"function-{label}",
            {
                "securityGroupId": function_sg.props["id"],
                "ipProtocol": "tcp",
                "fromPort": port,
                "toPort": port,
                **to,
            },
            deps={"securityGroupId": [function_sg]},
        )
        for label, port, to in (
            ("to-internet", 443, {"cidrIpv4": "0.0.0.0/0"}),
            ("to-db", 5432, {"referencedSecurityGroupId": ident("sg-2")}),
        )
    ]
    data_bucket_name = f"trading-data-{ACCOUNT}-{REGION}-{ENV}"
    logs_bucket_name = f"trading-access-logs-{ACCOUNT}-{REGION}-{ENV}"
    data_bucket = R(
        "aws:s3/bucket:Bucket",
        "data-bucket",
        {"bucket": data_bucket_name, "tags": PCI_TAGS, "id": data_bucket_name},
    )
    logs_bucket = R(
        "aws:s3/bucket:Bucket",
        "access-logs",
        {"bucket": logs_bucket_name, "tags": PCI_TAGS, "id": logs_bucket_name},
    )
    children: list[R] = []
    for bucket, log_sources in ((data_bucket, ()), (logs_bucket, (data_bucket_name,))):
        name = bucket.props["bucket"]
        link = {"bucket": [bucket]}
        children += [
            R(
                "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                f"{bucket.name}-pab",
                {
                    "bucket": name,
                    **dict.fromkeys(
                        ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"),
                        True,
                    ),
                },
                deps=link,
            ),
            R(
                "aws:s3/bucketVersioning:BucketVersioning",
                f"{bucket.name}-versioning",
                {"bucket": name, "versioningConfiguration": {"status": "Enabled"}},
                deps=link,
            ),
            R(
                "aws:s3/bucketPolicy:BucketPolicy",
                f"{bucket.name}-policy",
                {"bucket": name, "policy": tls_policy(name, log_sources=log_sources)},
                deps=link,
            ),
        ]
    children.append(
        R(
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "data-bucket-sse",
            {
                "bucket": data_bucket_name,
                "rules": [
                    {
                        "applyServerSideEncryptionByDefault": {
                            "sseAlgorithm": "aws:kms",
                            "kmsMasterKeyId": data_key.props["arn"],
                        },
                        "bucketKeyEnabled": True,
                    }
                ],
            },
            deps={"bucket": [data_bucket], "rules": [data_key]},
        )
    )
    children.append(
        R(
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "access-logs-sse",
            {
                "bucket": logs_bucket_name,
                "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}],
            },
            deps={"bucket": [logs_bucket]},
        )
    )
    children.append(
        R(
            "aws:s3/bucketLogging:BucketLogging",
            "data-bucket-logging",
            {"bucket": data_bucket_name, "targetBucket": logs_bucket_name, "targetPrefix": "data/"},
            deps={"bucket": [data_bucket], "targetBucket": [logs_bucket]},
        )
    )
    table = R(
        "aws:dynamodb/table:Table",
        "orders",
        {
            "name": f"trading-orders-{ENV}",
            "billingMode": "PAY_PER_REQUEST",
            "hashKey": "orderId",
            "pointInTimeRecovery": {"enabled": True},
            "serverSideEncryption": {"enabled": True, "kmsKeyArn": data_key.props["arn"]},
            "deletionProtectionEnabled": True,
            "tags": PCI_TAGS,
            "arn": arn("dynamodb", f"table/trading-orders-{ENV}", mode),
        },
        deps={"serverSideEncryption": [data_key]},
    )
    db_group = R(
        "aws:cloudwatch/logGroup:LogGroup",
        "db-logs",
        {
            "name": f"/aws/rds/cluster/trading-db-{ENV}/postgresql",
            "retentionInDays": 365,
            "kmsKeyId": logs_key.props["arn"],
            "tags": PCI_TAGS,
        },
        deps={"kmsKeyId": [logs_key]},
    )
    parameters = R(
        "aws:rds/clusterParameterGroup:ClusterParameterGroup",
        "db-parameters",
        {
            "name": f"trading-db-{ENV}",
            "family": "aurora-postgresql16",
            "parameters": [
                {"name": "rds.force_ssl", "value": "1"},
                {"name": "log_statement", "value": "ddl"},
                {"name": "log_min_duration_statement", "value": "1000"},
            ],
            "tags": BASE_TAGS,
        },
    )
    cluster = R(
        "aws:rds/cluster:Cluster",
        "db",
        {
            "dbClusterParameterGroupName": parameters.props["name"],
            "enabledCloudwatchLogsExports": ["postgresql"],
            "clusterIdentifier": f"trading-db-{ENV}",
            "engine": "aurora-postgresql",
            "engineMode": "provisioned",
            "engineVersion": "16",
            "serverlessv2ScalingConfiguration": {
                "minCapacity": 0,
                "maxCapacity": 4,
                "secondsUntilAutoPause": 600,
            },
            "storageEncrypted": True,
            "kmsKeyId": data_key.props["arn"],
            "manageMasterUserPassword": True,
            "masterUserSecretKmsKeyId": data_key.props["arn"],
            "masterUsername": "trading",
            "iamDatabaseAuthenticationEnabled": True,
            "deletionProtection": True,
            "backupRetentionPeriod": 7,
            "tags": PCI_TAGS,
            "arn": arn("rds", f"cluster:trading-db-{ENV}", mode),
            "id": f"trading-db-{ENV}",
        },
        deps={"kmsKeyId": [data_key], "dbClusterParameterGroupName": [parameters]},
        depends_on=[db_group],
    )
    instance = R(
        "aws:rds/clusterInstance:ClusterInstance",
        "db-1",
        {
            "clusterIdentifier": f"trading-db-{ENV}",
            "identifier": f"trading-db-{ENV}-1",
            "instanceClass": "db.serverless",
            "engine": "aurora-postgresql",
            "publiclyAccessible": False,
            "tags": PCI_TAGS,
        },
        deps={"clusterIdentifier": [cluster]},
    )
    fn_group = R(
        "aws:cloudwatch/logGroup:LogGroup",
        "function-logs",
        {
            "name": f"/aws/lambda/trading-orders-{ENV}",
            "retentionInDays": 365,
            "kmsKeyId": logs_key.props["arn"],
            "tags": PCI_TAGS,
        },
        deps={"kmsKeyId": [logs_key]},
    )
    role = R(
        "aws:iam/role:Role",
        "function-role",
        {
            "name": f"trading-orders-{ENV}",
            "assumeRolePolicy": json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
            "inlinePolicies": [
                {"name": "orders", "policy": role_policy(cluster.props["arn"], table.props["arn"])}
            ],
            "tags": BASE_TAGS,
        },
        deps={"inlinePolicies": [cluster, table]},
    )
    function = R(
        "aws:lambda/function:Function",
        "orders-fn",
        {
            "name": f"trading-orders-{ENV}",
            "role": U,
            "handler": "orders_api.handler.handler",
            "runtime": "python3.12",
            "tracingConfig": {"mode": "Active"},
            "vpcConfig": {"subnetIds": [U, U], "securityGroupIds": [U]},
            "environment": {
                "variables": {
                    "ORDERS_TABLE_NAME": f"trading-orders-{ENV}",
                    "DB_CLUSTER_ARN": cluster.props["arn"],
                }
            },
            "kmsKeyArn": data_key.props["arn"],
            "loggingConfig": {"logFormat": "JSON", "logGroup": fn_group.props["name"]},
            "tags": PCI_TAGS,
        },
        deps={"loggingConfig": [fn_group], "kmsKeyArn": [data_key], "role": [role]},
        depends_on=[fn_group],
    )
    api_group = R(
        "aws:cloudwatch/logGroup:LogGroup",
        "api-logs",
        {
            "name": f"/aws/apigateway/trading-api-{ENV}/access",
            "retentionInDays": 365,
            "kmsKeyId": logs_key.props["arn"],
            "tags": PCI_TAGS,
        },
        deps={"kmsKeyId": [logs_key]},
    )
    api = R(
        "aws:apigateway/restApi:RestApi",
        "api",
        {
            "name": f"trading-api-{ENV}",
            "tags": BASE_TAGS,
            "id": ident("api1"),
            "rootResourceId": ident("root1"),
        },
    )
    orders = R(
        "aws:apigateway/resource:Resource",
        "orders-resource",
        {
            "restApi": api.props["id"],
            "parentId": api.props["rootResourceId"],
            "pathPart": "orders",
            "id": ident("res1"),
        },
        deps={"restApi": [api], "parentId": [api]},
    )
    order = R(
        "aws:apigateway/resource:Resource",
        "order-resource",
        {"restApi": api.props["id"], "parentId": orders.props["id"], "pathPart": "{id}", "id": ident("res2")},
        deps={"restApi": [api], "parentId": [orders]},
    )
    methods = [
        R(
            "aws:apigateway/method:Method",
            f"{verb.lower()}-{res.name}",
            {
                "restApi": api.props["id"],
                "resourceId": res.props["id"],
                "httpMethod": verb,
                "authorization": "AWS_IAM",
            },
            deps={"restApi": [api], "resourceId": [res]},
        )
        for verb, res in (("GET", orders), ("POST", orders), ("GET", order))
    ]
    cors = R(
        "aws:apigateway/method:Method",
        "options-orders",
        {
            "restApi": api.props["id"],
            "resourceId": orders.props["id"],
            "httpMethod": "OPTIONS",
            "authorization": "NONE",
        },
        deps={"restApi": [api], "resourceId": [orders]},
    )
    stage = R(
        "aws:apigateway/stage:Stage",
        "stage",
        {
            "restApi": api.props["id"],
            "stageName": ENV,
            "deployment": U,
            "xrayTracingEnabled": True,
            "accessLogSettings": {
                "destinationArn": arn("logs", f"log-group:{api_group.props['name']}", mode),
                "format": "{}",
            },
            "tags": PCI_TAGS,
            "arn": U if not known else f"arn:aws:apigateway:{REGION}::/restapis/api1/stages/{ENV}",
        },
        deps={"restApi": [api], "accessLogSettings": [api_group]},
    )
    settings = R(
        "aws:apigateway/methodSettings:MethodSettings",
        "stage-settings",
        {
            "restApi": api.props["id"],
            "stageName": ENV,
            "methodPath": "*/*",
            "settings": {"metricsEnabled": True, "dataTraceEnabled": False, "loggingLevel": "ERROR"},
        },
        deps={"restApi": [api], "stageName": [stage]},
    )
    secret = R(
        "aws:secretsmanager/secret:Secret",
        "secret",
        {
            "name": f"trading-api-{ENV}",
            "kmsKeyId": data_key.props["arn"],
            "tags": PCI_TAGS,
            "arn": arn("secretsmanager", f"secret:trading-api-{ENV}-AbCdEf", mode),
        },
        deps={"kmsKeyId": [data_key]},
    )
    rotation = R(
        "aws:secretsmanager/secretRotation:SecretRotation",
        "secret-rotation",
        {
            "secretId": secret.props["arn"],
            "rotationLambdaArn": arn("lambda", "function:trading-rotate-dev", mode),
            "rotationRules": {"automaticallyAfterDays": 30},
        },
        deps={"secretId": [secret]},
    )
    web_acl = R(
        "aws:wafv2/webAcl:WebAcl",
        "web-acl",
        {
            "name": f"trading-api-{ENV}",
            "scope": "REGIONAL",
            "defaultAction": {"allow": {}},
            "rules": [
                {
                    "name": "common",
                    "priority": 1,
                    "overrideAction": {"none": {}},
                    "statement": {
                        "managedRuleGroupStatement": {
                            "vendorName": "AWS",
                            "name": "AWSManagedRulesCommonRuleSet",
                        }
                    },
                    "visibilityConfig": {
                        "cloudwatchMetricsEnabled": True,
                        "metricName": "common",
                        "sampledRequestsEnabled": True,
                    },
                }
            ],
            "tags": BASE_TAGS,
            "arn": arn("wafv2", f"regional/webacl/trading-api-{ENV}/1", mode),
        },
    )
    association = R(
        "aws:wafv2/webAclAssociation:WebAclAssociation",
        "web-acl-association",
        {"resourceArn": stage.props["arn"], "webAclArn": web_acl.props["arn"]},
        deps={"resourceArn": [stage], "webAclArn": [web_acl]},
    )
    return [
        vpc, flow_group, logs_key, data_key, alias, flow_log, default_sg, data_bucket, logs_bucket,
        *children, table, db_group, cluster, instance, fn_group, role, function, api_group, api, orders,
        order, *methods, cors, stage, settings, secret, subnet, function_sg, *egress_rules, parameters,
        rotation, web_acl, association,
    ]  # fmt: skip


def find(resources: list[R], name: str) -> R:
    return next(r for r in resources if r.name == name)
