"""The engine's wire form of property values, as a plugin receives it: the markers of secrets, resource
references and output values inside a ``google.protobuf.Struct``, and the rewriting the engine does before it
sends properties to a plugin that takes none of them (an analyzer; a dynamic provider).

It needs only protobuf, so the analyzer client loads it without the Pulumi SDK.
"""

from __future__ import annotations

from google.protobuf import struct_pb2

from preflight.model import UNKNOWN

# The engine's markers for special values inside a Struct: the key, then a secret, a resource reference and
# an output value.
SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
# What a plugin never receives as it is: found in a Struct's bytes, the Struct is rewritten (wire_properties).
_PLUGIN_MARKERS = (RESOURCE_SIG.encode(), OUTPUT_SIG.encode())
_PLUGIN_MARKERS_AND_SECRETS = (*_PLUGIN_MARKERS, SECRET_SIG.encode())


def is_secret(value: struct_pb2.Value) -> bool:
    """Whether ``value`` is a secret-wrapped value."""
    fields = value.struct_value.fields if value.HasField("struct_value") else {}
    return SIG_KEY in fields and fields[SIG_KEY].string_value == SECRET_SIG


def make_secret(value: struct_pb2.Value) -> None:
    """Wraps ``value`` as a secret, in place (once: a secret stays as it is)."""
    if is_secret(value):
        return
    inner = struct_pb2.Value()
    inner.CopyFrom(value)
    wrapper = value.struct_value
    wrapper.Clear()
    wrapper.fields[SIG_KEY].string_value = SECRET_SIG
    wrapper.fields["value"].CopyFrom(inner)


def wire_properties(
    properties: struct_pb2.Struct, *, internal: bool = False, secrets: bool = True
) -> struct_pb2.Struct:
    """The properties as the engine marshals them for a plugin that takes neither resource references nor
    output values (an analyzer; a dynamic provider, which takes no secrets either).

    A resource reference becomes the resource's id (a custom resource's; unknown while it has none) or URN,
    an output value its value (a secret when it is one, unknown without a value). Internal keys (``__*``)
    are dropped unless ``internal``; with ``secrets=False`` a secret is its value, as the engine sends it to
    a provider that does not accept secrets.
    """
    if (internal or not any(key.startswith("__") for key in properties.fields)) and not _marked(
        properties.SerializeToString(), _PLUGIN_MARKERS if secrets else _PLUGIN_MARKERS_AND_SECRETS
    ):
        return properties
    plain = struct_pb2.Struct()
    for key, value in properties.fields.items():
        if internal or not key.startswith("__"):
            plain.fields[key].CopyFrom(_wire_value(value, internal, secrets))
    return plain


def _marked(wire: bytes, markers: tuple[bytes, ...]) -> bool:
    return any(marker in wire for marker in markers)


def _wire_value(value: struct_pb2.Value, internal: bool, secrets: bool) -> struct_pb2.Value:
    kind = value.WhichOneof("kind")
    if kind == "struct_value":
        fields = value.struct_value.fields
        signature = fields[SIG_KEY].string_value if SIG_KEY in fields else None
        if signature == RESOURCE_SIG:
            if "id" in fields:
                identifier = fields["id"]
                if identifier.WhichOneof("kind") == "string_value" and identifier.string_value == "":
                    return struct_pb2.Value(string_value=UNKNOWN)  # a custom resource whose id is not known
                return _wire_value(identifier, internal, secrets)
            return struct_pb2.Value(string_value=fields["urn"].string_value)
        if signature == OUTPUT_SIG or (signature == SECRET_SIG and not secrets):
            if "value" not in fields:
                return struct_pb2.Value(string_value=UNKNOWN)
            inner = _wire_value(fields["value"], internal, secrets)
            if secrets and "secret" in fields and fields["secret"].bool_value:
                make_secret(inner)
            return inner
        result = struct_pb2.Value()
        result.struct_value.SetInParent()
        for key, item in fields.items():
            if internal or not key.startswith("__"):
                result.struct_value.fields[key].CopyFrom(_wire_value(item, internal, secrets))
        return result
    if kind == "list_value":
        result = struct_pb2.Value()
        result.list_value.SetInParent()
        for item in value.list_value.values:
            result.list_value.values.add().CopyFrom(_wire_value(item, internal, secrets))
        return result
    return value
