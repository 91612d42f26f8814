"""Queues on a customer-managed key; stream consumers that set failures aside."""

from __future__ import annotations

import pytest
from policy_harness import R, U, run

KEY = "arn:aws:kms:us-east-1:123456789012:key/data"
STREAM = "arn:aws:dynamodb:us-east-1:123456789012:table/trading-orders-dev/stream/2026-12-01T00:00:00.000"


def faults(rule, resources, config=None):
    return [
        d.message.split("\n", 1)[1].split(": ", 1)[1].split(". Fix:")[0] for d in run(rule, resources, config)
    ]


def queue(**props):
    return R("aws:sqs/queue:Queue", "q", {"name": "trading-ledger-dlq-dev", **props})


def mapping(**props):
    return R(
        "aws:lambda/eventSourceMapping:EventSourceMapping",
        "m",
        {"eventSourceArn": STREAM, "functionName": "trading-ledger-writer-dev", **props},
    )


def test_a_queue_on_a_customer_managed_key_passes():
    assert faults("sqs-queue-encrypted-with-cmk", [queue(kmsMasterKeyId=KEY)]) == []
    assert faults("sqs-queue-encrypted-with-cmk", [queue(kmsMasterKeyId=U)]) == []


@pytest.mark.parametrize(
    ("props", "fault"),
    [
        ({}, "kmsMasterKeyId is not set, so the queue is unencrypted or uses SQS-owned keys"),
        ({"sqsManagedSseEnabled": True}, "kmsMasterKeyId is not set"),
        ({"kmsMasterKeyId": "alias/aws/sqs"}, "kmsMasterKeyId is the AWS managed key aws/sqs"),
        (
            {"kmsMasterKeyId": "arn:aws:kms:us-east-1:1:alias/aws/sqs"},
            "kmsMasterKeyId is the AWS managed key",
        ),
    ],
)
def test_a_queue_without_a_customer_managed_key_fails(props, fault):
    (found,) = faults("sqs-queue-encrypted-with-cmk", [queue(**props)])
    assert found.startswith(fault)


def topic(**props):
    return R("aws:sns/topic:Topic", "t", {"name": "trading-alerts-dev", **props})


def test_a_topic_on_a_customer_managed_key_passes():
    assert faults("sns-topic-encrypted-with-cmk", [topic(kmsMasterKeyId=KEY)]) == []
    assert faults("sns-topic-encrypted-with-cmk", [topic(kmsMasterKeyId="alias/trading-data")]) == []
    assert faults("sns-topic-encrypted-with-cmk", [topic(kmsMasterKeyId=U)]) == []


@pytest.mark.parametrize(
    ("props", "fault"),
    [
        ({}, "kmsMasterKeyId is not set, so SNS stores the topic's messages without server-side encryption"),
        ({"kmsMasterKeyId": ""}, "kmsMasterKeyId is not set"),
        ({"kmsMasterKeyId": "alias/aws/sns"}, "kmsMasterKeyId is the AWS managed key aws/sns"),
        (
            {"kmsMasterKeyId": "arn:aws:kms:us-east-1:123456789012:alias/aws/sns"},
            "kmsMasterKeyId is the AWS managed key aws/sns, whose policy you cannot control",
        ),
    ],
)
def test_a_topic_without_a_customer_managed_key_fails(props, fault):
    (diagnostic,) = run("sns-topic-encrypted-with-cmk", [topic(**props)])
    assert diagnostic.level == "mandatory"
    assert faults("sns-topic-encrypted-with-cmk", [topic(**props)])[0].startswith(fault)


GOOD_MAPPING = {
    "startingPosition": "TRIM_HORIZON",
    "destinationConfig": {"onFailure": {"destinationArn": "arn:aws:sqs:us-east-1:123456789012:dlq"}},
    "maximumRetryAttempts": 5,
}


@pytest.mark.parametrize(
    "props",
    [
        GOOD_MAPPING,
        {**GOOD_MAPPING, "maximumRetryAttempts": -1, "maximumRecordAgeInSeconds": 3600},
        {
            **GOOD_MAPPING,
            "destinationConfig": {"onFailure": {"destinationArn": U}},
            "maximumRetryAttempts": U,
        },
        {"batchSize": 10},  # a queue source (no starting position): its redrive policy handles failures
    ],
)
def test_a_stream_consumer_that_sets_failures_aside_passes(props):
    assert faults("lambda-stream-consumer-failure-destination", [mapping(**props)]) == []


def test_a_stream_consumer_without_a_destination_fails():
    (found,) = faults(
        "lambda-stream-consumer-failure-destination",
        [mapping(startingPosition="LATEST", maximumRetryAttempts=3)],
    )
    assert found.startswith("destinationConfig.onFailure.destinationArn is not set")


@pytest.mark.parametrize(
    "props",
    [{}, {"maximumRetryAttempts": -1}, {"maximumRetryAttempts": -1, "maximumRecordAgeInSeconds": -1}],
)
def test_a_stream_consumer_retrying_forever_fails(props):
    (found,) = faults(
        "lambda-stream-consumer-failure-destination",
        [mapping(startingPosition="LATEST", destinationConfig=GOOD_MAPPING["destinationConfig"], **props)],
    )
    assert "so a failing record is retried until it expires and blocks its shard meanwhile" in found
