"""`GET /orders` end to end: a POST through the orders API, the table's stream through the ledger writer into
a real PostgreSQL, and the listing back through the API; plus its query rules and its configuration errors
(its answers under faults, on a fake clock: tests/app/test_orders_faults.py)."""

import json
from types import SimpleNamespace

import boto3
import pytest
from ledger.data_api import DataApi
from ledger.writer import LedgerWriter
from ledger_fixtures import CLUSTER_ARN, OTHER_TRADER, REGION, TRADER
from orders_api import handler as handler_module
from orders_api.errors import ApiError
from orders_api.handler import OrdersApi
from orders_api.listing import DEFAULT_LIMIT, ListQuery, OrdersLedger, parse_query
from orders_api.logs import configure_logger
from orders_api.store import OrderStore

TABLE = "trading-orders-test"


def event(method="GET", query=None, caller=TRADER, body=None, multi=None):
    return {
        "resource": "/orders",
        "path": "/orders",
        "httpMethod": method,
        "headers": {"content-type": "application/json"},
        "pathParameters": None,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi,
        "requestContext": {"requestId": "api-1", "identity": {"userArn": caller}},
        "body": None if body is None else json.dumps(body),
        "isBase64Encoded": False,
    }


@pytest.fixture
def table(aws):
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "orderId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "orderId", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )
    return SimpleNamespace(client=dynamodb)


@pytest.fixture
def lines(monkeypatch):
    import io

    buffer = io.StringIO()
    configure_logger("INFO", stream=buffer)
    return lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]


@pytest.fixture
def api(table, ledger_api, monkeypatch):
    orders_api = OrdersApi(OrderStore(table.client, TABLE), 90, ledger=OrdersLedger(ledger_api))
    monkeypatch.setattr(handler_module, "_api", orders_api)
    return orders_api


def call(request):
    response = handler_module.handler(request, SimpleNamespace(aws_request_id="req-1"))
    return response["statusCode"], json.loads(response["body"]), response["headers"]


def drain_stream(table, ledger_api, aws):
    """Feed every order in the table to the ledger writer as the stream carries it (NEW_IMAGE records).

    moto's DynamoDB Streams API does not answer this botocore's requests, so the records are built from the
    stored items: the same DynamoDB JSON the stream would carry.
    """
    items = table.client.scan(TableName=TABLE)["Items"]
    records = [
        {
            "eventID": f"event-{number}",
            "eventName": "INSERT",
            "dynamodb": {
                "Keys": {"orderId": item["orderId"]},
                "NewImage": item,
                "SequenceNumber": str(number),
                "StreamViewType": "NEW_IMAGE",
            },
        }
        for number, item in enumerate(items, start=1)
    ]
    outcome = LedgerWriter(ledger_api, aws.sqs, aws.queue_url).process(records, lambda: 30_000)
    assert outcome.failed_sequence is None
    return outcome


def test_a_posted_order_is_listed_once_the_stream_is_written(api, table, ledger_api, aws):
    order = {"clientOrderId": "c-1", "symbol": "AAPL", "side": "BUY", "quantity": 5, "limitPrice": "10.5"}
    status, created, _ = call(event("POST", body=order))
    assert status == 201
    assert call(event())[1] == {"orders": []}  # the ledger follows the stream, not the request
    assert drain_stream(table, ledger_api, aws).written == 1
    status, listed, _ = call(event())
    assert status == 200
    assert listed == {"orders": [created]}
    assert call(event(caller=OTHER_TRADER))[1] == {"orders": []}


def test_pages_follow_the_cursor(api, table, ledger_api, aws):
    for number in range(3):
        order = {
            "clientOrderId": f"c-{number}",
            "symbol": "MSFT",
            "side": "SELL",
            "quantity": 1,
            "limitPrice": 2,
        }
        assert call(event("POST", body=order))[0] == 201
    drain_stream(table, ledger_api, aws)
    status, first, _ = call(event(query={"limit": "2", "symbol": "MSFT"}))
    assert (status, len(first["orders"])) == (200, 2)
    status, second, _ = call(event(query={"limit": "2", "symbol": "MSFT", "cursor": first["nextCursor"]}))
    assert (status, len(second["orders"]), "nextCursor" in second) == (200, 1, False)
    ids = [order["orderId"] for order in first["orders"] + second["orders"]]
    assert len(set(ids)) == 3


