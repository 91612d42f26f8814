"""Structured logging: one JSON object per line on standard output, with only the fields the caller names.

The function's own handler (not the Lambda runtime's root handler) writes these lines, so their shape is the
same under the runtime's text or JSON log format, and nothing is logged twice. Callers pass identifiers and
outcomes only: request bodies and order fields other than ids never reach a log line.

The ``level`` field uses Lambda's level names (TRACE, DEBUG, INFO, WARN, ERROR, FATAL): Lambda's log-level
filter reads that field, and a name it does not know (Python's WARNING or CRITICAL) counts as INFO, so a
warning would be dropped by an application log level of WARN.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from typing import Any, TextIO

LOGGER_NAME = "orders_api"
_FIELDS_ATTR = "orders_api_fields"
# Python level name -> the name Lambda's advanced logging controls understand.
LAMBDA_LEVEL_NAMES = {"WARNING": "WARN", "CRITICAL": "FATAL"}


class JsonFormatter(logging.Formatter):
    """Formats a record as a single-line JSON object: timestamp, level, logger, message, then its fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": LAMBDA_LEVEL_NAMES.get(record.levelname, record.levelname),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, _FIELDS_ATTR, {}))
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            # Type and frames only: an exception's text can quote request data (e.g. a DynamoDB validation
            # message), so it is not logged.
            entry["errorType"] = type(error).__name__
            entry["stack"] = [
                f"{frame.filename}:{frame.lineno} in {frame.name}"
                for frame in traceback.extract_tb(error.__traceback__)
            ]
        return json.dumps(entry, default=str, separators=(",", ":"))


def configure_logger(level: str, stream: TextIO | None = None) -> logging.Logger:
    """Return the package logger, writing JSON lines to `stream` (standard output by default) at `level`."""
    logger = logging.getLogger(LOGGER_NAME)
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(JsonFormatter())
    for old in list(logger.handlers):
        logger.removeHandler(old)
    logger.addHandler(handler)
    logger.setLevel(level)
    # The Lambda runtime puts its own handler on the root logger; propagating would log each line twice.
    logger.propagate = False
    return logger


def log(logger: logging.Logger, level: int, message: str, exc_info: bool = False, **fields: Any) -> None:
    """Log `message` with `fields` as top-level JSON keys; fields whose value is None are left out."""
    present = {name: value for name, value in fields.items() if value is not None}
    logger.log(level, message, exc_info=exc_info, extra={_FIELDS_ATTR: present})
