"""The plan `--format terraform-plan` writes, from hand-made run results: values, unknowns, references,
secrets, names, providers and the notes on what was left out."""

import json

from google.protobuf import struct_pb2

from preflight import tfplan
from preflight.model import UNKNOWN, Mode, Resource, RunResult

SIG = "4dabf18193072939515e22adb298388d"
STACK = "urn:pulumi:dev::shop::"
PROVIDER_URN = f"{STACK}pulumi:providers:aws::default_7_0_0"
PROVIDER = f"{PROVIDER_URN}::{UNKNOWN}"


def secret(value):
    return {SIG: "1b47061264138c4ac30d75fd1eb44270", "value": value}


def output(value=None, *, is_secret=False):
    wrapped = {SIG: "d0e6a833031e9bbcd3f4e8bde6ca49a4", "secret": is_secret}
    if value is not None:
        wrapped["value"] = value
    return wrapped


def struct(values: dict) -> struct_pb2.Struct:
    result = struct_pb2.Struct()
    result.update(values)
    return result


def resource(type_, name, inputs, *, deps=None, outputs=None, custom=True, provider=PROVIDER, parent=None):
    return Resource(
        urn=f"{STACK}{type_}::{name}",
        type=type_,
        name=name,
        custom=custom,
        parent=parent,
        protect=False,
        dependencies=[],
        property_dependencies=deps or {},
        inputs=struct(inputs),
        provider=provider if custom else None,
        outputs=struct(outputs) if outputs is not None else None,
    )


def urn(type_, name):
    return f"{STACK}{type_}::{name}"


def export(*resources, mode=Mode.PREVIEW):
    return tfplan.export(RunResult("shop", "dev", mode, list(resources), [], [], []))


def by_address(plan, section):
    if section == "planned":
        return {r["address"]: r for r in plan["planned_values"]["root_module"]["resources"]}
    if section == "changes":
        return {r["address"]: r for r in plan["resource_changes"]}
    return {r["address"]: r for r in plan["configuration"]["root_module"]["resources"]}


BUCKET = "aws:s3/bucket:Bucket"
PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
KEY = "aws:kms/key:Key"
FUNCTION = "aws:lambda/function:Function"


def test_a_first_plan_creates_every_resource_with_known_values_and_computed_ones_unknown():
    plan = export(
        resource(
            KEY,
            "data",
            {
                "enableKeyRotation": True,
                "deletionWindowInDays": 7,
                "tags": {"Team": "pay", "cost_center": "C1"},
            },
            outputs={"enableKeyRotation": True, "arn": UNKNOWN, "keyId": UNKNOWN},
        )
    ).plan
    assert plan["format_version"] == "1.2"
    assert plan["terraform_version"] == tfplan.TERRAFORM_VERSION
    planned = by_address(plan, "planned")["aws_kms_key.data"]
    values = {
        "enable_key_rotation": True,
        "deletion_window_in_days": 7,
        "tags": {"Team": "pay", "cost_center": "C1"},
    }
    assert planned == {
        "address": "aws_kms_key.data",
        "mode": "managed",
        "type": "aws_kms_key",
        "name": "data",
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "schema_version": 0,
        "values": values,
        "sensitive_values": {},
    }
    change = by_address(plan, "changes")["aws_kms_key.data"]["change"]
    assert change == {
        "actions": ["create"],
        "before": None,
        "after": values,
        "after_unknown": {"arn": True, "key_id": True, "id": True},
        "before_sensitive": False,
        "after_sensitive": {},
    }
    configured = by_address(plan, "configuration")["aws_kms_key.data"]
    assert configured["provider_config_key"] == "aws"
    assert configured["expressions"] == {
        "enable_key_rotation": {"constant_value": True},
        "deletion_window_in_days": {"constant_value": 7},
        "tags": {"constant_value": {"Team": "pay", "cost_center": "C1"}},
    }


