"""One non-compliant case and one unknown-at-preview case per policy.

``BAD[name]()`` returns resources on which policy ``name`` must report a mandatory violation against the
resource named ``"bad"``; ``UNKNOWN[name]()`` returns resources whose deciding values are set but not yet
known (as on a first preview), on which it must report no mandatory violation: nothing at all, or, for
the rules in ``ADVISORY_WHEN_UNKNOWN`` (a whole policy document unknown, a security group CIDR that may be
the internet, what decides who may call an API, how often a secret rotates, or a grantee that may be in
another account), one advisory note saying so and naming the unknown property.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from policy_fixtures import BASE_TAGS, PCI_TAGS, logs_key_policy, logs_statement
from policy_harness import ACCOUNT, R, U

Case = Callable[[], list[R]]
# policy -> the property its advisory note says is not known yet.
ADVISORY_WHEN_UNKNOWN = {
    "kms-key-policy-no-unconditional-grants": "policy",
    "kms-key-policy-keeps-account-access": "policy",
    "s3-tls-only": "policy",
    "s3-bucket-policy-no-public-allow": "policy",
    "vpc-endpoint-policy-not-open": "policy",
    "secretsmanager-policy-not-public": "policy",
    "resource-policy-not-public": "policy",
    "apigateway-resource-policy-not-open": "policy",
    "opensearch-access-policy-not-public": "accessPolicies",
    "opensearch-serverless-encrypted-with-cmk": "policy",
    "ec2-security-group-no-public-ingress": "ingress",
    "ec2-security-group-no-unrestricted-egress": "egress",
    "apigateway-method-authorization": "authorization",
    "secretsmanager-secret-rotation": "rotationRules",
    "kms-grant-restricted": "granteePrincipal",
    "vpc-subnet-no-public-ipv6": "assignIpv6AddressOnCreation",
    "s3-access-log-retention": "rules",
    "ec2-image-not-public": "group",
    "vpc-endpoint-service-not-public": "allowedPrincipals",
    "ssm-document-not-public": "permissions",
    "codebuild-project-not-public": "projectVisibility",
}


def ipv6_subnet(assign: object) -> list[R]:
    """Subnet 'bad' giving IPv6 addresses (or not known to) from a table that routes ::/0 to the internet."""
    vpc = R("aws:ec2/vpc:Vpc", "vpc", {"id": "vpc-1"})
    table = R(
        "aws:ec2/routeTable:RouteTable",
        "rt",
        {"id": "rtb-1", "vpcId": "vpc-1", "routes": [{"ipv6CidrBlock": "::/0", "gatewayId": "igw-0a1b"}]},
    )
    subnet = R(
        "aws:ec2/subnet:Subnet",
        "bad",
        {"id": "subnet-1", "vpcId": "vpc-1", "assignIpv6AddressOnCreation": assign},
    )
    association = R(
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "a",
        {"subnetId": "subnet-1", "routeTableId": "rtb-1"},
    )
    return [vpc, table, subnet, association]


OPEN_TO_ALL = json.dumps(
    {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}
)
FAILED_KEY_POLICY = json.dumps(
    {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "logs.amazonaws.com"},
                "Action": ["kms:CreateGrant"],
                "Resource": "*",
            }
        ]
    }
)


def key(props: dict) -> R:
    return R("aws:kms/key:Key", "bad", props)


def log_group(props: dict, **kwargs: object) -> R:
    return R("aws:cloudwatch/logGroup:LogGroup", "bad", props, **kwargs)


def bucket(name: str = f"trading-data-{ACCOUNT}-us-east-1-dev", **props: object) -> R:
    return R("aws:s3/bucket:Bucket", "bad", {"bucket": name, **props})


def child(type_: str, target: R, props: dict, name: str = "child") -> R:
    return R(type_, name, {"bucket": U, **props}, deps={"bucket": [target]})


def access_logs_expiring(days: object) -> list[R]:
    """Bucket 'logs' receiving the access logs of bucket 'data', and lifecycle 'bad' expiring them."""
    logs = R("aws:s3/bucket:Bucket", "logs", {"bucket": f"trading-logs-{ACCOUNT}-dev"})
    data = R("aws:s3/bucket:Bucket", "data", {"bucket": f"trading-data-{ACCOUNT}-dev"})
    logging = R(
        "aws:s3/bucketLogging:BucketLogging",
        "data-logging",
        {"bucket": U, "targetBucket": U, "targetPrefix": "data/"},
        deps={"bucket": [data], "targetBucket": [logs]},
    )
    rule = {"id": "expire", "status": "Enabled", "filter": {"prefix": ""}, "expiration": {"days": days}}
    lifecycle = child(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", logs, {"rules": [rule]}, "bad"
    )
    return [logs, data, logging, lifecycle]


def table(**props: object) -> R:
    return R("aws:dynamodb/table:Table", "bad", {"name": "trading-orders-dev", **props})


def cluster(**props: object) -> R:
    return R("aws:rds/cluster:Cluster", "bad", {"engine": "aurora-postgresql", **props})


def function(**props: object) -> R:
    return R("aws:lambda/function:Function", "bad", {"name": "trading-orders-dev", **props})


def stage(**props: object) -> R:
    return R("aws:apigateway/stage:Stage", "bad", {"stageName": "dev", **props})


def method(**props: object) -> list[R]:
    api = R("aws:apigateway/restApi:RestApi", "api", {"name": "trading-api-dev", "rootResourceId": U})
    return [
        api,
        R(
            "aws:apigateway/method:Method",
            "bad",
            {"httpMethod": "GET", "resourceId": U, **props},
            deps={"resourceId": [api]},
        ),
    ]


def role(policy: object) -> R:
    return R("aws:iam/role:Role", "bad", {"inlinePolicies": [{"name": "app", "policy": policy}]})


def split_role(second: object, first: object = None) -> list[R]:
    """Role 'bad' given all of IAM by two RolePolicy resources, one half each (the second's document is
    ``second``, a document for the other half or one unknown at preview; ``first`` replaces the first's)."""
    target = R("aws:iam/role:Role", "bad", {"name": U})
    first = first or identity_document([f"iam:{c}*" for c in "ABCDEFGHIJKLM"])
    return [
        target,
        R("aws:iam/rolePolicy:RolePolicy", "a", {"role": U, "policy": first}, deps={"role": [target]}),
        R("aws:iam/rolePolicy:RolePolicy", "b", {"role": U, "policy": second}, deps={"role": [target]}),
    ]


def pass_role_document(initials: str) -> str:
    """iam:PassRole on the account's roles whose names start with one of ``initials``."""
    roles = [f"arn:aws:iam::{ACCOUNT}:role/{c}*" for c in initials]
    return json.dumps({"Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": roles}]})


