"""A pack that never starts its server, so it never prints a port.

PREFLIGHT_TEST_NO_PORT picks how it misbehaves: "sleep" (default), "ignore-term" (it also ignores SIGTERM,
so only a kill ends it) or "close-stdout" (it closes its standard output and lives on).
"""

import os
import signal
import time

behaviour = os.environ.get("PREFLIGHT_TEST_NO_PORT", "sleep")
if behaviour == "ignore-term":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
elif behaviour == "close-stdout":
    os.close(1)
time.sleep(120)
