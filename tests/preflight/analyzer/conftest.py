"""Fixtures of the analyzer tests."""

import pytest
from pack_helpers import client


@pytest.fixture(scope="module")
def basic():
    """One started basic pack shared by a module's tests (a pack costs ~0.3 s to start)."""
    started = client("basic")
    started.start()
    yield started
    started.stop()
