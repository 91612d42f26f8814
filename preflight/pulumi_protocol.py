"""The Pulumi protocol's generated messages and gRPC stubs that the analyzer client uses, without the SDK.

``from pulumi.runtime.proto import ...`` first runs the SDK's packages (``pulumi/__init__``: the automation
API, OpenTelemetry, the runtime; about 0.2 s of CPU), none of which the client uses, and it ran before the
client could start a pack. The generated modules import only protobuf, gRPC and each other (relatively), so
they are loaded from the installed SDK's ``runtime/proto`` folder under a package name of preflight's own.
They register their messages in protobuf's default pool under the same file names as the SDK's copies, so a
process that also imports the SDK (an in-process run, the tests) gets the very same message classes from both.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from preflight.errors import PreflightError

PACKAGE = "preflight._pulumi_proto"


def generated(name: str) -> ModuleType:
    """The SDK's generated module ``pulumi.runtime.proto.<name>``, loaded without importing the SDK."""
    if PACKAGE not in sys.modules:
        sdk = importlib.util.find_spec("pulumi")  # finds the package without running it
        if sdk is None or not sdk.submodule_search_locations:
            raise PreflightError(
                "the Pulumi SDK (the pulumi package) is not installed where preflight runs: install "
                "preflight's requirements (make .venv/.installed)"
            )
        spec = importlib.machinery.ModuleSpec(PACKAGE, None, is_package=True)
        package = importlib.util.module_from_spec(spec)
        package.__path__ = [str(Path(sdk.submodule_search_locations[0]) / "runtime" / "proto")]
        sys.modules[PACKAGE] = package
    return importlib.import_module(f"{PACKAGE}.{name}")


analyzer_pb2 = generated("analyzer_pb2")
analyzer_pb2_grpc = generated("analyzer_pb2_grpc")
engine_pb2 = generated("engine_pb2")
engine_pb2_grpc = generated("engine_pb2_grpc")
