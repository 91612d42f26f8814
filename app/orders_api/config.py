"""Reads the function's settings from the environment variables the stack sets, once per container."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

TABLE_NAME_VAR = "ORDERS_TABLE_NAME"
LOG_LEVEL_VAR = "LOG_LEVEL"
ORDER_TTL_DAYS_VAR = "ORDER_TTL_DAYS"

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT_LOG_LEVEL = "INFO"
# Orders stay readable (and their idempotency keys stay reserved) for 90 days unless the stack says otherwise.
DEFAULT_ORDER_TTL_DAYS = 90
MAX_ORDER_TTL_DAYS = 3650

_TABLE_NAME = re.compile(r"[A-Za-z0-9_.-]{3,255}")
_DAYS = re.compile(r"[0-9]{1,4}")


class ConfigError(Exception):
    """The environment is wrong; the message names the variable, the value's problem and the fix."""


@dataclass(frozen=True)
class Config:
    """Validated settings of one function instance."""

    table_name: str
    log_level: str = DEFAULT_LOG_LEVEL
    order_ttl_days: int = DEFAULT_ORDER_TTL_DAYS


def load_config(environ: Mapping[str, str]) -> Config:
    """Build a `Config` from `environ`, or raise `ConfigError` naming the first bad variable."""
    table_name = environ.get(TABLE_NAME_VAR, "").strip()
    if not table_name:
        raise ConfigError(
            f"{TABLE_NAME_VAR} is not set: the stack must set it to the orders table's name "
            "(e.g. trading-orders-dev)"
        )
    if not _TABLE_NAME.fullmatch(table_name):
        raise ConfigError(
            f"{TABLE_NAME_VAR}={table_name!r} is not a DynamoDB table name: "
            "use 3-255 characters from A-Z a-z 0-9 _ . -"
        )

    log_level = environ.get(LOG_LEVEL_VAR, DEFAULT_LOG_LEVEL).strip().upper() or DEFAULT_LOG_LEVEL
    if log_level not in LOG_LEVELS:
        raise ConfigError(
            f"{LOG_LEVEL_VAR}={log_level!r} is not a log level: use one of {', '.join(LOG_LEVELS)}"
        )

    raw_ttl = environ.get(ORDER_TTL_DAYS_VAR, "").strip()
    ttl_days = DEFAULT_ORDER_TTL_DAYS
    if raw_ttl:
        if not _DAYS.fullmatch(raw_ttl) or not 1 <= int(raw_ttl) <= MAX_ORDER_TTL_DAYS:
            raise ConfigError(
                f"{ORDER_TTL_DAYS_VAR}={raw_ttl!r} is not a retention in days: "
                f"use a whole number from 1 to {MAX_ORDER_TTL_DAYS}"
            )
        ttl_days = int(raw_ttl)

    return Config(table_name=table_name, log_level=log_level, order_ttl_days=ttl_days)
