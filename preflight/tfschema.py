"""Terraform names for pulumi-aws resources: the resource type, each property's argument name and its shape.

pulumi-aws is bridged from the Terraform AWS provider, so every `aws:` resource has a Terraform twin with
the same arguments under other names. Three sources, in this order:

- ``TYPE_TABLE``: the types this stack and the common public examples use, each checked by a test; it holds
  the irregular names (``aws:rds/instance:Instance`` is ``aws_db_instance``, ``aws:ec2/vpc:Vpc`` is
  ``aws_vpc``, the v6 ``...V2`` S3 types) that no rule can produce;
- ``RULE_PREFIXES``: modules whose types are all named ``aws_<prefix>_<resource in snake_case>`` by the
  bridge (``aws:sqs/queuePolicy:QueuePolicy`` is ``aws_sqs_queue_policy``); a type mapped this way is
  reported as such, since a module can hold a type the bridge named otherwise;
- anything else is unknown: the caller leaves it out and says so, never guesses.

Property names and shapes come from the installed SDK's resource class: its getters give each property's
Python name (the snake_case form the Terraform argument has) and type. A property typed as an object of the
SDK's output types is a nested block in Terraform (a list of one object), a list of them is a repeated block
whose Terraform name is singular (``rules`` is ``rule``); the singular name is read from the element type's
class name, which the SDK generator builds from the Terraform block name (``BucketLifecycleConfigurationRule``
for ``rule``). Pulumi's own renames (``aws:lambda/function:Function`` ``name`` is ``function_name``) are in
``PROPERTY_RENAMES``.
"""

from __future__ import annotations

import contextlib
import importlib
import re
import typing
from collections import abc
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