def test_blocks_become_lists_of_one_and_repeated_blocks_take_the_singular_name():
    plan = export(
        resource(
            SSE,
            "enc",
            {"bucket": "b", "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}]},
        )
    ).plan
    values = by_address(plan, "planned")["aws_s3_bucket_server_side_encryption_configuration.enc"]["values"]
    assert values == {
        "bucket": "b",
        "rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms"}]}],
    }
    expressions = by_address(plan, "configuration")["aws_s3_bucket_server_side_encryption_configuration.enc"]
    assert expressions["expressions"]["rule"] == [
        {"apply_server_side_encryption_by_default": [{"sse_algorithm": {"constant_value": "aws:kms"}}]}
    ]


def test_a_value_from_another_resource_is_unknown_and_a_reference():
    bucket = resource(BUCKET, "data", {"bucket": "data-123"})
    block = resource(
        PAB,
        "data-pab",
        {"bucket": UNKNOWN, "blockPublicAcls": True},
        deps={"bucket": [urn(BUCKET, "data")], "blockPublicAcls": []},
    )
    plan = export(bucket, block).plan
    address = "aws_s3_bucket_public_access_block.data-pab"
    assert by_address(plan, "planned")[address]["values"] == {"block_public_acls": True}
    assert by_address(plan, "changes")[address]["change"]["after_unknown"] == {"bucket": True, "id": True}
    assert by_address(plan, "configuration")[address]["expressions"] == {
        "bucket": {"references": ["aws_s3_bucket.data.id", "aws_s3_bucket.data"]},
        "block_public_acls": {"constant_value": True},
    }


def test_a_known_value_set_from_another_resource_is_still_a_reference_in_the_configuration():
    # In update mode the referenced ARN is known: Terraform shows the value and keeps the reference.
    key = resource(
        KEY,
        "logs",
        {"description": "logs"},
        outputs={
            "arn": "arn:aws:kms:us-east-1:123456789012:key/k",
            "description": "logs",
            "rotationPeriodInDays": 90,
        },
    )
    key.id = "k"
    group = resource(
        "aws:cloudwatch/logGroup:LogGroup",
        "app",
        {"kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/k", "name": "app"},
        deps={"kmsKeyId": [urn(KEY, "logs")]},
    )
    plan = export(key, group, mode=Mode.UPDATE).plan
    address = "aws_cloudwatch_log_group.app"
    assert (
        by_address(plan, "planned")[address]["values"]["kms_key_id"]
        == "arn:aws:kms:us-east-1:123456789012:key/k"
    )
    expressions = by_address(plan, "configuration")[address]["expressions"]
    assert expressions["kms_key_id"] == {"references": ["aws_kms_key.logs.arn", "aws_kms_key.logs"]}
    assert expressions["name"] == {"constant_value": "app"}
    alias = resource(
        "aws:kms/alias:Alias", "logs", {"targetKeyId": "k"}, deps={"targetKeyId": [urn(KEY, "logs")]}
    )
    expressions = by_address(export(key, alias, mode=Mode.UPDATE).plan, "configuration")["aws_kms_alias.logs"]
    assert expressions["expressions"]["target_key_id"] == {
        "references": ["aws_kms_key.logs.id", "aws_kms_key.logs"]
    }