def test_the_query_defaults():
    assert parse_query(event()) == ListQuery(limit=DEFAULT_LIMIT)
    assert parse_query(event(query={"symbol": "A"}, multi={"symbol": ["A"]})) == ListQuery(symbol="A")
    query = parse_query(event(query={"symbol": "BRK.B", "since": "2026-12-01T00:00:00Z", "limit": "100"}))
    assert query == ListQuery(symbol="BRK.B", since="2026-12-01T00:00:00Z", limit=100)


@pytest.mark.parametrize(
    ("query", "multi", "field", "problem"),
    [
        ({"symbol": "aapl"}, None, "symbol", "must be 1-12 of A-Z 0-9"),
        ({"since": "yesterday"}, None, "since", "must be an ISO 8601 UTC time ending in Z"),
        ({"limit": "0"}, None, "limit", "from 1 to 100"),
        ({"limit": "101"}, None, "limit", "from 1 to 100"),
        ({"limit": "ten"}, None, "limit", "from 1 to 100"),
        ({"cursor": "forged"}, None, "cursor", "pass nextCursor back unchanged"),
        ({"cursor": 5}, None, "cursor", "pass nextCursor back unchanged"),
        ({"owner": "someone"}, None, "owner", "unknown parameter; allowed are symbol, since, limit, cursor"),
        ({"symbol": "A"}, {"symbol": ["A", "B"]}, "symbol", "given more than once"),
    ],
)
def test_a_bad_query_is_a_400_naming_the_parameter(query, multi, field, problem):
    with pytest.raises(ApiError) as raised:
        parse_query(event(query=query, multi=multi))
    assert (raised.value.status, raised.value.code) == (400, "InvalidQuery")
    assert raised.value.details[0]["field"] == field
    assert problem in raised.value.details[0]["problem"]


def test_query_parameters_of_the_wrong_type_are_a_400():
    with pytest.raises(ApiError) as raised:
        parse_query(event(query=["symbol"]))
    assert (raised.value.status, raised.value.code) == (400, "UnsupportedEvent")


def test_a_lasting_data_api_error_is_a_500(data_api_client, aws, database, table, monkeypatch, lines):
    ledger = OrdersLedger(DataApi(data_api_client, CLUSTER_ARN, aws.app_secret, database))
    monkeypatch.setattr(handler_module, "_api", OrdersApi(OrderStore(table.client, TABLE), 90, ledger=ledger))
    status, body, _ = call(event())  # the application secret has no value yet: the Data API refuses
    assert (status, body["error"]["code"]) == (500, "InternalError")
    assert lines()[-1]["errorCode"] == "BadRequestException"


def test_without_a_ledger_the_listing_is_a_configuration_error(table, monkeypatch, lines):
    monkeypatch.setattr(handler_module, "_api", OrdersApi(OrderStore(table.client, TABLE), 90))
    status, body, _ = call(event())
    assert (status, body["error"]["code"]) == (500, "InternalError")
    assert lines()[-1]["errorCode"] == "ConfigurationError"


def test_the_environment_builds_the_ledger_reader(aws, monkeypatch):
    monkeypatch.setattr(handler_module, "_api", None)
    monkeypatch.setattr(handler_module, "_config_problem", None)
    monkeypatch.setenv("ORDERS_TABLE_NAME", TABLE)
    monkeypatch.setenv("DB_CLUSTER_ARN", CLUSTER_ARN)
    monkeypatch.setenv("DB_SECRET_ARN", aws.app_secret)
    monkeypatch.setenv("DB_NAME", "trading")
    assert isinstance(handler_module._application(), OrdersApi)


def test_a_missing_database_variable_fails_the_listing_only_logged_once(table, monkeypatch, lines):
    monkeypatch.setattr(handler_module, "_api", None)
    monkeypatch.setattr(handler_module, "_config_problem", None)
    monkeypatch.setenv("ORDERS_TABLE_NAME", TABLE)
    monkeypatch.delenv("DB_CLUSTER_ARN", raising=False)
    for _ in range(2):
        assert call(event())[0] == 500
    order = {"clientOrderId": "c-1", "symbol": "AAPL", "side": "BUY", "quantity": 5, "limitPrice": "10.5"}
    assert call(event("POST", body=order))[0] == 201
    problems = [line for line in lines() if line["message"].startswith("configuration error")]
    assert len(problems) == 1
    assert "GET /orders will fail: DB_CLUSTER_ARN='' is not usable" in problems[0]["message"]
