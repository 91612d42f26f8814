"""Test setup for the policy pack: puts policy/ on sys.path the way the Pulumi CLI runs the pack."""

import sys
from pathlib import Path

POLICY_DIR = Path(__file__).resolve().parents[2] / "policy"
if str(POLICY_DIR) not in sys.path:
    sys.path.insert(0, str(POLICY_DIR))