def test_references_inside_blocks_go_to_the_arguments_that_name_them():
    subnet = resource("aws:ec2/subnet:Subnet", "private-1", {})
    group = resource("aws:ec2/securityGroup:SecurityGroup", "fn-sg", {})
    table = resource("aws:dynamodb/table:Table", "orders", {})
    role = resource("aws:iam/role:Role", "fn-role", {})
    function = resource(
        FUNCTION,
        "fn",
        {
            "role": UNKNOWN,
            "name": "orders",
            "vpcConfig": {"subnetIds": [UNKNOWN], "securityGroupIds": [UNKNOWN]},
            "environment": {"variables": {"TABLE": UNKNOWN, "LEVEL": "INFO"}},
            "loggingConfig": {"logFormat": "JSON"},
        },
        deps={
            "role": [urn("aws:iam/role:Role", "fn-role")],
            "vpcConfig": [
                urn("aws:ec2/subnet:Subnet", "private-1"),
                urn("aws:ec2/securityGroup:SecurityGroup", "fn-sg"),
            ],
            "environment": [urn("aws:dynamodb/table:Table", "orders")],
            # a dependency on something the plan does not hold has no reference
            "loggingConfig": [f"{STACK}random:index/randomId:RandomId::suffix"],
        },
    )
    plan = export(subnet, group, table, role, function).plan
    expressions = by_address(plan, "configuration")["aws_lambda_function.fn"]["expressions"]
    assert expressions["role"] == {"references": ["aws_iam_role.fn-role.id", "aws_iam_role.fn-role"]}
    assert expressions["function_name"] == {"constant_value": "orders"}
    assert expressions["vpc_config"] == [
        {
            "subnet_ids": {"references": ["aws_subnet.private-1.id", "aws_subnet.private-1"]},
            "security_group_ids": {"references": ["aws_security_group.fn-sg.id", "aws_security_group.fn-sg"]},
        }
    ]
    # The variables map holds an unknown: no name says which dependency it is, so it names them all.
    assert expressions["environment"] == [
        {"variables": {"references": ["aws_dynamodb_table.orders.id", "aws_dynamodb_table.orders"]}}
    ]
    assert expressions["logging_config"] == [{"log_format": {"constant_value": "JSON"}}]
    change = by_address(plan, "changes")["aws_lambda_function.fn"]["change"]
    assert change["after"]["vpc_config"] == [{"subnet_ids": [None], "security_group_ids": [None]}]
    assert change["after"]["environment"] == [{"variables": {"LEVEL": "INFO"}}]
    assert change["after_unknown"] == {
        "role": True,
        "vpc_config": [{"subnet_ids": [True], "security_group_ids": [True]}],
        "environment": [{"variables": {"TABLE": True}}],
        "id": True,
    }


def test_a_known_nested_value_whose_name_matches_no_dependency_stays_a_constant():
    group = resource("aws:cloudwatch/logGroup:LogGroup", "fn-logs", {})
    function = resource(
        FUNCTION,
        "fn",
        {"loggingConfig": {"logGroup": "/aws/lambda/fn", "logFormat": "JSON"}},
        deps={"loggingConfig": [urn("aws:cloudwatch/logGroup:LogGroup", "fn-logs")]},
    )
    expressions = by_address(export(group, function).plan, "configuration")["aws_lambda_function.fn"]
    assert expressions["expressions"]["logging_config"] == [
        {
            "log_group": {
                "references": ["aws_cloudwatch_log_group.fn-logs.id", "aws_cloudwatch_log_group.fn-logs"]
            },
            "log_format": {"constant_value": "JSON"},
        }
    ]


def test_reference_attributes_follow_the_argument_name():
    group = resource("aws:rds/subnetGroup:SubnetGroup", "db", {})
    key = resource(KEY, "data", {})
    cluster = resource(
        "aws:rds/cluster:Cluster",
        "db",
        {"dbSubnetGroupName": "db", "kmsKeyId": UNKNOWN, "vpcSecurityGroupIds": [UNKNOWN]},
        deps={
            "dbSubnetGroupName": [urn("aws:rds/subnetGroup:SubnetGroup", "db")],
            "kmsKeyId": [urn(KEY, "data")],
        },
    )
    expressions = by_address(export(group, key, cluster).plan, "configuration")["aws_rds_cluster.db"][
        "expressions"
    ]
    assert expressions["db_subnet_group_name"] == {
        "references": ["aws_db_subnet_group.db.name", "aws_db_subnet_group.db"]
    }
    assert expressions["kms_key_id"] == {"references": ["aws_kms_key.data.id", "aws_kms_key.data"]}
    # an unknown value with no recorded dependency: nothing to refer to
    assert expressions["vpc_security_group_ids"] == {"constant_value": [None]}


def test_arn_arguments_refer_to_the_arn():
    key = resource(KEY, "data", {})
    function = resource(FUNCTION, "fn", {"kmsKeyArn": UNKNOWN}, deps={"kmsKeyArn": [urn(KEY, "data")]})
    expressions = by_address(export(key, function).plan, "configuration")["aws_lambda_function.fn"][
        "expressions"
    ]
    assert expressions["kms_key_arn"] == {"references": ["aws_kms_key.data.arn", "aws_kms_key.data"]}


