"""`--format terraform-plan`: the run's `aws:` resources as `terraform show -json` prints a first plan.

Scanners written for Terraform (checkov ``--framework terraform_plan``, terraform-compliance, OPA/conftest
policies on plan JSON) read this shape; pulumi-aws is bridged from the Terraform AWS provider, so each
`aws:` resource has a Terraform twin with the same arguments (``preflight.tfschema`` names them).

What a first ``terraform plan`` would show is what this writes: every resource is created; a value the
program does not know yet (an id or ARN another resource computes) is left out of ``after`` and marked in
``after_unknown``; and where a value comes from another resource (the engine's property dependencies), the
configuration holds a reference (``aws_kms_key.logs-key.arn``) instead of a constant, so checks that connect
two resources (a bucket and its public access block) see the connection. Secrets are never written: a
secret value keeps its shape with every string replaced by ``SENSITIVE_TEXT`` (numbers and booleans by
null), and is marked in ``after_sensitive``/``sensitive_values``. Providers, components and other packages'
resources have no place in an AWS plan; they are left out and named in a note, as are types with no known
Terraform twin.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from google.protobuf import struct_pb2

from preflight import tfschema
from preflight.model import UNKNOWN, Resource, RunResult
from preflight.tfschema import Field, Schema

FORMAT_VERSION = "1.2"
# The plan format of Terraform 1.9, which every plan reader of this format accepts.
TERRAFORM_VERSION = "1.9.8"
PROVIDER_NAME = "registry.terraform.io/hashicorp/aws"
SENSITIVE_TEXT = "(sensitive value)"

_SIG_KEY = "4dabf18193072939515e22adb298388d"
_ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
_ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
_OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"


class _Marker:
    """A value of its own kind, compared by identity."""


_UNKNOWN = _Marker()  # a value known only after deploy
_OMIT = _Marker()  # no place in `after`: the value is unknown


@dataclass(frozen=True)
class _Secret:
    value: Any


@dataclass(frozen=True)
class Export:
    """The plan JSON and the notes for standard error (what was left out, and why)."""

    plan: dict[str, Any]
    notes: list[str]


def render(result: RunResult) -> tuple[str, list[str]]:
    """The plan as JSON text, and the notes."""
    exported = export(result)
    return json.dumps(exported.plan, indent=2, sort_keys=True) + "\n", exported.notes


def export(result: RunResult) -> Export:
    """The plan of the run's `aws:` custom resources (see the module docstring)."""
    left_out: Counter[str] = Counter()
    unmapped: Counter[str] = Counter()
    by_rule: dict[str, str] = {}
    chosen: list[tuple[Resource, str, Schema]] = []
    for resource in result.resources:
        if not (resource.custom and resource.type.startswith("aws:")):
            left_out[resource.type] += 1
            continue
        mapping = tfschema.terraform_type(resource.type)
        schema = tfschema.resource_schema(resource.type) if mapping.terraform_type else None
        if mapping.terraform_type is None or schema is None:
            unmapped[resource.type] += 1
            continue
        if mapping.source == "rule":
            by_rule[resource.type] = mapping.terraform_type
        chosen.append((resource, mapping.terraform_type, schema))

    addresses = _addresses(chosen)
    attributes = {
        addresses[resource.urn]: _known_attributes(resource, schema) for resource, _, schema in chosen
    }
    providers = _providers(result.resources)
    planned, changes, configured = [], [], []
    for resource, terraform_type, schema in chosen:
        address = addresses[resource.urn]
        name = address.split(".", 1)[1]
        inputs = _decode_struct(resource.inputs)
        values, unknown, sensitive = _convert_object(inputs, schema)
        for wire_name in _computed(resource):
            unknown[schema.get(wire_name).name] = True
        unknown.setdefault("id", True)
        header = {"address": address, "mode": "managed", "type": terraform_type, "name": name}
        planned.append(
            {
                **header,
                "provider_name": PROVIDER_NAME,
                "schema_version": 0,
                "values": values,
                "sensitive_values": sensitive,
            }
        )
        changes.append(
            {
                **header,
                "provider_name": PROVIDER_NAME,
                "change": {
                    "actions": ["create"],
                    "before": None,
                    "after": values,
                    "after_unknown": unknown,
                    "before_sensitive": False,
                    "after_sensitive": sensitive,
                },
            }
        )
        configured.append(
            {
                **header,
                "provider_config_key": providers.get(resource.provider or "", ("aws", {}))[0],
                "expressions": _expressions(
                    inputs, schema, resource.property_dependencies, addresses, attributes
                ),
                "schema_version": 0,
            }
        )
    plan = {
        "format_version": FORMAT_VERSION,
        "terraform_version": TERRAFORM_VERSION,
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": changes,
        "configuration": {
            "provider_config": dict(providers.values())
            or {"aws": {"name": "aws", "full_name": PROVIDER_NAME}},
            "root_module": {"resources": configured},
        },
        "applyable": True,
        "complete": True,
        "errored": False,
    }
    return Export(plan, _notes(left_out, unmapped, by_rule))


