"""The orders API against a DynamoDB, or (for `GET /orders`) a Data API, that hangs, resets connections or
throttles, over real sockets.

A small local endpoint plays the faulty service, and the Lambda context reports the time left, so the handler
must answer 503 with Retry-After and one log line before that time runs out, never let Lambda's timeout turn
the request into API Gateway's 502.

No outcome depends on how fast the machine is. The invocation's time is a fake clock that each attempt moves
by a whole attempt's worth, as a hung call would; only a hung call waits for a real (short) read timeout,
the one thing that ends it, while an endpoint that answers is given all the time it needs. Tests wait for the
endpoint to have seen each request, never for time to pass.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from fake_clock import FakeClock
from ledger.data_api import RETRYABLE_ERROR_CODES as DATA_API_RETRYABLE_ERROR_CODES
from ledger.data_api import DataApi
from orders_api.handler import OrdersApi, order_id_for
from orders_api.listing import OrdersLedger
from orders_api.resilience import RetryPolicy, client_config
from orders_api.store import OrderStore

TABLE_NAME = "trading-orders-test"
TRADER_ARN = "arn:aws:iam::123456789012:user/trader"
CLUSTER_ARN = "arn:aws:rds:eu-west-1:123456789012:cluster:trading-db-test"
APP_SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:trading-ledger-app-test-AbCdEf"
# What one attempt costs on the fake clock: the budget logic is the same at any scale.
ATTEMPT_SECONDS = 0.5
# Real timeouts. A hung call ends only by its read timeout, so that one is short; an answering endpoint is
# never waited out (a loaded machine may take a while to run its thread), so the rest are only a safety net.
HANG_READ_TIMEOUT = 0.2
SAFETY_TIMEOUT = 60.0
THROTTLED = json.dumps(
    {"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException", "message": "Rate exceeded"}
).encode()


class FaultyDynamoDb:
    """A local HTTP endpoint that reads each request and then hangs, resets the connection or throttles (its
    throttling answer names ThrottlingException in a way both DynamoDB's and the Data API's clients read)."""

    def __init__(self) -> None:
        self.mode = "hang"
        self.requests = 0
        self._received = threading.Condition()
        self._server = socket.create_server(("127.0.0.1", 0))
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.getsockname()[1]}"

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._server.accept()
            except OSError:
                return  # the listening socket was shut down by stop()
            self._answer(connection)

    def _answer(self, connection: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = connection.recv(65536)
            if not chunk:
                connection.close()
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.lower().split(b"\r\n")
        length = next((int(line.split(b":")[1]) for line in lines if line.startswith(b"content-length:")), 0)
        while len(body) < length:
            body += connection.recv(65536)
        with self._received:
            self.requests += 1
            self._received.notify_all()
        if self.mode == "hang":
            self._held.append(connection)  # never answered: the client's read timeout ends the attempt
        elif self.mode == "reset":
            # Linger 0: close() sends a TCP reset instead of an orderly shutdown.
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            connection.close()
        else:
            # One answer per connection, so each attempt arrives as a new connection this thread accepts.
            connection.sendall(
                b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.0\r\n"
                b"Connection: close\r\nx-amzn-RequestId: fake-request\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(THROTTLED), THROTTLED)
            )
            connection.close()

    def reset(self, mode: str) -> None:
        self.mode, self.requests = mode, 0

    def received(self, count: int) -> int:
        """Wait until `count` requests have arrived (a hung call's client may give up before this thread
        reads its request), then return how many did."""
        with self._received:
            if not self._received.wait_for(lambda: self.requests >= count, timeout=SAFETY_TIMEOUT):
                raise AssertionError(f"the endpoint saw {self.requests} request(s), expected {count}")
            return self.requests

    def stop(self) -> None:
        # shutdown() wakes the accept() blocked in the serving thread (close() alone does not, on Linux).
        self._server.shutdown(socket.SHUT_RDWR)
        self._server.close()
        self._thread.join()
        for connection in self._held:
            connection.close()


class LambdaContext:
    """The Lambda context's clock: the function's timeout counts down on `clock` from when it is built."""

    aws_request_id = "lambda-request-1"

    def __init__(self, clock: FakeClock, timeout_seconds: float) -> None:
        self._clock = clock
        self._deadline = clock.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - self._clock.monotonic()) * 1000)


@pytest.fixture(scope="module")
def endpoint() -> Iterator[tuple[FaultyDynamoDb, dict[str, Any]]]:
    """One faulty endpoint for the module, and a client per fault (building clients costs time)."""
    server = FaultyDynamoDb()

    def client(service: str, read_timeout: float) -> Any:
        return boto3.client(
            service,
            endpoint_url=server.url,
            region_name="eu-west-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=client_config(SAFETY_TIMEOUT, read_timeout),
        )

    clients = {}
    for service in ("dynamodb", "rds-data"):
        answering = client(service, SAFETY_TIMEOUT)
        clients[service] = {
            "hang": client(service, HANG_READ_TIMEOUT),
            "reset": answering,
            "throttle": answering,
        }
    yield server, clients
    server.stop()


@pytest.fixture(params=["hang", "reset", "throttle"])
def faulty(request: Any, endpoint: tuple[FaultyDynamoDb, dict[str, Any]]) -> FaultyDynamoDb:
    server, _ = endpoint
    server.reset(request.param)
    return server


@pytest.fixture
def faulty_api(faulty, endpoint, clock, log_lines, monkeypatch):
    """The handler's container state pointed at the faulty endpoint and the fake clock; every attempt takes
    a whole attempt's time on that clock, and attempts follow each other without a pause."""
    from orders_api import handler as handler_module

    client = endpoint[1]["dynamodb"][faulty.mode]

    def spend_an_attempt(**_: Any) -> None:
        clock.advance(ATTEMPT_SECONDS)

    # before-send runs in the calling thread as each attempt goes out, so the store sees the time spent.
    client.meta.events.register("before-send.dynamodb", spend_an_attempt)
    retry = RetryPolicy(attempt_seconds=ATTEMPT_SECONDS, jitter=lambda: 0.0)
    monkeypatch.setattr(handler_module, "_clock", clock)
    monkeypatch.setattr(handler_module, "_api", OrdersApi(OrderStore(client, TABLE_NAME, retry), 90, clock))
    yield handler_module
    client.meta.events.unregister("before-send.dynamodb", spend_an_attempt)


