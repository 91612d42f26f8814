"""The Pulumi -> Terraform names of `--format terraform-plan`: one test per table entry, the naming rule, the
unknown types, and property names and shapes read from the installed pulumi-aws SDK."""

import pulumi
import pytest

from preflight import tfschema
from preflight.tfschema import Field, _block_name, resource_schema, snake_case, terraform_type

# Written independently of TYPE_TABLE (from the Terraform AWS provider's documentation), so a wrong table
# entry fails here. Every table entry must be listed.
EXPECTED = {
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
    "aws:apigatewayv2/api:Api": "aws_apigatewayv2_api",
    "aws:apigatewayv2/integration:Integration": "aws_apigatewayv2_integration",
    "aws:apigatewayv2/route:Route": "aws_apigatewayv2_route",
    "aws:apigatewayv2/stage:Stage": "aws_apigatewayv2_stage",
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
    "aws:dynamodb/table:Table": "aws_dynamodb_table",
    "aws:dynamodb/tableItem:TableItem": "aws_dynamodb_table_item",
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
    "aws:ecr/repository:Repository": "aws_ecr_repository",
    "aws:ecs/cluster:Cluster": "aws_ecs_cluster",
    "aws:ecs/service:Service": "aws_ecs_service",
    "aws:ecs/taskDefinition:TaskDefinition": "aws_ecs_task_definition",
    "aws:eks/cluster:Cluster": "aws_eks_cluster",
    "aws:eks/nodeGroup:NodeGroup": "aws_eks_node_group",
    "aws:iam/instanceProfile:InstanceProfile": "aws_iam_instance_profile",
    "aws:iam/policy:Policy": "aws_iam_policy",
    "aws:iam/role:Role": "aws_iam_role",
    "aws:iam/rolePolicy:RolePolicy": "aws_iam_role_policy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "aws_iam_role_policy_attachment",
    "aws:iam/user:User": "aws_iam_user",
    "aws:kms/alias:Alias": "aws_kms_alias",
    "aws:kms/key:Key": "aws_kms_key",
    "aws:lambda/alias:Alias": "aws_lambda_alias",
    "aws:lambda/eventSourceMapping:EventSourceMapping": "aws_lambda_event_source_mapping",
    "aws:lambda/function:Function": "aws_lambda_function",
    "aws:lambda/functionUrl:FunctionUrl": "aws_lambda_function_url",
    "aws:lambda/layerVersion:LayerVersion": "aws_lambda_layer_version",
    "aws:lambda/permission:Permission": "aws_lambda_permission",
    "aws:alb/listener:Listener": "aws_alb_listener",
    "aws:alb/loadBalancer:LoadBalancer": "aws_alb",
    "aws:alb/targetGroup:TargetGroup": "aws_alb_target_group",
    "aws:lb/listener:Listener": "aws_lb_listener",
    "aws:lb/loadBalancer:LoadBalancer": "aws_lb",
    "aws:lb/targetGroup:TargetGroup": "aws_lb_target_group",
    "aws:rds/cluster:Cluster": "aws_rds_cluster",
    "aws:rds/clusterInstance:ClusterInstance": "aws_rds_cluster_instance",
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": "aws_rds_cluster_parameter_group",
    "aws:rds/instance:Instance": "aws_db_instance",
    "aws:rds/optionGroup:OptionGroup": "aws_db_option_group",
    "aws:rds/parameterGroup:ParameterGroup": "aws_db_parameter_group",
    "aws:rds/proxy:Proxy": "aws_db_proxy",
    "aws:rds/subnetGroup:SubnetGroup": "aws_db_subnet_group",
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
    "aws:acm/certificate:Certificate": "aws_acm_certificate",
    "aws:cloudfront/distribution:Distribution": "aws_cloudfront_distribution",
    "aws:cloudfront/originAccessControl:OriginAccessControl": "aws_cloudfront_origin_access_control",
    "aws:route53/record:Record": "aws_route53_record",
    "aws:route53/zone:Zone": "aws_route53_zone",
}


@pytest.mark.parametrize(("token", "terraform"), sorted(EXPECTED.items()))
def test_each_table_entry_names_the_terraform_type(token, terraform):
    assert terraform_type(token) == tfschema.TypeMapping(terraform, "table")
    # The token is a type of the installed SDK, so the table never names a type the program cannot create.
    assert resource_schema(token) is not None


def test_every_table_entry_has_its_test():
    assert set(tfschema.TYPE_TABLE) == set(EXPECTED)


