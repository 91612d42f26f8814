"""AWS calls that end before the function does: short timeouts, and retries only while time remains.

Lambda stops a function at its timeout without a word, and API Gateway then answers 502 with nothing in
the function's log. So every call gets connect and read timeouts, botocore does not retry on its own,
and :func:`call_with_retries` tries again (with jittered backoff) only while a whole attempt still fits in
the invocation's :class:`Deadline`, read from the Lambda context, less a margin to log and answer. When the
budget or the attempts run out on a transient fault (throttling, a timeout, a reset connection) it raises
:class:`StoreUnavailable`, which the handler answers with 503 and ``Retry-After``. The deadline reads time,
and waits between attempts, on its :class:`~orders_api.clock.Clock`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from .clock import SYSTEM_CLOCK, Clock

T = TypeVar("T")

CONNECT_TIMEOUT_SECONDS = 1.0
READ_TIMEOUT_SECONDS = 2.0  # DynamoDB answers single-item calls in milliseconds; 2 s is a fault
MAX_ATTEMPTS = 3
# Kept back from the function's remaining time to write the log line and return the response.
RESPONSE_MARGIN_SECONDS = 0.5
# Used when the context says nothing about time (a test, or a caller that is not the Lambda runtime).
DEFAULT_BUDGET_SECONDS = 10.0
BACKOFF_BASE_SECONDS = 0.05
BACKOFF_CAP_SECONDS = 0.5
RETRY_AFTER_SECONDS = 1
# DynamoDB documents these as transient: the same request may succeed when tried again (the default of
# RetryPolicy; the ledger's Data API calls have their own).
RETRYABLE_ERROR_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
    }
)
# Timeouts and dropped connections: botocore's ConnectionError covers connect timeouts and unreachable
# endpoints, HTTPClientError covers read timeouts and connections closed or reset mid-response.
TRANSPORT_ERRORS = (BotoConnectionError, HTTPClientError)


class StoreUnavailable(Exception):
    """A transient fault outlasted the attempts or the time left; ``reason`` names the last one.

    ``advice`` and ``retry_after_seconds`` are what the 503 tells the caller; a store with other needs (the
    ledger) says so in a subclass.
    """

    advice = "the order store is busy: retry the same request (same clientOrderId) shortly"
    retry_after_seconds = RETRY_AFTER_SECONDS

    def __init__(self, reason: str, attempts: int) -> None:
        super().__init__(f"{reason} after {attempts} attempt(s)")
        self.reason = reason
        self.attempts = attempts


class Deadline:
    """The time this invocation may still spend on AWS calls, on `clock`."""

    def __init__(self, seconds: float, clock: Clock = SYSTEM_CLOCK) -> None:
        self._clock = clock
        self._end = clock.monotonic() + seconds - RESPONSE_MARGIN_SECONDS

    @classmethod
    def from_context(cls, context: Any, clock: Clock = SYSTEM_CLOCK) -> Deadline:
        """The function's remaining time as the Lambda context reports it, or the default budget."""
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        seconds = remaining() / 1000 if callable(remaining) else DEFAULT_BUDGET_SECONDS
        return cls(seconds, clock)

    def remaining(self) -> float:
        return self._end - self._clock.monotonic()

    def pause(self, seconds: float) -> None:
        """Wait `seconds` of this invocation's time (on the same clock the deadline is read from)."""
        self._clock.sleep(seconds)


@dataclass(frozen=True)
class RetryPolicy:
    """How long one attempt may take at worst, how many attempts, how long to pause between them, and which
    error codes of the service are worth another attempt."""

    attempt_seconds: float = CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS
    max_attempts: int = MAX_ATTEMPTS
    jitter: Callable[[], float] = random.random
    retryable_codes: frozenset[str] = RETRYABLE_ERROR_CODES

    def backoff(self, attempt: int) -> float:
        """Full jitter: a random pause up to an exponentially growing, capped ceiling."""
        return min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt) * self.jitter()


def client_config(
    connect_timeout: float = CONNECT_TIMEOUT_SECONDS, read_timeout: float = READ_TIMEOUT_SECONDS
) -> Config:
    """Timeouts on every call and no retries inside botocore: :func:`call_with_retries` decides those."""
    return Config(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"mode": "standard", "total_max_attempts": 1},
    )


def call_with_retries(operation: Callable[[], T], deadline: Deadline, policy: RetryPolicy) -> T:
    """Run ``operation``, retrying transient faults while a whole attempt fits before the deadline.

    Errors that are not transient (a refused condition, a validation error) are raised as they are.
    """
    attempts = 0
    reason = "DeadlineExceeded"  # nothing was tried: the time left cannot hold one attempt
    while deadline.remaining() >= policy.attempt_seconds:
        attempts += 1
        try:
            return operation()
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code not in policy.retryable_codes:
                raise
            reason = code
        except TRANSPORT_ERRORS as error:
            reason = type(error).__name__
        if attempts >= policy.max_attempts:
            break
        pause = policy.backoff(attempts)
        if deadline.remaining() - pause < policy.attempt_seconds:
            break
        deadline.pause(pause)
    raise StoreUnavailable(reason, attempts)
