"""Events a direct invoke can send: objects of the wrong type are a 400 with the error JSON, never a crash."""

from __future__ import annotations

import json

import pytest


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda e: e.update(requestContext="ctx"), "requestContext is str"),
        (lambda e: e.update(requestContext=[1]), "requestContext is list"),
        (lambda e: e["requestContext"].update(identity="me"), "requestContext.identity is str"),
        (lambda e: e.update(headers=["content-type"]), "headers is list"),
        (lambda e: e.update(pathParameters="id"), "pathParameters is str"),
        (lambda e: e.update(queryStringParameters=7), "queryStringParameters is int"),
    ],
)
def test_a_field_of_the_wrong_type_is_a_400_naming_it(
    handler_module, make_event, context, valid_order, log_lines, stored_count, change, named
):
    event = make_event("POST", "/orders", valid_order())
    change(event)
    response = handler_module.handler(event, context)

    assert response["statusCode"] == 400
    error = json.loads(response["body"])["error"]
    assert error["code"] == "MalformedEvent"
    assert f"the event's {named}, not an object" in error["message"]
    (line,) = log_lines()
    assert (line["status"], line["errorCode"]) == (400, "MalformedEvent")
    assert stored_count() == 0


@pytest.mark.parametrize("headers", [{"content-type": 1}, {1: "application/json"}])
def test_headers_must_map_text_to_text(handler_module, make_event, context, valid_order, headers):
    response = handler_module.handler(make_event("POST", "/orders", valid_order(), headers=headers), context)
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["error"]["message"].startswith("the event's headers must map names")


def test_a_null_header_value_is_read_as_absent(handler_module, make_event, context, valid_order):
    event = make_event("POST", "/orders", valid_order(), headers={"content-type": None})
    assert handler_module.handler(event, context)["statusCode"] == 201


def test_odd_values_never_reach_the_log_line(handler_module, make_event, context, log_lines):
    event = make_event("GET", "/orders/{id}", order_id="x")
    event.update(httpMethod=["GET"], resource={"path": 1})
    event["requestContext"]["requestId"] = {"nested": True}
    response = handler_module.handler(event, context)

    assert response["statusCode"] == 400
    (line,) = log_lines()
    assert {"method", "route", "apiRequestId"}.isdisjoint(line)