@pytest.fixture
def faulty_ledger(faulty, endpoint, dynamodb, clock, log_lines, monkeypatch):
    """The handler's container state with a working order store and a ledger whose Data API is the faulty
    endpoint; each Data API attempt takes a whole attempt's time on the fake clock."""
    from orders_api import handler as handler_module

    client = endpoint[1]["rds-data"][faulty.mode]

    def spend_an_attempt(**_: Any) -> None:
        clock.advance(ATTEMPT_SECONDS)

    client.meta.events.register("before-send.rds-data", spend_an_attempt)
    retry = RetryPolicy(
        attempt_seconds=ATTEMPT_SECONDS, jitter=lambda: 0.0, retryable_codes=DATA_API_RETRYABLE_ERROR_CODES
    )
    ledger = OrdersLedger(DataApi(client, CLUSTER_ARN, APP_SECRET_ARN, "trading"), clock, retry)
    monkeypatch.setattr(handler_module, "_clock", clock)
    monkeypatch.setattr(
        handler_module, "_api", OrdersApi(OrderStore(dynamodb, TABLE_NAME), 90, clock, ledger=ledger)
    )
    yield handler_module
    client.meta.events.unregister("before-send.rds-data", spend_an_attempt)


EXPECTED_REASON = {
    "hang": "ReadTimeoutError",
    "reset": "ConnectionClosedError",
    "throttle": "ThrottlingException",
}


