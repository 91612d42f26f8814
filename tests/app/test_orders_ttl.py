"""Order retention: `expiresAt` from ORDER_TTL_DAYS, expired orders are gone, and their keys can be reused."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from fake_clock import FakeClock
from orders_api.errors import ApiError
from orders_api.handler import OrdersApi
from orders_api.store import OrderStore

TABLE_NAME = "trading-orders-test"
T0 = 1_800_000_000.25
DAY = 86_400


def make_api(dynamodb, clock, days=1):
    return OrdersApi(OrderStore(dynamodb, TABLE_NAME), order_ttl_days=days, clock=clock)


def test_expiry_is_creation_plus_the_retention(dynamodb, make_event, valid_order):
    api = make_api(dynamodb, FakeClock(T0), days=7)
    order = json.loads(api.handle(make_event("POST", "/orders", valid_order())).response["body"])
    assert order["expiresAt"] == int(T0) + 7 * DAY
    assert order["createdAt"] == "2027-01-15T08:00:00.250Z"


def test_retention_comes_from_the_environment(handler_module, make_event, context, valid_order, monkeypatch):
    monkeypatch.setenv("ORDER_TTL_DAYS", "30")
    order = json.loads(handler_module.handler(make_event("POST", "/orders", valid_order()), context)["body"])
    created = datetime.fromisoformat(order["createdAt"]).timestamp()
    assert order["expiresAt"] == int(created) + 30 * DAY


def test_an_expired_order_is_not_found_though_ttl_has_not_deleted_it(dynamodb, make_event, valid_order):
    clock = FakeClock(T0)
    api = make_api(dynamodb, clock)
    order_id = api.handle(make_event("POST", "/orders", valid_order())).order_id
    get = make_event("GET", "/orders/{id}", order_id=order_id)

    clock.set_time(T0 + DAY)  # the last second of its life
    assert api.handle(get).response["statusCode"] == 200
    clock.set_time(T0 + DAY + 1)
    with pytest.raises(ApiError) as caught:
        api.handle(get)
    assert (caught.value.status, caught.value.code) == (404, "OrderNotFound")
    assert dynamodb.scan(TableName=TABLE_NAME, Select="COUNT")["Count"] == 1


def test_an_expired_key_can_place_a_new_order(dynamodb, make_event, valid_order):
    clock = FakeClock(T0)
    api = make_api(dynamodb, clock)
    first = api.handle(make_event("POST", "/orders", valid_order()))

    clock.set_time(T0 + DAY + 1)
    second = api.handle(make_event("POST", "/orders", valid_order(quantity=7)))

    assert second.response["statusCode"] == 201
    assert second.order_id == first.order_id
    assert json.loads(second.response["body"])["quantity"] == 7
    assert json.loads(second.response["body"])["expiresAt"] == int(T0) + 2 * DAY + 1
