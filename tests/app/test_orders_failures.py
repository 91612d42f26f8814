"""Failures inside the function: a wrong environment, store errors and bugs answer without leaking details."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from orders_api.handler import OrdersApi, order_id_for
from orders_api.store import OrderStore

TABLE_NAME = "trading-orders-test"
TRADER_ARN = "arn:aws:iam::123456789012:user/trader"


def error_of(response):
    return json.loads(response["body"])["error"]


def test_missing_table_setting_is_a_500_logged_once(
    handler_module, make_event, context, valid_order, log_lines, monkeypatch
):
    monkeypatch.delenv("ORDERS_TABLE_NAME")
    first = handler_module.handler(make_event("POST", "/orders", valid_order()), context)
    second = handler_module.handler(make_event("POST", "/orders", valid_order()), context)

    for response in (first, second):
        assert response["statusCode"] == 500
        assert error_of(response) == {
            "code": "InternalError",
            "message": "the request could not be processed (request id lambda-request-1)",
        }
    lines = log_lines()
    config_lines = [line for line in lines if line["message"].startswith("configuration error")]
    assert len(config_lines) == 1
    assert "ORDERS_TABLE_NAME is not set" in config_lines[0]["message"]
    assert config_lines[0]["level"] == "ERROR"
    completed = [line for line in lines if line["message"] == "request completed"]
    assert [line["errorCode"] for line in completed] == ["ConfigurationError", "ConfigurationError"]
    assert all(line["level"] == "ERROR" and line["status"] == 500 for line in completed)


def test_a_missing_table_is_a_500_with_the_cause_only_in_the_log(
    handler_module, make_event, context, valid_order, log_lines, monkeypatch
):
    monkeypatch.setenv("ORDERS_TABLE_NAME", "trading-orders-missing")
    response = handler_module.handler(make_event("POST", "/orders", valid_order()), context)

    assert response["statusCode"] == 500
    assert "ResourceNotFound" not in response["body"]
    assert "trading-orders-missing" not in response["body"]
    store_error = next(line for line in log_lines() if line["message"] == "order store error")
    assert store_error["errorCode"] == "ResourceNotFoundException"
    assert store_error["errorType"] == "ResourceNotFoundException"
    assert any("store.py" in frame for frame in store_error["stack"])
    assert store_error["requestId"] == "lambda-request-1"


def throttled_client():
    """A real client whose PutItem gets DynamoDB's throttling error (no retries, so the test is fast)."""
    client = boto3.client("dynamodb", config=Config(retries={"mode": "standard", "max_attempts": 1}))

    def throttle(**_):
        body = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "Rate exceeded"}}
        return AWSResponse("https://dynamodb", 400, {}, None), {**body, "ResponseMetadata": {}}

    client.meta.events.register("before-call.dynamodb.PutItem", throttle)
    return client


def test_throttling_is_a_retryable_503(
    handler_module, make_event, context, valid_order, log_lines, stored_count
):
    handler_module._api = OrdersApi(OrderStore(throttled_client(), TABLE_NAME), order_ttl_days=90)
    response = handler_module.handler(make_event("POST", "/orders", valid_order()), context)

    assert response["statusCode"] == 503
    assert response["headers"]["Retry-After"] == "1"
    assert error_of(response)["code"] == "ServiceUnavailable"
    assert "same clientOrderId" in error_of(response)["message"]
    completed = log_lines()[-1]
    assert (completed["level"], completed["errorCode"]) == (
        "WARN",
        "ProvisionedThroughputExceededException",
    )
    assert stored_count() == 0


def test_a_corrupt_stored_order_is_a_500_without_details(
    handler_module, make_event, context, valid_order, dynamodb, log_lines
):
    # An item under the same key that lacks order fields (written by something else): comparing fails.
    dynamodb.put_item(
        TableName=TABLE_NAME,
        Item={"orderId": {"S": order_id_for(TRADER_ARN, "cid-0001")}, "expiresAt": {"N": "99999999999"}},
    )
    response = handler_module.handler(make_event("POST", "/orders", valid_order()), context)

    assert response["statusCode"] == 500
    assert error_of(response)["code"] == "InternalError"
    assert "symbol" not in response["body"]
    unhandled = next(line for line in log_lines() if line["message"] == "unhandled error")
    assert unhandled["errorType"] == "KeyError"
    assert unhandled["level"] == "ERROR"
    assert "'symbol'" not in json.dumps(unhandled)


def test_without_a_context_the_500_has_no_reference(handler_module, make_event, valid_order, monkeypatch):
    monkeypatch.delenv("ORDERS_TABLE_NAME")
    response = handler_module.handler(make_event("POST", "/orders", valid_order()), None)
    assert error_of(response)["message"] == "the request could not be processed"


@pytest.mark.parametrize("code", ["ValidationException", "AccessDeniedException"])
def test_other_store_errors_are_500(handler_module, make_event, context, valid_order, code):
    client = boto3.client("dynamodb", config=Config(retries={"mode": "standard", "max_attempts": 1}))

    def refuse(**_):
        return AWSResponse("https://dynamodb", 400, {}, None), {"Error": {"Code": code, "Message": "no"}}

    client.meta.events.register("before-call.dynamodb.GetItem", refuse)
    handler_module._api = OrdersApi(OrderStore(client, TABLE_NAME), order_ttl_days=90)
    event = make_event("GET", "/orders/{id}", order_id=order_id_for(TRADER_ARN, "x"))
    response = handler_module.handler(event, context)
    assert response["statusCode"] == 500
    assert code not in response["body"]
