"""Validation of a new order's JSON fields into an `OrderRequest`, reporting every problem at once."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .errors import ApiError

MAX_QUANTITY = 1_000_000
MAX_LIMIT_PRICE = Decimal("1000000")
MAX_PRICE_DECIMALS = 4
SIDES = ("BUY", "SELL")
TIMES_IN_FORCE = ("DAY", "GTC", "IOC", "FOK")
DEFAULT_TIME_IN_FORCE = "DAY"

REQUIRED_FIELDS = ("clientOrderId", "symbol", "side", "quantity", "limitPrice")
OPTIONAL_FIELDS = ("timeInForce",)
ALLOWED_FIELDS = REQUIRED_FIELDS + OPTIONAL_FIELDS

# A ticker starts with a letter or digit; class shares and some venues add '.' or '-' (BRK.B, RDS-A).
_SYMBOL = re.compile(r"[A-Z0-9][A-Z0-9.-]{0,11}")
_CLIENT_ORDER_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_DECIMAL_TEXT = re.compile(r"[0-9]{1,16}(\.[0-9]{1,16})?")


@dataclass(frozen=True)
class OrderRequest:
    """A valid limit order as the caller asked for it; `limit_price` carries no trailing zeros."""

    client_order_id: str
    symbol: str
    side: str
    quantity: int
    limit_price: Decimal
    time_in_force: str = DEFAULT_TIME_IN_FORCE


def parse_order(payload: Mapping[str, Any]) -> OrderRequest:
    """Validate `payload` (a parsed JSON object) or raise a 400 `ApiError` listing every problem found."""
    problems: list[tuple[str, str]] = []
    unknown = sorted(set(payload) - set(ALLOWED_FIELDS))
    for name in unknown:
        problems.append((name, f"unknown field; allowed fields are {', '.join(ALLOWED_FIELDS)}"))
    for name in REQUIRED_FIELDS:
        if name not in payload:
            problems.append((name, "required field is missing"))

    checks = {
        "clientOrderId": _client_order_id,
        "symbol": _symbol,
        "side": _side,
        "quantity": _quantity,
        "limitPrice": _limit_price,
        "timeInForce": _time_in_force,
    }
    values: dict[str, Any] = {}
    for name, check in checks.items():
        if name not in payload:
            continue
        value, problem = check(payload[name])
        if problem:
            problems.append((name, problem))
        else:
            values[name] = value

    if problems:
        raise ApiError(
            400,
            "InvalidOrder",
            "; ".join(f"{field}: {problem}" for field, problem in problems),
            details=[{"field": field, "problem": problem} for field, problem in problems],
        )
    return OrderRequest(
        client_order_id=values["clientOrderId"],
        symbol=values["symbol"],
        side=values["side"],
        quantity=values["quantity"],
        limit_price=values["limitPrice"],
        time_in_force=values.get("timeInForce", DEFAULT_TIME_IN_FORCE),
    )


def decimal_places(value: Decimal) -> int:
    """Digits after the point once trailing zeros are dropped (exact: no rounding context is involved)."""
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int), "only finite decimals have decimal places"
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -exponent - trailing)


def _client_order_id(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, str) and _CLIENT_ORDER_ID.fullmatch(value):
        return value, None
    return None, "must be a string of 1-64 characters from A-Z a-z 0-9 _ -"


def _symbol(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, str) and _SYMBOL.fullmatch(value):
        return value, None
    return None, "must be 1-12 characters from A-Z 0-9 . - starting with a letter or digit (e.g. AAPL, BRK.B)"


def _side(value: Any) -> tuple[Any, str | None]:
    if value in SIDES:
        return value, None
    return None, f"must be one of {', '.join(SIDES)}"


def _time_in_force(value: Any) -> tuple[Any, str | None]:
    if value in TIMES_IN_FORCE:
        return value, None
    return None, f"must be one of {', '.join(TIMES_IN_FORCE)} (default {DEFAULT_TIME_IN_FORCE})"


def _quantity(value: Any) -> tuple[Any, str | None]:
    # bool is an int subclass: `true` must not pass as a quantity of 1.
    if not isinstance(value, int) or isinstance(value, bool):
        return None, f"must be a whole number of shares from 1 to {MAX_QUANTITY}"
    if not 1 <= value <= MAX_QUANTITY:
        return None, f"must be from 1 to {MAX_QUANTITY} shares"
    return value, None


def _limit_price(value: Any) -> tuple[Any, str | None]:
    price = _as_decimal(value)
    if price is None:
        return None, f"must be a positive number or decimal string with at most {MAX_PRICE_DECIMALS} decimals"
    if not Decimal(0) < price <= MAX_LIMIT_PRICE:
        return None, f"must be greater than 0 and at most {MAX_LIMIT_PRICE}"
    if decimal_places(price) > MAX_PRICE_DECIMALS:
        return None, f"must have at most {MAX_PRICE_DECIMALS} decimals"
    # Bounds are checked, so the price has at most 11 significant digits and quantize cannot round.
    return price.quantize(Decimal((0, (1,), -decimal_places(price)))), None


def _as_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value):
        return Decimal(value)
    return None
