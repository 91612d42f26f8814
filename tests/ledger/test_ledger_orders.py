"""The ledger's SQL against a real PostgreSQL: idempotent inserts and the listing query with its cursor."""

from decimal import Decimal

import pytest
from botocore.exceptions import ClientError
from ledger.orders import (
    INSERT_ORDER,
    InvalidCursor,
    InvalidOrderRecord,
    decode_cursor,
    encode_cursor,
    list_orders,
    order_values,
    record_order,
    utc_timestamp,
)
from ledger_fixtures import OTHER_TRADER, TRADER, order_item

NOW = 1_800_000_000  # 2027-01-15, before every test order expires


def _at(minute: int, second: int = 0) -> str:
    return f"2026-12-01T10:{minute:02d}:{second:02d}.000Z"


def test_an_order_is_recorded_once_however_often_the_stream_repeats_it(ledger_api):
    item = order_item()
    assert record_order(ledger_api, item) is True
    assert record_order(ledger_api, item) is False
    assert ledger_api.execute("SELECT CAST(count(*) AS bigint) FROM orders_ledger").rows == [[1]]


def test_the_conflict_target_is_the_primary_key_and_the_only_unique_one(master_api, ledger_api):
    # What makes a repeat a no-op is PostgreSQL's unique index behind ON CONFLICT: the statement names the
    # primary key's columns, and no other unique index could turn a repeat into an error instead.
    unique = master_api.execute(
        """SELECT CAST(index.indisprimary AS text), string_agg(CAST(attribute.attname AS text), ','
               ORDER BY array_position(index.indkey, attribute.attnum))
           FROM pg_index index JOIN pg_attribute attribute
             ON attribute.attrelid = index.indrelid AND attribute.attnum = ANY(index.indkey)
           WHERE index.indrelid = CAST('orders_ledger' AS regclass) AND index.indisunique
           GROUP BY index.indexrelid, index.indisprimary"""
    ).rows
    assert unique == [["true", "order_id,created_at"]]
    assert INSERT_ORDER.endswith("ON CONFLICT (order_id, created_at) DO NOTHING")


def test_a_repeated_record_from_another_connection_is_not_a_second_row(ledger_api, data_api_client, aws):
    # A retried invocation may run on a new Data API connection: the database, not the connection, dedupes.
    item = order_item()
    assert record_order(ledger_api, item) is True
    data_api_client.close()
    assert record_order(ledger_api, dict(item)) is False
    rows = ledger_api.execute(
        "SELECT CAST(order_id AS text), CAST(count(*) AS bigint) FROM orders_ledger GROUP BY 1"
    )
    assert rows.rows == [[item["orderId"], 1]]


def test_a_reused_key_after_expiry_is_a_new_ledger_row(ledger_api):
    first = order_item(createdAt=_at(0))
    assert record_order(ledger_api, first) is True
    assert record_order(ledger_api, {**first, "createdAt": _at(5), "quantity": Decimal(7)}) is True
    quantities = ledger_api.execute(
        "SELECT CAST(quantity AS bigint) FROM orders_ledger ORDER BY created_at"
    ).rows
    assert quantities == [[100], [7]]


def test_the_listing_shows_the_order_as_the_api_returns_it(ledger_api):
    item = order_item(limitPrice="0.0001", timeInForce="IOC", side="SELL")
    record_order(ledger_api, item)
    page = list_orders(ledger_api, TRADER, NOW, limit=10)
    assert page.orders == [
        {
            "orderId": item["orderId"],
            "clientOrderId": "cid-0001",
            "symbol": "AAPL",
            "side": "SELL",
            "quantity": 100,
            "limitPrice": "0.0001",
            "timeInForce": "IOC",
            "status": "ACCEPTED",
            "createdAt": "2026-12-01T10:00:00.000Z",
            "expiresAt": 4_000_000_000,
        }
    ]
    assert page.next_cursor is None


def test_only_the_callers_live_orders_are_listed_newest_first(ledger_api):
    mine = [order_item(createdAt=_at(minute)) for minute in (1, 3, 2)]
    for item in mine:
        record_order(ledger_api, item)
    record_order(ledger_api, order_item(owner=OTHER_TRADER, createdAt=_at(4)))
    record_order(ledger_api, order_item(createdAt=_at(5), expiresAt=Decimal(NOW - 1)))
    page = list_orders(ledger_api, TRADER, NOW, limit=10)
    assert [order["createdAt"] for order in page.orders] == [_at(3), _at(2), _at(1)]


