"""Property values as the engine marshals them for a pack (unknowns, secrets, references, output values)."""

from google.protobuf import json_format
from pack_helpers import struct

from preflight.model import UNKNOWN
from preflight.wire import wire_properties

SIG = "4dabf18193072939515e22adb298388d"
SECRET = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE = "5cf8f73096256a8f31e491e813e4eb8e"
OUTPUT = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
KEY_URN = "urn:pulumi:dev::shop::aws:kms/key:Key::k"


def wire(values: dict) -> dict:
    return json_format.MessageToDict(wire_properties(struct(values)))


def test_plain_properties_are_sent_as_they_are_without_a_copy():
    properties = struct(
        {"name": "a", "arn": UNKNOWN, "password": {SIG: SECRET, "value": "p"}, "n": [1, {"x": None}]}
    )
    assert wire_properties(properties) is properties


def test_internal_keys_are_left_out_at_every_level():
    assert wire(
        {
            "__defaults": ["name"],
            "name": "a",
            "tags": {"__meta": 1, "Env": "dev"},
            "ref": {SIG: OUTPUT, "value": 1},
        }
    ) == {
        "name": "a",
        "tags": {"Env": "dev"},
        "ref": 1.0,
    }


def test_resource_references_become_the_id_of_a_custom_resource_or_the_urn_of_a_component():
    assert wire(
        {
            "custom": {SIG: RESOURCE, "urn": KEY_URN, "id": "key-1"},
            "pending": {SIG: RESOURCE, "urn": KEY_URN, "id": UNKNOWN},
            "empty": {SIG: RESOURCE, "urn": KEY_URN, "id": ""},
            "component": {SIG: RESOURCE, "urn": "urn:pulumi:dev::shop::shop:index:Db::db"},
        }
    ) == {
        "custom": "key-1",
        "pending": UNKNOWN,
        "empty": UNKNOWN,
        "component": "urn:pulumi:dev::shop::shop:index:Db::db",
    }


def test_output_values_become_their_value_a_secret_or_unknown():
    assert wire(
        {
            "known": {SIG: OUTPUT, "value": "v", "dependencies": [KEY_URN]},
            "secret": {
                SIG: OUTPUT,
                "value": {"a": {SIG: RESOURCE, "urn": KEY_URN, "id": "k"}},
                "secret": True,
            },
            "unknown": {SIG: OUTPUT, "dependencies": [KEY_URN]},
            "listed": [{SIG: OUTPUT, "value": 2}, "plain"],
        }
    ) == {
        "known": "v",
        "secret": {SIG: SECRET, "value": {"a": "k"}},
        "unknown": UNKNOWN,
        "listed": [2.0, "plain"],
    }


def test_for_a_dynamic_provider_internal_keys_stay_and_secrets_are_their_values_at_every_level():
    # As the engine sends inputs to a provider that accepts no secrets: the pickled provider (__provider)
    # included, every secret (wrapped, or an output marked secret) as its plain value.
    properties = struct(
        {
            "__provider": "pickled",
            "password": {SIG: SECRET, "value": "p"},
            "nested": {"__meta": 1, "list": [{SIG: SECRET, "value": {"k": {SIG: SECRET, "value": 2}}}]},
            "secret": {SIG: OUTPUT, "value": {SIG: RESOURCE, "urn": KEY_URN, "id": "k"}, "secret": True},
            "unknown": {SIG: SECRET},
        }
    )
    sent = wire_properties(properties, internal=True, secrets=False)
    assert json_format.MessageToDict(sent) == {
        "__provider": "pickled",
        "password": "p",
        "nested": {"__meta": 1.0, "list": [{"k": 2.0}]},
        "secret": "k",
        "unknown": UNKNOWN,
    }


def test_for_a_dynamic_provider_properties_without_secrets_or_references_are_sent_as_they_are():
    properties = struct({"__provider": "pickled", "name": "a", "arn": UNKNOWN, "n": [1, {"__x": None}]})
    assert wire_properties(properties, internal=True, secrets=False) is properties
    # A secret alone is reason enough to rewrite them for such a provider, never for a pack.
    secret = struct({"__provider": "pickled", "password": {SIG: SECRET, "value": "p"}})
    assert wire_properties(secret, internal=True, secrets=True) is secret
    assert wire_properties(secret, internal=True, secrets=False) is not secret
