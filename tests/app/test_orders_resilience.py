"""Retries that fit the invocation: which faults are retried, how long, and what is raised when time is short.

A fake clock stands in for time (the deadline reads it, pauses advance it), so each case is exact and
instant.
"""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from fake_clock import FakeClock
from orders_api.clock import SYSTEM_CLOCK
from orders_api.resilience import (
    BACKOFF_CAP_SECONDS,
    DEFAULT_BUDGET_SECONDS,
    RESPONSE_MARGIN_SECONDS,
    Deadline,
    RetryPolicy,
    StoreUnavailable,
    call_with_retries,
    client_config,
)


def client_error(code):
    return ClientError({"Error": {"Code": code, "Message": "no"}}, "PutItem")


class Operation:
    """Raises the given faults in turn (each taking `seconds`), then returns 'done'."""

    def __init__(self, clock, faults, seconds=0.0):
        self.clock, self.faults, self.seconds, self.calls = clock, list(faults), seconds, 0

    def __call__(self):
        self.calls += 1
        self.clock.advance(self.seconds)
        if self.faults:
            raise self.faults.pop(0)
        return "done"


def policy(attempt_seconds=3.0, max_attempts=3, jitter=1.0):
    return RetryPolicy(attempt_seconds, max_attempts, jitter=lambda: jitter)


def test_a_call_that_succeeds_is_tried_once():
    clock = FakeClock()
    operation = Operation(clock, [])
    assert call_with_retries(operation, Deadline(10, clock), policy()) == "done"
    assert (operation.calls, clock.pauses) == (1, [])


@pytest.mark.parametrize(
    "fault",
    [
        client_error("ProvisionedThroughputExceededException"),
        client_error("ThrottlingException"),
        client_error("InternalServerError"),
        ReadTimeoutError(endpoint_url="https://dynamodb"),
        ConnectTimeoutError(endpoint_url="https://dynamodb"),
        ConnectionClosedError(endpoint_url="https://dynamodb"),
        EndpointConnectionError(endpoint_url="https://dynamodb"),
    ],
)
def test_transient_faults_are_retried_after_a_jittered_pause(fault):
    clock = FakeClock()
    operation = Operation(clock, [fault])
    assert call_with_retries(operation, Deadline(10, clock), policy(jitter=0.5)) == "done"
    assert operation.calls == 2
    assert clock.pauses == [0.05]  # half of the first ceiling, 0.1 s


@pytest.mark.parametrize("code", ["ConditionalCheckFailedException", "ValidationException", "AccessDenied"])
def test_other_errors_are_raised_at_once(code):
    clock = FakeClock()
    operation = Operation(clock, [client_error(code)])
    with pytest.raises(ClientError):
        call_with_retries(operation, Deadline(10, clock), policy())
    assert (operation.calls, clock.pauses) == (1, [])


def test_attempts_stop_at_the_maximum_and_name_the_last_fault():
    clock = FakeClock()
    faults = [client_error("ThrottlingException")] * 2 + [ReadTimeoutError(endpoint_url="x")]
    operation = Operation(clock, faults)
    with pytest.raises(StoreUnavailable) as raised:
        call_with_retries(operation, Deadline(60, clock), policy())
    assert (raised.value.reason, raised.value.attempts) == ("ReadTimeoutError", 3)
    assert str(raised.value) == "ReadTimeoutError after 3 attempt(s)"
    assert clock.pauses == [0.1, 0.2]  # full jitter at its ceiling: 0.05 * 2**attempt


def test_no_attempt_starts_unless_a_whole_one_fits_before_the_deadline():
    # A hanging store takes a whole 3-s attempt each time: 9 s less the margin leaves 2.4 s after two, too
    # little for a third, so the caller is answered before the function's timeout instead.
    clock = FakeClock()
    hang = ReadTimeoutError(endpoint_url="x")
    operation = Operation(clock, [hang, hang, hang], seconds=3.0)
    deadline = Deadline(9, clock)
    with pytest.raises(StoreUnavailable) as raised:
        call_with_retries(operation, deadline, policy())
    assert (raised.value.reason, raised.value.attempts) == ("ReadTimeoutError", 2)
    assert deadline.remaining() >= 0


def test_too_little_time_for_one_attempt_is_a_deadline_fault_without_a_call():
    clock = FakeClock()
    operation = Operation(clock, [])
    with pytest.raises(StoreUnavailable) as raised:
        call_with_retries(operation, Deadline(3.4, clock), policy())
    assert (raised.value.reason, raised.value.attempts, operation.calls) == ("DeadlineExceeded", 0, 0)


def test_the_backoff_ceiling_is_capped():
    assert RetryPolicy(jitter=lambda: 1.0).backoff(10) == BACKOFF_CAP_SECONDS


def test_the_deadline_comes_from_the_lambda_context_less_a_margin():
    clock = FakeClock()
    context = SimpleNamespace(get_remaining_time_in_millis=lambda: 7_000)
    assert Deadline.from_context(context, clock).remaining() == 7.0 - RESPONSE_MARGIN_SECONDS
    clock.advance(2)
    assert Deadline.from_context(context, clock).remaining() == 7.0 - RESPONSE_MARGIN_SECONDS
    for contextless in (None, SimpleNamespace(aws_request_id="r")):
        budget = Deadline.from_context(contextless, clock).remaining()
        assert budget == DEFAULT_BUDGET_SECONDS - RESPONSE_MARGIN_SECONDS


def test_clients_time_out_and_leave_retries_to_the_store():
    config = client_config()
    assert (config.connect_timeout, config.read_timeout) == (1.0, 2.0)
    assert config.retries == {"mode": "standard", "total_max_attempts": 1}


def test_outside_the_tests_time_is_the_system_clock():
    from orders_api import handler

    assert handler._clock is SYSTEM_CLOCK  # the container's deadlines, pauses and timestamps
    before = time.time()
    assert before <= SYSTEM_CLOCK.time() <= time.time()
    start = SYSTEM_CLOCK.monotonic()
    SYSTEM_CLOCK.sleep(0)
    assert SYSTEM_CLOCK.monotonic() >= start
    assert Deadline.from_context(None).remaining() <= DEFAULT_BUDGET_SECONDS - RESPONSE_MARGIN_SECONDS
