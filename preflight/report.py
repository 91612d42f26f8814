"""The three views of a run: text like `pulumi preview`, JSON per CONTRACTS.md section 1, and SARIF 2.1.0.

All three read only a ``RunResult``. Property values are turned from the engine's wire form into plain JSON
here: unknowns become ``"<unknown>"``, secrets ``"[secret]"``, assets and archives a short description of
their source, and resource references the referenced URN.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import TYPE_CHECKING, Any, TextIO

from preflight import __version__
from preflight.model import UNKNOWN, PackInfo, Remediation, Resource, RunResult, Violation

if TYPE_CHECKING:
    from google.protobuf import struct_pb2

UNKNOWN_TEXT = "<unknown>"
SECRET_TEXT = "[secret]"

_SIG_KEY = "4dabf18193072939515e22adb298388d"
_ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
_ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
_OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
_STACK_TYPE = "pulumi:pulumi:Stack"

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# GitHub code scanning ranks SARIF results by this property (CVSS-like score per severity).
_SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


# -- plain values ------------------------------------------------------------------------------------------


def plain_properties(struct: struct_pb2.Struct | None) -> dict[str, Any]:
    """A property Struct as plain JSON (see the module docstring for the special values).

    Keys are sorted: a property map has no order, and the wire form's changes with how it travelled.
    """
    if struct is None:
        return {}
    return {key: plain_value(struct.fields[key]) for key in sorted(struct.fields)}


def plain_value(value: struct_pb2.Value) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return UNKNOWN_TEXT if value.string_value == UNKNOWN else value.string_value
    if kind == "number_value":
        number = value.number_value
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if kind == "bool_value":
        return value.bool_value
    if kind == "list_value":
        return [plain_value(item) for item in value.list_value.values]
    if kind == "struct_value":
        return _plain_struct(value.struct_value)
    return None


def _plain_struct(struct: struct_pb2.Struct) -> Any:
    fields = struct.fields
    signature = fields[_SIG_KEY].string_value if _SIG_KEY in fields else None
    if signature == _SECRET_SIG:
        return SECRET_TEXT
    if signature == _RESOURCE_SIG:
        return fields["urn"].string_value
    if signature == _OUTPUT_SIG:
        if fields["secret"].bool_value if "secret" in fields else False:
            return SECRET_TEXT
        return plain_value(fields["value"]) if "value" in fields else UNKNOWN_TEXT
    if signature in (_ASSET_SIG, _ARCHIVE_SIG):
        return _describe_asset(fields, "asset" if signature == _ASSET_SIG else "archive")
    return {key: plain_value(fields[key]) for key in sorted(fields)}


def _describe_asset(fields: Any, kind: str) -> str:
    if "path" in fields:
        text = f"file {kind} {fields['path'].string_value}"
    elif "uri" in fields:
        text = f"remote {kind} {fields['uri'].string_value}"
    elif "text" in fields:
        text = f"string asset of {len(fields['text'].string_value)} characters"
    elif "assets" in fields:
        text = f"asset archive of {len(fields['assets'].struct_value.fields)} entries"
    else:
        text = kind
    digest = fields["hash"].string_value if "hash" in fields else ""
    return f"{text} (sha256 {digest})" if digest else text


# -- JSON --------------------------------------------------------------------------------------------------


def summary(result: RunResult) -> dict[str, int]:
    mandatory = sum(1 for v in result.violations if v.enforcement_level == "mandatory")
    return {
        "resources": len(result.resources),
        "mandatory": mandatory,
        "advisory": len(result.violations) - mandatory,
    }


def to_json(result: RunResult) -> dict[str, Any]:
    """The report as CONTRACTS.md section 1 defines it."""
    return (
        {
            "project": result.project,
            "stack": result.stack,
            "mode": result.mode.value,
            "resources": [
                {
                    "urn": r.urn,
                    "type": r.type,
                    "name": r.name,
                    "parent": r.parent,
                    "protect": r.protect,
                    "dependencies": list(r.dependencies),
                    "inputs": plain_properties(r.inputs),
                }
                for r in result.resources
            ],
            # What `pulumi stack output --json` would print after `pulumi up` (unknown at preview), so a stack
            # that references this one can be run with --stack-outputs NAME=<this report>.
            "outputs": next(
                (
                    plain_properties(r.outputs)
                    for r in result.resources
                    if r.type == _STACK_TYPE and r.parent is None
                ),
                {},
            ),
            "policyPacks": [
                {
                    "name": pack.name,
                    "version": pack.version,
                    "policies": [
                        {
                            "name": p.name,
                            "description": p.description,
                            "enforcementLevel": p.enforcement_level,
                            "severity": p.severity,
                            "framework": p.framework,
                            "remediationSteps": p.remediation_steps,
                        }
                        for p in pack.policies
                    ],
                }
                for pack in result.packs
            ],
            "violations": [
                {
                    "policyPack": v.policy_pack,
                    "policy": v.policy,
                    "enforcementLevel": v.enforcement_level,
                    "severity": v.severity,
                    "urn": v.urn,
                    "message": v.message,
                }
                for v in result.violations
            ],
            "warnings": list(result.warnings),
            "summary": summary(result),
            # Beyond CONTRACTS.md (adding is allowed): which invoke answers preflight invented.
            "synthesizedInvokes": list(result.synthesized_invokes),
        }
        | _diagnostics(result)
        | _remediations(result)
    )


def _remediations(result: RunResult) -> dict[str, Any]:
    """The packs' rewrites of resource inputs (``remediate`` policies), present only when a pack made some.

    ``resources[].inputs`` are the inputs after them, as the engine registers (and analyses) them.
    """
    if not result.remediations:
        return {}
    return {
        "remediations": [
            {
                "policyPack": r.policy_pack,
                "policy": r.policy,
                "urn": r.urn,
                "description": r.description,
                "applied": not r.diagnostic,
                "diagnostic": r.diagnostic,
            }
            for r in result.remediations
        ]
    }


def _remediation_text(remediation: Remediation) -> str:
    return f"{remediation.policy_pack}/{remediation.policy} remediated {remediation.urn}"


def _diagnostics(result: RunResult) -> dict[str, Any]:
    """What the program printed, as `pulumi preview --json` lists it: info diagnostics of the root stack.

    Present only when the program printed something, so a quiet program's report has the contract's keys.
    """
    if not result.output:
        return {}
    stack = next((r.urn for r in result.resources if r.type == _STACK_TYPE), None)
    return {"diagnostics": [{"urn": stack, "severity": "info", "message": line} for line in result.output]}


def render_json(result: RunResult) -> str:
    return json.dumps(to_json(result), indent=2) + "\n"


def dump(document: dict[str, Any], stream: TextIO) -> None:
    """Writes a JSON or SARIF report to ``stream`` as ``render_json`` and ``render_sarif`` render it, piece by
    piece as it is encoded (the text of 5,000 resources would hold 25 MB more at once)."""
    json.dump(document, stream, indent=2)
    stream.write("\n")


# -- SARIF -------------------------------------------------------------------------------------------------


def to_sarif(result: RunResult) -> dict[str, Any]:
    """SARIF 2.1.0: one run per pack (the pack is the tool), one rule per policy, one result per violation."""
    by_urn = {r.urn: r for r in result.resources}
    runs = [
        _sarif_run(pack, [v for v in result.violations if v.policy_pack == pack.name], by_urn)
        for pack in result.packs
    ]
    if not runs:
        runs = [_sarif_run(PackInfo("preflight", __version__, ()), [], by_urn)]
    notifications = [{"level": "warning", "message": {"text": w}} for w in result.warnings]
    notifications += [
        {"level": "note", "message": {"text": _synthesized_text(t)}} for t in result.synthesized_invokes
    ]
    notifications += [
        {"level": "note", "message": {"text": _remediation_text(r)}}
        for r in result.remediations
        if not r.diagnostic
    ]
    for run in runs:
        run["invocations"] = [{"executionSuccessful": True, "toolExecutionNotifications": notifications}]
        run["properties"] = {
            "project": result.project,
            "stack": result.stack,
            "mode": result.mode.value,
            "synthesizedInvokes": list(result.synthesized_invokes),
        }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": runs}


def _synthesized_text(token: str) -> str:
    return f"invoke {token} was answered from its result type in the installed SDK: its values are invented"


def _sarif_run(pack: PackInfo, violations: list[Violation], by_urn: dict[str, Resource]) -> dict[str, Any]:
    rules = [_sarif_rule(policy) for policy in pack.policies]
    index = {policy.name: i for i, policy in enumerate(pack.policies)}
    results = []
    for violation in violations:
        entry: dict[str, Any] = {
            "ruleId": violation.policy,
            "level": "error" if violation.enforcement_level == "mandatory" else "warning",
            "message": {"text": violation.message},
            "properties": {"enforcementLevel": violation.enforcement_level, "severity": violation.severity},
        }
        if violation.policy in index:
            entry["ruleIndex"] = index[violation.policy]
        if violation.urn:
            type_, name = _type_and_name(violation.urn, by_urn)
            entry["locations"] = [
                {
                    "logicalLocations": [
                        {
                            "fullyQualifiedName": violation.urn,
                            "name": name,
                            "kind": "resource",
                            "decoratedName": type_,
                        }
                    ]
                }
            ]
        results.append(entry)
    return {
        "tool": {
            "driver": {
                "name": pack.name,
                "version": pack.version,
                "informationUri": "https://www.pulumi.com/docs/iac/crossguard/",
                "rules": rules,
            }
        },
        "results": results,
    }


def _sarif_rule(policy: Any) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": policy.name,
        "name": policy.name,
        "shortDescription": {"text": policy.description or policy.name},
        "fullDescription": {"text": policy.description or policy.name},
        "help": {"text": policy.remediation_steps or policy.description or policy.name},
        "defaultConfiguration": {
            "level": "error" if policy.enforcement_level in ("mandatory", "remediate") else "warning"
        },
        "properties": {
            "enforcementLevel": policy.enforcement_level,
            "severity": policy.severity,
            "framework": policy.framework,
            "tags": ["security", "policy-as-code"] + ([policy.framework] if policy.framework else []),
        },
    }
    if policy.url:
        rule["helpUri"] = policy.url
    if policy.severity in _SECURITY_SEVERITY:
        rule["properties"]["security-severity"] = _SECURITY_SEVERITY[policy.severity]
    return rule


def render_sarif(result: RunResult) -> str:
    return json.dumps(to_sarif(result), indent=2) + "\n"


# -- text --------------------------------------------------------------------------------------------------


def render_text(result: RunResult) -> str:
    """A `pulumi preview`-like view: the resource tree, then policy violations by pack, then the summary."""
    shown = [r for r in result.resources if not _is_default_provider(r)]
    values = (
        "computed values unknown, as in a first `pulumi preview`"
        if result.mode.value == "preview"
        else "computed values as `pulumi up` gives them"
    )
    lines = [
        f"Preflight of {result.project}/{result.stack} in {result.mode.value} mode "
        f"({values}; nothing is deployed)",
        "",
    ]
    lines += _tree(shown)
    if result.output:
        # As `pulumi preview` shows a program's output: diagnostics of the root stack resource.
        stack = next((r.name for r in result.resources if r.type == _STACK_TYPE), result.project)
        lines += ["", "Diagnostics:", f"  {_STACK_TYPE} ({stack}):"]
        lines += [f"    {line}" for line in result.output]
    lines += ["", "Policies:"]
    if not result.packs:
        lines.append("    no policy pack given (use --policy-pack DIR)")
    by_urn = {r.urn: r for r in result.resources}
    for pack in result.packs:
        found = [v for v in result.violations if v.policy_pack == pack.name]
        found.sort(key=lambda v: v.enforcement_level != "mandatory")
        verdict = "no violations" if not found else f"{len(found)} violation{'s' if len(found) != 1 else ''}"
        lines.append(f"    {pack.name}@v{pack.version}: {verdict}")
        for violation in found:
            where = ""
            if violation.urn:
                type_, name = _type_and_name(violation.urn, by_urn)
                where = f"  ({type_}: {name})"
            lines.append(f"        - [{violation.enforcement_level}]  {violation.policy}{where}")
            lines += [f"          {line}" for line in violation.message.splitlines()]
    applied = [r for r in result.remediations if not r.diagnostic]
    if applied:
        lines += ["", "Remediations (inputs rewritten before registration, as the engine applies them):"]
        lines += [f"    - {_remediation_text(r)}" for r in applied]
    lines += ["", "Resources:", f"    + {len(shown)} to create"]
    if result.synthesized_invokes:
        lines += [
            "",
            "Invokes answered from their SDK result type (no hand-written answer; values invented):",
        ]
        lines += [f"    - {token}" for token in result.synthesized_invokes]
    if result.warnings:
        lines += ["", "Warnings:"]
        lines += [f"    - {warning}" for warning in result.warnings]
    counts = summary(result)
    if counts["mandatory"]:
        verdict = "`pulumi preview` with these packs would fail"
    elif result.packs:
        verdict = "`pulumi preview` with these packs would pass"
    else:
        verdict = "no policies were checked"
    lines += [
        "",
        f"Summary: {counts['resources']} resources, {counts['mandatory']} mandatory and {counts['advisory']} "
        f"advisory violations: {verdict}",
    ]
    return "\n".join(lines) + "\n"


def _tree(resources: list[Resource]) -> list[str]:
    known = {r.urn for r in resources}
    children: dict[str | None, list[Resource]] = defaultdict(list)
    for r in resources:
        children[r.parent if r.parent in known else None].append(r)
    rows: list[tuple[str, str]] = []

    def walk(parent: str | None, prefix: str) -> None:
        kids = children.get(parent, [])
        for i, child in enumerate(kids):
            last = i == len(kids) - 1
            branch = "" if parent is None else prefix + ("└─ " if last else "├─ ")
            rows.append((branch + _display_type(child.type), child.name))
            walk(child.urn, "" if parent is None else prefix + ("   " if last else "│  "))

    walk(None, "")
    if not rows:
        return ["    (the program registered no resources)"]
    type_width = max(len("Type"), *(len(t) for t, _ in rows))
    name_width = max(len("Name"), *(len(n) for _, n in rows))
    lines = [f"     {'Type':<{type_width}}  {'Name':<{name_width}}  Plan"]
    lines += [f" +   {t:<{type_width}}  {n:<{name_width}}  create" for t, n in rows]
    return lines


def _display_type(token: str) -> str:
    """`aws:kms/key:Key` -> `aws:kms:Key`, as `pulumi preview` shows types."""
    parts = token.split(":")
    if len(parts) == 3 and "/" in parts[1]:
        return f"{parts[0]}:{parts[1].split('/')[0]}:{parts[2]}"
    return token


def _is_default_provider(resource: Resource) -> bool:
    return resource.type.startswith("pulumi:providers:") and resource.name.startswith("default")


def _type_and_name(urn: str, by_urn: dict[str, Resource]) -> tuple[str, str]:
    resource = by_urn.get(urn)
    if resource is not None:
        return resource.type, resource.name
    # urn:pulumi:<stack>::<project>::<parent types$>type::<name>
    parts = urn.split("::")
    if len(parts) >= 4:
        return parts[2].rsplit("$", 1)[-1], "::".join(parts[3:])
    return "", urn