@pytest.mark.parametrize(
    ("token", "terraform"),
    [
        ("aws:sqs/redriveAllowPolicy:RedriveAllowPolicy", "aws_sqs_redrive_allow_policy"),
        ("aws:apigateway/gatewayResponse:GatewayResponse", "aws_api_gateway_gateway_response"),
        ("aws:kms/grant:Grant", "aws_kms_grant"),
        ("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "aws_iam_open_id_connect_provider"),
        (
            "aws:s3/bucketIntelligentTieringConfiguration:BucketIntelligentTieringConfiguration",
            "aws_s3_bucket_intelligent_tiering_configuration",
        ),
    ],
)
def test_other_types_of_a_regular_module_follow_the_naming_rule(token, terraform):
    assert terraform_type(token) == tfschema.TypeMapping(terraform, "rule")


@pytest.mark.parametrize(
    "token",
    [
        "aws:ec2/placementGroup:PlacementGroup",  # aws_placement_group: ec2 has no single rule
        "aws:rds/globalCluster:GlobalCluster",  # rds mixes aws_db_* and aws_rds_*
        "aws:index/provider:Provider",
        "aws:s3/bucket",  # not a type token
    ],
)
def test_a_type_neither_table_nor_rule_knows_has_no_terraform_type(token):
    assert terraform_type(token) == tfschema.TypeMapping(None, None)


@pytest.mark.parametrize(
    ("name", "snake"),
    [
        ("serverlessv2ScalingConfiguration", "serverlessv2_scaling_configuration"),
        ("Ipv6CidrBlock", "ipv6_cidr_block"),
        ("s3BucketName", "s3_bucket_name"),
        ("webAcl", "web_acl"),
        ("ttl", "ttl"),
    ],
)
def test_snake_case(name, snake):
    assert snake_case(name) == snake


# -- property names and shapes ------------------------------------------------------------------------------


def shape(token: str, *path: str) -> Field:
    schema = resource_schema(token)
    field = None
    for name in path:
        field = schema.get(name)
        schema = field.schema
    return field


@pytest.mark.parametrize(
    ("token", "path", "name", "kind"),
    [
        # repeated blocks: Pulumi's plural property, Terraform's singular block
        (
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            ["rules"],
            "rule",
            "blocks",
        ),
        ("aws:dynamodb/table:Table", ["attributes"], "attribute", "blocks"),
        ("aws:dynamodb/table:Table", ["globalSecondaryIndexes"], "global_secondary_index", "blocks"),
        ("aws:iam/role:Role", ["inlinePolicies"], "inline_policy", "blocks"),
        ("aws:s3/bucket:Bucket", ["corsRules"], "cors_rule", "blocks"),
        ("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", ["rules"], "rule", "blocks"),
        # `ingress` is singular in both
        ("aws:ec2/securityGroup:SecurityGroup", ["ingress"], "ingress", "blocks"),
        # single nested blocks (a list of one in Terraform's JSON)
        (
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            ["rules", "applyServerSideEncryptionByDefault"],
            "apply_server_side_encryption_by_default",
            "block",
        ),
        (
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            ["rules", "noncurrentVersionExpiration"],
            "noncurrent_version_expiration",
            "block",
        ),
        ("aws:dynamodb/table:Table", ["serverSideEncryption"], "server_side_encryption", "block"),
        ("aws:lambda/function:Function", ["vpcConfig"], "vpc_config", "block"),
        ("aws:apigateway/stage:Stage", ["accessLogSettings"], "access_log_settings", "block"),
        (
            "aws:rds/cluster:Cluster",
            ["serverlessv2ScalingConfiguration"],
            "serverlessv2_scaling_configuration",
            "block",
        ),
        # maps keep their keys; lists of strings stay lists
        ("aws:kms/key:Key", ["tags"], "tags", "map"),
        ("aws:lambda/function:Function", ["environment", "variables"], "variables", "map"),
        ("aws:rds/cluster:Cluster", ["vpcSecurityGroupIds"], "vpc_security_group_ids", "list"),
        # plain arguments, digits and all
        ("aws:kms/key:Key", ["enableKeyRotation"], "enable_key_rotation", "scalar"),
        ("aws:ec2/vpc:Vpc", ["assignGeneratedIpv6CidrBlock"], "assign_generated_ipv6_cidr_block", "scalar"),
        # Pulumi's renames
        ("aws:lambda/function:Function", ["name"], "function_name", "scalar"),
        ("aws:lambda/function:Function", ["code"], "filename", "scalar"),
        ("aws:lambda/layerVersion:LayerVersion", ["code"], "filename", "scalar"),
        ("aws:lambda/permission:Permission", ["function"], "function_name", "scalar"),
        ("aws:sns/topicSubscription:TopicSubscription", ["topic"], "topic_arn", "scalar"),
        ("aws:apigateway/stage:Stage", ["restApi"], "rest_api_id", "scalar"),
        ("aws:apigateway/stage:Stage", ["deployment"], "deployment_id", "scalar"),
        ("aws:apigateway/methodSettings:MethodSettings", ["restApi"], "rest_api_id", "scalar"),
        # lists the bridge flattened to one value
        ("aws:apigateway/restApi:RestApi", ["endpointConfiguration", "types"], "types", "one-item list"),
        (
            "aws:apigateway/domainName:DomainName",
            ["endpointConfiguration", "types"],
            "types",
            "one-item list",
        ),
        # a property the SDK does not declare keeps its name, in snake_case
        ("aws:kms/key:Key", ["someFutureArgument"], "some_future_argument", "scalar"),
    ],
)
def test_property_names_and_shapes_come_from_the_sdk(token, path, name, kind):
    field = shape(token, *path)
    assert (field.name, field.shape) == (name, kind)
    assert (field.schema is not None) == (kind in ("block", "blocks"))


def test_a_type_the_sdk_does_not_have_has_no_schema():
    assert resource_schema("aws:foo/bar:Baz") is None
    assert resource_schema("nosuchpackage:foo/bar:Baz") is None


@pulumi.output_type
class WidgetShortName:
    pass


def test_a_block_type_named_otherwise_keeps_the_property_name():
    # The SDK generator shortens a few long type names; then the element type says nothing about the block.
    assert _block_name("long_named_parts", WidgetShortName, "Gadget") == "long_named_parts"
    assert _block_name("parts", WidgetShortName, "WidgetShortName") == "parts"
    assert _block_name("short_names", WidgetShortName, "Widget") == "short_name"