def _notes(left_out: Counter[str], unmapped: Counter[str], by_rule: dict[str, str]) -> list[str]:
    notes = []
    if left_out:
        notes.append(
            f"terraform-plan: left out {sum(left_out.values())} resources that are not aws: custom resources "
            f"(providers, components, other packages): {_counted(left_out)}"
        )
    if unmapped:
        notes.append(
            f"terraform-plan: left out {sum(unmapped.values())} aws: resources whose Terraform type is not "
            f"known (add them to TYPE_TABLE in preflight/tfschema.py): {_counted(unmapped)}"
        )
    if by_rule:
        pairs = ", ".join(f"{token} as {terraform}" for token, terraform in sorted(by_rule.items()))
        notes.append(f"terraform-plan: Terraform type derived from the module's naming rule for {pairs}")
    return notes


def _counted(counter: Counter[str]) -> str:
    return ", ".join(f"{token} ({count})" for token, count in sorted(counter.items()))


# -- addresses and providers -------------------------------------------------------------------------------


def _addresses(chosen: list[tuple[Resource, str, Schema]]) -> dict[str, str]:
    """URN -> Terraform address ``<type>.<name>``; names made valid identifiers and unique per type."""
    addresses: dict[str, str] = {}
    taken: set[str] = set()
    for resource, terraform_type, _ in chosen:
        name = re.sub(r"[^A-Za-z0-9_-]", "_", resource.name)
        if not re.match(r"[A-Za-z_]", name):
            name = f"_{name}"
        address, suffix = f"{terraform_type}.{name}", 2
        while address in taken:
            address, suffix = f"{terraform_type}.{name}_{suffix}", suffix + 1
        taken.add(address)
        addresses[resource.urn] = address
    return addresses


