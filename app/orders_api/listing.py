"""`GET /orders?symbol=&since=&limit=&cursor=`: the caller's own orders from the ledger, newest first.

The ledger is fed by the orders table's stream, so a new order appears there within seconds of its POST.
Pages are keyset-based: `nextCursor` (absent on the last page) is passed back as `cursor` unchanged. The
Data API call follows the order store's rules (`resilience`): the time comes from the container's clock, and
a transient fault is retried only while a whole attempt fits before the invocation's deadline, then answered
503 with `Retry-After`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ledger.data_api import RETRYABLE_ERROR_CODES, DataApi
from ledger.orders import InvalidCursor, decode_cursor, list_orders, utc_timestamp

from .clock import SYSTEM_CLOCK, Clock
from .errors import ApiError
from .resilience import Deadline, RetryPolicy, StoreUnavailable, call_with_retries

QUERY_PARAMETERS = ("symbol", "since", "limit", "cursor")
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# The same ticker rule as a new order's symbol.
_SYMBOL = re.compile(r"[A-Z0-9][A-Z0-9.-]{0,11}")
_LIMIT = re.compile(r"[0-9]{1,3}")
# A paused Serverless v2 cluster takes seconds to resume: ask for a little more patience than the table does.
LEDGER_RETRY_AFTER_SECONDS = 2


class LedgerUnavailable(StoreUnavailable):
    """The ledger stayed unavailable (resuming, throttled, timed out, reset) until the deadline."""

    advice = "the order ledger is busy or waking up: retry the same request shortly"
    retry_after_seconds = LEDGER_RETRY_AFTER_SECONDS


@dataclass(frozen=True)
class ListQuery:
    symbol: str | None = None
    since: str | None = None
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


def parse_query(event: Mapping[str, Any]) -> ListQuery:
    """The listing's parameters, or a 400 `ApiError` naming every bad one."""
    params = event.get("queryStringParameters") or {}
    repeated = event.get("multiValueQueryStringParameters") or {}
    if not isinstance(params, Mapping) or not isinstance(repeated, Mapping):
        raise ApiError(400, "UnsupportedEvent", "the event's query string parameters are not an object")
    problems: list[tuple[str, str]] = []
    for name in sorted(set(params) - set(QUERY_PARAMETERS)):
        problems.append((str(name), f"unknown parameter; allowed are {', '.join(QUERY_PARAMETERS)}"))
    for name, values in sorted(repeated.items()):
        if isinstance(values, list) and len(values) > 1:
            problems.append((str(name), "given more than once"))
    query: dict[str, Any] = {}
    symbol = params.get("symbol")
    if symbol is not None:
        if isinstance(symbol, str) and _SYMBOL.fullmatch(symbol):
            query["symbol"] = symbol
        else:
            problems.append(("symbol", "must be 1-12 of A-Z 0-9 . - starting with a letter or digit"))
    since = params.get("since")
    if since is not None:
        try:
            query["since"] = utc_timestamp(since)
        except ValueError:
            problems.append(("since", "must be an ISO 8601 UTC time ending in Z, e.g. 2026-12-01T09:30:00Z"))
    limit = params.get("limit")
    if limit is not None:
        if isinstance(limit, str) and _LIMIT.fullmatch(limit) and 1 <= int(limit) <= MAX_LIMIT:
            query["limit"] = int(limit)
        else:
            problems.append(("limit", f"must be a whole number from 1 to {MAX_LIMIT}"))
    cursor = params.get("cursor")
    if cursor is not None:
        try:
            decode_cursor(cursor if isinstance(cursor, str) else "")
            query["cursor"] = cursor
        except InvalidCursor:
            problems.append(("cursor", "is not a cursor this API returned: pass nextCursor back unchanged"))
    if problems:
        raise ApiError(
            400,
            "InvalidQuery",
            "the query string has problems: see details",
            details=[{"field": field, "problem": problem} for field, problem in problems],
        )
    return ListQuery(**query)


class OrdersLedger:
    """Answers listings from the ledger through the Data API (as the application role)."""

    def __init__(self, api: DataApi, clock: Clock = SYSTEM_CLOCK, retry: RetryPolicy | None = None) -> None:
        self._api = api
        self._clock = clock
        self._retry = retry or RetryPolicy(retryable_codes=RETRYABLE_ERROR_CODES)

    def list(self, owner: str, query: ListQuery, deadline: Deadline) -> dict[str, Any]:
        """The response body for one page of `owner`'s live orders; `LedgerUnavailable` when the Data API
        stays unavailable until `deadline` (any other Data API error is raised as it is: a 500)."""
        now = int(self._clock.time())
        try:
            page = call_with_retries(
                lambda: list_orders(
                    self._api,
                    owner,
                    now,
                    query.limit,
                    symbol=query.symbol,
                    since=query.since,
                    cursor=query.cursor,
                ),
                deadline,
                self._retry,
            )
        except StoreUnavailable as error:
            raise LedgerUnavailable(error.reason, error.attempts) from None
        body: dict[str, Any] = {"orders": page.orders}
        if page.next_cursor is not None:
            body["nextCursor"] = page.next_cursor
        return body
