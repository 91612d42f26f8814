"""The REST API: IAM-signed routes proxied to the function, redeploys on change, a logged, traced and
throttled stage, and the region's CloudWatch role kept on delete."""

import json

import pulumi_aws as aws
import pytest
from stack_harness import (
    ACCOUNT,
    BASE_TAGS,
    DEPLOYED_OUTPUTS,
    PCI_TAGS,
    UNKNOWN,
    component_context,
    run_program,
)

from components.api import (
    ACCESS_LOG_FORMAT,
    Api,
    ApiArgs,
    StackOrderError,
    api_gateway_logging_policy,
    definition_hash,
)
from components.conventions import AwsTarget

TARGET = AwsTarget(account_id=ACCOUNT, region="us-east-1")
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:trading-orders-dev"
INVOKE_ARN = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FUNCTION_ARN}/invocations"


LOGS_KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/logs"


def _api(
    *,
    manage_account=True,
    account_stack=None,
    invoke_arn=INVOKE_ARN,
    protect_logs=False,
    logs_key=LOGS_KEY_ARN,
    preview=False,
    stack_outputs=None,
):
    target, names, tags = component_context()

    def program() -> None:
        log_group = aws.cloudwatch.LogGroup("api-logs", name=names.api_access_log_group, retention_in_days=30)
        Api(
            "api",
            ApiArgs(
                target=target,
                names=names,
                tags=tags,
                function_name="trading-orders-dev",
                function_invoke_arn=invoke_arn,
                access_log_group=log_group,
                throttle_rate_limit=25.0,
                throttle_burst_limit=50,
                manage_account=manage_account,
                account_stack=account_stack,
                log_retention_days=365,
                logs_kms_key_arn=logs_key,
                protect_logs=protect_logs,
            ),
        )

    return run_program(program, preview=preview, stack_outputs=stack_outputs)


def test_logging_role_policy_is_scoped_to_this_accounts_log_groups_in_the_region():
    (statement,) = api_gateway_logging_policy(TARGET)["Statement"]

    assert statement["Resource"] == ["arn:aws:logs:us-east-1:123456789012:log-group:*"]
    assert statement["Condition"] == {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}
    assert "logs:PutLogEvents" in statement["Action"]
    assert all(not action.endswith(":*") for action in statement["Action"])


def test_definition_hash_changes_with_the_definition_only():
    assert definition_hash({"a": 1, "b": 2}) == definition_hash({"b": 2, "a": 1})
    assert definition_hash({"a": 1}) != definition_hash({"a": 2})


def test_rest_api_is_regional():
    api = _api().one("aws:apigateway/restApi:RestApi").inputs

    assert api["name"] == "trading-api-dev"
    assert api["endpointConfiguration"] == {"types": "REGIONAL"}
    assert api["tags"] == {**BASE_TAGS, "Name": "trading-api-dev"}


def test_routes_are_orders_and_order_by_id_each_signed_and_proxied():
    run = _api()
    api = run.one("aws:apigateway/restApi:RestApi")
    orders, order = run.named("api-orders"), run.named("api-order")

    assert orders.inputs["pathPart"] == "orders"
    assert orders.property_dependencies["parentId"] == [api.urn]
    assert order.inputs["pathPart"] == "{id}"
    assert order.property_dependencies["parentId"] == [orders.urn]
    for label, resource in (("orders", orders), ("order", order)):
        method, integration = run.named(f"api-{label}-any"), run.named(f"api-{label}-integration")
        assert method.inputs["httpMethod"] == "ANY"
        assert method.inputs["authorization"] == "AWS_IAM"
        assert method.property_dependencies["resourceId"] == [resource.urn]
        assert integration.inputs["type"] == "AWS_PROXY"
        assert integration.inputs["integrationHttpMethod"] == "POST"
        assert integration.inputs["uri"] == INVOKE_ARN
        assert integration.property_dependencies["httpMethod"] == [method.urn]
    assert run.named("api-order-any").inputs["requestParameters"] == {"method.request.path.id": True}
    assert "requestParameters" not in run.named("api-orders-any").inputs


def test_invoke_permission_is_scoped_to_this_api_and_stage():
    permission = _api().one("aws:lambda/permission:Permission").inputs
    api_id = _api().one("aws:apigateway/restApi:RestApi")

    assert permission["action"] == "lambda:InvokeFunction"
    assert permission["function"] == "trading-orders-dev"
    assert permission["principal"] == "apigateway.amazonaws.com"
    assert permission["sourceArn"].startswith(f"arn:aws:execute-api:us-east-1:{ACCOUNT}:")
    assert permission["sourceArn"].endswith("/dev/*/*")
    assert api_id.name == "api-rest-api"


def test_deployment_follows_every_method_and_integration_and_redeploys_on_change():
    run = _api()
    deployment = run.one("aws:apigateway/deployment:Deployment")

    for label in ("orders", "order"):
        assert run.named(f"api-{label}-any").urn in deployment.dependencies
        assert run.named(f"api-{label}-integration").urn in deployment.dependencies
    first = deployment.inputs["triggers"]["redeployment"]
    changed = _api(invoke_arn=INVOKE_ARN.replace("trading-orders-dev", "other"))
    assert len(first) == 64
    assert changed.one("aws:apigateway/deployment:Deployment").inputs["triggers"]["redeployment"] != first
    assert _api().one("aws:apigateway/deployment:Deployment").inputs["triggers"]["redeployment"] == first


