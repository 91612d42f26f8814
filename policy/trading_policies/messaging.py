"""Rules for what carries data between services: SQS queues and SNS topics encrypted with a
customer-managed key, and stream consumers that put what they cannot process somewhere instead of
retrying it forever. (Secrets Manager secrets have their own rules, in
:mod:`trading_policies.secretsmanager`.)

A Lambda event source mapping reads a stream when it has a ``startingPosition`` (only stream and Kafka
sources take one), which is known at preview even when the source's ARN is not. Without an on-failure
destination a record that keeps failing is retried until it expires (by default for as long as the stream
keeps it) and blocks its shard meanwhile; with unbounded retries it never reaches the destination.

Decision on SNS: a topic holds what is published to it until every subscriber has it (retries last up to
23 days for some endpoints, and a FIFO topic's archive keeps messages up to 365 days), so the same order
event that must sit on a customer-managed key in a queue must do so in a topic; without
``kmsMasterKeyId`` SNS does not encrypt it with any key (checkov CKV_AWS_26, AWS Config sns-encrypted-kms).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from .awsfacts import is_aws_managed_key
from .graph import Resource
from .registry import Rule
from .values import ABSENT, UNKNOWN, as_number, describe

QUEUE = "aws:sqs/queue:Queue"
TOPIC = "aws:sns/topic:Topic"
EVENT_SOURCE_MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"


def check_queue_cmk(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str]:
    key = resource.get("kmsMasterKeyId")
    if key is ABSENT or key == "":
        yield "kmsMasterKeyId is not set, so the queue is unencrypted or uses SQS-owned keys nobody can audit"
    elif is_aws_managed_key(key, "sqs"):
        yield "kmsMasterKeyId is the AWS managed key aws/sqs, whose policy you cannot control"


def check_topic_cmk(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str]:
    key = resource.get("kmsMasterKeyId")
    if key is ABSENT or key == "":
        yield "kmsMasterKeyId is not set, so SNS stores the topic's messages without server-side encryption"
    elif is_aws_managed_key(key, "sns"):
        yield "kmsMasterKeyId is the AWS managed key aws/sns, whose policy you cannot control"


def check_stream_failure_destination(resource: Resource, _config: Mapping[str, Any]) -> Iterator[str]:
    if resource.get("startingPosition") is ABSENT:
        return  # a queue source: failures go to the queue's own redrive policy
    destination = resource.get("destinationConfig", "onFailure", "destinationArn")
    if destination is ABSENT or destination == "":
        yield (
            "destinationConfig.onFailure.destinationArn is not set, so a record that keeps failing is "
            "dropped when it expires, unseen"
        )
    retries = as_number(resource.get("maximumRetryAttempts"))
    age = as_number(resource.get("maximumRecordAgeInSeconds"))
    bounded_retries = retries is UNKNOWN or (isinstance(retries, float) and 0 <= retries <= 10_000)
    bounded_age = age is UNKNOWN or (isinstance(age, float) and 60 <= age <= 604_800)
    if not bounded_retries and not bounded_age:
        yield (
            f"maximumRetryAttempts is {describe(resource.get('maximumRetryAttempts'))} and "
            f"maximumRecordAgeInSeconds is {describe(resource.get('maximumRecordAgeInSeconds'))}, so a "
            "failing record is retried until it expires and blocks its shard meanwhile"
        )


RULES = [
    Rule(
        name="sqs-queue-encrypted-with-cmk",
        description="SQS queues are encrypted with a customer-managed KMS key.",
        severity=Severity.HIGH,
        pci=("3.5.1", "3.6.1"),
        remediation="Set kms_master_key_id=data_key.arn on the queue",
        url="https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-server-side-encryption.html",
        topic="messaging",
        check=check_queue_cmk,
        resource_types=(QUEUE,),
    ),
    Rule(
        name="sns-topic-encrypted-with-cmk",
        description="SNS topics are encrypted with a customer-managed KMS key.",
        severity=Severity.HIGH,
        pci=("3.5.1", "3.6.1"),
        remediation=(
            "Set kms_master_key_id=data_key.arn on the topic and let each publishing service "
            "(e.g. cloudwatch.amazonaws.com) use the key in its policy"
        ),
        url="https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html",
        topic="messaging",
        check=check_topic_cmk,
        resource_types=(TOPIC,),
    ),
    Rule(
        name="lambda-stream-consumer-failure-destination",
        description=(
            "Lambda stream consumers have an on-failure destination and bounded retries or record age, so a "
            "failing record is set aside instead of blocking the stream."
        ),
        severity=Severity.MEDIUM,
        pci=("12.10.1",),
        remediation=(
            "Set destination_config={'on_failure': {'destination_arn': dlq.arn}} and maximum_retry_attempts "
            "(0-10000) or maximum_record_age_in_seconds (60-604800) on the event source mapping"
        ),
        url="https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html#services-dynamodb-errors",
        topic="lambda",
        check=check_stream_failure_destination,
        resource_types=(EVENT_SOURCE_MAPPING,),
    ),
]
