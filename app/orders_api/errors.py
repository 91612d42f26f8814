"""Errors that become HTTP responses: each carries the status, a stable code and a message for the caller."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class ApiError(Exception):
    """A request the API refuses; `message` says what is wrong and must never echo secrets or the body."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: Sequence[Mapping[str, str]] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = [dict(detail) for detail in details]
        self.headers = dict(headers or {})
