"""End to end through preflight (the CLI's protocol, no cloud): the pack blocks programs that repeat the
mistakes of MODEL_FAILURES.md, naming the right policies, and passes the project's own three stacks."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = Path(__file__).resolve().parent / "programs"
PROJECT_CONFIG = PROGRAMS / "project-policy-config.json"
MODES = ("preview", "update")
MODEL_FAILURES = PROGRAMS / "model_failures"
# Resource (logical name) -> the policies that must block it; no other resource may be blocked.
EXPECTED = {
    "grant-key": {"kms-key-policy-no-unconditional-grants", "kms-key-policy-keeps-account-access"},
    "grant-log-group": {"log-group-kms-key-allows-logs"},
    "ideal-key": {"kms-key-policy-keeps-account-access"},
    "ideal-log-group": {"log-group-kms-key-allows-logs"},
    "plain-log-group": {"log-group-encrypted", "log-group-retention"},
    "state": {"s3-bucket-name-includes-account-id", "physical-name-has-environment-suffix"},
}
STACKS = ("dev", "staging", "prod")


def preflight(project: Path, stack: str, mode: str, config: Path | None = None) -> tuple[int, dict]:
    command = [sys.executable, "-m", "preflight", str(project), "--stack", stack, "--policy-pack", "policy"]
    command += ["--policy-config", str(config)] if config else []
    command += ["--mode", mode, "--format", "json"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


@pytest.fixture(scope="module")
def reports() -> dict[tuple[str, str], tuple[int, dict]]:
    jobs = {("model_failures", mode): (MODEL_FAILURES, "dev", mode, None) for mode in MODES}
    jobs |= {(stack, mode): (ROOT, stack, mode, PROJECT_CONFIG) for stack in STACKS for mode in MODES}
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {key: pool.submit(preflight, *args) for key, args in jobs.items()}
        return {key: future.result() for key, future in futures.items()}


@pytest.mark.parametrize("mode", MODES)
def test_each_model_failure_is_blocked_by_the_right_policies(reports, mode):
    status, report = reports[("model_failures", mode)]
    assert status == 1
    blocked: dict[str, set[str]] = {}
    for violation in report["violations"]:
        assert violation["enforcementLevel"] == "mandatory"
        assert violation["policyPack"] == "trading-pci-policies"
        blocked.setdefault(violation["urn"].rsplit("::", 1)[1], set()).add(violation["policy"])
    assert blocked == EXPECTED


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("stack", STACKS)
def test_the_projects_stacks_pass_with_no_mandatory_violation(reports, stack, mode):
    status, report = reports[(stack, mode)]
    mandatory = [v["message"] for v in report["violations"] if v["enforcementLevel"] == "mandatory"]
    assert mandatory == []
    assert status == 0
    assert report["summary"]["resources"] > 50
    # Only the shared config's reasoned exemptions may remain, as advisory notes.
    assert all(v["message"].split("\n", 1)[1].startswith("[exempted] ") for v in report["violations"])
