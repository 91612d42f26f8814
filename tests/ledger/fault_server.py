"""A local HTTP endpoint that misbehaves like a sick AWS service: it hangs, resets connections, or throttles.

Real botocore clients are pointed at it, so the errors the code sees are the ones botocore raises. It
listens on 127.0.0.1 only and is closed by the test that started it.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager

THROTTLED = (
    b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nx-amzn-ErrorType: ThrottlingException\r\n"
    b"Content-Length: 33\r\nConnection: close\r\n\r\n"
    b'{"message":"Rate exceeded, slow"}'
)


@contextmanager
def fault_server(mode: str) -> Iterator[str]:
    """Yield the endpoint URL of a server that answers every request per `mode` (hang, reset, throttle)."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            if mode == "hang":
                held.append(connection)  # read nothing, answer nothing
            elif mode == "reset":
                # Read the request, then close with linger 0: a TCP reset, what a crashed proxy sends.
                connection.recv(65536)
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                connection.close()
            else:
                connection.recv(65536)
                connection.sendall(THROTTLED)
                connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        # Closing a listening socket does not wake a thread blocked in accept(); shutting it down does, so
        # the thread ends now rather than at a timeout.
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        listener.close()
        for connection in held:
            connection.close()
        thread.join(timeout=60)  # a bound for a broken platform, not a wait: it ends at once
        if thread.is_alive():
            raise RuntimeError("the fault server's thread did not end when its socket was shut down")