def test_stage_logs_json_access_records_to_its_group_with_xray_on():
    run = _api()
    stage = run.one("aws:apigateway/stage:Stage")

    assert stage.inputs["stageName"] == "dev"
    assert stage.inputs["xrayTracingEnabled"] is True
    assert stage.inputs["accessLogSettings"]["destinationArn"] == (
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/apigateway/trading-api-dev/access"
    )
    log_format = json.loads(stage.inputs["accessLogSettings"]["format"])
    assert stage.inputs["accessLogSettings"]["format"] == ACCESS_LOG_FORMAT
    assert log_format["requestId"] == "$context.requestId"
    assert log_format["userArn"] == "$context.identity.userArn"
    assert stage.property_dependencies["deployment"] == [run.one("aws:apigateway/deployment:Deployment").urn]
    assert run.one("aws:apigateway/account:Account").urn in stage.dependencies
    assert stage.inputs["tags"] == {**BASE_TAGS, **PCI_TAGS, "Name": "trading-api-stage-dev"}


def test_method_settings_log_errors_turn_metrics_on_data_trace_off_and_throttle():
    settings = _api().one("aws:apigateway/methodSettings:MethodSettings").inputs

    assert settings["methodPath"] == "*/*"
    assert settings["stageName"] == "dev"
    assert settings["settings"] == {
        "metricsEnabled": True,
        "dataTraceEnabled": False,
        "loggingLevel": "ERROR",
        "throttlingRateLimit": 25.0,
        "throttlingBurstLimit": 50,
    }


def test_account_cloudwatch_role_is_set_and_kept_on_delete():
    run = _api(manage_account=True)
    account = run.one("aws:apigateway/account:Account")
    role = run.named("api-cloudwatch-role")
    policy = run.named("api-cloudwatch-role-policy")

    assert account.property_dependencies["cloudwatchRoleArn"] == [role.urn]
    assert policy.urn in account.dependencies
    # Kept on destroy, so no fixed name: a re-created stack gets a new role, not EntityAlreadyExists.
    assert "name" not in role.inputs
    assert role.inputs["namePrefix"] == "trading-apigw-logs-role-dev-"
    assert role.json("assumeRolePolicy")["Statement"][0]["Principal"] == {
        "Service": "apigateway.amazonaws.com"
    }
    assert policy.json("policy") == api_gateway_logging_policy(TARGET)
    for resource in (account, role, policy):
        assert resource.retain_on_delete is True
        assert resource.protect is False


@pytest.mark.parametrize("preview", [False, True])
def test_without_the_setting_the_role_is_read_from_the_stack_that_sets_it_and_the_stage_waits(preview):
    run = _api(manage_account=False, account_stack="dev", preview=preview)

    assert run.of_type("aws:apigateway/account:Account") == []
    assert [role.name for role in run.of_type("aws:iam/role:Role")] == []
    reference = "urn:pulumi:dev::trading::trading:api:Api$pulumi:pulumi:StackReference::api-account-stack"
    assert run.reads[reference]["name"] == "organization/trading/dev"
    stage = run.one("aws:apigateway/stage:Stage")
    assert reference in stage.dependencies
    assert stage.inputs["xrayTracingEnabled"] is True


def test_a_fully_qualified_stack_is_read_as_written():
    run = _api(
        manage_account=False, account_stack="acme/shared/ops", stack_outputs={"ops": DEPLOYED_OUTPUTS["dev"]}
    )
    assert [read["name"] for read in run.reads.values()] == ["acme/shared/ops"]


@pytest.mark.parametrize("outputs", [{}, {"apiGatewayCloudWatchRoleArn": ""}])
def test_deployed_before_the_stack_that_sets_the_role_the_preview_fails_saying_which_to_deploy(outputs):
    with pytest.raises(StackOrderError) as raised:
        _api(manage_account=False, account_stack="dev", preview=True, stack_outputs={"dev": outputs})
    assert str(raised.value) == (
        "stack organization/trading/dev exports no apiGatewayCloudWatchRoleArn: it sets the region-wide "
        "API Gateway CloudWatch role that this stack's API logging needs. Deploy it first (pulumi up --stack "
        "dev), or set trading:manageApiGatewayAccount to true to set the role from this stack"
    )


def test_without_the_setting_a_stack_to_read_the_role_from_is_required():
    with pytest.raises(ValueError, match=r"ApiArgs\.account_stack must name the stack that sets the role"):
        _api(manage_account=False)


@pytest.mark.parametrize(
    ("protect", "logs_key"), [(False, LOGS_KEY_ARN), (True, LOGS_KEY_ARN), (False, None)]
)
def test_execution_logs_go_to_a_declared_group_with_retention_and_the_logs_key(protect, logs_key):
    run = _api(protect_logs=protect, logs_key=logs_key)
    group = run.named("api-execution-logs")
    api = run.one("aws:apigateway/restApi:RestApi")

    assert group.type == "aws:cloudwatch/logGroup:LogGroup"
    assert group.inputs["name"].startswith("API-Gateway-Execution-Logs_")
    assert group.inputs["name"].endswith("/dev")
    assert group.property_dependencies["name"] == [api.urn]
    assert group.inputs["retentionInDays"] == 365
    assert group.inputs.get("kmsKeyId") == logs_key
    assert group.inputs["deletionProtectionEnabled"] is protect
    assert (group.protect, group.retain_on_delete) == (protect, protect)
    assert group.inputs["tags"] == {**BASE_TAGS, **PCI_TAGS}
    # API Gateway must find the group in place, or it creates one without key or retention.
    assert group.urn in run.one("aws:apigateway/methodSettings:MethodSettings").dependencies


def test_execution_log_group_is_unknown_at_preview_but_follows_the_api():
    run = _api(manage_account=False, account_stack="dev", preview=True)
    group = run.named("api-execution-logs")
    assert group.inputs["name"] == UNKNOWN
    assert group.property_dependencies["name"] == [run.one("aws:apigateway/restApi:RestApi").urn]