def test_symbol_and_since_filter_the_listing(ledger_api):
    record_order(ledger_api, order_item(symbol="AAPL", createdAt=_at(1)))
    record_order(ledger_api, order_item(symbol="MSFT", createdAt=_at(2)))
    record_order(ledger_api, order_item(symbol="AAPL", createdAt=_at(3)))
    by_symbol = list_orders(ledger_api, TRADER, NOW, limit=10, symbol="AAPL")
    assert [order["createdAt"] for order in by_symbol.orders] == [_at(3), _at(1)]
    since = list_orders(ledger_api, TRADER, NOW, limit=10, since=_at(2))
    assert [order["createdAt"] for order in since.orders] == [_at(3), _at(2)]
    both = list_orders(ledger_api, TRADER, NOW, limit=10, symbol="AAPL", since=_at(2))
    assert [order["createdAt"] for order in both.orders] == [_at(3)]


def test_the_cursor_walks_every_order_exactly_once_even_with_equal_timestamps(ledger_api):
    items = [order_item(createdAt=_at(minute % 3)) for minute in range(7)]
    for item in items:
        record_order(ledger_api, item)
    seen, cursor, pages = [], None, 0
    while True:
        page = list_orders(ledger_api, TRADER, NOW, limit=3, cursor=cursor)
        pages += 1
        seen += [order["orderId"] for order in page.orders]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert pages == 3
    assert sorted(seen) == sorted(item["orderId"] for item in items)
    assert len(seen) == len(set(seen))
    expected = sorted(items, key=lambda item: (item["createdAt"], item["orderId"]), reverse=True)
    assert seen == [item["orderId"] for item in expected]


def test_a_full_last_page_has_no_cursor(ledger_api):
    for minute in range(2):
        record_order(ledger_api, order_item(createdAt=_at(minute)))
    assert list_orders(ledger_api, TRADER, NOW, limit=2).next_cursor is None


def test_the_ledger_refuses_what_its_constraints_forbid(ledger_api):
    with pytest.raises(ClientError) as raised:
        record_order(ledger_api, order_item(side="HOLD"))
    assert raised.value.response["Error"]["Code"] == "DatabaseErrorException"
    assert "orders_ledger_side_check" in raised.value.response["Error"]["Message"]


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"orderId": "not-a-uuid"}, "badly formed hexadecimal UUID string"),
        ({"createdAt": "2026-12-01T10:00:00"}, "the timestamp is not ISO 8601 UTC ending in Z"),
        ({"createdAt": "2026-12-01T10:00:00+01:00Z"}, "the timestamp has both an offset and Z"),
        ({"owner": ""}, "owner is not a non-empty string"),
        ({"quantity": Decimal("1.5")}, "quantity is not a whole number"),
        ({"quantity": True}, "quantity is not a whole number"),
        ({"limitPrice": "abc"}, "limitPrice is not a decimal number"),
        ({"limitPrice": "NaN"}, "limitPrice is not a decimal number"),
        ({"limitPrice": 1.5}, "limitPrice is not a decimal number"),
    ],
)
def test_an_order_item_the_ledger_cannot_hold_is_named(overrides, problem):
    with pytest.raises(InvalidOrderRecord, match=problem):
        order_values(order_item(**overrides))


def test_a_missing_field_is_named():
    item = order_item()
    del item["symbol"]
    with pytest.raises(InvalidOrderRecord, match="the order has no symbol"):
        order_values(item)


def test_order_values_are_the_typed_parameters():
    values = order_values(order_item(limitPrice=Decimal("10.50")))
    assert values["limit_price"] == "10.50"
    assert values["quantity"] == 100
    assert values["expires_at"] == 4_000_000_000


def test_a_cursor_round_trips():
    cursor = encode_cursor("2026-12-01T10:00:00.123456Z", "6f1c1f9e-2b7a-4a39-9d1e-6b0b4b5b9c11")
    assert "=" not in cursor
    assert decode_cursor(cursor) == ("2026-12-01T10:00:00.123456Z", "6f1c1f9e-2b7a-4a39-9d1e-6b0b4b5b9c11")


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!",
        "bm90IGpzb24",  # "not json"
        "WzFd",  # [1]
        "eyJjIjoiMjAyNi0xMi0wMVQxMDowMDowMFoifQ",  # only "c"
        encode_cursor("yesterday", "6f1c1f9e-2b7a-4a39-9d1e-6b0b4b5b9c11"),
        encode_cursor("2026-12-01T10:00:00Z", "nope"),
    ],
)
def test_a_cursor_the_api_did_not_issue_is_refused(cursor):
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor)


def test_a_cursor_with_extra_fields_is_refused():
    import base64
    import json

    raw = json.dumps({"c": "2026-12-01T10:00:00Z", "o": "6f1c1f9e-2b7a-4a39-9d1e-6b0b4b5b9c11", "x": 1})
    with pytest.raises(InvalidCursor, match="unexpected fields"):
        decode_cursor(base64.urlsafe_b64encode(raw.encode()).decode())


def test_utc_timestamps_must_end_in_z():
    assert utc_timestamp("2026-12-01T10:00:00Z") == "2026-12-01T10:00:00Z"
    with pytest.raises(ValueError, match="ending in Z"):
        utc_timestamp(5)
