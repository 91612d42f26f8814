"""The same program gives the same report, byte for byte, whatever Python's hash seed: a report is something
a reviewer diffs between runs and commits."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
WEBAPP = ROOT / "tests" / "preflight" / "programs" / "webapp"


def report(seed: str) -> str:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "preflight",
            str(WEBAPP),
            "--stack",
            "dev",
            "--mode",
            "update",
            "--format",
            "json",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONHASHSEED": seed},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_reports_do_not_depend_on_the_hash_seed():
    first, second = report("1"), report("2")
    assert '"dependencies": [' in first
    assert first == second