def identity_document(actions: list[str]) -> str:
    return json.dumps(
        {"Statement": [{"Effect": "Allow", "Action": actions, "Resource": f"arn:aws:iam::{ACCOUNT}:*"}]}
    )


def wild_bucket_policy_statement() -> dict:
    return {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}


def bad_bucket_policy() -> list[R]:
    target = bucket()
    policy = json.dumps({"Statement": [wild_bucket_policy_statement()]})
    return [target, child("aws:s3/bucketPolicy:BucketPolicy", target, {"policy": policy})]


def secret(**props: object) -> R:
    return R("aws:secretsmanager/secret:Secret", "bad", {"name": "trading-api-dev", **props})


def security_group(**props: object) -> R:
    return R("aws:ec2/securityGroup:SecurityGroup", "bad", {"name": "trading-app-sg-dev", **props})


def linked(type_: str, target: R, prop: str, props: dict, name: str = "child") -> R:
    """A resource whose ``prop`` refers to ``target`` through a value unknown at preview."""
    return R(type_, name, {prop: U, **props}, deps={prop: [target]})


def parameter_group_cluster(parameters: object) -> list[R]:
    group = R(
        "aws:rds/clusterParameterGroup:ClusterParameterGroup",
        "params",
        {"name": "trading-db-dev", "family": "aurora-postgresql16", "parameters": parameters},
    )
    target = cluster(dbClusterParameterGroupName=U)
    target.deps = {"dbClusterParameterGroupName": [group]}
    return [group, target]


