"""The ledger's SQL: recording an order (idempotently) and listing one caller's orders, newest first.

Listing pages by keyset (created_at, order_id), which stays correct while new orders arrive; the cursor the
caller gets back is that position, opaque to the caller (base64url JSON) and checked when it returns.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from .data_api import DataApi, Value

# A stream record delivered twice is the same (order_id, created_at): the second insert changes nothing. The
# conflict target is the table's whole primary key, not order_id alone: an order that reuses an expired
# clientOrderId has the same order id and a new creation time, and with order_id alone that live order would
# be taken for a repeat and never reach the ledger (nor GET /orders).
INSERT_ORDER = """INSERT INTO orders_ledger (order_id, created_at, owner, client_order_id, symbol, side,
    quantity, limit_price, time_in_force, status, expires_at)
VALUES (CAST(:order_id AS uuid), CAST(:created_at AS timestamptz), :owner, :client_order_id, :symbol, :side,
    :quantity, CAST(:limit_price AS numeric), :time_in_force, :status, to_timestamp(:expires_at))
ON CONFLICT (order_id, created_at) DO NOTHING"""

_SELECT_ORDERS = """SELECT CAST(order_id AS text), client_order_id, symbol, side, CAST(quantity AS bigint),
    CAST(limit_price AS text), time_in_force, status,
    to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    CAST(extract(epoch FROM expires_at) AS bigint), to_char(created_at AT TIME ZONE 'UTC',
    'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
FROM orders_ledger
WHERE owner = :owner AND expires_at >= to_timestamp(:now)"""
# Filters are fixed SQL fragments chosen by which parameters are present: caller text only ever travels as a
# parameter, and no parameter needs a type PostgreSQL cannot infer from a NULL.
_BY_SYMBOL = " AND symbol = :symbol"
_SINCE = " AND created_at >= CAST(:since AS timestamptz)"
_AFTER_CURSOR = (
    " AND (created_at, order_id) < (CAST(:cursor_created_at AS timestamptz), CAST(:cursor_order_id AS uuid))"
)
_NEWEST_FIRST = " ORDER BY created_at DESC, order_id DESC LIMIT :fetch"

ORDER_FIELDS = (
    "orderId",
    "clientOrderId",
    "symbol",
    "side",
    "quantity",
    "limitPrice",
    "timeInForce",
    "status",
    "createdAt",
    "expiresAt",
)


class InvalidCursor(ValueError):
    """A cursor that this API did not issue (or that was altered)."""


class InvalidOrderRecord(ValueError):
    """An order item the ledger cannot hold; the message names the field, never its value."""


@dataclass(frozen=True)
class Page:
    orders: list[dict[str, Any]]
    next_cursor: str | None


def order_values(item: Mapping[str, Any]) -> dict[str, Value]:
    """The INSERT_ORDER parameters for an order item as the orders API writes it to DynamoDB."""
    try:
        values: dict[str, Value] = {
            "order_id": str(uuid.UUID(_text(item, "orderId"))),
            "created_at": utc_timestamp(_text(item, "createdAt")),
            "owner": _text(item, "owner"),
            "client_order_id": _text(item, "clientOrderId"),
            "symbol": _text(item, "symbol"),
            "side": _text(item, "side"),
            "quantity": _whole(item, "quantity"),
            "limit_price": _decimal_text(item, "limitPrice"),
            "time_in_force": _text(item, "timeInForce"),
            "status": _text(item, "status"),
            "expires_at": _whole(item, "expiresAt"),
        }
    except KeyError as missing:
        raise InvalidOrderRecord(f"the order has no {missing.args[0]}") from None
    except ValueError as error:
        raise InvalidOrderRecord(str(error)) from None
    return values


def record_order(api: DataApi, item: Mapping[str, Any]) -> bool:
    """Add the order to the ledger; False when it was already there (a repeated stream record)."""
    return api.execute(INSERT_ORDER, order_values(item)).updated == 1


def list_orders(
    api: DataApi,
    owner: str,
    now: int,
    limit: int,
    symbol: str | None = None,
    since: str | None = None,
    cursor: str | None = None,
) -> Page:
    """One page of `owner`'s live orders, newest first; `next_cursor` is None on the last page."""
    sql = _SELECT_ORDERS
    values: dict[str, Value] = {"owner": owner, "now": now}
    if symbol is not None:
        sql += _BY_SYMBOL
        values["symbol"] = symbol
    if since is not None:
        sql += _SINCE
        values["since"] = since
    if cursor is not None:
        values["cursor_created_at"], values["cursor_order_id"] = decode_cursor(cursor)
        sql += _AFTER_CURSOR
    values["fetch"] = limit + 1  # one more than asked: its presence says whether another page exists
    rows = api.execute(sql + _NEWEST_FIRST, values).rows
    page = rows[:limit]
    orders = [dict(zip(ORDER_FIELDS, row[:-1], strict=True)) for row in page]
    next_cursor = encode_cursor(str(page[-1][-1]), str(page[-1][0])) if len(rows) > limit else None
    return Page(orders=orders, next_cursor=next_cursor)


def encode_cursor(created_at: str, order_id: str) -> str:
    """The opaque position after the order (created_at, order_id)."""
    raw = json.dumps({"c": created_at, "o": order_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    """The (created_at, order_id) a cursor from `encode_cursor` holds, or InvalidCursor."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position = json.loads(raw)
        created_at, order_id = position["c"], position["o"]
        if set(position) != {"c", "o"}:
            raise InvalidCursor("unexpected fields")
        return utc_timestamp(created_at), str(uuid.UUID(order_id))
    except (binascii.Error, ValueError, TypeError, KeyError, AttributeError) as error:
        raise InvalidCursor(str(error)) from None


def _text(item: Mapping[str, Any], field: str) -> str:
    value = item[field]
    if not isinstance(value, str) or not value:
        raise ValueError(f"{field} is not a non-empty string")
    return value


def _whole(item: Mapping[str, Any], field: str) -> int:
    value = item[field]
    # DynamoDB numbers arrive as Decimal; anything with a fraction is not a whole number.
    if isinstance(value, bool) or not isinstance(value, int | Decimal) or value != int(value):
        raise ValueError(f"{field} is not a whole number")
    return int(value)


def _decimal_text(item: Mapping[str, Any], field: str) -> str:
    value = item[field]
    try:
        number = Decimal(value) if isinstance(value, str | Decimal) else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise ValueError(f"{field} is not a decimal number")
    return format(number, "f")


def utc_timestamp(value: Any) -> str:
    """`value` if it is an ISO 8601 UTC timestamp ending in Z (as the API writes them), else ValueError.

    It stays text: SQL casts it, so PostgreSQL, not Python, decides what the instant is.
    """
    if not isinstance(value, str) or not value.endswith("Z"):
        raise ValueError("the timestamp is not ISO 8601 UTC ending in Z")
    if datetime.fromisoformat(value[:-1]).tzinfo is not None:
        raise ValueError("the timestamp has both an offset and Z")
    return value
