"""Behaviour of the orders API handler end to end, against moto's DynamoDB."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import pytest

TABLE_NAME = "trading-orders-test"
OTHER_TRADER_ARN = "arn:aws:iam::123456789012:user/other-trader"


def body_of(response):
    return json.loads(response["body"])


def post(handler_module, make_event, context, order, **event_args):
    return handler_module.handler(make_event("POST", "/orders", order, **event_args), context)


def test_post_stores_the_order_and_returns_201(handler_module, make_event, context, valid_order, dynamodb):
    response = post(handler_module, make_event, context, valid_order())

    assert response["statusCode"] == 201
    assert response["headers"]["Content-Type"] == "application/json"
    assert response["headers"]["Cache-Control"] == "no-store"
    assert "Idempotent-Replayed" not in response["headers"]
    order = body_of(response)
    assert order["clientOrderId"] == "cid-0001"
    assert order["symbol"] == "AAPL"
    assert order["side"] == "BUY"
    assert order["quantity"] == 100
    assert order["limitPrice"] == "187.25"
    assert order["timeInForce"] == "DAY"
    assert order["status"] == "ACCEPTED"
    assert order["createdAt"].endswith("Z")

    item = dynamodb.get_item(TableName=TABLE_NAME, Key={"orderId": {"S": order["orderId"]}})["Item"]
    assert item["owner"] == {"S": "arn:aws:iam::123456789012:user/trader"}
    assert item["quantity"] == {"N": "100"}
    assert item["limitPrice"] == {"N": "187.25"}
    assert item["expiresAt"] == {"N": str(order["expiresAt"])}


def test_order_id_is_derived_from_caller_and_client_order_id(
    handler_module, make_event, context, valid_order
):
    first = body_of(post(handler_module, make_event, context, valid_order()))
    expected = handler_module.order_id_for("arn:aws:iam::123456789012:user/trader", "cid-0001")
    assert first["orderId"] == expected


def test_default_retention_is_90_days(handler_module, make_event, context, valid_order):
    order = body_of(post(handler_module, make_event, context, valid_order()))
    created = datetime.fromisoformat(order["createdAt"]).timestamp()
    assert order["expiresAt"] == int(created) + 90 * 86_400


def test_repeated_key_returns_the_first_order_as_a_replay(
    handler_module, make_event, context, valid_order, stored_count
):
    first = post(handler_module, make_event, context, valid_order())
    again = post(handler_module, make_event, context, valid_order())

    assert again["statusCode"] == 200
    assert again["headers"]["Idempotent-Replayed"] == "true"
    assert body_of(again) == body_of(first)
    assert stored_count() == 1


def test_same_price_written_differently_is_the_same_order(
    handler_module, make_event, context, valid_order, stored_count
):
    post(handler_module, make_event, context, valid_order(limitPrice="187.25"))
    again = post(handler_module, make_event, context, valid_order(limitPrice="187.2500"))
    assert again["statusCode"] == 200
    assert body_of(again)["limitPrice"] == "187.25"
    assert stored_count() == 1


@pytest.mark.parametrize(
    "change",
    [
        {"quantity": 101},
        {"limitPrice": "187.26"},
        {"side": "SELL"},
        {"symbol": "MSFT"},
        {"timeInForce": "GTC"},
    ],
)
def test_repeated_key_with_a_different_order_is_a_conflict(
    handler_module, make_event, context, valid_order, dynamodb, change
):
    first = body_of(post(handler_module, make_event, context, valid_order()))
    response = post(handler_module, make_event, context, valid_order(**change))

    assert response["statusCode"] == 409
    error = body_of(response)["error"]
    assert error["code"] == "IdempotencyKeyConflict"
    assert "cid-0001" in error["message"]
    assert "new clientOrderId" in error["message"]
    item = dynamodb.get_item(TableName=TABLE_NAME, Key={"orderId": {"S": first["orderId"]}})["Item"]
    assert item["quantity"] == {"N": "100"}
    assert item["side"] == {"S": "BUY"}


def test_same_key_from_another_caller_is_another_order(
    handler_module, make_event, context, valid_order, stored_count
):
    mine = post(handler_module, make_event, context, valid_order())
    theirs = post(handler_module, make_event, context, valid_order(quantity=5), caller=OTHER_TRADER_ARN)

    assert theirs["statusCode"] == 201
    assert body_of(theirs)["orderId"] != body_of(mine)["orderId"]
    assert stored_count() == 2


def test_assumed_role_sessions_of_one_role_share_keys_and_orders(
    handler_module, make_event, context, valid_order, stored_count
):
    session_a = "arn:aws:sts::123456789012:assumed-role/order-router/session-a"
    session_b = "arn:aws:sts::123456789012:assumed-role/order-router/session-b"
    first = post(handler_module, make_event, context, valid_order(), caller=session_a)
    again = post(handler_module, make_event, context, valid_order(), caller=session_b)

    assert again["statusCode"] == 200
    assert body_of(again)["orderId"] == body_of(first)["orderId"]
    assert stored_count() == 1
    assert handler_module.caller_principal(make_event(caller=session_b)) == (
        "arn:aws:sts::123456789012:assumed-role/order-router"
    )


def test_other_sts_principals_are_kept_whole(handler_module, make_event):
    federated = "arn:aws:sts::123456789012:federated-user/alice"
    assert handler_module.caller_principal(make_event(caller=federated)) == federated


def test_get_returns_the_callers_order(handler_module, make_event, context, valid_order):
    created = body_of(post(handler_module, make_event, context, valid_order()))
    response = handler_module.handler(
        make_event("GET", "/orders/{id}", order_id=created["orderId"], headers={}), context
    )
    assert response["statusCode"] == 200
    assert body_of(response) == created
    assert "Idempotent-Replayed" not in response["headers"]


def test_get_hides_other_callers_orders(handler_module, make_event, context, valid_order):
    created = body_of(post(handler_module, make_event, context, valid_order()))
    response = handler_module.handler(
        make_event("GET", "/orders/{id}", order_id=created["orderId"], caller=OTHER_TRADER_ARN), context
    )
    assert response["statusCode"] == 404
    assert body_of(response)["error"] == {
        "code": "OrderNotFound",
        "message": f"no order {created['orderId']} for this caller",
    }


def test_get_of_an_unknown_order_is_404(handler_module, make_event, context):
    unknown = "6f1c2d1e-8b51-4c1e-9a59-1f3b6c0f2a10"
    response = handler_module.handler(make_event("GET", "/orders/{id}", order_id=unknown), context)
    assert response["statusCode"] == 404
    assert body_of(response)["error"]["code"] == "OrderNotFound"


@pytest.mark.parametrize(
    "order_id",
    ["not-a-uuid", "6F1C2D1E-8B51-4C1E-9A59-1F3B6C0F2A10", "6f1c2d1e8b514c1e9a591f3b6c0f2a10", None],
)
def test_get_with_a_malformed_id_is_400(handler_module, make_event, context, order_id):
    event = make_event("GET", "/orders/{id}", order_id="x")
    event["pathParameters"] = None if order_id is None else {"id": order_id}
    response = handler_module.handler(event, context)
    assert response["statusCode"] == 400
    assert body_of(response)["error"]["code"] == "InvalidOrderId"


@pytest.mark.parametrize(
    ("method", "resource", "allow"),
    [("PUT", "/orders", "GET, POST"), ("DELETE", "/orders", "GET, POST"), ("POST", "/orders/{id}", "GET")],
)
def test_wrong_method_is_405_with_allow(
    handler_module, make_event, context, stored_count, method, resource, allow
):
    response = handler_module.handler(make_event(method, resource, {"quantity": 1}), context)
    assert response["statusCode"] == 405
    assert response["headers"]["Allow"] == allow
    assert body_of(response)["error"]["code"] == "MethodNotAllowed"
    assert stored_count() == 0


def test_unknown_route_is_404(handler_module, make_event, context):
    response = handler_module.handler(make_event("GET", "/accounts"), context)
    assert response["statusCode"] == 404
    assert body_of(response)["error"]["code"] == "RouteNotFound"


@pytest.mark.parametrize("event", [None, "text", [], {"resource": "/orders"}, {"httpMethod": "POST"}])
def test_events_that_are_not_proxy_events_are_400(handler_module, context, event):
    response = handler_module.handler(event, context)
    assert response["statusCode"] == 400
    assert body_of(response)["error"]["code"] == "UnsupportedEvent"


@pytest.mark.parametrize("caller", [None, "", "trader"])
def test_unsigned_requests_are_403_and_write_nothing(
    handler_module, make_event, context, valid_order, stored_count, caller
):
    event = make_event("POST", "/orders", valid_order(), caller=None)
    if caller is not None:
        event["requestContext"]["identity"]["userArn"] = caller
    response = handler_module.handler(event, context)
    assert response["statusCode"] == 403
    assert "Signature Version 4" in body_of(response)["error"]["message"]
    assert stored_count() == 0


def test_invalid_order_lists_every_problem_and_writes_nothing(
    handler_module, make_event, context, stored_count
):
    response = post(
        handler_module,
        make_event,
        context,
        {"symbol": "aapl", "side": "HOLD", "quantity": -5, "limitPrice": "0", "price": 1},
    )
    assert response["statusCode"] == 400
    error = body_of(response)["error"]
    assert error["code"] == "InvalidOrder"
    fields = [detail["field"] for detail in error["details"]]
    assert fields == ["price", "clientOrderId", "symbol", "side", "quantity", "limitPrice"]
    for field in fields:
        assert f"{field}: " in error["message"]
    assert stored_count() == 0


def test_no_order_field_is_echoed_in_errors(handler_module, make_event, context, valid_order):
    response = post(handler_module, make_event, context, valid_order(symbol="secret-sym", side="<script>"))
    assert "secret-sym" not in response["body"]
    assert "<script>" not in response["body"]


def test_base64_encoded_bodies_are_decoded(handler_module, make_event, context, valid_order):
    response = post(handler_module, make_event, context, valid_order(), base64_body=True)
    assert response["statusCode"] == 201
    assert body_of(response)["symbol"] == "AAPL"


def test_content_type_with_charset_is_json(handler_module, make_event, context, valid_order):
    response = post(
        handler_module,
        make_event,
        context,
        valid_order(),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert response["statusCode"] == 201


def test_missing_content_type_is_accepted_as_json(handler_module, make_event, context, valid_order):
    response = post(handler_module, make_event, context, valid_order(), headers={})
    assert response["statusCode"] == 201


def test_numeric_prices_are_exact_decimals(handler_module, make_event, context, valid_order, dynamodb):
    event = make_event("POST", "/orders", None)
    event["body"] = (
        '{"clientOrderId": "cid-9", "symbol": "BRK.B", "side": "SELL", "quantity": 3, "limitPrice": 0.1000}'
    )
    response = handler_module.handler(event, context)
    assert response["statusCode"] == 201
    order = body_of(response)
    assert order["limitPrice"] == "0.1"
    item = dynamodb.get_item(TableName=TABLE_NAME, Key={"orderId": {"S": order["orderId"]}})["Item"]
    assert Decimal(item["limitPrice"]["N"]) == Decimal("0.1")
