"""The records that pass between preflight's parts: what the program registered, and what the packs found.

The engine (``preflight.engine``) fills ``Resource`` records while the program runs; the analyzer client
(``preflight.analyzer``) sends them to policy packs; the reporters (``preflight.report``) print them.
Property values stay in the wire form the Pulumi SDK sends to the engine (a ``google.protobuf.Struct``,
with unknowns, secrets, assets and resource references encoded as the engine encodes them), so a resource
reaches a policy pack exactly as the Pulumi CLI would send it, without re-encoding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from google.protobuf import struct_pb2


# The engine's encoding of a value that is not known until the resource is created.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


class Mode(Enum):
    """What the program is given: a first ``pulumi preview`` (computed outputs unknown) or ``pulumi up``."""

    PREVIEW = "preview"
    UPDATE = "update"


@dataclass
class Resource:
    """One registration, as the engine records it."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str | None
    protect: bool
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    inputs: struct_pb2.Struct
    provider: str | None = None  # provider reference "<provider urn>::<provider id>"; None for components
    id: str | None = None
    outputs: struct_pb2.Struct | None = None
    retain_on_delete: bool = False
    delete_before_replace: bool | None = None
    ignore_changes: list[str] = field(default_factory=list)
    additional_secret_outputs: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PolicyInfo:
    """A policy as a pack describes it in ``GetAnalyzerInfo``."""

    name: str
    description: str
    enforcement_level: str  # "advisory" | "mandatory" | "disabled" | "remediate"
    severity: str = ""
    framework: str = ""
    remediation_steps: str = ""
    url: str = ""
    config_schema: dict | None = None


@dataclass(frozen=True)
class PackInfo:
    name: str
    version: str
    policies: tuple[PolicyInfo, ...]


@dataclass(frozen=True)
class Violation:
    policy_pack: str
    policy: str
    enforcement_level: str  # "advisory" | "mandatory"
    severity: str
    urn: str | None
    message: str


@dataclass(frozen=True)
class Remediation:
    """A remediation policy's rewrite of one resource's inputs before it was registered, as the engine
    applies it; ``diagnostic`` (no rewrite) says why the remediation could not run (e.g. an unknown value)."""

    policy_pack: str
    policy: str
    urn: str
    description: str
    diagnostic: str = ""


@dataclass
class RunResult:
    """Everything one preflight run produced; the reporters read only this."""

    project: str
    stack: str
    mode: Mode
    resources: list[Resource]
    packs: list[PackInfo]
    violations: list[Violation]
    warnings: list[str]
    output: list[str] = field(default_factory=list)  # what the program printed (stdout and stderr), by line
    # Invokes answered from their result type in the installed SDK (no hand-written answer): invented values.
    synthesized_invokes: list[str] = field(default_factory=list)
    remediations: list[Remediation] = field(default_factory=list)  # in the order they were applied
