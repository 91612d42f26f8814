"""A pack that never starts its server, so it never prints a port.

PREFLIGHT_TEST_NO_PORT picks how it misbehaves: "sleep" (default), "ignore-term" (it also ignores SIGTERM,
so only a kill ends it) or "close-stdout" (it closes its standard output and lives on).

"ignore-term" closes its standard output too, once its handler is in place: that end of file is the
readiness signal a test waits for, so the pack is never terminated before it can ignore the signal.
"""

import os
import signal
import time

behaviour = os.environ.get("PREFLIGHT_TEST_NO_PORT", "sleep")
if behaviour == "ignore-term":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
if behaviour in ("ignore-term", "close-stdout"):
    os.close(1)
time.sleep(120)
