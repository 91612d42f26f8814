"""Log lines: one JSON object per invocation with ids and outcome, never the body or order details."""

from __future__ import annotations

import io
import json
import logging
import sys

from orders_api.logs import JsonFormatter, configure_logger, log

SENSITIVE = {
    "clientOrderId": "cid-sensitive-777",
    "symbol": "ZQXJ",
    "quantity": 4242,
    "limitPrice": "4321.1234",
}


def test_each_request_logs_one_completed_line(handler_module, make_event, context, valid_order, log_lines):
    created = json.loads(
        handler_module.handler(make_event("POST", "/orders", valid_order()), context)["body"]
    )
    handler_module.handler(make_event("POST", "/orders", valid_order()), context)

    completed = [line for line in log_lines() if line["message"] == "request completed"]
    assert len(completed) == 2
    first, replay = completed
    assert first["level"] == "INFO"
    assert first["logger"] == "orders_api"
    assert first["requestId"] == "lambda-request-1"
    assert first["apiRequestId"] == "api-request-1"
    assert (first["method"], first["route"], first["status"]) == ("POST", "/orders", 201)
    assert first["orderId"] == created["orderId"]
    assert first["replayed"] is False
    assert isinstance(first["latencyMs"], float)
    assert first["timestamp"].endswith("+00:00")
    assert "errorCode" not in first
    assert (replay["status"], replay["replayed"]) == (200, True)


def test_refusals_log_their_error_code(handler_module, make_event, context, log_lines):
    handler_module.handler(make_event("POST", "/orders", {"symbol": "ZQXJ"}), context)
    line = log_lines()[-1]
    assert (line["status"], line["errorCode"], line["level"]) == (400, "InvalidOrder", "INFO")
    assert "orderId" not in line
    assert "replayed" not in line


def test_no_body_or_order_field_reaches_the_log(handler_module, make_event, context, valid_order, log_lines):
    order = valid_order(**SENSITIVE)
    handler_module.handler(make_event("POST", "/orders", order), context)  # 201
    handler_module.handler(make_event("POST", "/orders", order), context)  # replay
    handler_module.handler(make_event("POST", "/orders", {**order, "quantity": 1}), context)  # 409
    handler_module.handler(make_event("POST", "/orders", {**order, "side": "NOPE"}), context)  # 400
    raw = log_lines.raw.getvalue()

    assert len(log_lines()) == 4
    for value in SENSITIVE.values():
        assert str(value) not in raw
    assert '"body"' not in raw


def test_log_level_from_the_environment(
    handler_module, make_event, context, valid_order, log_lines, monkeypatch
):
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    handler_module.handler(make_event("POST", "/orders", valid_order()), context)
    handler_module.handler(make_event("GET", "/orders"), context)
    assert log_lines() == []


def test_formatter_writes_single_line_json_and_drops_empty_fields():
    stream = io.StringIO()
    logger = configure_logger("DEBUG", stream=stream)
    log(logger, logging.DEBUG, "multi\nline", orderId="o-1", replayed=None)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["message"] == "multi\nline"
    assert entry["orderId"] == "o-1"
    assert "replayed" not in entry
    assert logger.propagate is False
    assert len(logger.handlers) == 1


def test_exceptions_are_logged_by_type_and_frames_without_their_text():
    def fail():
        raise ValueError("card 4111111111111111")

    try:
        fail()
    except ValueError:
        record = logging.LogRecord("orders_api", logging.ERROR, __file__, 1, "boom", None, sys.exc_info())
    entry = json.loads(JsonFormatter().format(record))
    assert entry["errorType"] == "ValueError"
    assert any(frame.endswith(" in fail") for frame in entry["stack"])
    assert "4111" not in json.dumps(entry)


def test_exc_info_without_an_exception_adds_nothing():
    record = logging.LogRecord("orders_api", logging.ERROR, __file__, 1, "boom", None, (None, None, None))
    entry = json.loads(JsonFormatter().format(record))
    assert "errorType" not in entry


def test_levels_carry_the_names_lambda_filters_on():
    # Lambda's application log-level filter knows TRACE, DEBUG, INFO, WARN, ERROR and FATAL; any other name
    # is read as INFO, so a WARNING line would be dropped by a WARN filter.
    stream = io.StringIO()
    logger = configure_logger("DEBUG", stream=stream)
    for level in (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR, logging.CRITICAL):
        log(logger, level, "message")
    levels = [json.loads(line)["level"] for line in stream.getvalue().splitlines()]
    assert levels == ["DEBUG", "INFO", "WARN", "ERROR", "FATAL"]
