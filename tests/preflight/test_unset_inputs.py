"""Inputs a program leaves unset are never invented, so the policy pack judges what the program declares.

A synthesized ``logging.targetBucket`` passed a bucket that has no access logging, and a synthesized
``rotationEnabled`` false failed a configured rotation. The program ``programs/unset_inputs`` declares such a
bucket and such a rotation; the verdicts of those two rules must be the ones preflight gave before it read
SDK types at all (main's): a violation for the bucket, a pass for the rotation, in both modes.
"""

from pathlib import Path

import pytest

from preflight import runner
from preflight.model import Mode

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = Path(__file__).parent / "programs" / "unset_inputs"


@pytest.fixture(scope="module")
def verdicts():
    """(policy, logical name, enforcement level) of every violation, per mode."""
    results = {mode: runner.run(PROGRAM, "dev", policy_packs=[ROOT / "policy"], mode=mode) for mode in Mode}
    return {
        mode: [(v.policy, (v.urn or "").rsplit("::", 1)[-1], v.enforcement_level) for v in result.violations]
        for mode, result in results.items()
    }


@pytest.mark.parametrize("mode", list(Mode), ids=lambda mode: mode.value)
def test_a_bucket_without_logging_is_still_a_logging_violation(verdicts, mode):
    found = [v for v in verdicts[mode] if v[0] == "s3-bucket-access-logging"]
    assert found == [("s3-bucket-access-logging", "unlogged", "mandatory")]


@pytest.mark.parametrize("mode", list(Mode), ids=lambda mode: mode.value)
def test_a_configured_rotation_still_passes(verdicts, mode):
    assert [v for v in verdicts[mode] if v[0] == "secretsmanager-secret-rotation"] == []