# Pulumi type token -> Terraform resource type, for the types the stack and the public examples use.
TYPE_TABLE: dict[str, str] = {
    # API Gateway (REST)
    "aws:apigateway/account:Account": "aws_api_gateway_account",
    "aws:apigateway/apiKey:ApiKey": "aws_api_gateway_api_key",
    "aws:apigateway/authorizer:Authorizer": "aws_api_gateway_authorizer",
    "aws:apigateway/basePathMapping:BasePathMapping": "aws_api_gateway_base_path_mapping",
    "aws:apigateway/deployment:Deployment": "aws_api_gateway_deployment",
    "aws:apigateway/domainName:DomainName": "aws_api_gateway_domain_name",
    "aws:apigateway/integration:Integration": "aws_api_gateway_integration",
    "aws:apigateway/integrationResponse:IntegrationResponse": "aws_api_gateway_integration_response",
    "aws:apigateway/method:Method": "aws_api_gateway_method",
    "aws:apigateway/methodResponse:MethodResponse": "aws_api_gateway_method_response",
    "aws:apigateway/methodSettings:MethodSettings": "aws_api_gateway_method_settings",
    "aws:apigateway/resource:Resource": "aws_api_gateway_resource",
    "aws:apigateway/restApi:RestApi": "aws_api_gateway_rest_api",
    "aws:apigateway/restApiPolicy:RestApiPolicy": "aws_api_gateway_rest_api_policy",
    "aws:apigateway/stage:Stage": "aws_api_gateway_stage",
    "aws:apigateway/usagePlan:UsagePlan": "aws_api_gateway_usage_plan",
    "aws:apigateway/vpcLink:VpcLink": "aws_api_gateway_vpc_link",
    # API Gateway v2
    "aws:apigatewayv2/api:Api": "aws_apigatewayv2_api",
    "aws:apigatewayv2/integration:Integration": "aws_apigatewayv2_integration",
    "aws:apigatewayv2/route:Route": "aws_apigatewayv2_route",
    "aws:apigatewayv2/stage:Stage": "aws_apigatewayv2_stage",
    # CloudWatch and logs
    "aws:cloudwatch/eventRule:EventRule": "aws_cloudwatch_event_rule",
    "aws:cloudwatch/eventTarget:EventTarget": "aws_cloudwatch_event_target",
    "aws:cloudwatch/logGroup:LogGroup": "aws_cloudwatch_log_group",
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": "aws_cloudwatch_log_resource_policy",
    "aws:cloudwatch/logStream:LogStream": "aws_cloudwatch_log_stream",
    "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter": "aws_cloudwatch_log_subscription_filter",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "aws_cloudwatch_metric_alarm",
    "aws:cloudtrail/trail:Trail": "aws_cloudtrail",
    "aws:cfg/recorder:Recorder": "aws_config_configuration_recorder",
    "aws:cfg/rule:Rule": "aws_config_config_rule",
    # DynamoDB
    "aws:dynamodb/table:Table": "aws_dynamodb_table",
    "aws:dynamodb/tableItem:TableItem": "aws_dynamodb_table_item",
    # EC2 and VPC (the bridge drops the module for most of them)
    "aws:ebs/volume:Volume": "aws_ebs_volume",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "aws_default_security_group",
    "aws:ec2/defaultVpc:DefaultVpc": "aws_default_vpc",
    "aws:ec2/eip:Eip": "aws_eip",
    "aws:ec2/flowLog:FlowLog": "aws_flow_log",
    "aws:ec2/instance:Instance": "aws_instance",
    "aws:ec2/internetGateway:InternetGateway": "aws_internet_gateway",
    "aws:ec2/keyPair:KeyPair": "aws_key_pair",
    "aws:ec2/launchTemplate:LaunchTemplate": "aws_launch_template",
    "aws:ec2/natGateway:NatGateway": "aws_nat_gateway",
    "aws:ec2/networkAcl:NetworkAcl": "aws_network_acl",
    "aws:ec2/route:Route": "aws_route",
    "aws:ec2/routeTable:RouteTable": "aws_route_table",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "aws_route_table_association",
    "aws:ec2/securityGroup:SecurityGroup": "aws_security_group",
    "aws:ec2/securityGroupRule:SecurityGroupRule": "aws_security_group_rule",
    "aws:ec2/subnet:Subnet": "aws_subnet",
    "aws:ec2/vpc:Vpc": "aws_vpc",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "aws_vpc_endpoint",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "aws_vpc_security_group_egress_rule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "aws_vpc_security_group_ingress_rule",
    # Containers
    "aws:ecr/repository:Repository": "aws_ecr_repository",
    "aws:ecs/cluster:Cluster": "aws_ecs_cluster",
    "aws:ecs/service:Service": "aws_ecs_service",
    "aws:ecs/taskDefinition:TaskDefinition": "aws_ecs_task_definition",
    "aws:eks/cluster:Cluster": "aws_eks_cluster",
    "aws:eks/nodeGroup:NodeGroup": "aws_eks_node_group",
    # IAM
    "aws:iam/instanceProfile:InstanceProfile": "aws_iam_instance_profile",
    "aws:iam/policy:Policy": "aws_iam_policy",
    "aws:iam/role:Role": "aws_iam_role",
    "aws:iam/rolePolicy:RolePolicy": "aws_iam_role_policy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "aws_iam_role_policy_attachment",
    "aws:iam/user:User": "aws_iam_user",
    # KMS
    "aws:kms/alias:Alias": "aws_kms_alias",
    "aws:kms/key:Key": "aws_kms_key",
    # Lambda
    "aws:lambda/alias:Alias": "aws_lambda_alias",
    "aws:lambda/eventSourceMapping:EventSourceMapping": "aws_lambda_event_source_mapping",
    "aws:lambda/function:Function": "aws_lambda_function",
    "aws:lambda/functionUrl:FunctionUrl": "aws_lambda_function_url",
    "aws:lambda/layerVersion:LayerVersion": "aws_lambda_layer_version",
    "aws:lambda/permission:Permission": "aws_lambda_permission",
    # Load balancing (the alb module keeps Terraform's aws_alb_* aliases)
    "aws:alb/listener:Listener": "aws_alb_listener",
    "aws:alb/loadBalancer:LoadBalancer": "aws_alb",
    "aws:alb/targetGroup:TargetGroup": "aws_alb_target_group",
    "aws:lb/listener:Listener": "aws_lb_listener",
    "aws:lb/loadBalancer:LoadBalancer": "aws_lb",
    "aws:lb/targetGroup:TargetGroup": "aws_lb_target_group",
    # RDS (instances, subnet and parameter groups are aws_db_*; clusters aws_rds_*)
    "aws:rds/cluster:Cluster": "aws_rds_cluster",
    "aws:rds/clusterInstance:ClusterInstance": "aws_rds_cluster_instance",
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": "aws_rds_cluster_parameter_group",
    "aws:rds/instance:Instance": "aws_db_instance",
    "aws:rds/optionGroup:OptionGroup": "aws_db_option_group",
    "aws:rds/parameterGroup:ParameterGroup": "aws_db_parameter_group",
    "aws:rds/proxy:Proxy": "aws_db_proxy",
    "aws:rds/subnetGroup:SubnetGroup": "aws_db_subnet_group",
    # S3: v7 names, and v6's ...V2 names that v7 keeps as deprecated aliases of the same Terraform type
    "aws:s3/bucket:Bucket": "aws_s3_bucket",
    "aws:s3/bucketV2:BucketV2": "aws_s3_bucket",
    "aws:s3/bucketAcl:BucketAcl": "aws_s3_bucket_acl",
    "aws:s3/bucketAclV2:BucketAclV2": "aws_s3_bucket_acl",
    "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration": "aws_s3_bucket_cors_configuration",
    "aws:s3/bucketCorsConfigurationV2:BucketCorsConfigurationV2": "aws_s3_bucket_cors_configuration",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": (
        "aws_s3_bucket_lifecycle_configuration"
    ),
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2": (
        "aws_s3_bucket_lifecycle_configuration"
    ),
    "aws:s3/bucketLogging:BucketLogging": "aws_s3_bucket_logging",
    "aws:s3/bucketLoggingV2:BucketLoggingV2": "aws_s3_bucket_logging",
    "aws:s3/bucketNotification:BucketNotification": "aws_s3_bucket_notification",
    "aws:s3/bucketObject:BucketObject": "aws_s3_bucket_object",
    "aws:s3/bucketObjectv2:BucketObjectv2": "aws_s3_object",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "aws_s3_bucket_ownership_controls",
    "aws:s3/bucketPolicy:BucketPolicy": "aws_s3_bucket_policy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "aws_s3_bucket_public_access_block",
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": "aws_s3_bucket_replication_configuration",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        "aws_s3_bucket_server_side_encryption_configuration"
    ),
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": (
        "aws_s3_bucket_server_side_encryption_configuration"
    ),
    "aws:s3/bucketVersioning:BucketVersioning": "aws_s3_bucket_versioning",
    "aws:s3/bucketVersioningV2:BucketVersioningV2": "aws_s3_bucket_versioning",
    "aws:s3/bucketWebsiteConfiguration:BucketWebsiteConfiguration": "aws_s3_bucket_website_configuration",
    "aws:s3/bucketWebsiteConfigurationV2:BucketWebsiteConfigurationV2": "aws_s3_bucket_website_configuration",
    # Secrets, messaging, WAF
    "aws:secretsmanager/secret:Secret": "aws_secretsmanager_secret",
    "aws:secretsmanager/secretPolicy:SecretPolicy": "aws_secretsmanager_secret_policy",
    "aws:secretsmanager/secretRotation:SecretRotation": "aws_secretsmanager_secret_rotation",
    "aws:secretsmanager/secretVersion:SecretVersion": "aws_secretsmanager_secret_version",
    "aws:sns/topic:Topic": "aws_sns_topic",
    "aws:sns/topicPolicy:TopicPolicy": "aws_sns_topic_policy",
    "aws:sns/topicSubscription:TopicSubscription": "aws_sns_topic_subscription",
    "aws:sqs/queue:Queue": "aws_sqs_queue",
    "aws:sqs/queuePolicy:QueuePolicy": "aws_sqs_queue_policy",
    "aws:ssm/parameter:Parameter": "aws_ssm_parameter",
    "aws:wafv2/ipSet:IpSet": "aws_wafv2_ip_set",
    "aws:wafv2/ruleGroup:RuleGroup": "aws_wafv2_rule_group",
    "aws:wafv2/webAcl:WebAcl": "aws_wafv2_web_acl",
    "aws:wafv2/webAclAssociation:WebAclAssociation": "aws_wafv2_web_acl_association",
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": (
        "aws_wafv2_web_acl_logging_configuration"
    ),
    # Edge and DNS
    "aws:acm/certificate:Certificate": "aws_acm_certificate",
    "aws:cloudfront/distribution:Distribution": "aws_cloudfront_distribution",
    "aws:cloudfront/originAccessControl:OriginAccessControl": "aws_cloudfront_origin_access_control",
    "aws:route53/record:Record": "aws_route53_record",
    "aws:route53/zone:Zone": "aws_route53_zone",
}

