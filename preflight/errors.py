"""The one error type preflight shows a person: exit status 2 and a single line, details only on request."""

from __future__ import annotations


class PreflightError(Exception):
    """The program, its config, a policy pack or the arguments are wrong.

    ``message`` is the one line printed on standard error: what went wrong, where, and what to do.
    ``detail`` (a traceback, a pack's standard error) is printed only with ``--verbose``.
    """

    def __init__(self, message: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class Interrupted(BaseException):
    """SIGINT or SIGTERM reached preflight while it ran: everything it started is ended, then it exits.

    A ``BaseException``, like ``KeyboardInterrupt``, so that no ``except Exception`` on the way swallows it.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
