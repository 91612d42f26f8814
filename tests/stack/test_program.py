"""The whole program, run as `pulumi preview` / `pulumi up` would run it with each stack's real config."""

import json
import re
from pathlib import Path

import pytest
import yaml
from stack_harness import (
    ACCOUNT,
    DEPLOYED_OUTPUTS,
    PROJECT_ROOT,
    STACKS,
    UNKNOWN,
    is_taggable,
    run_stack,
    stack_config,
)

from components.api import StackOrderError
from settings import SettingsError

OUTPUT_KEYS = {
    "region", "accountId", "environmentSuffix", "apiUrl", "apiId", "apiStageName", "functionName",
    "functionArn", "ordersTableName", "ordersTableArn", "dataBucketName", "accessLogsBucketName",
    "clusterArn",
    "clusterIdentifier", "clusterEndpoint", "clusterReaderEndpoint", "clusterMasterUserSecretArn",
    "clusterEngineVersion",
    "dataKeyArn", "logsKeyArn", "logGroupNames", "vpcId", "privateSubnetIds", "isolatedSubnetIds",
    "publicSubnetIds", "expected", "webAclArn", "apiGatewayCloudWatchRoleArn",
    "ledgerWriterName", "ledgerMigrationFunctionName", "ledgerDeadLetterQueueUrl", "ledgerAppSecretArn",
}  # fmt: skip
PCI_TYPES = {
    "aws:kms/key:Key",
    "aws:rds/cluster:Cluster",
    "aws:rds/clusterInstance:ClusterInstance",
    "aws:dynamodb/table:Table",
    "aws:s3/bucket:Bucket",
    "aws:lambda/function:Function",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:apigateway/stage:Stage",
}
STATEFUL_TYPES = {
    "aws:kms/key:Key",
    "aws:rds/cluster:Cluster",
    "aws:dynamodb/table:Table",
    "aws:s3/bucket:Bucket",
    "aws:cloudwatch/logGroup:LogGroup",
}
# Explicit physical-name inputs of the types the stack names.
NAME_INPUTS = {
    "aws:lambda/function:Function": "name",
    "aws:dynamodb/table:Table": "name",
    "aws:rds/cluster:Cluster": "clusterIdentifier",
    "aws:rds/clusterInstance:ClusterInstance": "identifier",
    "aws:s3/bucket:Bucket": "bucket",
    "aws:iam/role:Role": "name",
    "aws:kms/alias:Alias": "name",
    "aws:apigateway/restApi:RestApi": "name",
    "aws:ec2/securityGroup:SecurityGroup": "name",
    "aws:cloudwatch/logGroup:LogGroup": "name",
    "aws:rds/subnetGroup:SubnetGroup": "name",
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": "name",
}


@pytest.fixture(scope="module", params=STACKS)
def deployed(request):
    return request.param, run_stack(request.param)


@pytest.fixture(scope="module")
def runs():
    return {stack: run_stack(stack) for stack in STACKS}


def test_pulumi_yaml_declares_the_trading_python_project():
    project = yaml.safe_load((PROJECT_ROOT / "Pulumi.yaml").read_text())

    assert project["name"] == "trading"
    assert project["runtime"]["name"] == "python"
    assert project["runtime"]["options"]["virtualenv"] == ".venv"  # the one make creates
    assert (PROJECT_ROOT / "requirements.txt").is_file()


