"""One checkov run for the whole test session, shared by the pytest-xdist workers through a file lock."""

import fcntl
import json

import pytest
from checkov_harness import CheckovMissing, scan


@pytest.fixture(scope="session")
def checkov_scan(tmp_path_factory, worker_id):
    """The plans and checkov's findings (see checkov_harness.scan), computed once per test run."""
    try:
        if worker_id == "master":
            return scan(tmp_path_factory.mktemp("checkov"))
        # Every worker has its own base temp folder; their parent is shared, so the first worker to take the
        # lock scans and the others read its results (flock blocks until the lock is released).
        shared = tmp_path_factory.getbasetemp().parent
        with (shared / "checkov.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            results = shared / "checkov-results.json"
            if not results.is_file():
                results.write_text(json.dumps(scan(shared / "checkov-plans")))
            return json.loads(results.read_text())
    except CheckovMissing as exc:
        pytest.fail(str(exc))
