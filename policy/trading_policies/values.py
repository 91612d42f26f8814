"""Unknown-safe reading of resource properties.

The SDK hands a policy its properties behind a proxy that raises ``UnknownValueError`` on any unknown
value, and the SDK turns that error into an advisory "can't run policy during preview". The rules
instead read plain copies made by :func:`plain`, in which every unknown becomes :data:`UNKNOWN`, and
look values up with :func:`get`, which tells a value apart from :data:`ABSENT` (not set) and
:data:`UNKNOWN` (set, but computed later). A value known to be set but not yet known is never a
violation; a missing one may be.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any

from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
)

from .request_scope import LazyProxy

_UNKNOWN_SENTINELS = frozenset(
    {
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_OBJECT_VALUE,
        UNKNOWN_STRING_VALUE,
    }
)


class Missing(Enum):
    """The two ways a property can lack a usable value."""

    ABSENT = "absent"
    UNKNOWN = "unknown"

    def __repr__(self) -> str:
        return self.name


ABSENT = Missing.ABSENT
UNKNOWN = Missing.UNKNOWN


def plain(value: Any) -> Any:
    """Copy SDK proxies into plain dicts and lists, replacing every unknown sentinel with UNKNOWN."""
    if isinstance(value, str):
        return UNKNOWN if value in _UNKNOWN_SENTINELS else value
    if isinstance(value, Mapping):
        target = _proxy_target(value)
        return {key: plain(target[key]) for key in target}
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return [plain(item) for item in _proxy_target(value)]
    return value


def _proxy_target(value: Any) -> Any:
    # The SDK proxies give their raw container under the "__target" key without checking it for unknowns;
    # a lazy one (see request_scope) has not built its proxy yet and holds the request's values themselves.
    if type(value).__name__ in ("_DictProxy", "_ListProxy"):
        return value["__target"]
    if isinstance(value, LazyProxy):
        return value.source
    return value


def get(value: Any, *path: str | int) -> Any:
    """Follow ``path`` into nested dicts and lists; ABSENT when a step is missing or null."""
    current = value
    for step in path:
        if current is UNKNOWN:
            return UNKNOWN
        if isinstance(step, int) and isinstance(current, list):
            if not -len(current) <= step < len(current):
                return ABSENT
            current = current[step]
        elif isinstance(step, str) and isinstance(current, dict):
            current = current.get(step, ABSENT)
        else:
            return ABSENT
        if current is None:
            return ABSENT
    return current


def is_known(value: Any) -> bool:
    """True when the value is present and known."""
    return value is not ABSENT and value is not UNKNOWN


def as_bool(value: Any) -> bool | Missing | None:
    """A boolean, ABSENT, UNKNOWN, or None for a value of the wrong type (a malformed input)."""
    if value is ABSENT or value is UNKNOWN or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def as_number(value: Any) -> float | Missing | None:
    """A number, ABSENT, UNKNOWN, or None for a value that is not a number."""
    if value is ABSENT or value is UNKNOWN:
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def has_unknown(value: Any) -> bool:
    """True when the value or anything inside it is unknown."""
    if value is UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(has_unknown(item) for item in value.values())
    if isinstance(value, list):
        return any(has_unknown(item) for item in value)
    return False


def describe(value: Any) -> str:
    """A short rendering of a value for a violation message."""
    if value is UNKNOWN:
        return "<unknown until apply>"
    if value is ABSENT:
        return "<not set>"
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Numbers reach policies as floats; show 30, not 30.0.
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 120 else text[:117] + "..."
