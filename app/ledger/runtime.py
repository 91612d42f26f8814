"""What the ledger's functions share at run time: their environment, AWS clients sized to the function's
timeout, and JSON log lines in the orders API's format."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config as BotoConfig
from orders_api.logs import JsonFormatter

CLUSTER_ARN_VAR = "DB_CLUSTER_ARN"
SECRET_ARN_VAR = "DB_SECRET_ARN"
DATABASE_VAR = "DB_NAME"
LOG_LEVEL_VAR = "LOG_LEVEL"

# Every AWS call gets at most this long: two attempts of a 2 s connect and a 5 s read, plus standard mode's
# first back-off (at most 1 s). A function stops starting calls when less than this remains before its
# timeout, so it always answers (and logs) before Lambda kills it.
CONNECT_TIMEOUT_SECONDS = 2
READ_TIMEOUT_SECONDS = 5
MAX_ATTEMPTS = 2
CALL_BUDGET_MS = (MAX_ATTEMPTS * (CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS) + 1) * 1000
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigError(Exception):
    """The function's environment is wrong; the message names the variable and the fix."""


@dataclass(frozen=True)
class DatabaseTarget:
    """Which cluster, database and secret the Data API calls use."""

    cluster_arn: str
    secret_arn: str
    database: str


def required(environ: Mapping[str, str], name: str, prefix: str = "") -> str:
    """The variable's value, which must be set (and start with `prefix`)."""
    value = environ.get(name, "").strip()
    if not value or not value.startswith(prefix):
        wanted = f"a value starting with {prefix}" if prefix else "a value"
        raise ConfigError(f"{name}={value!r} is not usable: the stack must set it to {wanted}")
    return value


def database_target(environ: Mapping[str, str], secret_var: str = SECRET_ARN_VAR) -> DatabaseTarget:
    """The Data API target from `DB_CLUSTER_ARN`, the secret variable and `DB_NAME`."""
    return DatabaseTarget(
        cluster_arn=required(environ, CLUSTER_ARN_VAR, "arn:"),
        secret_arn=required(environ, secret_var, "arn:"),
        database=required(environ, DATABASE_VAR),
    )


def log_level(environ: Mapping[str, str]) -> str:
    level = environ.get(LOG_LEVEL_VAR, "INFO").strip().upper() or "INFO"
    if level not in LOG_LEVELS:
        raise ConfigError(f"{LOG_LEVEL_VAR}={level!r} is not a log level: use one of {', '.join(LOG_LEVELS)}")
    return level


def client(service: str) -> Any:
    """A boto3 client whose every call ends within CALL_BUDGET_MS."""
    return boto3.client(
        service,
        config=BotoConfig(
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            read_timeout=READ_TIMEOUT_SECONDS,
            retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
        ),
    )


class _StandardOutput(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stdout` is at the time (the runtime's, or a test's capture)."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, value: Any) -> None:
        """The stream is always the current standard output; StreamHandler's own assignment is ignored."""


def json_logger(name: str) -> logging.Logger:
    """A logger writing one JSON object per line on standard output, not propagated to the runtime's root."""
    logger = logging.getLogger(name)
    if not logger.handlers:
        handler = _StandardOutput()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    logger.propagate = False
    return logger
