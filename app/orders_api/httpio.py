"""Reading API Gateway REST proxy events and writing their responses, as JSON."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .errors import ApiError

# Orders are a few hundred bytes; anything over 4 KiB is refused before it is decoded or parsed.
MAX_BODY_BYTES = 4096

_BASE_HEADERS = {
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


# Proxy event fields that hold objects: API Gateway sends an object or null, a direct invoke anything.
OBJECT_FIELDS = ("requestContext", "headers", "pathParameters", "queryStringParameters")


def check_event_shape(event: Mapping[str, Any]) -> None:
    """Refuse (400) an event whose objects have the wrong type, before anything reads into them."""
    for name in OBJECT_FIELDS:
        _object_or_null(event.get(name), name)
    _object_or_null((event.get("requestContext") or {}).get("identity"), "requestContext.identity")
    for key, value in (event.get("headers") or {}).items():
        if not isinstance(key, str) or not (value is None or isinstance(value, str)):
            raise ApiError(
                400,
                "MalformedEvent",
                "the event's headers must map names to text: send an API Gateway proxy event",
            )


def _object_or_null(value: Any, name: str) -> None:
    if value is not None and not isinstance(value, Mapping):
        raise ApiError(
            400,
            "MalformedEvent",
            f"the event's {name} is {type(value).__name__}, not an object: send an API Gateway REST proxy "
            "event",
        )


def header(event: Mapping[str, Any], name: str) -> str | None:
    """The value of request header `name`, matched case-insensitively (clients send any case)."""
    wanted = name.lower()
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == wanted:
            return value
    return None


def read_json_object(event: Mapping[str, Any], max_bytes: int = MAX_BODY_BYTES) -> dict[str, Any]:
    """Decode the event's body into a JSON object, checking its size before any decoding or parsing."""
    content_type = header(event, "Content-Type")
    if content_type is not None and content_type.split(";")[0].strip().lower() != "application/json":
        raise ApiError(
            415, "UnsupportedMediaType", "send the order as JSON with Content-Type: application/json"
        )

    body = event.get("body")
    if body is None or body == "":
        raise ApiError(400, "MissingBody", "the request has no body: send the order as a JSON object")
    if not isinstance(body, str):
        raise ApiError(400, "MalformedBody", "the event's body is not text: send the order as a JSON object")
    raw = _body_bytes(body, bool(event.get("isBase64Encoded")), max_bytes)

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "MalformedJson", "the body is not UTF-8 text: send the order as JSON") from None
    try:
        parsed = json.loads(
            text,
            # Prices are money: JSON fractions become Decimal, so no float rounding reaches an order.
            parse_float=Decimal,
            parse_constant=_reject_constant,
            object_pairs_hook=_unique_keys,
        )
    except (ValueError, RecursionError) as error:
        # ValueError covers JSONDecodeError and the duplicate-key and NaN refusals below.
        raise ApiError(400, "MalformedJson", f"the body is not valid JSON: {_json_problem(error)}") from None
    if not isinstance(parsed, dict):
        raise ApiError(400, "MalformedJson", "the body must be a JSON object with the order's fields")
    return parsed


def json_response(status: int, payload: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> dict:
    """An API Gateway proxy response with a JSON body and headers that stop caching and type sniffing."""
    return {
        "statusCode": status,
        "headers": {**_BASE_HEADERS, **(headers or {})},
        "body": json.dumps(payload, separators=(",", ":")),
        "isBase64Encoded": False,
    }


def error_response(error: ApiError) -> dict:
    """The response for an `ApiError`: `{"error": {"code", "message"[, "details"]}}`."""
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.details:
        body["details"] = error.details
    return json_response(error.status, {"error": body}, error.headers)


def _body_bytes(body: str, is_base64: bool, max_bytes: int) -> bytes:
    too_large = ApiError(
        413, "PayloadTooLarge", f"the body is larger than {max_bytes} bytes: send one order of a few fields"
    )
    if not is_base64:
        # Every character takes at least one byte: a longer string is refused before it is even encoded.
        if len(body) > max_bytes:
            raise too_large
        raw = body.encode("utf-8", errors="surrogatepass")
        if len(raw) > max_bytes:
            raise too_large
        return raw
    if len(body) > 4 * -(-max_bytes // 3):
        raise too_large
    try:
        raw = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(
            400, "MalformedBody", "the body is marked base64-encoded but is not valid base64"
        ) from None
    if len(raw) > max_bytes:
        raise too_large
    return raw


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"field {key!r} appears more than once")
        result[key] = value
    return result


def _json_problem(error: Exception) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"{error.msg} at line {error.lineno} column {error.colno}"
    if isinstance(error, RecursionError):
        return "it is nested too deeply"
    return str(error)
