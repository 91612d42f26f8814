"""Validation of order fields: each rule has an accepted and a refused case."""

from __future__ import annotations

from decimal import Decimal

import pytest
from orders_api.errors import ApiError
from orders_api.validation import MAX_QUANTITY, OrderRequest, decimal_places, parse_order


def problems_of(payload):
    with pytest.raises(ApiError) as caught:
        parse_order(payload)
    assert caught.value.status == 400
    assert caught.value.code == "InvalidOrder"
    return {detail["field"]: detail["problem"] for detail in caught.value.details}


def test_a_valid_order_parses(valid_order):
    assert parse_order(valid_order()) == OrderRequest(
        client_order_id="cid-0001",
        symbol="AAPL",
        side="BUY",
        quantity=100,
        limit_price=Decimal("187.25"),
        time_in_force="DAY",
    )


def test_time_in_force_is_optional_and_checked(valid_order):
    assert parse_order(valid_order(timeInForce="IOC")).time_in_force == "IOC"
    assert "must be one of DAY, GTC, IOC, FOK" in problems_of(valid_order(timeInForce="NOW"))["timeInForce"]


def test_unknown_and_missing_fields_are_named(valid_order):
    payload = valid_order(account="123", orderType="MARKET")
    del payload["side"]
    problems = problems_of(payload)
    assert problems["account"].startswith("unknown field; allowed fields are clientOrderId, symbol")
    assert problems["orderType"].startswith("unknown field")
    assert problems["side"] == "required field is missing"


@pytest.mark.parametrize("symbol", ["AAPL", "BRK.B", "RDS-A", "7203", "A", "ABCDEFGHIJKL"])
def test_symbols_accepted(valid_order, symbol):
    assert parse_order(valid_order(symbol=symbol)).symbol == symbol


@pytest.mark.parametrize("symbol", ["aapl", "", "ABCDEFGHIJKLM", ".A", "-A", "AA PL", "AAPL\n", 7203, None])
def test_symbols_refused(valid_order, symbol):
    assert "1-12 characters from A-Z 0-9 . -" in problems_of(valid_order(symbol=symbol))["symbol"]


@pytest.mark.parametrize("side", ["buy", "HOLD", "", None, 1])
def test_sides_refused(valid_order, side):
    assert problems_of(valid_order(side=side))["side"] == "must be one of BUY, SELL"


def test_both_sides_accepted(valid_order):
    assert parse_order(valid_order(side="SELL")).side == "SELL"


@pytest.mark.parametrize("quantity", [1, MAX_QUANTITY])
def test_quantity_bounds_accepted(valid_order, quantity):
    assert parse_order(valid_order(quantity=quantity)).quantity == quantity


@pytest.mark.parametrize("quantity", [0, -1, MAX_QUANTITY + 1, 10**40])
def test_quantity_out_of_range(valid_order, quantity):
    assert (
        problems_of(valid_order(quantity=quantity))["quantity"] == f"must be from 1 to {MAX_QUANTITY} shares"
    )


@pytest.mark.parametrize("quantity", [Decimal("1.5"), Decimal("10.0"), "10", True, None, [1]])
def test_quantity_must_be_a_json_integer(valid_order, quantity):
    assert "must be a whole number of shares" in problems_of(valid_order(quantity=quantity))["quantity"]


@pytest.mark.parametrize(
    ("price", "canonical"),
    [
        ("187.25", "187.25"),
        ("187.2500", "187.25"),
        (Decimal("0.0001"), "0.0001"),
        (Decimal("1E+2"), "100"),
        (100, "100"),
        ("1000000", "1000000"),
    ],
)
def test_limit_prices_accepted_and_made_canonical(valid_order, price, canonical):
    parsed = parse_order(valid_order(limitPrice=price)).limit_price
    assert format(parsed, "f") == canonical


@pytest.mark.parametrize("price", ["0", 0, -1, Decimal("-0.5"), "1000000.0001", 10**7])
def test_limit_prices_out_of_range(valid_order, price):
    assert (
        problems_of(valid_order(limitPrice=price))["limitPrice"]
        == "must be greater than 0 and at most 1000000"
    )


@pytest.mark.parametrize(
    "price", ["10.12345", Decimal("0.00001"), Decimal("1.00000000000000000000000000001")]
)
def test_limit_prices_with_too_many_decimals(valid_order, price):
    assert problems_of(valid_order(limitPrice=price))["limitPrice"] == "must have at most 4 decimals"


@pytest.mark.parametrize(
    "price",
    [
        "abc",
        "-1",
        "1e5",
        "10.",
        ".5",
        "+1",
        " 1",
        "NaN",
        True,
        None,
        Decimal("NaN"),
        Decimal("Infinity"),
        [1],
    ],
)
def test_limit_prices_that_are_not_numbers(valid_order, price):
    assert (
        "must be a positive number or decimal string"
        in problems_of(valid_order(limitPrice=price))["limitPrice"]
    )


@pytest.mark.parametrize("client_order_id", ["a", "A-z_9", "x" * 64])
def test_client_order_ids_accepted(valid_order, client_order_id):
    assert parse_order(valid_order(clientOrderId=client_order_id)).client_order_id == client_order_id


@pytest.mark.parametrize("client_order_id", ["", "x" * 65, "has space", "a|b", "é", 42, None])
def test_client_order_ids_refused(valid_order, client_order_id):
    problem = problems_of(valid_order(clientOrderId=client_order_id))["clientOrderId"]
    assert problem == "must be a string of 1-64 characters from A-Z a-z 0-9 _ -"


@pytest.mark.parametrize(
    ("value", "places"),
    [("1", 0), ("1.50", 1), ("100", 0), ("1E+3", 0), ("0.0001", 4), ("1.00000000000000000000000000001", 29)],
)
def test_decimal_places_counts_exactly(value, places):
    assert decimal_places(Decimal(value)) == places
