"""Constants and builders the ledger tests share (its own module: `conftest` is ambiguous across folders)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

REGION = "eu-west-1"
CLUSTER_ARN = "arn:aws:rds:eu-west-1:123456789012:cluster:trading-test"
TRADER = "arn:aws:iam::123456789012:user/trader"
OTHER_TRADER = "arn:aws:iam::123456789012:user/other-trader"


def order_item(**overrides: Any) -> dict[str, Any]:
    """An order item as the orders API writes it to DynamoDB (numbers as the deserializer gives them)."""
    item: dict[str, Any] = {
        "orderId": str(uuid.uuid4()),
        "owner": TRADER,
        "clientOrderId": "cid-0001",
        "symbol": "AAPL",
        "side": "BUY",
        "quantity": Decimal(100),
        "limitPrice": "187.25",
        "timeInForce": "DAY",
        "status": "ACCEPTED",
        "createdAt": "2026-12-01T10:00:00.000Z",
        "expiresAt": Decimal(4_000_000_000),
    }
    item.update(overrides)
    return item
