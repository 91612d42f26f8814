"""Ledger writer (`ledger.writer.handler`): copies the orders table's stream into the ledger.

The event source mapping hands over batches of stream records (new images). Each order is inserted
idempotently. The answer is a partial batch response: when the Data API is unavailable, slow or throttling,
the batch stops at that record and reports it, so Lambda retries from there (then, after its bounded retries,
sends the batch's position to the dead-letter queue). A record that can never be written (malformed, or
refused by the ledger's constraints) goes to the dead-letter queue at once, with the reason, and the batch
goes on: one bad record never blocks the stream. Every invocation writes exactly one log line.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import BotoCoreError, ClientError
from orders_api.clock import SYSTEM_CLOCK, Clock
from orders_api.logs import log

from .data_api import DataApi
from .orders import InvalidOrderRecord, record_order
from .runtime import CALL_BUDGET_MS, ConfigError, client, database_target, json_logger, log_level, required

DEAD_LETTER_QUEUE_VAR = "DEAD_LETTER_QUEUE_URL"
# Data API answers about the statement itself: the same record would be refused again.
REFUSED_ERROR_CODES = frozenset({"BadRequestException", "DatabaseErrorException"})
_DESERIALIZER = TypeDeserializer()


@dataclass
class BatchOutcome:
    """What happened to a batch; `failed_sequence` is the record Lambda must retry from (None: all done)."""

    records: int = 0
    written: int = 0
    duplicates: int = 0
    skipped: int = 0
    dead_lettered: int = 0
    failed_sequence: str | None = None
    error_code: str | None = None
    reasons: list[str] = field(default_factory=list)

    def response(self) -> dict[str, Any]:
        failures = [] if self.failed_sequence is None else [{"itemIdentifier": self.failed_sequence}]
        return {"batchItemFailures": failures}


class Unwritable(Exception):
    """This record can never be written; the message says why without quoting order fields."""


class LedgerWriter:
    """Writes stream records to the ledger through `api`; unwritable ones go to the queue at `queue_url`."""

    def __init__(self, api: DataApi, sqs: Any, queue_url: str) -> None:
        self._api = api
        self._sqs = sqs
        self._queue_url = queue_url

    def process(self, records: list[Any], remaining_ms: Callable[[], int]) -> BatchOutcome:
        outcome = BatchOutcome(records=len(records))
        for record in records:
            sequence = _sequence_number(record)
            if remaining_ms() < CALL_BUDGET_MS:
                outcome.failed_sequence, outcome.error_code = sequence, "DeadlineApproaching"
                return outcome
            try:
                self._write(record, outcome)
            except Unwritable as reason:
                try:
                    self._dead_letter(record, sequence, str(reason))
                except (ClientError, BotoCoreError) as error:
                    outcome.failed_sequence, outcome.error_code = sequence, _error_code(error)
                    return outcome
                outcome.dead_lettered += 1
                outcome.reasons.append(str(reason))
            except (ClientError, BotoCoreError) as error:
                # Unavailable, resuming, throttled, timed out or not allowed: retrying later may work.
                outcome.failed_sequence, outcome.error_code = sequence, _error_code(error)
                return outcome
        return outcome

    def _write(self, record: Any, outcome: BatchOutcome) -> None:
        if not isinstance(record, Mapping) or not isinstance(record.get("dynamodb"), Mapping):
            raise Unwritable("the record is not a DynamoDB stream record")
        if record.get("eventName") == "REMOVE":
            outcome.skipped += 1  # TTL deleting an expired order: the ledger keeps its history
            return
        image = record["dynamodb"].get("NewImage")
        if not isinstance(image, Mapping):
            raise Unwritable("the record has no new image: the stream must send NEW_IMAGE")
        try:
            item = {name: _DESERIALIZER.deserialize(value) for name, value in image.items()}
        except (TypeError, ValueError, AttributeError, KeyError):
            raise Unwritable("the new image is not DynamoDB JSON") from None
        try:
            written = record_order(self._api, item)
        except InvalidOrderRecord as problem:
            raise Unwritable(str(problem)) from None
        except ClientError as error:
            if _error_code(error) in REFUSED_ERROR_CODES:
                raise Unwritable(f"the ledger refused the order ({_error_code(error)})") from None
            raise
        if written:
            outcome.written += 1
        else:
            outcome.duplicates += 1

    def _dead_letter(self, record: Any, sequence: str | None, reason: str) -> None:
        stream = record.get("dynamodb") if isinstance(record, Mapping) else None
        keys = stream.get("Keys") if isinstance(stream, Mapping) else None
        # The keys locate the order in the table; the order's fields stay out of the queue.
        body = {
            "reason": reason,
            "eventID": record.get("eventID") if isinstance(record, Mapping) else None,
            "eventSourceARN": record.get("eventSourceARN") if isinstance(record, Mapping) else None,
            "sequenceNumber": sequence,
            "keys": keys,
        }
        self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=json.dumps(body, default=str))


def _sequence_number(record: Any) -> str | None:
    stream = record.get("dynamodb") if isinstance(record, Mapping) else None
    sequence = stream.get("SequenceNumber") if isinstance(stream, Mapping) else None
    return sequence if isinstance(sequence, str) else None


def _error_code(error: Exception) -> str:
    if isinstance(error, ClientError):
        return error.response.get("Error", {}).get("Code", "Unknown")
    return type(error).__name__


_LOGGER = json_logger("ledger.writer")
_LOGGER.setLevel(logging.INFO)
# The logged latency is read from this clock, as the orders API's is (a fake one in tests).
_clock: Clock = SYSTEM_CLOCK
_LOCK = threading.Lock()
_writer: LedgerWriter | None = None


def _application() -> LedgerWriter:
    global _writer
    with _LOCK:
        if _writer is None:
            environ = os.environ
            _LOGGER.setLevel(log_level(environ))
            target = database_target(environ)
            api = DataApi(client("rds-data"), target.cluster_arn, target.secret_arn, target.database)
            _writer = LedgerWriter(api, client("sqs"), required(environ, DEAD_LETTER_QUEUE_VAR, "https://"))
        return _writer


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda handler for DynamoDB stream batches (the mapping must report batch item failures)."""
    started = _clock.monotonic()
    records = event.get("Records") if isinstance(event, Mapping) else None
    fields: dict[str, Any] = {"requestId": getattr(context, "aws_request_id", None)}
    if not isinstance(records, list):
        log(_LOGGER, logging.ERROR, "not a stream batch", errorCode="UnsupportedEvent", **fields)
        return {"batchItemFailures": []}
    try:
        writer = _application()
    except ConfigError as error:
        # Every record fails until the stack is fixed; retrying keeps them for when it is.
        log(_LOGGER, logging.ERROR, f"configuration error: {error}", errorCode="ConfigurationError", **fields)
        first = _sequence_number(records[0]) if records else None
        return {"batchItemFailures": [] if first is None else [{"itemIdentifier": first}]}
    try:
        outcome = writer.process(records, context.get_remaining_time_in_millis)
    except Exception:
        # A bug, not a bad record: fail the invocation so Lambda bisects the batch and retries it.
        log(_LOGGER, logging.ERROR, "unhandled error", exc_info=True, errorCode="InternalError", **fields)
        raise
    problem = outcome.failed_sequence is not None or outcome.dead_lettered
    log(
        _LOGGER,
        logging.WARNING if problem else logging.INFO,
        "batch processed",
        records=outcome.records,
        written=outcome.written,
        duplicates=outcome.duplicates,
        skipped=outcome.skipped,
        deadLettered=outcome.dead_lettered,
        retryFrom=outcome.failed_sequence,
        errorCode=outcome.error_code,
        reasons=outcome.reasons or None,
        latencyMs=round((_clock.monotonic() - started) * 1000, 1),
        **fields,
    )
    return outcome.response()
