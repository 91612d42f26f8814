"""Fixtures shared by the test folders that talk to (mocked) AWS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch, aws_region: str) -> None:
    """Fake credentials and the folder's region (its `aws_region` fixture), so nothing can reach a real
    account."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": aws_region,
        "AWS_REGION": aws_region,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture(scope="session", autouse=True)
def botocore_models_parsed_once() -> Iterator[None]:
    """botocore parses a service's JSON model (into OrderedDicts, several milliseconds each) again for every
    new session, and moto starts a new default session for every mock: with thousands of clients across the
    suite that was seconds of CPU per worker. The files do not change during a run, so each is parsed once.
    (botocore already shares one parsed model between the clients of a session, so nothing mutates it.)"""
    from botocore import loaders

    original = loaders.JSONFileLoader.load_file
    parsed: dict[str, Any] = {}

    def load_file(self: loaders.JSONFileLoader, file_path: str) -> Any:
        if file_path not in parsed:
            parsed[file_path] = original(self, file_path)
        return parsed[file_path]

    loaders.JSONFileLoader.load_file = load_file  # type: ignore[method-assign]
    yield
    loaders.JSONFileLoader.load_file = original  # type: ignore[method-assign]


@pytest.fixture
def measured_subprocesses(monkeypatch: pytest.MonkeyPatch) -> None:
    """Python processes the test starts are measured by coverage too, as the test's own process is.

    Only tests that run code no other test reaches ask for this: the program's own process
    (preflight.launcher). Measuring every Python subprocess of the suite (each `python -m preflight`, each
    program of every run) cost a tenth of its time and covered nothing more.
    """
    import coverage

    current = coverage.Coverage.current()
    if current is not None:
        monkeypatch.setenv("COVERAGE_PROCESS_CONFIG", current.config.serialize())