def _providers(resources: list[Resource]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Provider reference (``<urn>::<id>``) -> (config key, provider_config entry) for each aws provider."""
    providers: dict[str, tuple[str, dict[str, Any]]] = {}
    for resource in resources:
        if resource.type != "pulumi:providers:aws":
            continue
        entry: dict[str, Any] = {"name": "aws", "full_name": PROVIDER_NAME}
        key = "aws"
        if not resource.name.startswith("default"):
            alias = re.sub(r"[^A-Za-z0-9_-]", "_", resource.name)
            key, entry["alias"] = f"aws.{alias}", alias
        region = _decode_struct(resource.inputs).get("region")
        if isinstance(region, str):
            entry["expressions"] = {"region": {"constant_value": region}}
        providers[f"{resource.urn}::{resource.id or UNKNOWN}"] = (key, entry)
    return providers


def _known_attributes(resource: Resource, schema: Schema) -> dict[str, str]:
    """A resource's known string outputs (update mode), value -> Terraform attribute, to name references."""
    known: dict[str, str] = {}
    if resource.id and resource.id != UNKNOWN:
        known[resource.id] = "id"
    outputs = _decode_struct(resource.outputs) if resource.outputs is not None else {}
    for wire_name, value in sorted(outputs.items()):
        if isinstance(value, str):
            known.setdefault(value, schema.get(wire_name).name)
    return known


def _computed(resource: Resource) -> list[str]:
    """Properties the provider computes: outputs the program did not set (unknown in a first plan)."""
    if resource.outputs is None:
        return []
    return [name for name in resource.outputs.fields if name not in resource.inputs.fields]


# -- values ------------------------------------------------------------------------------------------------


def _decode_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    return {key: _decode(value) for key, value in struct.fields.items()}


def _decode(value: struct_pb2.Value) -> Any:
    """The engine's wire form as Python, with unknowns and secrets marked (resource references by id)."""
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return _UNKNOWN if value.string_value == UNKNOWN else value.string_value
    if kind == "number_value":
        number = value.number_value
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if kind == "bool_value":
        return value.bool_value
    if kind == "list_value":
        return [_decode(item) for item in value.list_value.values]
    if kind == "struct_value":
        fields = value.struct_value.fields
        signature = fields[_SIG_KEY].string_value if _SIG_KEY in fields else None
        if signature == _SECRET_SIG:
            return _Secret(_decode(fields["value"]) if "value" in fields else _UNKNOWN)
        if signature == _RESOURCE_SIG:
            return _decode(fields["id"]) if "id" in fields else _UNKNOWN
        if signature == _OUTPUT_SIG:
            inner = _decode(fields["value"]) if "value" in fields else _UNKNOWN
            return _Secret(inner) if "secret" in fields and fields["secret"].bool_value else inner
        if signature in (_ASSET_SIG, _ARCHIVE_SIG):
            return _asset_text(fields)
        return {key: _decode(item) for key, item in fields.items()}
    return None


def _asset_text(fields: Any) -> str:
    """A file asset or archive by its path (Terraform's ``filename``); others by what they hold."""
    for key in ("path", "uri"):
        if key in fields:
            return fields[key].string_value
    if "text" in fields:
        return f"string asset of {len(fields['text'].string_value)} characters"
    if "assets" in fields:
        return f"asset archive of {len(fields['assets'].struct_value.fields)} entries"
    return "asset"


def _convert(value: Any, field: Field) -> tuple[Any, Any, Any]:
    """(planned value or _OMIT, after_unknown marker or None, sensitive marker or None) of one value."""
    if value is _UNKNOWN:
        return _OMIT, True, None
    if isinstance(value, _Secret):
        after, unknown, _ = _convert(value.value, field)
        return _redact(after), unknown, True
    if field.shape == "one-item list" and not isinstance(value, list):
        return _collect([_convert(value, _SCALAR)])
    if field.shape in ("block", "blocks") and field.schema is not None and isinstance(value, (dict, list)):
        items = value if isinstance(value, list) else [value]
        return _collect(
            [
                _convert_object(item, field.schema) if isinstance(item, dict) else _convert(item, _SCALAR)
                for item in items
            ]
        )
    if isinstance(value, list):
        return _collect([_convert(item, _SCALAR) for item in value])
    if isinstance(value, dict):
        # A map (tags, environment variables): its keys are data, not argument names.
        converted = {key: _convert(item, _SCALAR) for key, item in value.items()}
        return (
            {key: after for key, (after, _, _) in converted.items() if after is not _OMIT},
            {key: unknown for key, (_, unknown, _) in converted.items() if unknown is not None} or None,
            {key: sensitive for key, (_, _, sensitive) in converted.items() if sensitive is not None} or None,
        )
    return value, None, None


_SCALAR = Field("", "scalar")


def _convert_object(
    obj: dict[str, Any], schema: Schema
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    values: dict[str, Any] = {}
    unknown: dict[str, Any] = {}
    sensitive: dict[str, Any] = {}
    for wire_name, item in obj.items():
        field = schema.get(wire_name)
        after, item_unknown, item_sensitive = _convert(item, field)
        if after is not _OMIT:
            values[field.name] = after
        if item_unknown is not None:
            unknown[field.name] = item_unknown
        if item_sensitive is not None:
            sensitive[field.name] = item_sensitive
    return values, unknown, sensitive


def _collect(items: list[tuple[Any, Any, Any]]) -> tuple[list[Any], Any, Any]:
    """A list's parts: unknown elements are null in the value and true in after_unknown, as Terraform does."""
    values = [None if after is _OMIT else after for after, _, _ in items]
    unknown = [marker or False for _, marker, _ in items] if any(m for _, m, _ in items) else None
    sensitive = [marker or False for _, _, marker in items] if any(m for _, _, m in items) else None
    return values, unknown, sensitive


def _redact(value: Any) -> Any:
    if value is _OMIT:
        return value
    if isinstance(value, dict):
        return {key: _redact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact(item) for item in value]
    return SENSITIVE_TEXT if isinstance(value, str) else None


# -- configuration -----------------------------------------------------------------------------------------


def _expressions(
    inputs: dict[str, Any],
    schema: Schema,
    dependencies: dict[str, list[str]],
    addresses: dict[str, str],
    attributes: dict[str, dict[str, str]],
) -> dict[str, Any]:
    """The configuration's expressions: references where a property comes from another exported resource."""
    expressions = {}
    for wire_name, value in inputs.items():
        field = schema.get(wire_name)
        targets = list(
            dict.fromkeys(addresses[urn] for urn in dependencies.get(wire_name, []) if urn in addresses)
        )
        expressions[field.name] = _expression(value, field, targets, attributes, top=True)
    return expressions


def _expression(
    value: Any, field: Field, targets: list[str], attributes: dict[str, dict[str, str]], top: bool = False
) -> Any:
    if field.shape in ("block", "blocks") and field.schema is not None and isinstance(value, (dict, list)):
        items = value if isinstance(value, list) else [value]
        schema = field.schema
        return [
            {
                schema.get(key).name: _expression(item_value, schema.get(key), targets, attributes)
                for key, item_value in item.items()
            }
            for item in items
            if isinstance(item, dict)
        ]
    if targets:
        # A top-level argument set from another resource is a reference in Terraform's configuration; a
        # nested one only where it is unknown or its name says which resource it names.
        chosen = _targets_for(field.name, targets)
        if not chosen and (top or _contains_unknown(value)):
            chosen = targets
        if chosen:
            return {"references": _references(chosen, field.name, value, attributes)}
    after, _, _ = _convert(value, field)
    return {"constant_value": None if after is _OMIT else after}


def _targets_for(key: str, targets: list[str]) -> list[str]:
    """The targets whose type the argument names: ``subnet_ids`` -> aws_subnet, ``role`` -> aws_iam_role."""
    stem = re.sub(r"_(ids?|arns?|names?)$", "", key)
    stems = {stem, stem.removesuffix("s")}
    return [target for target in targets if any(target.split(".")[0].endswith(f"_{s}") for s in stems)]


def _references(targets: list[str], key: str, value: Any, attributes: dict[str, dict[str, str]]) -> list[str]:
    """``<address>.<attribute>`` and ``<address>`` for each target, as Terraform lists a reference.

    The attribute is the target's output that holds the value where it is known (update mode), else the one
    the argument's name points to (``..._arn``: ``arn``; ``..._name``: ``name``; otherwise ``id``).
    """
    if re.search(r"arns?$", key):
        default = "arn"
    elif re.search(r"names?$", key):
        default = "name"
    else:
        default = "id"
    references: list[str] = []
    for target in targets:
        attribute = attributes[target].get(value, default) if isinstance(value, str) else default
        references += [f"{target}.{attribute}", target]
    return references


def _contains_unknown(value: Any) -> bool:
    if isinstance(value, _Secret):
        return _contains_unknown(value.value)
    if isinstance(value, dict):
        return any(_contains_unknown(item) for item in value.values())
    if isinstance(value, list):
        return any(_contains_unknown(item) for item in value)
    return value is _UNKNOWN