# Modules whose every type the bridge names aws_<prefix>_<resource>: the rule for types not in the table.
RULE_PREFIXES: dict[str, str] = {
    "acm": "acm",
    "apigateway": "api_gateway",
    "apigatewayv2": "apigatewayv2",
    "appsync": "appsync",
    "athena": "athena",
    "backup": "backup",
    "cloudfront": "cloudfront",
    "codebuild": "codebuild",
    "cognito": "cognito",
    "dynamodb": "dynamodb",
    "ecr": "ecr",
    "ecs": "ecs",
    "efs": "efs",
    "eks": "eks",
    "elasticache": "elasticache",
    "glue": "glue",
    "guardduty": "guardduty",
    "iam": "iam",
    "kinesis": "kinesis",
    "kms": "kms",
    "lambda": "lambda",
    "route53": "route53",
    "s3": "s3",
    "secretsmanager": "secretsmanager",
    "sfn": "sfn",
    "sns": "sns",
    "sqs": "sqs",
    "ssm": "ssm",
    "wafv2": "wafv2",
    "xray": "xray",
}

# (type token, or "aws:<module>/" for a whole module; Pulumi property) -> Terraform argument, where Pulumi
# renamed the argument beyond its case (resource references and assets, mostly).
PROPERTY_RENAMES: dict[tuple[str, str], str] = {
    ("aws:apigateway/", "restApi"): "rest_api_id",
    ("aws:apigateway/stage:Stage", "deployment"): "deployment_id",
    ("aws:lambda/function:Function", "code"): "filename",
    ("aws:lambda/function:Function", "name"): "function_name",
    ("aws:lambda/layerVersion:LayerVersion", "code"): "filename",
    ("aws:lambda/permission:Permission", "function"): "function_name",
    ("aws:sns/topicSubscription:TopicSubscription", "topic"): "topic_arn",
}