@pytest.mark.parametrize("route", ["create", "read"])
def test_a_faulty_store_is_a_503_with_retry_after_and_one_log_line_before_the_timeout(
    faulty, faulty_api, route, make_event, valid_order, log_lines, clock
):
    event = (
        make_event("POST", "/orders", valid_order())
        if route == "create"
        else make_event("GET", "/orders/{id}", order_id=order_id_for(TRADER_ARN, "cid-0001"))
    )
    context = LambdaContext(clock, timeout_seconds=3.0)
    response = faulty_api.handler(event, context)

    assert context.get_remaining_time_in_millis() > 0  # answered while the function was still running
    assert response["statusCode"] == 503
    assert response["headers"]["Retry-After"] == "1"
    assert json.loads(response["body"])["error"]["code"] == "ServiceUnavailable"
    (line,) = log_lines()
    assert (line["level"], line["status"], line["errorCode"]) == ("WARN", 503, EXPECTED_REASON[faulty.mode])
    assert line["attempts"] == faulty.received(3) == 3  # 2.5 s of budget holds all three 0.5-s attempts
    assert clock.pauses == [0.0, 0.0]


@pytest.mark.parametrize("faulty", ["hang"], indirect=True)
def test_the_attempts_stop_when_the_next_one_would_outlast_the_function(
    faulty, faulty_api, make_event, valid_order, log_lines, clock
):
    # 1.2 s left less the 0.5-s margin: room for one 0.5-s attempt, not two.
    context = LambdaContext(clock, timeout_seconds=1.2)
    response = faulty_api.handler(make_event("POST", "/orders", valid_order()), context)

    assert response["statusCode"] == 503
    (line,) = log_lines()
    assert (line["errorCode"], line["attempts"], faulty.received(1)) == ("ReadTimeoutError", 1, 1)


def test_no_time_for_an_attempt_answers_at_once_without_calling_the_store(
    faulty, faulty_api, make_event, valid_order, log_lines, clock
):
    response = faulty_api.handler(make_event("POST", "/orders", valid_order()), LambdaContext(clock, 0.9))

    assert response["statusCode"] == 503
    (line,) = log_lines()
    # No attempt went out (none was charged to the clock), so none can still be on its way to the endpoint.
    assert (line["errorCode"], line["attempts"], clock.monotonic()) == ("DeadlineExceeded", 0, 100.0)
    assert faulty.requests == 0


def test_a_faulty_ledger_is_a_503_with_retry_after_and_one_log_line_before_the_timeout(
    faulty, faulty_ledger, make_event, log_lines, clock
):
    context = LambdaContext(clock, timeout_seconds=3.0)
    response = faulty_ledger.handler(make_event("GET", "/orders"), context)

    assert context.get_remaining_time_in_millis() > 0
    assert response["statusCode"] == 503
    assert response["headers"]["Retry-After"] == "2"  # a paused cluster takes a few seconds to resume
    error = json.loads(response["body"])["error"]
    assert (error["code"], error["message"]) == (
        "ServiceUnavailable",
        "the order ledger is busy or waking up: retry the same request shortly",
    )
    (line,) = log_lines()
    assert (line["level"], line["status"], line["errorCode"]) == ("WARN", 503, EXPECTED_REASON[faulty.mode])
    assert line["attempts"] == faulty.received(3) == 3
    assert clock.pauses == [0.0, 0.0]


@pytest.mark.parametrize("faulty", ["throttle"], indirect=True)
def test_no_time_for_a_ledger_attempt_answers_at_once_without_calling_the_data_api(
    faulty, faulty_ledger, make_event, log_lines, clock
):
    response = faulty_ledger.handler(make_event("GET", "/orders"), LambdaContext(clock, 0.9))

    assert response["statusCode"] == 503
    (line,) = log_lines()
    assert (line["errorCode"], line["attempts"], clock.monotonic()) == ("DeadlineExceeded", 0, 100.0)
    assert faulty.requests == 0