def test_every_stack_exports_every_output_an_operator_needs(deployed):
    stack, run = deployed
    outputs = run.outputs

    assert set(outputs) == OUTPUT_KEYS
    assert outputs["region"] == "us-east-1"
    assert outputs["accountId"] == ACCOUNT
    assert outputs["environmentSuffix"] == stack
    assert outputs["apiUrl"] == f"https://{outputs['apiId']}.execute-api.us-east-1.amazonaws.com/{stack}"
    assert outputs["apiStageName"] == stack
    assert outputs["functionName"] == f"trading-orders-{stack}"
    assert outputs["functionArn"] == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:trading-orders-{stack}"
    assert outputs["ordersTableArn"] == f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/trading-orders-{stack}"
    assert outputs["dataBucketName"] == f"trading-data-{ACCOUNT}-us-east-1-{stack}"
    assert outputs["accessLogsBucketName"] == f"trading-access-logs-{ACCOUNT}-us-east-1-{stack}"
    assert outputs["clusterIdentifier"] == f"trading-db-{stack}"
    assert outputs["clusterArn"] == f"arn:aws:rds:us-east-1:{ACCOUNT}:cluster:trading-db-{stack}"
    assert ".cluster-ro-" in outputs["clusterReaderEndpoint"]
    assert outputs["clusterMasterUserSecretArn"].startswith(
        f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:"
    )
    assert outputs["clusterEngineVersion"] == "16.8"  # what AWS runs for the configured major "16"
    assert outputs["dataKeyArn"] != outputs["logsKeyArn"]
    assert outputs["logGroupNames"] == {
        "function": f"/aws/lambda/trading-orders-{stack}",
        "apiAccess": f"/aws/apigateway/trading-api-{stack}/access",
        "database": f"/aws/rds/cluster/trading-db-{stack}/postgresql",
        "flowLogs": f"/aws/vpc/trading-{stack}/flow-logs",
        "waf": f"aws-waf-logs-trading-{stack}",
        "ledgerWriter": f"/aws/lambda/trading-ledger-writer-{stack}",
        "ledgerMigration": f"/aws/lambda/trading-ledger-migration-{stack}",
    }
    assert outputs["webAclArn"].startswith(
        f"arn:aws:wafv2:us-east-1:{ACCOUNT}:regional/webacl/trading-api-waf-{stack}/"
    )
    assert outputs["vpcId"].startswith("vpc-")
    assert set(outputs["expected"]) == {
        "auroraMinCapacity", "auroraMaxCapacity", "deletionProtection", "logRetentionDays", "logEncryption",
        "pointInTimeRecovery",
    }  # fmt: skip


def test_expected_values_match_the_stack_config(deployed):
    stack, run = deployed
    config = stack_config(stack)

    assert run.outputs["expected"] == {
        "auroraMinCapacity": float(config["trading:auroraMinCapacity"]),
        "auroraMaxCapacity": float(config["trading:auroraMaxCapacity"]),
        "deletionProtection": config["trading:deletionProtection"] == "true",
        "logRetentionDays": int(config["trading:logRetentionDays"]),
        "logEncryption": True,
        "pointInTimeRecovery": True,
    }


def test_every_taggable_resource_carries_the_base_tags(deployed):
    stack, run = deployed
    base = {"Environment": stack, "Project": "trading", "ManagedBy": "pulumi", "Owner": "platform-team"}

    taggable = [r for r in run.registrations if is_taggable(r.type)]
    assert len(taggable) > 30
    for resource in taggable:
        tags = resource.inputs.get("tags", {})
        assert base.items() <= tags.items(), f"{resource.type} {resource.name}: {tags}"
        assert tags["CostCenter"].startswith("CC-TRADING-")


def test_sensitive_resources_carry_the_pci_scope_tags(deployed):
    _, run = deployed

    sensitive = [r for r in run.registrations if r.type in PCI_TYPES]
    assert {r.type for r in sensitive} == PCI_TYPES
    for resource in sensitive:
        assert resource.inputs["tags"]["Compliance"] == "PCI-DSS", resource.name
        assert resource.inputs["tags"]["DataClassification"] == "confidential", resource.name


def test_physical_names_end_with_the_environment_suffix(deployed):
    stack, run = deployed

    for resource in run.registrations:
        if resource.type in NAME_INPUTS:
            # A kept role is named from a prefix (see the API component); the prefix carries the suffix.
            name = resource.inputs.get(NAME_INPUTS[resource.type]) or resource.inputs["namePrefix"]
            tokens = name.replace("/", "-").split("-")
            assert stack in tokens, f"{resource.type} {name}"


def test_components_parent_every_resource_and_use_trading_type_tokens(deployed):
    _, run = deployed
    components = {r.urn: r for r in run.registrations if r.type.startswith("trading:")}

    assert {r.type for r in components.values()} == {
        "trading:keys:Keys",
        "trading:logs:LogGroups",
        "trading:network:Network",
        "trading:storage:Storage",
        "trading:tables:Tables",
        "trading:database:Database",
        "trading:function:Function",
        "trading:ledger:Ledger",
        "trading:api:Api",
        "trading:firewall:Firewall",
    }
    for resource in run.registrations:
        if resource.urn not in components:
            assert resource.parent in components, f"{resource.name} is not parented to a component"