def test_secrets_are_never_written_and_are_marked_sensitive():
    version = resource(
        "aws:secretsmanager/secretVersion:SecretVersion",
        "db",
        {
            "secretString": secret("hunter2-in-clear"),
            "versionStages": output(["AWSCURRENT", 3, True], is_secret=True),
            "secretBinary": secret(UNKNOWN),
            "secretId": output("known-id"),
            "secretStringWo": output(),
        },
    )
    plan = export(version).plan
    text = json.dumps(plan)
    assert "hunter2" not in text
    address = "aws_secretsmanager_secret_version.db"
    planned = by_address(plan, "planned")[address]
    assert planned["values"] == {
        "secret_string": tfplan.SENSITIVE_TEXT,
        "version_stages": [tfplan.SENSITIVE_TEXT, None, None],
        "secret_id": "known-id",
    }
    sensitive = {"secret_string": True, "version_stages": True, "secret_binary": True}
    assert planned["sensitive_values"] == sensitive
    change = by_address(plan, "changes")[address]["change"]
    assert change["after_sensitive"] == sensitive
    assert change["after_unknown"] == {"secret_binary": True, "secret_string_wo": True, "id": True}
    expressions = by_address(plan, "configuration")[address]["expressions"]
    assert expressions["secret_string"] == {"constant_value": tfplan.SENSITIVE_TEXT}
    assert expressions["secret_binary"] == {"constant_value": None}


def test_a_secret_inside_a_map_is_marked_where_it_is():
    function = resource(
        FUNCTION, "fn", {"environment": {"variables": {"TOKEN": secret("t0k3n"), "LEVEL": "INFO"}}}
    )
    plan = export(function).plan
    assert "t0k3n" not in json.dumps(plan)
    change = by_address(plan, "changes")["aws_lambda_function.fn"]["change"]
    assert change["after"]["environment"] == [
        {"variables": {"TOKEN": tfplan.SENSITIVE_TEXT, "LEVEL": "INFO"}}
    ]
    assert change["after_sensitive"] == {"environment": [{"variables": {"TOKEN": True}}]}


def test_a_secret_object_keeps_its_shape_and_an_unknown_inside_a_secret_is_still_a_reference():
    vpc = resource("aws:ec2/vpc:Vpc", "main", {})
    function = resource(
        FUNCTION,
        "fn",
        {
            "environment": secret({"variables": {"PASSWORD": "pw-in-clear", "RETRIES": 3}}),
            "vpcConfig": {
                "subnetIds": [UNKNOWN],
                "securityGroupIds": secret([UNKNOWN]),
                "ipv6AllowedForDualStack": False,
            },
        },
        # no argument of vpc_config names the VPC: the unknown ones refer to it, the known one stays constant
        deps={"vpcConfig": [urn("aws:ec2/vpc:Vpc", "main")]},
    )
    plan = export(vpc, function).plan
    assert "pw-in-clear" not in json.dumps(plan)
    change = by_address(plan, "changes")["aws_lambda_function.fn"]["change"]
    assert change["after"]["environment"] == [
        {"variables": {"PASSWORD": tfplan.SENSITIVE_TEXT, "RETRIES": None}}
    ]
    assert change["after_sensitive"] == {"environment": True, "vpc_config": [{"security_group_ids": True}]}
    references = {"references": ["aws_vpc.main.id", "aws_vpc.main"]}
    assert by_address(plan, "configuration")["aws_lambda_function.fn"]["expressions"]["vpc_config"] == [
        {
            "subnet_ids": references,
            "security_group_ids": references,
            "ipv6_allowed_for_dual_stack": {"constant_value": False},
        }
    ]