# (SDK type name, Pulumi property) of lists the bridge flattened to one value, Terraform allowing one item:
# Pulumi takes "REGIONAL", Terraform's JSON holds ["REGIONAL"]. The SDK types them as plain strings.
ONE_ITEM_LISTS: frozenset[tuple[str, str]] = frozenset(
    {
        ("RestApiEndpointConfiguration", "types"),
        ("DomainNameEndpointConfiguration", "types"),
    }
)


@dataclass(frozen=True)
class TypeMapping:
    """The Terraform type of a Pulumi type, and how it was found: "table", "rule", or None when unknown."""

    terraform_type: str | None
    source: str | None


def terraform_type(token: str) -> TypeMapping:
    """``aws:<module>/<resource>:<Type>`` -> its Terraform resource type (see the module docstring)."""
    if token in TYPE_TABLE:
        return TypeMapping(TYPE_TABLE[token], "table")
    match = re.fullmatch(r"aws:([a-z0-9]+)/([A-Za-z0-9]+):[A-Za-z0-9]+", token)
    if match and match.group(1) in RULE_PREFIXES:
        return TypeMapping(f"aws_{RULE_PREFIXES[match.group(1)]}_{snake_case(match.group(2))}", "rule")
    return TypeMapping(None, None)


def snake_case(name: str) -> str:
    """camelCase or PascalCase -> snake_case (``serverlessv2ScalingConfiguration``, ``Ipv6CidrBlock``)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


# -- property shapes from the SDK -----------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One property: its Terraform name and shape ("scalar", "list", "one-item list", "map", "block" or
    "blocks")."""

    name: str
    shape: str
    block_type: type | None = None  # the SDK's output type of a "block" or "blocks"

    @property
    def schema(self) -> Schema | None:
        """The nested block's properties, read when asked: some blocks nest themselves (WAF statements)."""
        return _schema(self.block_type) if self.block_type is not None else None


