"""Lambda and API Gateway checks against moto's responses, and the API response check against what the
orders function answers."""

from __future__ import annotations

import copy

from integration import checks


def function_args(outputs):
    return {
        "vpc_id": outputs["vpcId"],
        "private_subnet_ids": outputs["privateSubnetIds"],
        "data_key_arn": outputs["dataKeyArn"],
        "log_group_name": outputs["logGroupNames"]["function"],
        "table_name": outputs["ordersTableName"],
        "cluster_arn": outputs["clusterArn"],
    }


def test_function(stack):
    assert checks.check_function(stack["function"], **function_args(stack["outputs"])) == []


def test_faulty_function(stack):
    o = stack["outputs"]
    problems = checks.check_function(stack["bad_function"], **function_args(o))
    prefix = "Lambda function trading-orders-bad: "
    assert all(problem.startswith(prefix) for problem in problems)
    assert [problem.removeprefix(prefix) for problem in problems] == [
        "Handler is 'index.handler', expected 'orders_api.handler.handler'",
        f"VpcId is None, expected '{o['vpcId']}'",
        "TracingMode is 'PassThrough', expected 'Active'",
        f"KMSKeyArn is None, expected '{o['dataKeyArn']}'",
        "LogFormat is None, expected 'JSON'",
        f"LogGroup is None, expected '{o['logGroupNames']['function']}'",
        f"ORDERS_TABLE_NAME is None, expected '{o['ordersTableName']}'",
        f"DB_CLUSTER_ARN is None, expected '{o['clusterArn']}'",
        f"runs in subnets {sorted(o['publicSubnetIds'])}, expected the private subnets only",
        "has no security group",
        "environment variable LOG_LEVEL is not set",
        "environment variable DB_SECRET_ARN is not set",
        "environment variable DB_NAME is not set",
    ]


def test_function_outside_any_vpc(stack):
    configuration = copy.deepcopy(stack["function"])
    del configuration["VpcConfig"]
    problems = checks.check_function(configuration, **function_args(stack["outputs"]))
    assert problems == [
        f"Lambda function trading-orders-qa: VpcId is None, expected '{stack['outputs']['vpcId']}'",
        "Lambda function trading-orders-qa: runs in subnets [], expected the private subnets only",
        "Lambda function trading-orders-qa: has no security group",
    ]


def access_log_arn(outputs):
    name = outputs["logGroupNames"]["apiAccess"]
    return f"arn:aws:logs:{outputs['region']}:{outputs['accountId']}:log-group:{name}"


def test_api_stage(stack):
    assert checks.check_api_stage(stack["stage"], access_log_arn(stack["outputs"])) == []


def test_stage_destination_may_carry_the_stream_wildcard(stack):
    stage = copy.deepcopy(stack["stage"])
    stage["accessLogSettings"]["destinationArn"] += ":*"
    assert checks.check_api_stage(stage, access_log_arn(stack["outputs"])) == []


def test_faulty_stage(stack):
    arn = access_log_arn(stack["outputs"])
    assert checks.check_api_stage(stack["bad_stage"], arn) == [
        "API stage qa: X-Ray tracing is off, expected on",
        f"API stage qa: access logs go to None, expected {arn}",
        "API stage qa: access log format does not record $context.requestId",
        "API stage qa: data tracing is on, which logs full requests; expected off",
        "API stage qa: CloudWatch metrics are off, expected on",
    ]
    stage = {**copy.deepcopy(stack["stage"]), "methodSettings": {}}
    assert checks.check_api_stage(stage, arn) == ["API stage qa: no stage-wide (*/*) method settings"]


def test_api_methods(stack):
    assert checks.check_api_methods(stack["resources"]) == []


def test_faulty_api_methods(stack):
    assert checks.check_api_methods(stack["bad_resources"]) == [
        "API: method POST /orders is missing",
        "API: method GET /orders/{id} uses authorization 'NONE', expected AWS_IAM",
    ]


def test_function_answers_pass_the_response_check(stack):
    answers = stack["api_responses"]
    assert checks.check_api_response(*answers["not_found"], want_status=404) == []
    assert checks.check_api_response(*answers["created"], want_status=201) == []


def test_wrong_status_or_shape_is_reported(stack):
    status, headers, body = stack["api_responses"]["created"]
    problems = checks.check_api_response(status, headers, body, want_status=404)
    assert problems[0].startswith('API: answered 201, expected 404; body b\'{"orderId"')
    assert problems[1].startswith("API: error body {'orderId'")
    assert len(problems) == 2


def test_gateway_answers_that_are_not_the_functions():
    # API Gateway's own 502 when a function crashes: JSON, but not the API's error shape.
    problems = checks.check_api_response(
        502, {"content-type": "application/json"}, b'{"message": "Internal server error"}', want_status=404
    )
    assert problems == [
        'API: answered 502, expected 404; body b\'{"message": "Internal server error"}\'',
        "API: error body {'message': 'Internal server error'} lacks the 'error' object",
    ]
    problems = checks.check_api_response(404, {"Content-Type": "text/html"}, b"<html>", want_status=404)
    assert problems == [
        "API: Content-Type 'text/html', expected application/json",
        "API: body is not JSON: b'<html>'",
    ]