def test_resource_references_assets_and_nulls():
    function = resource(
        FUNCTION,
        "fn",
        {
            "role": {SIG: "5cf8f73096256a8f31e491e813e4eb8e", "urn": "urn:x", "id": "role-id"},
            "layers": [{SIG: "5cf8f73096256a8f31e491e813e4eb8e", "urn": "urn:y"}],
            "code": {SIG: "0def7320c3a5731c473e5ecbe6d01bc7", "path": "./handler", "hash": "ab"},
            "description": None,
            "handler": {SIG: "c44067f5952c0a294b673a41bacd8c17", "text": "print(1)"},
            "runtime": {SIG: "c44067f5952c0a294b673a41bacd8c17", "uri": "https://example.com/x"},
            "imageUri": {SIG: "0def7320c3a5731c473e5ecbe6d01bc7", "assets": {"a": "b"}},
            "packageType": {SIG: "0def7320c3a5731c473e5ecbe6d01bc7"},
            "timeout": 2.5,
            "memorySize": 2**60,
        },
    )
    change = by_address(export(function).plan, "changes")["aws_lambda_function.fn"]["change"]
    assert change["after"] == {
        "role": "role-id",
        "layers": [None],
        "filename": "./handler",
        "description": None,
        "handler": "string asset of 8 characters",
        "runtime": "https://example.com/x",
        "image_uri": "asset archive of 1 entries",
        "package_type": "asset",
        "timeout": 2.5,
        "memory_size": float(2**60),
    }
    assert change["after_unknown"] == {"layers": [True], "id": True}


def test_a_value_pulumi_flattened_from_a_one_item_list_is_a_list_again():
    api = resource(
        "aws:apigateway/restApi:RestApi", "api", {"name": "a", "endpointConfiguration": {"types": "REGIONAL"}}
    )
    other = resource(
        "aws:apigateway/domainName:DomainName",
        "domain",
        {"endpointConfiguration": {"types": UNKNOWN, "vpcEndpointIds": ["vpce-1"]}},
    )
    legacy = resource(
        "aws:apigateway/restApi:RestApi", "legacy", {"endpointConfiguration": {"types": ["EDGE"]}}
    )
    changes = by_address(export(api, other, legacy).plan, "changes")
    assert changes["aws_api_gateway_rest_api.api"]["change"]["after"]["endpoint_configuration"] == [
        {"types": ["REGIONAL"]}
    ]
    domain = changes["aws_api_gateway_domain_name.domain"]["change"]
    # unknown as a whole, as Terraform shows an unknown list
    assert domain["after"]["endpoint_configuration"] == [{"vpc_endpoint_ids": ["vpce-1"]}]
    assert domain["after_unknown"]["endpoint_configuration"] == [{"types": True}]
    assert changes["aws_api_gateway_rest_api.legacy"]["change"]["after"]["endpoint_configuration"] == [
        {"types": ["EDGE"]}
    ]


def test_a_block_given_as_a_list_of_plain_values_keeps_them():
    plan = export(resource(SSE, "enc", {"rules": ["odd", UNKNOWN]})).plan
    change = by_address(plan, "changes")["aws_s3_bucket_server_side_encryption_configuration.enc"]["change"]
    assert change["after"] == {"rule": ["odd", None]}
    assert change["after_unknown"] == {"rule": [False, True], "id": True}


def test_names_are_terraform_identifiers_and_unique_per_type():
    # Pulumi allows the same name under two parents; Terraform's root module does not.
    nested = resource(KEY, "dup", {})
    nested.urn = f"{STACK}shop:storage:SecureBucket$aws:kms/key:Key::dup"
    plan = export(
        resource(KEY, "data key/1", {}), resource(KEY, "9lives", {}), resource(KEY, "dup", {}), nested
    ).plan
    assert sorted(by_address(plan, "planned")) == [
        "aws_kms_key._9lives",
        "aws_kms_key.data_key_1",
        "aws_kms_key.dup",
        "aws_kms_key.dup_2",
    ]
    assert {r["name"] for r in plan["resource_changes"]} == {"_9lives", "data_key_1", "dup", "dup_2"}


