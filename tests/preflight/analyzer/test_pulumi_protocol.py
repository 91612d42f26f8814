"""The analyzer client's protocol modules come from the installed SDK's folder without running the SDK."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from pulumi.runtime.proto import analyzer_pb2, engine_pb2_grpc

from preflight import policy_config, pulumi_protocol
from preflight.errors import PreflightError

ROOT = Path(__file__).resolve().parents[3]
SHOP = ROOT / "tests" / "preflight" / "cli" / "shop"
PACK = ROOT / "tests" / "preflight" / "packs" / "basic"


def test_the_messages_are_the_sdks_own_classes():
    # One descriptor pool: a message built with either copy is the other's, so the two can meet in a process.
    assert pulumi_protocol.analyzer_pb2.AnalyzeRequest is analyzer_pb2.AnalyzeRequest
    assert pulumi_protocol.analyzer_pb2.MANDATORY == analyzer_pb2.MANDATORY
    assert (
        pulumi_protocol.engine_pb2_grpc.EngineServicer is not engine_pb2_grpc.EngineServicer
    )  # loaded twice
    assert pulumi_protocol.analyzer_pb2.__name__ == f"{pulumi_protocol.PACKAGE}.analyzer_pb2"


def test_a_run_with_a_pack_never_runs_the_sdk_in_preflights_process():
    # The SDK's packages were 0.2 s of CPU before a pack could start; only the program's process needs them.
    script = (
        "import sys; from preflight import runner; "
        "result = runner.run(sys.argv[1], 'dev', policy_packs=[sys.argv[2]]); "
        "print(len(result.resources), len(result.packs), sorted(m for m in sys.modules if m == 'pulumi' "
        "or m.startswith('pulumi.')), 'jsonschema' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(SHOP), str(PACK)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == ["6", "1", "[]", "True"]


def test_without_the_sdk_installed_the_error_says_what_to_install(monkeypatch):
    monkeypatch.delitem(sys.modules, pulumi_protocol.PACKAGE)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(
        PreflightError, match=r"^the Pulumi SDK \(the pulumi package\) is not installed where "
    ):
        pulumi_protocol.generated("analyzer_pb2")


def test_the_config_validator_can_be_loaded_ahead_of_time():
    script = (
        "import sys; from preflight import policy_config; before = 'jsonschema' in sys.modules; "
        "policy_config.preload(); "
        "print(before, 'jsonschema' in sys.modules, 'referencing.exceptions' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["False", "True", "True"]
    policy_config.preload()  # and again, at no cost, in a process that has it
