"""Lambda entry point of the orders API (`orders_api.handler.handler`) for API Gateway REST proxy events.

Routes: `POST /orders` places a limit order, idempotently per (IAM caller, clientOrderId); `GET /orders/{id}`
returns one of the caller's orders; `GET /orders` lists the caller's orders from the ledger (`listing`).
Every response is JSON; every invocation logs one JSON line.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import boto3
from botocore.exceptions import ClientError
from ledger.data_api import DataApi
from ledger.runtime import ConfigError as LedgerConfigError
from ledger.runtime import database_target

from .clock import SYSTEM_CLOCK, Clock
from .config import DEFAULT_LOG_LEVEL, ConfigError, load_config
from .errors import ApiError
from .httpio import MAX_BODY_BYTES, check_event_shape, error_response, json_response, read_json_object
from .listing import OrdersLedger, parse_query
from .logs import configure_logger, log
from .resilience import (
    DEFAULT_BUDGET_SECONDS,
    Deadline,
    StoreUnavailable,
    client_config,
)
from .store import OrderStore
from .validation import OrderRequest, parse_order

# Fixed forever: order ids are uuid5(namespace, caller + clientOrderId); a new value breaks idempotency.
ORDER_ID_NAMESPACE = uuid.UUID("883fde58-dc06-50a7-8e9f-cc19df051512")
ROUTES: dict[str, tuple[str, ...]] = {"/orders": ("GET", "POST"), "/orders/{id}": ("GET",)}
REPLAY_HEADER = "Idempotent-Replayed"
ORDER_STATUS = "ACCEPTED"
SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class Outcome:
    """A response plus what the request log line should say about it."""

    response: dict[str, Any]
    order_id: str | None = None
    replayed: bool | None = None


class OrdersApi:
    """The API's behaviour, independent of how the Lambda container builds its dependencies."""

    def __init__(
        self,
        store: OrderStore,
        order_ttl_days: int,
        clock: Clock = SYSTEM_CLOCK,
        max_body_bytes: int = MAX_BODY_BYTES,
        ledger: OrdersLedger | None = None,
    ) -> None:
        self._store = store
        self._ledger = ledger
        self._ttl_seconds = order_ttl_days * SECONDS_PER_DAY
        self._clock = clock
        self._max_body_bytes = max_body_bytes

    def handle(self, event: Mapping[str, Any], deadline: Deadline | None = None) -> Outcome:
        """Answer one proxy event, raising `ApiError` for anything the caller got wrong and
        `StoreUnavailable` when the order store (or, for a listing, the ledger) stays unavailable until
        `deadline`."""
        check_event_shape(event)
        resource = _route(event)
        owner = caller_principal(event)
        deadline = deadline or Deadline(DEFAULT_BUDGET_SECONDS, self._clock)
        if resource == "/orders" and event["httpMethod"] == "GET":
            return self._list(event, owner, deadline)
        if resource == "/orders":
            return self._create(event, owner, deadline)
        return self._get(event, owner, deadline)

    def _list(self, event: Mapping[str, Any], owner: str, deadline: Deadline) -> Outcome:
        query = parse_query(event)
        if self._ledger is None:
            raise ConfigError("the orders ledger is not configured")
        return Outcome(json_response(200, self._ledger.list(owner, query, deadline)))

    def _create(self, event: Mapping[str, Any], owner: str, deadline: Deadline) -> Outcome:
        order = parse_order(read_json_object(event, self._max_body_bytes))
        now = self._clock.time()
        order_id = order_id_for(owner, order.client_order_id)
        item = {
            "orderId": order_id,
            "owner": owner,
            "clientOrderId": order.client_order_id,
            "symbol": order.symbol,
            "side": order.side,
            "quantity": order.quantity,
            "limitPrice": order.limit_price,
            "timeInForce": order.time_in_force,
            "status": ORDER_STATUS,
            "createdAt": _iso_utc(now),
            "expiresAt": int(now) + self._ttl_seconds,
        }
        result = self._store.create(item, int(now), deadline)
        if result.created:
            return Outcome(json_response(201, order_view(item)), order_id, replayed=False)
        if not same_order(result.item, order):
            raise ApiError(
                409,
                "IdempotencyKeyConflict",
                f"clientOrderId {order.client_order_id} was already used for a different order (orderId "
                f"{order_id}): resend that order unchanged, or use a new clientOrderId for a new order",
            )
        return Outcome(
            json_response(200, order_view(result.item), {REPLAY_HEADER: "true"}), order_id, replayed=True
        )

    def _get(self, event: Mapping[str, Any], owner: str, deadline: Deadline) -> Outcome:
        order_id = (event.get("pathParameters") or {}).get("id")
        if not _is_canonical_uuid(order_id):
            raise ApiError(400, "InvalidOrderId", "the order id must be a UUID as returned by POST /orders")
        item = self._store.get(order_id, int(self._clock.time()), deadline)
        # Someone else's order is reported exactly like a missing one, so ids reveal nothing.
        if item is None or item.get("owner") != owner:
            raise ApiError(404, "OrderNotFound", f"no order {order_id} for this caller")
        return Outcome(json_response(200, order_view(item)), order_id)


