"""Fixtures shared by the test folders that talk to (mocked) AWS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The modules whose code runs only in processes the tests start (see measured_subprocesses).
SUBPROCESS_ONLY = ("preflight/launcher.py",)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A test marked ``untraced`` runs with coverage's tracer stopped, when there is one (pytest-cov's own
    ``no_cover`` marker fails under ``--no-cov``, as ``tools/mutation.py`` runs the suite)."""
    import coverage

    tracer = coverage.Coverage.current() if item.get_closest_marker("untraced") else None
    if tracer is not None:
        tracer.stop()
    try:
        yield
    finally:
        if tracer is not None:
            tracer.start()


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
def botocore_data_read_once() -> Iterator[None]:
    """botocore parses a service's JSON model (into OrderedDicts, several milliseconds each) and lists its
    data folders (about a thousand path checks, 25 ms) again for every new session, and moto starts a new
    default session for every mock: with thousands of clients across the suite that was seconds of CPU per
    worker. The files do not change during a run, so each is parsed and each listing made once. (botocore
    already shares one parsed model between the clients of a session, so nothing mutates it; a listing is
    handed out as a fresh list.)"""
    from botocore import loaders

    original_load, original_list = loaders.JSONFileLoader.load_file, loaders.Loader.list_available_services
    parsed: dict[str, Any] = {}
    listed: dict[tuple[tuple[str, ...], str], list[str]] = {}

    def load_file(self: loaders.JSONFileLoader, file_path: str) -> Any:
        if file_path not in parsed:
            parsed[file_path] = original_load(self, file_path)
        return parsed[file_path]

    def list_available_services(self: loaders.Loader, type_name: str) -> list[str]:
        key = (tuple(self.search_paths), type_name)
        if key not in listed:
            listed[key] = original_list(self, type_name)
        return list(listed[key])

    loaders.JSONFileLoader.load_file = load_file  # type: ignore[method-assign]
    loaders.Loader.list_available_services = list_available_services  # type: ignore[method-assign]
    yield
    loaders.JSONFileLoader.load_file = original_load  # type: ignore[method-assign]
    loaders.Loader.list_available_services = original_list  # type: ignore[method-assign]


@pytest.fixture
def measured_subprocesses(monkeypatch: pytest.MonkeyPatch) -> None:
    """Python processes the test starts measure `preflight/launcher.py`, the program's own process.

    Only tests that run code no other test reaches ask for this, and only that module is measured there:
    it is the one whose lines run nowhere else (a run of the suite without measuring subprocesses misses
    only its lines). Measuring every Python subprocess of the suite (each `python -m preflight`, each
    program of every run) cost a tenth of its time and covered nothing more; tracing every module of these
    processes made the isolation tests take 42 s instead of 26 s, for the same reason. Should code reached
    only in a subprocess move to another module, the coverage threshold fails and names it: add it to
    ``SUBPROCESS_ONLY`` then.
    """
    import coverage
    from coverage.config import CoverageConfig

    current = coverage.Coverage.current()
    if current is not None:
        config = CoverageConfig.deserialize(current.config.serialize())
        config.source = None  # with a source, coverage would ignore the include list
        config.run_include = [str(ROOT / path) for path in SUBPROCESS_ONLY]
        monkeypatch.setenv("COVERAGE_PROCESS_CONFIG", config.serialize())
