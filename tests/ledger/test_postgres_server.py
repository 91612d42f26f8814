"""The test server itself: it never outlives the process that started it, however that process ends."""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import signal
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
STARTER = f"""
import sys
sys.path.insert(0, {str(HERE)!r})
from postgres_server import postgres_server
with postgres_server() as server:
    print(server.pid, server.socket_dir, flush=True)
    sys.stdin.read()  # until killed
"""
DEATH_TIMEOUT_SECONDS = 60.0


def test_the_server_dies_with_a_starter_that_is_killed_before_it_can_stop_it():
    starter = subprocess.Popen(
        [sys.executable, "-c", STARTER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    pid = pidfd = None
    socket_dir: Path | None = None
    try:
        assert starter.stdout is not None
        line = starter.stdout.readline()  # printed once the server accepts connections
        assert line, f"the starter exited with {starter.wait()} before the server was ready"
        pid_text, socket_text = line.split(maxsplit=1)
        pid, socket_dir = int(pid_text), Path(socket_text.strip())
        pidfd = os.pidfd_open(pid)
        assert select.select([pidfd], [], [], 0)[0] == []  # running
        starter.send_signal(signal.SIGKILL)  # no finally, no atexit: only the kernel can stop the server
        assert starter.wait() == -signal.SIGKILL
        exited, _, _ = select.select([pidfd], [], [], DEATH_TIMEOUT_SECONDS)
        assert exited == [pidfd], f"PostgreSQL (pid {pid}) outlived the process that started it"
    finally:
        if starter.poll() is None:
            starter.kill()
            starter.wait()
        if pidfd is not None:
            if not select.select([pidfd], [], [], 0)[0]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)  # the pid it printed: ours to end
            os.close(pidfd)
        if socket_dir is not None:
            shutil.rmtree(socket_dir.parent, ignore_errors=True)  # the starter's temporary folder