def caller_principal(event: Mapping[str, Any]) -> str:
    """The IAM principal that signed the request, with an assumed role's session name dropped.

    A client that renews its role credentials gets a new session name; keying on the role keeps its orders
    and idempotency keys its own across renewals.
    """
    identity = (event.get("requestContext") or {}).get("identity") or {}
    arn = identity.get("userArn")
    if not isinstance(arn, str) or not arn.startswith("arn:"):
        raise ApiError(
            403,
            "MissingCallerIdentity",
            "the request has no IAM caller: sign it with AWS Signature Version 4 (the API uses AWS_IAM auth)",
        )
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[2] == "sts" and parts[5].startswith("assumed-role/"):
        return ":".join([*parts[:5], "/".join(parts[5].split("/")[:2])])
    return arn


def order_id_for(owner: str, client_order_id: str) -> str:
    """The order id: the same (caller, clientOrderId) always gives the same id; '|' is in neither part."""
    return str(uuid.uuid5(ORDER_ID_NAMESPACE, f"{owner}|{client_order_id}"))


def same_order(stored: Mapping[str, Any], order: OrderRequest) -> bool:
    """Whether a stored order is the one `order` asks for (numbers compared as numbers: 10.50 == 10.5)."""
    return (
        stored["symbol"] == order.symbol
        and stored["side"] == order.side
        and int(stored["quantity"]) == order.quantity
        and Decimal(stored["limitPrice"]) == order.limit_price
        and stored["timeInForce"] == order.time_in_force
    )


def order_view(item: Mapping[str, Any]) -> dict[str, Any]:
    """The order as the API returns it; the price is a string so its decimal value is exact."""
    return {
        "orderId": item["orderId"],
        "clientOrderId": item["clientOrderId"],
        "symbol": item["symbol"],
        "side": item["side"],
        "quantity": int(item["quantity"]),
        "limitPrice": format(Decimal(item["limitPrice"]), "f"),
        "timeInForce": item["timeInForce"],
        "status": item["status"],
        "createdAt": item["createdAt"],
        "expiresAt": int(item["expiresAt"]),
    }


def _route(event: Mapping[str, Any]) -> str:
    resource = event.get("resource")
    method = event.get("httpMethod")
    if not isinstance(resource, str) or not isinstance(method, str):
        raise ApiError(
            400, "UnsupportedEvent", "expected an API Gateway REST proxy event (with resource and httpMethod)"
        )
    allowed = ROUTES.get(resource)
    if allowed is None:
        raise ApiError(404, "RouteNotFound", "no such route: use GET or POST /orders, or GET /orders/{id}")
    if method not in allowed:
        raise ApiError(
            405,
            "MethodNotAllowed",
            f"{resource} accepts {', '.join(allowed)} only",
            headers={"Allow": ", ".join(allowed)},
        )
    return resource


