"""A value the program gave, in the shape the provider gives it back: what providers echo into outputs.

A resource's outputs start as its inputs, and a data source's answer echoes its query; the provider converts
each value to the declared type before returning it (the Terraform bridge parses ``"true"`` for a bool,
formats a number for a string, JSON-encodes an object given for a string such as a policy), and the SDK
checks the result against its annotations: a list where it declares a map raises, a string where an invoke
result declares a bool raises. ``conform`` converts a value as the provider would, or says it cannot
(``MISFIT``): the caller then leaves it out, as it leaves out an input the program did not set.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, Final

from preflight.model import UNKNOWN
from preflight.schema import Choice, ListOf, MapOf, ObjectOf, Scalar, Shape
from preflight.wire import SECRET_SIG, SIG_KEY


class _Misfit:
    def __repr__(self) -> str:
        return "MISFIT"


MISFIT: Final = _Misfit()

# What Go's strconv.ParseBool, ParseInt and ParseFloat accept: the bridge parses strings with them.
_BOOLS = {"1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True}
_BOOLS.update({"0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False})
_INTEGER = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def conform(value: Any, shape: Shape) -> Any:
    """``value`` (plain, numbers as floats, secrets as the wire's signature objects) converted to ``shape``;
    ``MISFIT`` when the provider could not convert it. Unknowns, nulls, assets and resources are kept."""
    if value is None or value == UNKNOWN:
        return value
    if isinstance(value, dict) and SIG_KEY in value:
        if value[SIG_KEY] != SECRET_SIG:
            return value  # an asset, an archive or a resource reference: the SDK deserializes it
        inner = conform(value.get("value"), shape)
        return MISFIT if inner is MISFIT else {**value, "value": inner}
    if isinstance(shape, Scalar):
        return _scalar(value, shape.kind)
    if isinstance(shape, Choice):
        return value if value in shape.values else MISFIT
    if isinstance(shape, ListOf):
        items = [conform(item, shape.item) for item in value] if isinstance(value, list) else [MISFIT]
        return MISFIT if any(item is MISFIT for item in items) else items
    if not isinstance(value, dict):
        return MISFIT
    if isinstance(shape, MapOf):
        entries = {key: conform(item, shape.item) for key, item in value.items()}
        return MISFIT if any(item is MISFIT for item in entries.values()) else entries
    return _object(value, shape)


def _object(value: dict[str, Any], shape: ObjectOf) -> dict[str, Any]:
    # A field that does not fit is left out: the SDK reads an object's fields one by one.
    declared = {field.name: field.shape for field in shape.fields}
    result = {}
    for key, item in value.items():
        converted = conform(item, declared[key]) if key in declared else item
        if converted is not MISFIT:
            result[key] = converted
    return result


def _scalar(value: Any, kind: str) -> Any:
    if kind == "any":
        return value
    if kind == "boolean":
        if isinstance(value, str):
            return _BOOLS.get(value, MISFIT)
        return value if isinstance(value, bool) else MISFIT
    if kind == "string":
        return _string(value)
    if isinstance(value, bool):
        return MISFIT
    if isinstance(value, str):
        pattern = _INTEGER if kind == "integer" else _NUMBER
        return float(value) if pattern.fullmatch(value) else MISFIT
    if isinstance(value, int | float) and (kind == "number" or float(value).is_integer()):
        return value
    return MISFIT


def _string(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else repr(value)
    # An object or list given for a string (a policy document): the provider stores its JSON, which Go
    # encodes compactly with sorted keys; with an unknown part the JSON is unknown until the update.
    parts = set(_leaves(value))
    if SIG_KEY in parts:
        return MISFIT  # a secret or an asset inside: nothing the program could read as JSON here
    return UNKNOWN if UNKNOWN in parts else json.dumps(value, sort_keys=True, separators=(",", ":"))


def _leaves(value: Any) -> Iterator[Any]:
    """Every key and scalar in a plain value."""
    if isinstance(value, dict):
        yield from value
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value
