"""Request bodies the API refuses before validation: size, encoding, media type and JSON syntax."""

from __future__ import annotations

import base64
import json

import pytest

LIMIT = 4096
ORDER = '{"clientOrderId": "c1", "symbol": "AAPL", "side": "BUY", "quantity": 1, "limitPrice": 1}'


def refuse(handler_module, make_event, context, stored_count, body, *, base64_body=False, headers=None):
    event = make_event("POST", "/orders", None, headers=headers)
    event["body"] = body
    event["isBase64Encoded"] = base64_body
    response = handler_module.handler(event, context)
    assert stored_count() == 0
    return response["statusCode"], json.loads(response["body"])["error"]


@pytest.mark.parametrize(
    ("body", "message_part"),
    [
        ('{"symbol": "AAPL",', "the body is not valid JSON: Expecting"),
        ("[1, 2]", "must be a JSON object"),
        ('"AAPL"', "must be a JSON object"),
        ('{"symbol": "A", "symbol": "B"}', "field 'symbol' appears more than once"),
        ('{"clientOrderId": "c1", "symbol": "AAPL", "limitPrice": NaN}', "NaN is not a number JSON allows"),
        ('{"limitPrice": Infinity}', "Infinity is not a number JSON allows"),
        ('{"a": ' + "[" * 1500 + "]" * 1500 + "}", "nested too deeply"),
        ("\ud800", "not UTF-8"),
    ],
)
def test_malformed_json_is_400(handler_module, make_event, context, stored_count, body, message_part):
    status, error = refuse(handler_module, make_event, context, stored_count, body)
    assert status == 400
    assert error["code"] == "MalformedJson"
    assert message_part in error["message"]


@pytest.mark.parametrize("body", [None, ""])
def test_missing_body_is_400(handler_module, make_event, context, stored_count, body):
    status, error = refuse(handler_module, make_event, context, stored_count, body)
    assert (status, error["code"]) == (400, "MissingBody")


def test_a_body_that_is_not_text_is_400(handler_module, make_event, context, stored_count):
    status, error = refuse(handler_module, make_event, context, stored_count, {"symbol": "AAPL"})
    assert (status, error["code"]) == (400, "MalformedBody")


def test_invalid_base64_is_400(handler_module, make_event, context, stored_count):
    status, error = refuse(handler_module, make_event, context, stored_count, "not base64!", base64_body=True)
    assert (status, error["code"]) == (400, "MalformedBody")
    assert "base64" in error["message"]


def test_base64_of_non_utf8_is_400(handler_module, make_event, context, stored_count):
    body = base64.b64encode(b'{"symbol": "\xff"}').decode()
    status, error = refuse(handler_module, make_event, context, stored_count, body, base64_body=True)
    assert (status, error["code"]) == (400, "MalformedJson")
    assert "UTF-8" in error["message"]


def padded(size: int) -> str:
    """A syntactically valid order body of exactly `size` bytes (so only its size can be refused)."""
    filler = size - len(ORDER) - len(', "pad": ""')
    return ORDER[:-1] + ', "pad": "' + "x" * filler + '"}'


def test_a_body_at_the_limit_reaches_validation(handler_module, make_event, context, stored_count):
    body = padded(LIMIT)
    assert len(body.encode()) == LIMIT
    status, error = refuse(handler_module, make_event, context, stored_count, body)
    assert (status, error["code"]) == (400, "InvalidOrder")
    assert "pad: unknown field" in error["message"]


def test_a_body_over_the_limit_is_413_before_parsing(handler_module, make_event, context, stored_count):
    # Not even valid JSON: the size check must come first.
    status, error = refuse(handler_module, make_event, context, stored_count, "{" * (LIMIT + 1))
    assert (status, error["code"]) == (413, "PayloadTooLarge")
    assert "4096 bytes" in error["message"]


def test_multibyte_text_is_measured_in_bytes(handler_module, make_event, context, stored_count):
    body = '{"pad": "' + "é" * 2100 + '"}'
    assert len(body) < LIMIT < len(body.encode())
    status, error = refuse(handler_module, make_event, context, stored_count, body)
    assert (status, error["code"]) == (413, "PayloadTooLarge")


def test_base64_text_longer_than_any_allowed_body_is_413(handler_module, make_event, context, stored_count):
    status, error = refuse(handler_module, make_event, context, stored_count, "A" * 6000, base64_body=True)
    assert (status, error["code"]) == (413, "PayloadTooLarge")


def test_base64_that_decodes_over_the_limit_is_413(handler_module, make_event, context, stored_count):
    encoded = base64.b64encode(b"{" * (LIMIT + 2)).decode()
    assert len(encoded) == 4 * -(-LIMIT // 3)
    status, error = refuse(handler_module, make_event, context, stored_count, encoded, base64_body=True)
    assert (status, error["code"]) == (413, "PayloadTooLarge")


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_other_media_types_are_415(handler_module, make_event, context, stored_count, content_type):
    headers = {"Accept": "application/json", "Content-Type": content_type}
    status, error = refuse(handler_module, make_event, context, stored_count, ORDER, headers=headers)
    assert (status, error["code"]) == (415, "UnsupportedMediaType")