@dataclass
class Schema:
    """The properties of a resource or of a nested block, by Pulumi (wire) name."""

    fields: dict[str, Field] = field(default_factory=dict)

    def get(self, wire_name: str) -> Field:
        """The property's field; a property the SDK does not declare keeps its name in snake_case."""
        return self.fields.get(wire_name) or Field(snake_case(wire_name), "scalar")


def resource_schema(token: str) -> Schema | None:
    """The Terraform names and shapes of a type's properties, or None when its SDK class is not installed."""
    cls = _resource_class(token)
    if cls is None:
        return None
    fields = dict(_schema(cls).fields)
    for (owner, wire_name), terraform_name in PROPERTY_RENAMES.items():
        if (token == owner or (owner.endswith("/") and token.startswith(owner))) and wire_name in fields:
            fields[wire_name] = replace(fields[wire_name], name=terraform_name)
    return Schema(fields)


def _resource_class(token: str) -> type | None:
    from pulumi.runtime import rpc

    package, module_name, _ = token.split(":")
    # A package's SDK registers its resource modules when imported.
    with contextlib.suppress(ImportError):
        importlib.import_module(f"pulumi_{package.replace('-', '_')}")
    module = rpc.get_resource_module(package, module_name, "")
    info = getattr(module, "mod_info", None)
    if info is None or token not in info["classes"]:
        return None
    return getattr(importlib.import_module(info["fqn"]), info["classes"][token])


@cache
def _schema(cls: type) -> Schema:
    from pulumi import _types

    if _types.is_output_type(cls):
        types = _types.output_type_types(cls)
        python_names = {wire: python for python, wire, _ in _types._py_properties(cls)}
    else:
        types = _types.resource_types(cls)
        python_names = _types.resource_pulumi_to_py_names(cls)
    schema = Schema()
    for wire_name, hint in types.items():
        python_name = python_names.get(wire_name, snake_case(wire_name)).rstrip("_")
        if (cls.__name__, wire_name) in ONE_ITEM_LISTS:
            schema.fields[wire_name] = Field(python_name, "one-item list")
        else:
            schema.fields[wire_name] = _field(python_name, hint, cls.__name__)
    return schema


def _field(python_name: str, hint: Any, type_name: str) -> Field:
    from pulumi import _types

    origin = typing.get_origin(hint)
    if origin in (abc.Mapping, dict):
        return Field(python_name, "map")
    if origin in (abc.Sequence, list):
        element = _types.unwrap_type(typing.get_args(hint)[0])
        if _is_block(element):
            return Field(_block_name(python_name, element, type_name), "blocks", element)
        return Field(python_name, "list")
    if _is_block(hint):
        return Field(_block_name(python_name, hint, type_name), "block", hint)
    return Field(python_name, "scalar")


def _is_block(hint: Any) -> bool:
    from pulumi import _types

    return isinstance(hint, type) and _types.is_output_type(hint)


def _block_name(python_name: str, element: type, parent_type_name: str) -> str:
    """Terraform's block name: the element type's name after its parent's (``...RuleExpiration``).

    The SDK generator names a nested type after the Terraform block, singular even where Pulumi's property is
    plural (``rules`` holds ``...Rule``). A type named otherwise (the generator shortens a few long names)
    keeps the property's own name.
    """
    suffix = element.__name__.removeprefix(parent_type_name)
    candidate = snake_case(suffix) if suffix and suffix != element.__name__ else ""
    plurals = {candidate, f"{candidate}s", f"{candidate}es", f"{candidate[:-1]}ies"}
    if candidate and python_name in plurals:
        return candidate
    return python_name
