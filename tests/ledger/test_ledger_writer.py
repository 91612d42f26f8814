"""The ledger writer: stream batches into a real PostgreSQL, partial batch failures, dead letters, faults."""

import json
from types import SimpleNamespace

import boto3
import pytest
from boto3.dynamodb.types import TypeSerializer
from botocore.config import Config
from fake_clock import FakeClock
from fault_server import fault_server
from ledger import writer as writer_module
from ledger.data_api import DataApi
from ledger.orders import list_orders
from ledger.runtime import CALL_BUDGET_MS
from ledger.writer import LedgerWriter
from ledger_fixtures import CLUSTER_ARN, REGION, TRADER, order_item

PLENTY_MS = 30_000
SERIALIZER = TypeSerializer()


def stream_record(item, sequence, event="INSERT"):
    image = {name: SERIALIZER.serialize(value) for name, value in item.items()}
    return {
        "eventID": f"event-{sequence}",
        "eventName": event,
        "eventSourceARN": "arn:aws:dynamodb:eu-west-1:123456789012:table/trading-orders-test/stream/x",
        "dynamodb": {
            "Keys": {"orderId": {"S": item["orderId"]}},
            "NewImage": image,
            "SequenceNumber": str(sequence),
            "StreamViewType": "NEW_IMAGE",
        },
    }


def dead_letters(aws):
    messages = aws.sqs.receive_message(QueueUrl=aws.queue_url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(message["Body"]) for message in messages]


@pytest.fixture
def writer(ledger_api, aws):
    return LedgerWriter(ledger_api, aws.sqs, aws.queue_url)


def test_a_batch_is_written_and_repeats_are_counted(writer, ledger_api):
    first, second = order_item(), order_item(clientOrderId="cid-0002")
    records = [stream_record(first, 1), stream_record(second, 2), stream_record(first, 3)]
    outcome = writer.process(records, lambda: PLENTY_MS)
    assert (outcome.written, outcome.duplicates, outcome.failed_sequence) == (2, 1, None)
    assert outcome.response() == {"batchItemFailures": []}
    listed = list_orders(ledger_api, TRADER, 1_800_000_000, limit=10).orders
    assert {order["orderId"] for order in listed} == {first["orderId"], second["orderId"]}


def test_a_replayed_batch_is_never_a_second_row(writer, ledger_api):
    # Lambda retries a batch whose response it did not get (a timeout after the inserts committed) from the
    # same records: every one is a duplicate the second time.
    records = [stream_record(order_item(), 1), stream_record(order_item(clientOrderId="cid-0002"), 2)]
    assert writer.process(records, lambda: PLENTY_MS).written == 2
    replayed = writer.process(records, lambda: PLENTY_MS)
    assert (replayed.written, replayed.duplicates, replayed.failed_sequence) == (0, 2, None)
    assert ledger_api.execute("SELECT CAST(count(*) AS bigint) FROM orders_ledger").rows == [[2]]


def test_ttl_removals_are_skipped(writer):
    record = stream_record(order_item(), 1, event="REMOVE")
    outcome = writer.process([record], lambda: PLENTY_MS)
    assert (outcome.skipped, outcome.written) == (1, 0)


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ("not a record", "the record is not a DynamoDB stream record"),
        (
            {"dynamodb": {"SequenceNumber": "1"}},
            "the record has no new image: the stream must send NEW_IMAGE",
        ),
        (
            {"dynamodb": {"SequenceNumber": "1", "NewImage": {"x": {"Q": "?"}}}},
            "the new image is not DynamoDB JSON",
        ),
    ],
)
def test_a_malformed_record_is_dead_lettered_and_the_batch_goes_on(writer, aws, record, reason):
    good = stream_record(order_item(), 2)
    outcome = writer.process([record, good], lambda: PLENTY_MS)
    assert (outcome.dead_lettered, outcome.written, outcome.failed_sequence) == (1, 1, None)
    (letter,) = dead_letters(aws)
    assert letter["reason"] == reason


def test_an_order_the_ledger_refuses_is_dead_lettered_with_its_keys_only(writer, aws):
    bad_field = order_item(quantity=0)
    refused = order_item(side="HOLD")
    outcome = writer.process([stream_record(bad_field, 1), stream_record(refused, 2)], lambda: PLENTY_MS)
    assert outcome.dead_lettered == 2
    letters = dead_letters(aws)
    assert sorted(letter["reason"] for letter in letters) == [
        "the ledger refused the order (DatabaseErrorException)",
        "the ledger refused the order (DatabaseErrorException)",
    ]
    assert {letter["sequenceNumber"] for letter in letters} == {"1", "2"}
    assert letters[0]["keys"] == {"orderId": {"S": letters[0]["keys"]["orderId"]["S"]}}
    assert "symbol" not in json.dumps(letters)


def test_a_record_missing_a_field_is_dead_lettered(writer, aws):
    item = order_item()
    del item["owner"]
    outcome = writer.process([stream_record(item, 1)], lambda: PLENTY_MS)
    assert outcome.dead_lettered == 1
    assert dead_letters(aws)[0]["reason"] == "the order has no owner"


def test_when_the_dead_letter_queue_fails_the_record_is_retried(ledger_api, aws):
    writer = LedgerWriter(ledger_api, aws.sqs, aws.queue_url + "-missing")
    outcome = writer.process(["bad", stream_record(order_item(), 2)], lambda: PLENTY_MS)
    assert outcome.failed_sequence is None or outcome.failed_sequence == "2"
    assert outcome.error_code is not None
    assert outcome.written == 0


