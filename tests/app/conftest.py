"""Fixtures for the orders API tests: `app/` on sys.path as in the Lambda runtime, moto's DynamoDB, and a fake
clock in place of the real one, so no test's outcome depends on how loaded the machine is."""

from __future__ import annotations

import base64
import io
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from fake_clock import FakeClock
from moto import mock_aws

APP_DIR = Path(__file__).resolve().parents[2] / "app"
if str(APP_DIR) not in sys.path:
    sys.path.insert(0, str(APP_DIR))

TABLE_NAME = "trading-orders-test"
REGION = "eu-west-1"
TRADER_ARN = "arn:aws:iam::123456789012:user/trader"
OTHER_TRADER_ARN = "arn:aws:iam::123456789012:user/other-trader"


@pytest.fixture
def valid_order() -> Callable[..., dict[str, Any]]:
    """Builds a valid order payload; keyword arguments replace fields."""

    def build(**overrides: Any) -> dict[str, Any]:
        order: dict[str, Any] = {
            "clientOrderId": "cid-0001",
            "symbol": "AAPL",
            "side": "BUY",
            "quantity": 100,
            "limitPrice": "187.25",
        }
        order.update(overrides)
        return order

    return build


@pytest.fixture
def aws_region() -> str:
    """The region of this folder's mocked AWS (tests/conftest.py's aws_credentials sets it)."""
    return REGION


@pytest.fixture(scope="session")
def dynamodb_client() -> Any:
    """One client for all tests (building one takes ~50 ms); moto intercepts it whenever a mock is active."""
    return boto3.client(
        "dynamodb",
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        aws_session_token="testing",
    )


@pytest.fixture
def dynamodb(aws_credentials: None, dynamodb_client: Any) -> Iterator[Any]:
    """A moto DynamoDB holding the orders table with the stack's key schema, billing mode and TTL."""
    with mock_aws():
        client = dynamodb_client
        client.create_table(
            TableName=TABLE_NAME,
            KeySchema=[{"AttributeName": "orderId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "orderId", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        client.update_time_to_live(
            TableName=TABLE_NAME, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiresAt"}
        )
        yield client


@pytest.fixture
def log_lines() -> Callable[[], list[dict[str, Any]]]:
    """Sends the package's log lines to a buffer; calling the value parses them (each line must be JSON)."""
    import orders_api.handler  # noqa: F401 - it configures the logger when first imported: redirect after that
    from orders_api.logs import configure_logger

    buffer = io.StringIO()
    configure_logger("INFO", stream=buffer)

    def parsed() -> list[dict[str, Any]]:
        return [json.loads(line) for line in buffer.getvalue().splitlines()]

    parsed.raw = buffer  # type: ignore[attr-defined]
    return parsed


@pytest.fixture
def clock() -> FakeClock:
    """The time the code under test sees: it moves only when a test or a retry pause moves it."""
    return FakeClock()


@pytest.fixture
def handler_module(dynamodb: Any, log_lines: Any, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The handler module with the stack's environment, a fresh per-container state and the fake clock."""
    from orders_api import handler

    monkeypatch.setenv("ORDERS_TABLE_NAME", TABLE_NAME)
    monkeypatch.setenv("LOG_LEVEL", "INFO")
    monkeypatch.setenv("DB_CLUSTER_ARN", "arn:aws:rds:eu-west-1:123456789012:cluster:trading-db-test")
    monkeypatch.setenv("DB_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf")
    monkeypatch.setenv("DB_NAME", "trading")
    monkeypatch.delenv("ORDER_TTL_DAYS", raising=False)
    monkeypatch.setattr(handler, "_api", None)
    monkeypatch.setattr(handler, "_config_problem", None)
    monkeypatch.setattr(handler, "_clock", clock)
    return handler


@pytest.fixture
def context() -> SimpleNamespace:
    """The one attribute of the Lambda context object that the handler reads."""
    return SimpleNamespace(aws_request_id="lambda-request-1")


@pytest.fixture
def make_event() -> Callable[..., dict[str, Any]]:
    """Builds API Gateway REST proxy events shaped like the ones AWS_IAM-authorised routes receive."""

    def build(
        method: str = "POST",
        resource: str = "/orders",
        body: Any = None,
        *,
        order_id: str | None = None,
        caller: str | None = TRADER_ARN,
        headers: dict[str, str] | None = None,
        base64_body: bool = False,
    ) -> dict[str, Any]:
        if isinstance(body, dict):
            body = json.dumps(body)
        if base64_body and isinstance(body, str):
            body = base64.b64encode(body.encode()).decode()
        identity: dict[str, Any] = {"sourceIp": "10.0.0.1", "userAgent": "tests"}
        if caller is not None:
            identity.update(userArn=caller, caller=caller.rsplit("/", 1)[-1], accountId="123456789012")
        path = "/orders" if order_id is None else f"/orders/{order_id}"
        return {
            "resource": resource,
            "path": path,
            "httpMethod": method,
            "headers": headers if headers is not None else {"content-type": "application/json"},
            "pathParameters": None if order_id is None else {"id": order_id},
            "queryStringParameters": None,
            "requestContext": {
                "requestId": "api-request-1",
                "resourcePath": resource,
                "httpMethod": method,
                "stage": "test",
                "identity": identity,
            },
            "body": body,
            "isBase64Encoded": base64_body,
        }

    return build


@pytest.fixture
def stored_count(dynamodb: Any) -> Callable[[], int]:
    """How many items the orders table holds (every refused request must leave it unchanged)."""
    return lambda: dynamodb.scan(TableName=TABLE_NAME, Select="COUNT")["Count"]
