"""The ledger checks: the dead-letter queue (against moto's SQS) and the listing of a posted order."""

from __future__ import annotations

import json

import boto3
import pytest
from integration import checks
from moto import mock_aws

KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ORDER = {"orderId": "6f1c1f9e-2b7a-4a39-9d1e-6b0b4b5b9c11", "symbol": "TEST", "quantity": 1}


@pytest.fixture
def sqs(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield boto3.client("sqs", region_name="us-east-1")


def _attributes(sqs, url):
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])


def test_an_empty_queue_on_the_data_key_passes(sqs):
    url = sqs.create_queue(QueueName="dlq", Attributes={"KmsMasterKeyId": KEY_ARN})["QueueUrl"]
    assert checks.check_dead_letter_queue(_attributes(sqs, url), url, KEY_ARN) == []


def test_a_queue_holding_a_message_without_the_key_fails(sqs):
    url = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="{}")
    problems = checks.check_dead_letter_queue(_attributes(sqs, url), url, KEY_ARN)
    assert problems == [
        f"queue {url}: KmsMasterKeyId is None, expected the data key {KEY_ARN}",
        f"queue {url}: ApproximateNumberOfMessages is '1', expected '0' (orders the ledger writer could not "
        "record: read the messages)",
    ]


def test_the_listing_check_finds_the_order():
    body = json.dumps({"orders": [{"orderId": "other"}, ORDER]}).encode()
    assert checks.check_listing_has_order(200, body, ORDER) == []


@pytest.mark.parametrize(
    ("status", "body", "problem"),
    [
        (503, b"busy", "GET /orders answered 503, expected 200"),
        (200, b"[1]", "GET /orders: the body is not a JSON object with orders"),
        (200, b"not json", "GET /orders: the body is not a JSON object with orders"),
        (200, b'{"orders": 5}', "GET /orders: 'orders' is 5, expected a list"),
        (200, b'{"orders": []}', f"GET /orders: order {ORDER['orderId']} is not listed (yet)"),
        (
            200,
            json.dumps({"orders": [{**ORDER, "quantity": 2}]}).encode(),
            f"GET /orders: order {ORDER['orderId']} is listed as",
        ),
    ],
)
def test_the_listing_check_names_what_is_wrong(status, body, problem):
    (found,) = checks.check_listing_has_order(status, body, ORDER)
    assert found.startswith(problem)