def test_every_log_group_uses_the_logs_key_and_the_stack_retention(deployed):
    stack, run = deployed
    logs_key = run.named("keys-logs")
    retention = int(stack_config(stack)["trading:logRetentionDays"])

    groups = run.of_type("aws:cloudwatch/logGroup:LogGroup")
    # The four the stack's services write, the ledger's two functions', WAF's, and API Gateway's execution
    # log group.
    assert len(groups) == 8
    for group in groups:
        assert group.property_dependencies["kmsKeyId"] == [logs_key.urn]
        assert group.inputs["kmsKeyId"] == run.outputs["logsKeyArn"]
        assert group.inputs["retentionInDays"] == retention


def test_the_logs_key_policy_covers_exactly_the_declared_log_groups(deployed):
    stack, run = deployed
    statement = run.named("keys-logs").json("policy")["Statement"][1]
    arns = statement["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]

    declared = {group.inputs["name"] for group in run.of_type("aws:cloudwatch/logGroup:LogGroup")}
    patterns = {arn.split(":log-group:")[1] for arn in arns}
    # The execution log group is named after the API id, so the key names every API's group of the stage.
    execution = run.named("api-execution-logs").inputs["name"]
    assert re.fullmatch(rf"API-Gateway-Execution-Logs_[0-9a-z]+/{stack}", execution)
    assert patterns == declared - {execution} | {f"API-Gateway-Execution-Logs_*/{stack}"}
    assert all(arn.startswith(f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:") for arn in arns)


def test_writers_wait_for_their_log_groups(deployed):
    _, run = deployed

    assert run.named("logs-database").urn in run.one("aws:rds/cluster:Cluster").dependencies
    assert (
        run.named("logs-function").urn
        in run.one("aws:lambda/function:Function", "function-function").dependencies
    )
    assert run.named("logs-ledgerWriter").urn in run.named("ledger-writer").dependencies
    assert run.named("logs-ledgerMigration").urn in run.named("ledger-migration").dependencies
    assert run.one("aws:ec2/flowLog:FlowLog").property_dependencies["logDestination"] == [
        run.named("logs-flowLogs").urn
    ]
    assert run.one("aws:apigateway/stage:Stage").property_dependencies["accessLogSettings"] == [
        run.named("logs-apiAccess").urn
    ]


def test_data_stores_use_the_data_key(deployed):
    _, run = deployed
    data_key = run.named("keys-data").urn

    assert run.one("aws:rds/cluster:Cluster").property_dependencies["kmsKeyId"] == [data_key]
    assert run.one("aws:dynamodb/table:Table").property_dependencies["serverSideEncryption"] == [data_key]
    for function in run.of_type("aws:lambda/function:Function"):
        assert function.property_dependencies["kmsKeyArn"] == [data_key], function.name
    assert run.one("aws:sqs/queue:Queue").property_dependencies["kmsMasterKeyId"] == [data_key]
    assert run.one("aws:secretsmanager/secret:Secret").property_dependencies["kmsKeyId"] == [data_key]


def test_the_function_ships_the_app_folder_with_its_handler(deployed):
    _, run = deployed
    function = run.one("aws:lambda/function:Function", "function-function").inputs
    module, _, attribute = function["handler"].rpartition(".")

    sources = function["code"]["assetArchive"]
    handler_file = Path(*module.split(".")).with_suffix(".py").as_posix()
    assert sources[handler_file] == {"fileAsset": f"app/{handler_file}"}
    assert all((PROJECT_ROOT / asset["fileAsset"]).is_file() for asset in sources.values())
    assert all(name.endswith((".py", ".sql")) for name in sources)
    assert attribute == "handler"


def test_dev_is_cheap_when_idle(runs):
    run = runs["dev"]

    assert run.of_type("aws:ec2/natGateway:NatGateway") == []
    assert run.outputs["publicSubnetIds"] == []
    assert len(run.outputs["privateSubnetIds"]) == len(run.outputs["isolatedSubnetIds"]) == 2
    # Only the endpoints the functions' Data API, Secrets Manager and SQS calls need.
    interface = [
        e.inputs["serviceName"]
        for e in run.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
        if e.inputs["vpcEndpointType"] == "Interface"
    ]
    assert interface == [
        "com.amazonaws.us-east-1.rds-data",
        "com.amazonaws.us-east-1.secretsmanager",
        "com.amazonaws.us-east-1.sqs",
    ]
    scaling = run.one("aws:rds/cluster:Cluster").inputs["serverlessv2ScalingConfiguration"]
    assert scaling["minCapacity"] == 0
    assert scaling["secondsUntilAutoPause"] >= 300
    assert len(run.of_type("aws:rds/clusterInstance:ClusterInstance")) == 1


@pytest.mark.parametrize("stack", STACKS)
def test_no_stack_pays_for_internet_egress_nobody_uses(runs, stack):
    # Every AWS API the functions call is behind a gateway or interface endpoint: no NAT, no public subnets.
    assert runs[stack].of_type("aws:ec2/natGateway:NatGateway") == []
    assert runs[stack].of_type("aws:ec2/internetGateway:InternetGateway") == []
    assert runs[stack].outputs["publicSubnetIds"] == []


def test_interface_endpoints_sit_only_in_zones_that_offer_them(runs):
    # The mocks offer every zone but "e"; prod's three zones a-c all qualify, so each endpoint spans them.
    prod = runs["prod"]
    subnets = {s.urn: s.inputs["availabilityZone"] for s in prod.of_type("aws:ec2/subnet:Subnet")}
    for endpoint in prod.of_type("aws:ec2/vpcEndpoint:VpcEndpoint"):
        if endpoint.inputs["vpcEndpointType"] == "Interface":
            zones = sorted(subnets[urn] for urn in endpoint.property_dependencies["subnetIds"])
            assert zones == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert (
        prod.invoke_args["aws:ec2/getVpcEndpointService:getVpcEndpointService"]["serviceType"] == "Interface"
    )


def test_prod_is_highly_available(runs):
    prod = runs["prod"]
    instances = prod.of_type("aws:rds/clusterInstance:ClusterInstance")

    assert len(instances) >= 2
    assert len({instance.inputs["availabilityZone"] for instance in instances}) == len(instances)
    assert len(prod.outputs["privateSubnetIds"]) == 3
    scaling = prod.one("aws:rds/cluster:Cluster").inputs["serverlessv2ScalingConfiguration"]
    assert scaling["minCapacity"] >= 0.5
    assert "secondsUntilAutoPause" not in scaling


def test_prod_keeps_logs_a_year_and_protects_its_state(runs):
    prod = runs["prod"]

    assert all(g.inputs["retentionInDays"] >= 365 for g in prod.of_type("aws:cloudwatch/logGroup:LogGroup"))
    stateful = [r for r in prod.registrations if r.type in STATEFUL_TYPES]
    # keys, table, cluster, buckets, and the eight log groups (four for the services, two for the ledger's
    # functions, WAF, API execution)
    assert len(stateful) == 2 + 1 + 1 + 2 + 8
    for resource in stateful:
        assert (resource.protect, resource.retain_on_delete) == (True, True), resource.name
    cluster = prod.one("aws:rds/cluster:Cluster").inputs
    assert cluster["deletionProtection"] is True
    assert cluster["skipFinalSnapshot"] is False
    assert prod.one("aws:dynamodb/table:Table").inputs["deletionProtectionEnabled"] is True


@pytest.mark.parametrize(("stack", "kept"), [("dev", []), ("staging", ["keys-data"])])
def test_non_production_stacks_can_be_destroyed_keeping_only_what_a_final_snapshot_needs(runs, stack, kept):
    # staging keeps a final snapshot, so its data key is protected and retained: `pulumi destroy
    # --exclude-protected` removes everything else and the snapshot stays readable.
    protected = [resource.name for resource in runs[stack].registrations if resource.protect]
    assert protected == kept
    for name in kept:
        assert runs[stack].named(name).retain_on_delete is True


def test_the_api_gateway_account_role_is_managed_once_per_account(runs):
    assert len(runs["dev"].of_type("aws:apigateway/account:Account")) == 1
    assert runs["staging"].of_type("aws:apigateway/account:Account") == []
    account = runs["prod"].one("aws:apigateway/account:Account")
    assert account.retain_on_delete is True
    # dev and prod export the role they set; staging reads dev's through a stack reference and passes it on.
    for stack in ("dev", "prod"):
        role = runs[stack].named("api-cloudwatch-role")
        assert (
            runs[stack]
            .outputs["apiGatewayCloudWatchRoleArn"]
            .endswith(f":role/{role.inputs['namePrefix']}20261201120000000000000001")
        )
        assert runs[stack].reads == {}
    assert (
        runs["staging"].outputs["apiGatewayCloudWatchRoleArn"]
        == DEPLOYED_OUTPUTS["dev"]["apiGatewayCloudWatchRoleArn"]
    )
    assert [read["name"] for read in runs["staging"].reads.values()] == ["organization/trading/dev"]


def test_staging_deployed_before_dev_fails_its_preview_saying_to_deploy_dev_first():
    with pytest.raises(StackOrderError, match=r"^stack organization/trading/dev exports no "):
        run_stack("staging", preview=True, stack_outputs={})


def test_acu_ranges_differ_per_stack(runs):
    ranges = {
        stack: tuple(
            runs[stack].one("aws:rds/cluster:Cluster").inputs["serverlessv2ScalingConfiguration"][key]
            for key in ("minCapacity", "maxCapacity")
        )
        for stack in STACKS
    }

    assert ranges == {"dev": (0, 2), "staging": (0.5, 4), "prod": (2, 32)}


@pytest.mark.parametrize("stack", STACKS)
def test_a_first_preview_works_with_unknown_outputs(stack):
    run = run_stack(stack, preview=True)

    assert run.outputs["clusterArn"] == UNKNOWN
    assert run.outputs["dataBucketName"] == f"trading-data-{ACCOUNT}-us-east-1-{stack}"
    # Key and bucket policies are built from known values, so a policy pack can judge them at preview.
    for key in run.of_type("aws:kms/key:Key"):
        assert json.loads(key.inputs["policy"])["Statement"]
    for policy in run.of_type("aws:s3/bucketPolicy:BucketPolicy"):
        assert json.loads(policy.inputs["policy"])["Statement"]
    assert run.one("aws:iam/rolePolicy:RolePolicy", "function-role-policy").inputs["policy"] == UNKNOWN
    assert run.one("aws:cloudwatch/logGroup:LogGroup", "logs-function").inputs["kmsKeyId"] == UNKNOWN


def test_turning_log_encryption_off_takes_an_explicit_setting():
    run = run_stack("dev", overrides={"trading:logEncryption": "false"})

    assert all("kmsKeyId" not in g.inputs for g in run.of_type("aws:cloudwatch/logGroup:LogGroup"))
    assert run.outputs["expected"]["logEncryption"] is False


def test_a_bad_setting_stops_the_program_before_any_resource_with_one_line():
    with pytest.raises(SettingsError, match=r"^trading:azCount = '5' is not accepted: expected 2 or 3$"):
        run_stack("dev", overrides={"trading:azCount": "5"})


def test_a_region_with_too_few_zones_stops_the_program():
    with pytest.raises(SettingsError, match="trading:azCount = '3' is not accepted: expected at most 2"):
        run_stack("prod", zone_count=2)


def test_zones_exclude_local_zones_the_account_opted_in_to(runs):
    arguments = runs["prod"].invoke_args["aws:index/getAvailabilityZones:getAvailabilityZones"]
    assert arguments["state"] == "available"
    assert arguments["filters"] == [{"name": "opt-in-status", "values": ["opt-in-not-required"]}]


def test_the_program_asks_aws_only_what_it_needs(runs):
    assert set(runs["dev"].invokes) == {
        "aws:index/getCallerIdentity:getCallerIdentity",
        "aws:index/getPartition:getPartition",
        "aws:index/getAvailabilityZones:getAvailabilityZones",
        "aws:ec2/getVpcEndpointService:getVpcEndpointService",
    }