def test_providers_become_provider_configs_and_the_rest_is_left_out_with_a_note():
    default = Resource(
        urn=PROVIDER_URN,
        type="pulumi:providers:aws",
        name="default_7_0_0",
        custom=True,
        parent=None,
        protect=False,
        dependencies=[],
        property_dependencies={},
        inputs=struct({"region": "eu-west-1"}),
        id=UNKNOWN,
    )
    west = Resource(
        urn=f"{STACK}pulumi:providers:aws::us west",
        type="pulumi:providers:aws",
        name="us west",
        custom=True,
        parent=None,
        protect=False,
        dependencies=[],
        property_dependencies={},
        inputs=struct({"region": UNKNOWN}),
        id="provider-id",
    )
    exported = export(
        default,
        west,
        resource("pulumi:pulumi:Stack", "shop-dev", {}, custom=False),
        resource("shop:storage:SecureBucket", "assets", {}, custom=False),
        resource("random:index/randomId:RandomId", "suffix", {}),
        resource("aws:ec2/placementGroup:PlacementGroup", "pg", {}),
        resource("aws:ec2/placementGroup:PlacementGroup", "pg2", {}),
        resource("aws:sqs/redriveAllowPolicy:RedriveAllowPolicy", "allow", {"queueUrl": "q"}),
        resource(KEY, "east", {}),
        resource(KEY, "west", {}, provider=f"{west.urn}::provider-id"),
        resource(KEY, "other", {}, provider=None),
    )
    plan = exported.plan
    assert plan["configuration"]["provider_config"] == {
        "aws": {
            "name": "aws",
            "full_name": "registry.terraform.io/hashicorp/aws",
            "expressions": {"region": {"constant_value": "eu-west-1"}},
        },
        "aws.us_west": {
            "name": "aws",
            "full_name": "registry.terraform.io/hashicorp/aws",
            "alias": "us_west",
        },
    }
    keys = {r["address"]: r["provider_config_key"] for r in plan["configuration"]["root_module"]["resources"]}
    assert keys == {
        "aws_kms_key.east": "aws",
        "aws_kms_key.west": "aws.us_west",
        "aws_kms_key.other": "aws",
        "aws_sqs_redrive_allow_policy.allow": "aws",
    }
    assert exported.notes == [
        "terraform-plan: left out 5 resources that are not aws: custom resources (providers, components, "
        "other packages): pulumi:providers:aws (2), pulumi:pulumi:Stack (1), "
        "random:index/randomId:RandomId (1), shop:storage:SecureBucket (1)",
        "terraform-plan: left out 2 aws: resources whose Terraform type is not known (add them to TYPE_TABLE "
        "in preflight/tfschema.py): aws:ec2/placementGroup:PlacementGroup (2)",
        "terraform-plan: Terraform type derived from the module's naming rule for "
        "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy as aws_sqs_redrive_allow_policy",
    ]


def test_a_type_the_installed_sdk_lacks_is_left_out_even_when_the_rule_names_it():
    exported = export(resource("aws:sqs/futureThing:FutureThing", "f", {}))
    assert exported.plan["resource_changes"] == []
    assert exported.notes == [
        "terraform-plan: left out 1 aws: resources whose Terraform type is not known (add them to TYPE_TABLE "
        "in preflight/tfschema.py): aws:sqs/futureThing:FutureThing (1)"
    ]


def test_an_empty_run_is_an_empty_plan_with_the_aws_provider():
    exported = export()
    assert exported.notes == []
    assert exported.plan["configuration"] == {
        "provider_config": {"aws": {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws"}},
        "root_module": {"resources": []},
    }
    assert exported.plan["planned_values"] == {"root_module": {"resources": []}}


def test_render_is_sorted_json_and_the_notes():
    text, notes = tfplan.render(
        RunResult("shop", "dev", Mode.PREVIEW, [resource(KEY, "k", {"b": 1, "a": 2})], [], [], [])
    )
    assert text.endswith("\n")
    assert json.loads(text)["resource_changes"][0]["change"]["after"] == {"a": 2, "b": 1}
    assert text.index('"applyable"') < text.index('"complete"') < text.index('"configuration"')
    assert notes == []
