"""The live line a long run shows on a terminal, as the Pulumi CLI's live view does: one line, rewritten.

Only on a terminal (or when ``--progress`` asks for it): CI logs and pipes get nothing of it.
"""

from __future__ import annotations

import time
from typing import TextIO

_CLEAR = "\r\x1b[K"  # back to the start of the line, and erase it


class Progress:
    """Rewrites one line of ``stream``: resources registered, analysed, seconds since ``started``."""

    def __init__(self, stream: TextIO, started: float) -> None:
        self.stream = stream
        self.started = started
        self.shown = False

    def show(self, registered: int, analyzed: int, phase: str = "running the program") -> None:
        elapsed = time.perf_counter() - self.started
        self._write(
            f"{_CLEAR}preflight: {phase}: {registered} resources registered, {analyzed} analysed, "
            f"{elapsed:.1f} s"
        )
        self.shown = True

    def clear(self) -> None:
        """Erases the line, so the report and any error start on a clean line."""
        if self.shown:
            self._write(_CLEAR)
            self.shown = False

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()
