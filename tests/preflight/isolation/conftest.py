"""The program's own process (preflight.launcher) runs only in these tests' subprocesses: measure them."""

import pytest


@pytest.fixture(autouse=True)
def _measured(measured_subprocesses: None) -> None:
    """Every test here measures the processes it starts (see tests/conftest.py)."""
