"""Persistence of orders in the DynamoDB orders table (hash key `orderId`, TTL attribute `expiresAt`).

Every call runs through :func:`resilience.call_with_retries`, so it ends before the invocation's deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from .resilience import Deadline, RetryPolicy, call_with_retries

HASH_KEY = "orderId"
TTL_ATTRIBUTE = "expiresAt"

_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


@dataclass(frozen=True)
class CreateResult:
    """The order now stored under the key, and whether this call wrote it (False: an earlier call did)."""

    item: dict[str, Any]
    created: bool


class OrderStore:
    """Reads and writes order items with the low-level client, which (unlike a resource) is thread-safe."""

    def __init__(self, client: Any, table_name: str, retry: RetryPolicy | None = None) -> None:
        self._client = client
        self._table_name = table_name
        self._retry = retry or RetryPolicy()

    def create(self, item: dict[str, Any], now: int, deadline: Deadline) -> CreateResult:
        """Write `item` unless a live order has its `orderId`; if one has, return that order instead.

        The condition makes the write atomic in DynamoDB: of concurrent writers of one key exactly one
        succeeds. An order whose TTL has passed may still be in the table (TTL deletion lags by up to days),
        and counts as gone, so its key can be used again.
        """
        try:
            # A retry after a timeout may find this very write done: it then reads as a replay (200), which
            # is what the caller's idempotency key promises.
            call_with_retries(
                lambda: self._client.put_item(
                    TableName=self._table_name,
                    Item=_serialize(item),
                    ConditionExpression="attribute_not_exists(#key) OR #expires < :now",
                    ExpressionAttributeNames={"#key": HASH_KEY, "#expires": TTL_ATTRIBUTE},
                    ExpressionAttributeValues={":now": {"N": str(now)}},
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                ),
                deadline,
                self._retry,
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            # ALL_OLD returns the item that failed the condition, so no second read (and no race) is needed.
            return CreateResult(item=_deserialize(error.response["Item"]), created=False)
        return CreateResult(item=item, created=True)

    def get(self, order_id: str, now: int, deadline: Deadline) -> dict[str, Any] | None:
        """The live order with `order_id`, or None; a strongly consistent read so a new order is visible."""
        response = call_with_retries(
            lambda: self._client.get_item(
                TableName=self._table_name,
                Key={HASH_KEY: {"S": order_id}},
                ConsistentRead=True,
            ),
            deadline,
            self._retry,
        )
        raw = response.get("Item")
        if raw is None:
            return None
        item = _deserialize(raw)
        if int(item[TTL_ATTRIBUTE]) < now:
            return None
        return item


def _serialize(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _SERIALIZER.serialize(value) for name, value in item.items()}


def _deserialize(raw: dict[str, Any]) -> dict[str, Any]:
    return {name: _DESERIALIZER.deserialize(value) for name, value in raw.items()}