def _iso_utc(epoch_seconds: float) -> str:
    return (
        datetime.fromtimestamp(epoch_seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def _is_canonical_uuid(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


# One API object per container, built on first use (so a bad environment is a logged 500, not an import
# crash). The lock matters only to callers that share a container between threads, such as the tests.
_LOGGER = configure_logger(DEFAULT_LOG_LEVEL)
# Every deadline, pause, timestamp and latency of the container is read from this clock.
_clock: Clock = SYSTEM_CLOCK
_LOCK = threading.Lock()
_api: OrdersApi | None = None
_config_problem: str | None = None


def _application() -> OrdersApi:
    global _api, _config_problem
    with _LOCK:
        if _api is not None:
            return _api
        if _config_problem is not None:
            raise ConfigError(_config_problem)
        try:
            config = load_config(os.environ)
        except ConfigError as error:
            _config_problem = str(error)
            log(_LOGGER, logging.ERROR, f"configuration error, every request will fail: {error}")
            raise
        _LOGGER.setLevel(config.log_level)
        # Short timeouts and no retries inside botocore: the store retries only while the invocation has time.
        client = boto3.client("dynamodb", config=client_config())
        _api = OrdersApi(
            OrderStore(client, config.table_name), config.order_ttl_days, _clock, ledger=_orders_ledger()
        )
        return _api


def _orders_ledger() -> OrdersLedger | None:
    """The ledger as the application role reads it (DB_CLUSTER_ARN, DB_SECRET_ARN, DB_NAME); None, logged
    once per container, when they are not usable: then only GET /orders fails, with a 500."""
    try:
        target = database_target(os.environ)
    except LedgerConfigError as error:
        log(_LOGGER, logging.ERROR, f"configuration error, GET /orders will fail: {error}")
        return None
    # The order store's timeouts and rule: the listing retries only while the invocation has time.
    client = boto3.client("rds-data", config=client_config())
    return OrdersLedger(DataApi(client, target.cluster_arn, target.secret_arn, target.database), _clock)


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda handler: always returns a proxy response; internal errors become a 500 that names no detail."""
    started = _clock.monotonic()
    deadline = Deadline.from_context(context, _clock)
    request = event if isinstance(event, dict) else {}
    request_id = getattr(context, "aws_request_id", None)
    # Only text reaches the log line: a direct invoke may put anything in these fields.
    fields: dict[str, Any] = {
        "requestId": request_id,
        "apiRequestId": _text(request.get("requestContext"), "requestId"),
        "method": _text(request, "httpMethod"),
        "route": _text(request, "resource"),
    }
    outcome: Outcome
    level = logging.INFO
    error_code: str | None = None
    attempts: int | None = None
    try:
        outcome = _application().handle(request, deadline)
    except ApiError as error:
        outcome, error_code = Outcome(error_response(error)), error.code
    except ConfigError:
        outcome, error_code, level = Outcome(_internal_error(request_id)), "ConfigurationError", logging.ERROR
    except StoreUnavailable as error:
        # Throttled, timed out or cut off until the time ran short: answered before Lambda's timeout, so the
        # caller gets a retryable 503 (not API Gateway's 502) and this line records why.
        level, error_code, attempts = logging.WARNING, error.reason, error.attempts
        outcome = Outcome(
            error_response(
                ApiError(
                    503,
                    "ServiceUnavailable",
                    error.advice,
                    headers={"Retry-After": str(error.retry_after_seconds)},
                )
            )
        )
    except ClientError as error:
        level, error_code = logging.ERROR, error.response.get("Error", {}).get("Code", "Unknown")
        log(_LOGGER, level, "order store error", exc_info=True, errorCode=error_code, **fields)
        outcome = Outcome(_internal_error(request_id))
    except Exception:  # noqa: BLE001 - last resort: answer 500 rather than let API Gateway turn a crash into 502
        level, error_code = logging.ERROR, "InternalError"
        log(_LOGGER, level, "unhandled error", exc_info=True, **fields)
        outcome = Outcome(_internal_error(request_id))
    log(
        _LOGGER,
        level,
        "request completed",
        status=outcome.response["statusCode"],
        latencyMs=round((_clock.monotonic() - started) * 1000, 1),
        orderId=outcome.order_id,
        replayed=outcome.replayed,
        errorCode=error_code,
        attempts=attempts,
        **fields,
    )
    return outcome.response


def _text(container: Any, key: str) -> str | None:
    value = container.get(key) if isinstance(container, dict) else None
    return value if isinstance(value, str) else None


def _internal_error(request_id: str | None) -> dict[str, Any]:
    reference = f" (request id {request_id})" if request_id else ""
    return error_response(ApiError(500, "InternalError", f"the request could not be processed{reference}"))
