"""Concurrent submissions of one idempotency key: exactly one write, and every caller gets that order."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from moto.dynamodb.models import DynamoDBBackend

THREADS = 8


@pytest.fixture
def atomic_moto_writes(monkeypatch):
    """DynamoDB evaluates a write's condition and applies it atomically; moto's backend takes no lock, so
    threads could interleave inside one put. Serialising moto's put_item restores the service's guarantee
    (it changes moto, not the code under test)."""
    lock = threading.Lock()
    original = DynamoDBBackend.put_item

    def put_item(self, *args, **kwargs):
        with lock:
            return original(self, *args, **kwargs)

    monkeypatch.setattr(DynamoDBBackend, "put_item", put_item)


def test_one_key_posted_from_eight_threads_writes_once(
    handler_module, make_event, context, valid_order, stored_count, atomic_moto_writes
):
    start = threading.Barrier(THREADS)

    def submit(_):
        event = make_event("POST", "/orders", valid_order())
        start.wait()
        return handler_module.handler(event, context)

    with ThreadPoolExecutor(THREADS) as pool:
        responses = list(pool.map(submit, range(THREADS)))

    statuses = sorted(response["statusCode"] for response in responses)
    assert statuses == [200] * (THREADS - 1) + [201]
    bodies = {response["body"] for response in responses}
    assert len(bodies) == 1
    replays = [response for response in responses if response["statusCode"] == 200]
    assert all(response["headers"]["Idempotent-Replayed"] == "true" for response in replays)
    assert stored_count() == 1
    assert json.loads(bodies.pop())["clientOrderId"] == "cid-0001"


def test_different_keys_from_eight_threads_write_eight_orders(
    handler_module, make_event, context, valid_order, stored_count, atomic_moto_writes
):
    start = threading.Barrier(THREADS)

    def submit(number):
        event = make_event("POST", "/orders", valid_order(clientOrderId=f"cid-{number}"))
        start.wait()
        return handler_module.handler(event, context)

    with ThreadPoolExecutor(THREADS) as pool:
        responses = list(pool.map(submit, range(THREADS)))

    assert [response["statusCode"] for response in responses] == [201] * THREADS
    assert len({json.loads(response["body"])["orderId"] for response in responses}) == THREADS
    assert stored_count() == THREADS