BAD: dict[str, Case] = {
    "kms-key-policy-no-unconditional-grants": lambda: [key({"policy": FAILED_KEY_POLICY})],
    "kms-key-policy-keeps-account-access": lambda: [key({"policy": logs_key_policy(logs_statement())})],
    "kms-key-rotation-enabled": lambda: [key({"enableKeyRotation": False})],
    "log-group-kms-key-allows-logs": lambda: [
        k := R("aws:kms/key:Key", "key", {"policy": FAILED_KEY_POLICY}),
        log_group({"kmsKeyId": U, "name": "/aws/lambda/x"}, deps={"kmsKeyId": [k]}),
    ],
    "log-group-encrypted": lambda: [log_group({"retentionInDays": 365})],
    "log-group-retention": lambda: [log_group({"retentionInDays": 30})],
    "s3-bucket-name-includes-account-id": lambda: [bucket("iac-rlhf-tf-states")],
    "s3-public-access-blocked": lambda: [bucket()],
    "s3-encrypted-with-kms": lambda: [bucket()],
    "s3-versioning-enabled": lambda: [bucket()],
    "s3-tls-only": lambda: [bucket()],
    "s3-bucket-policy-no-public-allow": bad_bucket_policy,
    "dynamodb-pitr-enabled": lambda: [table()],
    "dynamodb-encrypted-with-cmk": lambda: [table(serverSideEncryption={"enabled": True})],
    "dynamodb-deletion-protection": lambda: [table(deletionProtectionEnabled=False)],
    "rds-storage-encrypted-with-cmk": lambda: [
        cluster(storageEncrypted=False, kmsKeyId="arn:aws:kms:us-east-1:1:key/x")
    ],
    "rds-serverless-v2-valid": lambda: [
        cluster(serverlessv2ScalingConfiguration={"minCapacity": 0.5, "maxCapacity": 4})
    ],
    "rds-master-password-managed": lambda: [
        cluster(masterUsername="admin", masterPassword="hunter2-hunter2")
    ],
    "rds-deletion-protection": lambda: [cluster(deletionProtection=False)],
    "rds-backup-retention": lambda: [cluster()],
    "rds-not-publicly-accessible": lambda: [
        R(
            "aws:rds/clusterInstance:ClusterInstance",
            "bad",
            {"instanceClass": "db.serverless", "publiclyAccessible": True},
        )
    ],
    "rds-iam-authentication": lambda: [cluster()],
    "rds-engine-version-follows-upgrades": lambda: [cluster(engineVersion="16.6")],
    "rds-final-snapshot-key-kept": lambda: [
        k := R("aws:kms/key:Key", "key", {"arn": U}),
        R(
            "aws:rds/cluster:Cluster",
            "bad",
            {"skipFinalSnapshot": False, "kmsKeyId": U},
            deps={"kmsKeyId": [k]},
        ),
    ],
    "lambda-tracing-active": lambda: [function(tracingConfig={"mode": "PassThrough"})],
    "lambda-in-vpc": lambda: [function()],
    "lambda-env-encrypted-with-cmk": lambda: [function(environment={"variables": {"LOG_LEVEL": "INFO"}})],
    "lambda-log-group-managed": lambda: [function()],
    "apigateway-stage-access-logging": lambda: [stage()],
    "apigateway-stage-xray": lambda: [stage(xrayTracingEnabled=False)],
    "apigateway-method-authorization": lambda: method(authorization="NONE"),
    "apigateway-no-data-trace": lambda: [
        R(
            "aws:apigateway/methodSettings:MethodSettings",
            "bad",
            {"methodPath": "*/*", "settings": {"dataTraceEnabled": True}},
        )
    ],
    "iam-no-wildcard-actions": lambda: [
        role(json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    ],
    "iam-no-wildcard-actions-across-policies": lambda: split_role(
        identity_document([f"iam:{c}*" for c in "NOPQRSTUVWXYZ"])
    ),
    "iam-no-wildcard-resource-across-policies": lambda: split_role(
        pass_role_document("stuvwxyz0123456789"), pass_role_document("abcdefghijklmnopqr")
    ),
    "iam-region-restricted": lambda: [
        R(
            "aws:iam/rolePolicy:RolePolicy",
            "bad",
            {
                "role": "r",
                "policy": json.dumps(
                    {"Statement": [{"Effect": "Allow", "Action": "ec2:DescribeVpcs", "Resource": "*"}]}
                ),
            },
        )
    ],
    "vpc-flow-logs-enabled": lambda: [R("aws:ec2/vpc:Vpc", "bad", {"cidrBlock": "10.0.0.0/16"})],
    "vpc-default-security-group-closed": lambda: [
        v := R("aws:ec2/vpc:Vpc", "bad", {"cidrBlock": "10.0.0.0/16"}),
        R(
            "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
            "dsg",
            {
                "vpcId": U,
                "ingress": [{"protocol": "-1", "self": True, "fromPort": 0, "toPort": 0}],
                "egress": [],
            },
            deps={"vpcId": [v]},
        ),
    ],
    "ec2-security-group-no-public-ingress": lambda: [
        R(
            "aws:ec2/securityGroup:SecurityGroup",
            "bad",
            {"ingress": [{"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["0.0.0.0/0"]}]},
        )
    ],
    "iam-no-wildcard-resource": lambda: [
        R(
            "aws:iam/rolePolicy:RolePolicy",
            "bad",
            {
                "policy": json.dumps(
                    {"Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}]}
                )
            },
        )
    ],
    "iam-role-trust-not-public": lambda: [
        R(
            "aws:iam/role:Role",
            "bad",
            {
                "assumeRolePolicy": json.dumps(
                    {
                        "Statement": [
                            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
                        ]
                    }
                )
            },
        )
    ],
    "kms-grant-restricted": lambda: [
        R(
            "aws:kms/grant:Grant",
            "bad",
            {
                "granteePrincipal": f"arn:aws:iam::{ACCOUNT}:role/app",
                "keyId": "k",
                "operations": ["CreateGrant"],
            },
        )
    ],
    "vpc-endpoint-policy-not-open": lambda: [
        R("aws:ec2/vpcEndpoint:VpcEndpoint", "bad", {"policy": OPEN_TO_ALL})
    ],
    "secretsmanager-policy-not-public": lambda: [
        R("aws:secretsmanager/secret:Secret", "bad", {"policy": OPEN_TO_ALL})
    ],
    "resource-policy-not-public": lambda: [
        R("aws:sqs/queuePolicy:QueuePolicy", "bad", {"policy": OPEN_TO_ALL})
    ],
    "ec2-image-not-public": lambda: [
        R("aws:ec2/amiLaunchPermission:AmiLaunchPermission", "bad", {"imageId": "ami-0a1b", "group": "all"})
    ],
    "vpc-endpoint-service-not-public": lambda: [
        R(
            "aws:ec2/vpcEndpointService:VpcEndpointService",
            "bad",
            {"acceptanceRequired": False, "allowedPrincipals": ["*"]},
        )
    ],
    "ssm-document-not-public": lambda: [
        R("aws:ssm/document:Document", "bad", {"permissions": {"type": "Share", "account_ids": "All"}})
    ],
    "codebuild-project-not-public": lambda: [
        R("aws:codebuild/project:Project", "bad", {"projectVisibility": "PUBLIC_READ"})
    ],
    "apigateway-resource-policy-not-open": lambda: [
        R(
            "aws:apigateway/restApi:RestApi",
            "bad",
            {"name": "orders", "endpointConfiguration": {"types": "PRIVATE"}, "policy": OPEN_TO_ALL},
        )
    ],
    "opensearch-access-policy-not-public": lambda: [
        R("aws:opensearch/domain:Domain", "bad", {"domainName": "search", "accessPolicies": OPEN_TO_ALL})
    ],
    "opensearch-serverless-encrypted-with-cmk": lambda: [
        R(
            "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy",
            "bad",
            {
                "name": "orders",
                "type": "encryption",
                "policy": json.dumps(
                    {
                        "Rules": [{"ResourceType": "collection", "Resource": ["collection/orders"]}],
                        "AWSOwnedKey": True,
                    }
                ),
            },
        )
    ],
    "ec2-instance-no-public-ip": lambda: [
        R("aws:ec2/instance:Instance", "bad", {"associatePublicIpAddress": True})
    ],
    "lambda-not-public": lambda: [
        R("aws:lambda/permission:Permission", "bad", {"principal": "*", "function": "f"})
    ],
    "s3-no-public-acl": lambda: [bucket(acl="public-read")],
    "required-tags": lambda: [bucket()],
    "pci-scope-tags": lambda: [table(tags=BASE_TAGS)],
    "physical-name-has-environment-suffix": lambda: [
        R("aws:dynamodb/table:Table", "bad", {"name": "orders", "tags": PCI_TAGS})
    ],
    "apigateway-stage-waf": lambda: [stage()],
    "apigateway-execution-logging": lambda: [stage()],
    "rds-log-exports-enabled": lambda: [cluster()],
    "rds-postgresql-query-logging": lambda: [cluster()],
    "s3-bucket-access-logging": lambda: [bucket()],
    "s3-access-log-retention": lambda: access_logs_expiring(90),
    "secretsmanager-secret-encrypted-with-cmk": lambda: [secret()],
    "secretsmanager-secret-rotation": lambda: [secret()],
    "ec2-security-group-no-unrestricted-egress": lambda: [
        security_group(egress=[{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}])
    ],
    "vpc-subnet-no-public-ip-on-launch": lambda: [
        R("aws:ec2/subnet:Subnet", "bad", {"cidrBlock": "10.0.0.0/20", "mapPublicIpOnLaunch": True})
    ],
    "vpc-subnet-no-public-ipv6": lambda: ipv6_subnet(True),
    "sqs-queue-encrypted-with-cmk": lambda: [
        R("aws:sqs/queue:Queue", "bad", {"name": "dlq-dev", "sqsManagedSseEnabled": True})
    ],
    "sns-topic-encrypted-with-cmk": lambda: [
        R("aws:sns/topic:Topic", "bad", {"name": "alerts-dev", "kmsMasterKeyId": "alias/aws/sns"})
    ],
    "lambda-stream-consumer-failure-destination": lambda: [
        R(
            "aws:lambda/eventSourceMapping:EventSourceMapping",
            "bad",
            {"eventSourceArn": "arn:aws:dynamodb:us-east-1:1:table/t/stream/x", "startingPosition": "LATEST"},
        )
    ],
    "resources-judged-by-the-pack": lambda: [
        R("aws-native:lambda:Url", "bad", {"authType": "NONE", "targetFunctionArn": "arn:aws:lambda:f"})
    ],
}


UNKNOWN: dict[str, Case] = {
    "kms-key-policy-no-unconditional-grants": lambda: [key({"policy": U})],
    "kms-key-policy-keeps-account-access": lambda: [key({"policy": U})],
    "kms-key-rotation-enabled": lambda: [key({"enableKeyRotation": U})],
    "log-group-kms-key-allows-logs": lambda: [
        role := R("aws:iam/role:Role", "role", {"arn": U}),
        k := R("aws:kms/key:Key", "key", {"policy": U}, deps={"policy": [role]}),
        log_group({"kmsKeyId": U}, deps={"kmsKeyId": [k]}),
    ],
    "log-group-encrypted": lambda: [log_group({"kmsKeyId": U})],
    "log-group-retention": lambda: [log_group({"retentionInDays": U})],
    "s3-bucket-name-includes-account-id": lambda: [bucket(U)],
    "s3-public-access-blocked": lambda: [
        b := bucket(),
        child(
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            b,
            dict.fromkeys(
                ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"), U
            ),
        ),
    ],
    "s3-encrypted-with-kms": lambda: [
        b := bucket(),
        child(
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            b,
            {"rules": U},
        ),
    ],
    "s3-versioning-enabled": lambda: [
        b := bucket(),
        child("aws:s3/bucketVersioning:BucketVersioning", b, {"versioningConfiguration": {"status": U}}),
    ],
    "s3-tls-only": lambda: [b := bucket(), child("aws:s3/bucketPolicy:BucketPolicy", b, {"policy": U})],
    "s3-bucket-policy-no-public-allow": lambda: [
        b := bucket(),
        child("aws:s3/bucketPolicy:BucketPolicy", b, {"policy": U}),
    ],
    "dynamodb-pitr-enabled": lambda: [table(pointInTimeRecovery={"enabled": U})],
    "dynamodb-encrypted-with-cmk": lambda: [table(serverSideEncryption={"enabled": True, "kmsKeyArn": U})],
    "dynamodb-deletion-protection": lambda: [table(deletionProtectionEnabled=U)],
    "rds-storage-encrypted-with-cmk": lambda: [cluster(storageEncrypted=True, kmsKeyId=U)],
    "rds-serverless-v2-valid": lambda: [
        c := cluster(serverlessv2ScalingConfiguration=U),
        R(
            "aws:rds/clusterInstance:ClusterInstance",
            "i",
            {"clusterIdentifier": U, "instanceClass": U},
            deps={"clusterIdentifier": [c]},
        ),
    ],
    "rds-master-password-managed": lambda: [cluster(manageMasterUserPassword=U)],
    "rds-deletion-protection": lambda: [cluster(deletionProtection=U)],
    "rds-backup-retention": lambda: [cluster(backupRetentionPeriod=U)],
    "rds-not-publicly-accessible": lambda: [
        R("aws:rds/clusterInstance:ClusterInstance", "bad", {"publiclyAccessible": U})
    ],
    "rds-iam-authentication": lambda: [cluster(iamDatabaseAuthenticationEnabled=U)],
    "rds-engine-version-follows-upgrades": lambda: [cluster(engineVersion=U)],
    "rds-final-snapshot-key-kept": lambda: [
        k := R("aws:kms/key:Key", "key", {"arn": U}),
        R("aws:rds/cluster:Cluster", "bad", {"skipFinalSnapshot": U, "kmsKeyId": U}, deps={"kmsKeyId": [k]}),
    ],
    "lambda-tracing-active": lambda: [function(tracingConfig={"mode": U})],
    "lambda-in-vpc": lambda: [function(vpcConfig={"subnetIds": U, "securityGroupIds": U})],
    "lambda-env-encrypted-with-cmk": lambda: [function(environment={"variables": U})],
    "lambda-log-group-managed": lambda: [
        f := function(name=U),
        log_group({"name": U, "retentionInDays": U}, deps={"name": [f]}),
    ],
    "apigateway-stage-access-logging": lambda: [stage(accessLogSettings=U)],
    "apigateway-stage-xray": lambda: [stage(xrayTracingEnabled=U)],
    "apigateway-method-authorization": lambda: method(authorization=U),
    "apigateway-no-data-trace": lambda: [
        R(
            "aws:apigateway/methodSettings:MethodSettings",
            "bad",
            {"methodPath": "*/*", "settings": {"dataTraceEnabled": U}},
        )
    ],
    "iam-no-wildcard-actions": lambda: [role(U)],
    "iam-no-wildcard-actions-across-policies": lambda: split_role(U),
    "iam-no-wildcard-resource-across-policies": lambda: split_role(
        U, pass_role_document("abcdefghijklmnopqr")
    ),
    "iam-region-restricted": lambda: [
        R(
            "aws:iam/rolePolicy:RolePolicy",
            "bad",
            {
                "role": "r",
                "policy": json.dumps(
                    {"Statement": [{"Effect": "Allow", "Action": "ec2:DescribeVpcs", "Resource": U}]}
                ),
            },
        )
    ],
    "vpc-flow-logs-enabled": lambda: [
        v := R("aws:ec2/vpc:Vpc", "bad", {"cidrBlock": "10.0.0.0/16", "id": U}),
        R("aws:ec2/flowLog:FlowLog", "fl", {"vpcId": U}, depends_on=[v]),
    ],
    "vpc-default-security-group-closed": lambda: [
        v := R("aws:ec2/vpc:Vpc", "bad", {"cidrBlock": "10.0.0.0/16"}),
        R(
            "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
            "dsg",
            {"vpcId": U, "ingress": U, "egress": U},
            deps={"vpcId": [v]},
        ),
    ],
    "ec2-security-group-no-public-ingress": lambda: [
        R("aws:ec2/securityGroup:SecurityGroup", "bad", {"ingress": [{"protocol": "tcp", "cidrBlocks": U}]})
    ],
    "iam-no-wildcard-resource": lambda: [
        R(
            "aws:iam/rolePolicy:RolePolicy",
            "bad",
            {
                "policy": json.dumps(
                    {"Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": U}]}
                )
            },
        )
    ],
    "iam-role-trust-not-public": lambda: [
        R(
            "aws:iam/role:Role",
            "bad",
            {
                "assumeRolePolicy": json.dumps(
                    {"Statement": [{"Effect": "Allow", "Principal": {"AWS": U}, "Action": "sts:AssumeRole"}]}
                )
            },
        )
    ],
    "kms-grant-restricted": lambda: [
        R("aws:kms/grant:Grant", "bad", {"granteePrincipal": U, "keyId": U, "operations": ["Decrypt"]})
    ],
    "vpc-endpoint-policy-not-open": lambda: [R("aws:ec2/vpcEndpoint:VpcEndpoint", "bad", {"policy": U})],
    "secretsmanager-policy-not-public": lambda: [R("aws:secretsmanager/secret:Secret", "bad", {"policy": U})],
    "resource-policy-not-public": lambda: [R("aws:sns/topicPolicy:TopicPolicy", "bad", {"policy": U})],
    "ec2-image-not-public": lambda: [
        R("aws:ec2/amiLaunchPermission:AmiLaunchPermission", "bad", {"imageId": "ami-0a1b", "group": U})
    ],
    "vpc-endpoint-service-not-public": lambda: [
        R(
            "aws:ec2/vpcEndpointService:VpcEndpointService",
            "bad",
            {"acceptanceRequired": False, "allowedPrincipals": [U]},
        )
    ],
    "ssm-document-not-public": lambda: [
        R("aws:ssm/document:Document", "bad", {"permissions": {"type": "Share", "account_ids": U}})
    ],
    "codebuild-project-not-public": lambda: [
        R("aws:codebuild/project:Project", "bad", {"projectVisibility": U})
    ],
    "apigateway-resource-policy-not-open": lambda: [
        R(
            "aws:apigateway/restApi:RestApi",
            "bad",
            {"name": "orders", "endpointConfiguration": {"types": "PRIVATE"}, "policy": U},
        )
    ],
    "opensearch-access-policy-not-public": lambda: [
        R("aws:opensearch/domain:Domain", "bad", {"domainName": "search", "accessPolicies": U})
    ],
    "opensearch-serverless-encrypted-with-cmk": lambda: [
        R(
            "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy",
            "bad",
            {"name": "orders", "type": "encryption", "policy": U},
        )
    ],
    "ec2-instance-no-public-ip": lambda: [
        R("aws:ec2/instance:Instance", "bad", {"associatePublicIpAddress": U})
    ],
    "lambda-not-public": lambda: [
        R(
            "aws:lambda/permission:Permission",
            "bad",
            {"principal": "apigateway.amazonaws.com", "sourceArn": U, "function": "f"},
        )
    ],
    "s3-no-public-acl": lambda: [bucket(acl=U)],
    "required-tags": lambda: [bucket(tags=U)],
    "pci-scope-tags": lambda: [table(tags=U)],
    "physical-name-has-environment-suffix": lambda: [
        R("aws:dynamodb/table:Table", "bad", {"name": U, "tags": PCI_TAGS})
    ],
    "apigateway-stage-waf": lambda: [
        s := stage(),
        linked("aws:wafv2/webAclAssociation:WebAclAssociation", s, "resourceArn", {"webAclArn": U}),
    ],
    "apigateway-execution-logging": lambda: [
        s := stage(),
        linked(
            "aws:apigateway/methodSettings:MethodSettings",
            s,
            "stageName",
            {"methodPath": "*/*", "settings": {"loggingLevel": U}},
        ),
    ],
    "rds-log-exports-enabled": lambda: [cluster(enabledCloudwatchLogsExports=U)],
    "rds-postgresql-query-logging": lambda: parameter_group_cluster(U),
    "s3-access-log-retention": lambda: access_logs_expiring(U),
    "s3-bucket-access-logging": lambda: [
        b := bucket(),
        child("aws:s3/bucketLogging:BucketLogging", b, {"targetBucket": U}),
    ],
    "secretsmanager-secret-encrypted-with-cmk": lambda: [secret(kmsKeyId=U)],
    "secretsmanager-secret-rotation": lambda: [
        s := secret(),
        days := R("aws:ssm/parameter:Parameter", "rotation-days", {"value": U}),
        R(
            "aws:secretsmanager/secretRotation:SecretRotation",
            "child",
            {"secretId": U, "rotationRules": {"automaticallyAfterDays": U}},
            deps={"secretId": [s], "rotationRules": [days]},
        ),
    ],
    "ec2-security-group-no-unrestricted-egress": lambda: [
        security_group(egress=[{"protocol": "tcp", "fromPort": 5432, "toPort": 5432, "cidrBlocks": U}])
    ],
    "vpc-subnet-no-public-ip-on-launch": lambda: [
        R("aws:ec2/subnet:Subnet", "bad", {"cidrBlock": "10.0.0.0/20", "mapPublicIpOnLaunch": U})
    ],
    "vpc-subnet-no-public-ipv6": lambda: ipv6_subnet(U),
    "sqs-queue-encrypted-with-cmk": lambda: [R("aws:sqs/queue:Queue", "bad", {"kmsMasterKeyId": U})],
    "sns-topic-encrypted-with-cmk": lambda: [R("aws:sns/topic:Topic", "bad", {"kmsMasterKeyId": U})],
    "lambda-stream-consumer-failure-destination": lambda: [
        R(
            "aws:lambda/eventSourceMapping:EventSourceMapping",
            "bad",
            {
                "eventSourceArn": U,
                "startingPosition": "TRIM_HORIZON",
                "destinationConfig": {"onFailure": {"destinationArn": U}},
                "maximumRetryAttempts": U,
            },
        )
    ],
    # The type decides, not its values: a pulumi-aws function URL is for the other rules to judge.
    "resources-judged-by-the-pack": lambda: [
        R("aws:lambda/functionUrl:FunctionUrl", "bad", {"authorizationType": U, "functionName": U})
    ],
}