def test_the_batch_stops_before_the_deadline(writer):
    records = [stream_record(order_item(clientOrderId=f"c{n}"), n) for n in range(1, 4)]
    budgets = iter([PLENTY_MS, CALL_BUDGET_MS - 1])
    outcome = writer.process(records, lambda: next(budgets))
    assert (outcome.written, outcome.failed_sequence, outcome.error_code) == (1, "2", "DeadlineApproaching")
    assert outcome.response() == {"batchItemFailures": [{"itemIdentifier": "2"}]}


def _sick_writer(endpoint, aws, database):
    client = boto3.client(
        "rds-data",
        region_name=REGION,
        endpoint_url=endpoint,
        config=Config(
            connect_timeout=1, read_timeout=0.2, retries={"mode": "standard", "total_max_attempts": 1}
        ),
    )
    return LedgerWriter(DataApi(client, CLUSTER_ARN, aws.app_secret, database), aws.sqs, aws.queue_url)


@pytest.mark.parametrize(
    ("mode", "code"),
    [("hang", "ReadTimeoutError"), ("reset", "ConnectionClosedError"), ("throttle", "ThrottlingException")],
)
def test_a_sick_data_api_fails_the_record_for_a_retry(aws, database, mode, code):
    with fault_server(mode) as endpoint:
        writer = _sick_writer(endpoint, aws, database)
        outcome = writer.process(
            [stream_record(order_item(), 7), stream_record(order_item(), 8)], lambda: PLENTY_MS
        )
    assert (outcome.failed_sequence, outcome.error_code, outcome.written) == ("7", code, 0)
    assert dead_letters(aws) == []


def _context(remaining=PLENTY_MS):
    return SimpleNamespace(aws_request_id="req-9", get_remaining_time_in_millis=lambda: remaining)


def _lines(capsys):
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


@pytest.fixture
def installed(monkeypatch, writer):
    monkeypatch.setattr(writer_module, "_writer", writer)
    return writer


def test_the_handler_answers_a_partial_batch_response_with_one_log_line(installed, capsys, monkeypatch):
    monkeypatch.setattr(writer_module, "_clock", FakeClock())
    event = {"Records": [stream_record(order_item(), 1), "junk"]}
    assert writer_module.handler(event, _context()) == {"batchItemFailures": []}
    (line,) = _lines(capsys)
    assert line["level"] == "WARN"  # Lambda's name, which its log-level filter reads
    assert line["latencyMs"] == 0.0  # measured on the injected clock, which nothing moved
    assert (line["written"], line["deadLettered"], line["records"]) == (1, 1, 2)
    assert line["reasons"] == ["the record is not a DynamoDB stream record"]
    assert "AAPL" not in json.dumps(line)


def test_a_clean_batch_logs_at_info(installed, capsys):
    writer_module.handler({"Records": [stream_record(order_item(), 1)]}, _context())
    (line,) = _lines(capsys)
    assert line["level"] == "INFO"
    assert "retryFrom" not in line


@pytest.mark.parametrize("event", [None, {"Records": "x"}, []])
def test_an_event_that_is_not_a_batch_is_logged_and_answered(installed, capsys, event):
    assert writer_module.handler(event, _context()) == {"batchItemFailures": []}
    assert _lines(capsys)[0]["errorCode"] == "UnsupportedEvent"


def test_an_unexpected_error_is_logged_then_raised_for_bisection(monkeypatch, installed, capsys):
    def broken(records, remaining):
        raise RuntimeError("bug")

    monkeypatch.setattr(installed, "process", broken)
    with pytest.raises(RuntimeError):
        writer_module.handler({"Records": []}, _context())
    (line,) = _lines(capsys)
    assert (line["errorCode"], line["errorType"]) == ("InternalError", "RuntimeError")


def test_a_bad_environment_fails_the_first_record(monkeypatch, capsys, aws_credentials):
    monkeypatch.setattr(writer_module, "_writer", None)
    for name in ("DB_CLUSTER_ARN", "DB_SECRET_ARN", "DB_NAME", "DEAD_LETTER_QUEUE_URL"):
        monkeypatch.delenv(name, raising=False)
    event = {"Records": [stream_record(order_item(), 5)]}
    assert writer_module.handler(event, _context()) == {"batchItemFailures": [{"itemIdentifier": "5"}]}
    (line,) = _lines(capsys)
    assert line["errorCode"] == "ConfigurationError"
    assert "DB_CLUSTER_ARN='' is not usable" in line["message"]
    assert writer_module.handler({"Records": []}, _context()) == {"batchItemFailures": []}


def test_the_environment_builds_the_writer(monkeypatch, aws_credentials):
    monkeypatch.setattr(writer_module, "_writer", None)
    environ = {
        "DB_CLUSTER_ARN": CLUSTER_ARN,
        "DB_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app",
        "DB_NAME": "trading",
        "DEAD_LETTER_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/dlq",
        "LOG_LEVEL": "warning",
    }
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    built = writer_module._application()
    assert isinstance(built, LedgerWriter)
    assert writer_module._application() is built
    assert writer_module._LOGGER.level == 30


def test_a_bad_log_level_is_a_configuration_error(monkeypatch, aws_credentials):
    from ledger.runtime import ConfigError

    monkeypatch.setattr(writer_module, "_writer", None)
    monkeypatch.setenv("LOG_LEVEL", "loud")
    with pytest.raises(ConfigError, match="LOG_LEVEL='LOUD' is not a log level"):
        writer_module._application()


def test_outside_the_tests_the_ledger_functions_run_on_the_system_clock():
    from ledger import migrate as migrate_module
    from orders_api.clock import SYSTEM_CLOCK

    assert writer_module._clock is SYSTEM_CLOCK
    assert migrate_module._clock is SYSTEM_CLOCK
