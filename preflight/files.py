"""Reading a user's input files (Pulumi.yaml, stack files, policy configs) without trusting what they are.

Only a regular file, or a symbolic link to one, of at most :data:`MAX_BYTES` is read. Anything else is
refused with one line naming the file and what it is: a named pipe (reading it would wait for a writer
forever), a folder, a device or socket, a loop of symbolic links, a link to nothing, a file too large to be
config, or bytes that are not UTF-8 text.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from preflight.errors import PreflightError

MAX_BYTES = 10 * 1024 * 1024  # no stack or policy config comes near it; a log or a dump does

_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def exists(path: Path) -> bool:
    """Whether anything is at ``path``, even a broken or looping link (which :func:`read_text` explains)."""
    try:
        os.lstat(path)
    except (OSError, ValueError):
        return False
    return True


def read_text(path: Path, label: str | None = None) -> str:
    """The UTF-8 text of the regular file ``path``; a PreflightError starting with ``label`` otherwise."""
    label = label or str(path)
    try:
        info = os.stat(path)
    except OSError as error:
        raise PreflightError(f"{label}: {_stat_problem(path, error)}") from None
    for test, kind in _KINDS:
        if test(info.st_mode):
            raise PreflightError(f"{label}: is {kind}, not a file; pass a regular file")
    if info.st_size > MAX_BYTES:
        raise PreflightError(_too_large(label, info.st_size))
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_BYTES + 1)  # it may have grown since stat
    except OSError as error:
        raise PreflightError(f"{label}: cannot be read: {error.strerror or error}") from None
    if len(data) > MAX_BYTES:
        raise PreflightError(_too_large(label, len(data)))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise PreflightError(
            f"{label}: is not UTF-8 text (byte {error.start + 1}, line {line}); save it as UTF-8"
        ) from None


def _stat_problem(path: Path, error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "is a loop of symbolic links; point the link at a real file"
    if error.errno == errno.ENOENT and os.path.islink(path):
        return f"is a symbolic link to {os.readlink(path)}, which does not exist"
    if error.errno == errno.ENOENT:
        return "no such file"
    return f"cannot be read: {error.strerror or error}"


def _too_large(label: str, size: int) -> str:
    return (
        f"{label}: is {size / (1024 * 1024):.1f} MiB; a config file may be at most "
        f"{MAX_BYTES // (1024 * 1024)} MiB (is it the right file?)"
    )
