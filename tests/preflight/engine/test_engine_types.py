"""Reading an SDK's types (preflight.schema) and making values of them (preflight.synthesis)."""

import enum
import re
import sys
import types
from typing import Any

import pulumi
import pytest
from google.protobuf import struct_pb2

from preflight import conform, engine, invokes, schema, synthesis, values
from preflight.identity import Ids, Target
from preflight.model import UNKNOWN

TARGET = Target("123456789012", "eu-west-1")
SUBJECT = synthesis.Subject(TARGET, Ids("urn:x"), "lb", "load-balancer", "web-1234567")


class Color(enum.StrEnum):
    RED = "red"
    BLUE = "blue"


@pulumi.output_type
class Node:
    """A recursive type: a node holds nodes."""

    @property
    @pulumi.getter
    def children(self) -> list["Node"]: ...

    @property
    @pulumi.getter(name="nodeId")
    def node_id(self) -> str: ...


@pulumi.output_type
class GetThingResult:
    @property
    @pulumi.getter(name="thingArn")
    def thing_arn(self) -> str: ...

    @property
    @pulumi.getter
    def color(self) -> Color: ...

    @property
    @pulumi.getter
    def labels(self) -> dict[str, str]:
        """Labels, e.g. `labels["team"]`."""

    @property
    @pulumi.getter
    def root(self) -> Node: ...

    @property
    @pulumi.getter
    def note(self) -> str | None: ...

    @property
    @pulumi.getter
    def untyped(self): ...

    @property
    @pulumi.getter
    def broken(self) -> "Undefined":  # noqa: F821 an annotation that cannot be resolved is skipped
        ...

    @property
    @pulumi.getter
    def handle(self) -> pulumi.Resource: ...


@pytest.fixture
def acme(monkeypatch):
    """An installed SDK ``pulumi_acme`` with invokes as the code generator writes them."""
    module = types.ModuleType("pulumi_acme")
    source = (
        "def get_thing(name=None, opts=None) -> GetThingResult:\n"
        "    return invoke('acme:index/getThing:getThing', {'name': name})\n"
        "def get_untyped(opts=None):\n"
        "    return invoke('acme:index/getUntyped:getUntyped', {})\n"
        "def get_i_p_ranges(opts=None) -> GetThingResult:\n"
        "    return invoke('acme:index/getIPRanges:getIPRanges', {})\n"
    )
    module.__dict__.update(GetThingResult=GetThingResult, invoke=None)
    exec(compile(source, "<pulumi_acme>", "exec"), module.__dict__)
    monkeypatch.setitem(sys.modules, "pulumi_acme", module)
    schema.invoke_result.cache_clear()  # answers are cached per token: forget those of other tests
    yield module
    schema.invoke_result.cache_clear()


def test_an_invoke_of_any_sdk_is_answered_from_its_result_type(acme):
    answer = invokes.synthesized("acme:index/getThing:getThing", {"name": "gadget", "color": None}, TARGET)
    assert answer["thingArn"].startswith("arn:aws:index:eu-west-1:123456789012:thing/thing-")
    assert answer["color"] == "red"  # an enum's first value
    assert set(answer["labels"]) == {"team"}  # the key the docs name
    assert list(answer["root"]) == ["nodeId"]  # a node is not filled with nodes: types can recurse
    assert re.fullmatch(r"node-[0-9a-f]{17}", answer["root"]["nodeId"])
    assert "note" not in answer  # optional: not always given
    assert not {"untyped", "broken", "handle"} & set(answer)  # nothing a provider computes
    # The name the query asks for is the name of what it finds, and the query's arguments are echoed.
    assert invokes.synthesized("acme:index/getThing:getThing", {"thingArn": "arn:x"}, TARGET)["thingArn"] == (
        "arn:x"
    )
    # An acronym in the invoke's name: the function is found by the token in its code.
    assert invokes.synthesized("acme:index/getIPRanges:getIPRanges", {}, TARGET)["color"] == "red"


@pytest.mark.parametrize(
    "token",
    [
        "acme:index/getUntyped:getUntyped",  # no result type
        "acme:index/getMissing:getMissing",  # no function calls it
        "nosuchsdk:index/getThing:getThing",  # no SDK installed
        "not-a-token",
    ],
)
def test_an_invoke_no_sdk_declares_is_not_synthesized(acme, token):
    assert invokes.synthesized(token, {}, TARGET) is None


def test_a_keyword_module_is_found_with_its_underscore():
    import pulumi_aws  # noqa: F401 the program's import

    fields = schema.invoke_result("aws:lambda/getFunction:getFunction")
    assert "invokeArn" in {field.name for field in fields}


def test_resource_types_need_their_sdk_and_a_full_token():
    assert schema.resource_schema("not-a-token") == schema.resource_schema("acme:index/widget:Widget")
    assert schema.resource_schema("acme:index/widget:Widget").outputs == ()


NAMED = [
    ("region", "eu-west-1"),
    ("partition", "aws"),
    ("ownerId", "123456789012"),
    ("availabilityZone", "eu-west-1a"),
    ("availabilityZoneId", "euw1-az1"),
    ("hostedZoneId", re.compile(r"Z[A-Z0-9]{13}")),
    ("roleArn", re.compile(r"arn:aws:iam::123456789012:role/role-[0-9a-f]{8}")),
    ("bucketArn", re.compile(r"arn:aws:s3:::bucket-[0-9a-f]{8}")),
    ("kmsKeyArn", re.compile(r"arn:aws:kms:eu-west-1:123456789012:key/[0-9a-f-]{36}")),
    ("arn", "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web-1234567/"),
    ("ipv6CidrBlock", re.compile(r"2600:1f18:[0-9a-f]{4}:[0-9a-f]{2}00::/56")),
    ("ipv6Address", re.compile(r"2600:1f18:[0-9a-f]{4}::1")),
    ("cidrBlock", re.compile(r"10\.\d+\.0\.0/16")),
    ("privateIp", re.compile(r"10\.\d+\.\d+\.\d+")),
    ("publicIpAddress", re.compile(r"3\.\d+\.\d+\.\d+")),
    (
        "invokeUrl",
        re.compile(r"https://web-1234567-[0-9a-f]{8}\.eu-west-1\.elasticloadbalancing\.amazonaws\.com/"),
    ),
    ("dnsName", re.compile(r"web-1234567-[0-9a-f]{8}\.eu-west-1\.elasticloadbalancing\.amazonaws\.com")),
    ("keyId", re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")),
    ("uniqueId", re.compile(r"AIDA[A-Z0-9]{17}")),
    ("securityGroupId", re.compile(r"sg-[0-9a-f]{17}")),
    ("id", re.compile(r"load-balancer-[0-9a-f]{17}")),
    ("createdAt", synthesis.CREATED),
    ("lastModifiedDate", synthesis.CREATED),
    ("certificatePem", re.compile(r"-----BEGIN CERTIFICATE-----\n.+\n-----END CERTIFICATE-----\n")),
    ("publicKeyPem", re.compile(r"(?s)-----BEGIN PUBLIC KEY-----\n.+")),
    ("base64Value", re.compile(r"[A-Za-z0-9+/=]+")),
    ("data", re.compile(r"[A-Za-z0-9+/=]+")),
    ("sha256", re.compile(r"[0-9a-f]{64}")),
    ("etag", re.compile(r"[0-9a-f]{40}")),
    ("status", "available"),
    ("version", "1"),
    ("name", "web-1234567"),
    ("policy", "{}"),
    ("description", re.compile(r"description-[0-9a-f]{8}")),
]


@pytest.mark.parametrize(("name", "expected"), NAMED, ids=[name for name, _ in NAMED])
def test_a_string_is_what_its_name_says(name, expected):
    made = synthesis.value(name, schema.Scalar("string"), SUBJECT, name)
    if isinstance(expected, re.Pattern):
        assert expected.fullmatch(made), made
    elif name == "arn":
        assert made.startswith(expected)
    else:
        assert made == expected


def test_special_arns_and_ids():
    dynamo = synthesis.Subject(TARGET, Ids("urn:t"), "dynamodb", "table", "orders")
    assert synthesis.value("streamArn", schema.Scalar("string"), dynamo, "streamArn") == (
        "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2025-01-01T00:00:00.000"
    )
    zone = synthesis.Subject(TARGET, Ids("urn:z"), "route53", "zone", "example.com")
    assert synthesis.value("zoneId", schema.Scalar("string"), zone, "zoneId").startswith("Z")
    assert synthesis.value("name", schema.Scalar("string"), SUBJECT, "rules[0].name").startswith(
        "web-1234567-"
    )


def test_scalars_lists_and_maps():
    def make(name: str, shape: Any) -> Any:
        return synthesis.value(name, shape, SUBJECT, name)

    assert make("port", schema.Scalar("integer")) == 443
    assert make("count", schema.Scalar("integer")) == 1
    assert make("ratio", schema.Scalar("number")) == 1.0
    assert make("enabled", schema.Scalar("boolean")) is False
    assert make("settings", schema.Scalar("any")) == {}
    assert re.fullmatch(
        r"sg-[0-9a-f]{17}", make("securityGroupIds", schema.ListOf(schema.Scalar("string")))[0]
    )
    assert make("policies", schema.ListOf(schema.Scalar("string"))) == ["{}"]
    assert make("tags", schema.MapOf(schema.Scalar("string"))) == {}
    assert synthesis.singular("addresses") == "address"
    assert synthesis.singular("boxes") == "box"
    assert synthesis.singular("access") == "access"


def test_only_always_present_output_only_fields_are_filled_never_an_input_left_unset():
    fields = [
        schema.Field("arn", schema.Scalar("string"), True),
        schema.Field("note", schema.Scalar("string"), False),
        schema.Field("subnets", schema.ListOf(schema.Scalar("string")), True),
        schema.Field("options", schema.MapOf(schema.Scalar("string")), True),
        schema.Field("enabled", schema.Scalar("boolean"), True),
        schema.Field("logging", schema.ObjectOf(Node), True),
        schema.Field("ips", schema.ListOf(schema.Scalar("string")), True),
    ]
    inputs = {"subnets", "options", "enabled", "logging"}
    filled = synthesis.fill(fields, SUBJECT, skip={"arn"}, inputs=inputs)
    # Inputs the program left out (lists, maps, scalars and objects alike) stay absent, as the provider
    # leaves them: an invented logging target or a false flag would be judged as the program's.
    assert set(filled) == {"ips"}
    assert len(filled["ips"]) == 1  # output only: one element


def test_a_resource_whose_args_name_is_taken_reads_its_own_init_args():
    # s3.BucketLoggingArgs is Bucket.logging's input type; the resource's own is BucketLoggingInitArgs.
    described = schema.resource_schema("aws:s3/bucketLogging:BucketLogging")
    assert {"bucket", "region", "targetBucket", "targetGrants", "targetObjectKeyFormat"} <= described.inputs
    assert "region" in described.optional_inputs
    assert "bucket" not in described.optional_inputs
    # So nothing a program can set on it is invented: the sub-resource computes nothing of its own.
    urn = "urn:pulumi:dev::demo::aws:s3/bucketLogging:BucketLogging::logging"
    inputs = struct_pb2.Struct()
    inputs.update({"bucket": "data", "targetBucket": "logs", "targetPrefix": "data/"})
    assert values.computed_values("aws:s3/bucketLogging:BucketLogging", "logging", urn, inputs, TARGET) == (
        "data",
        {},
    )


def test_any_installed_sdk_type_gets_autonamed_on_name():
    rule = values._autoname_rule("aws:apigatewayv2/stage:Stage")
    assert (rule.prop, rule.max_length) == ("name", 255)
    assert values._autoname_rule("aws:ec2/route:Route") is None  # no name property


@pulumi.output_type
class ClusterIdentity:
    """As azure-native's ManagedClusterIdentityResponse: the program gives a list of identity ids, the
    provider returns a map of them."""

    @property
    @pulumi.getter
    def type(self) -> str: ...

    @property
    @pulumi.getter(name="userAssignedIdentities")
    def user_assigned_identities(self) -> dict[str, Node] | None: ...


SECRET_SIG = {values.SIG_KEY: values.SECRET_SIG}
ASSET = {values.SIG_KEY: "c44067f5952c0a294b673a41bacd8c17", "path": "index.html"}
STRING, BOOLEAN = schema.Scalar("string"), schema.Scalar("boolean")
INTEGER, NUMBER = schema.Scalar("integer"), schema.Scalar("number")
CONFORMED = [
    # As the Terraform bridge converts a value to the declared type (Go's strconv parses strings).
    ("true", BOOLEAN, True),
    ("F", BOOLEAN, False),
    (True, BOOLEAN, True),
    ("yes", BOOLEAN, conform.MISFIT),
    (1.0, BOOLEAN, conform.MISFIT),
    ("42", INTEGER, 42.0),
    ("4.2", INTEGER, conform.MISFIT),
    (3.0, INTEGER, 3.0),
    (3.5, INTEGER, conform.MISFIT),
    (True, INTEGER, conform.MISFIT),
    ("-1.5e3", NUMBER, -1500.0),
    (2.5, NUMBER, 2.5),
    ("1_000", NUMBER, conform.MISFIT),
    ([1], NUMBER, conform.MISFIT),
    ("x", STRING, "x"),
    (False, STRING, "false"),
    (8080.0, STRING, "8080"),
    (0.5, STRING, "0.5"),
    # An object given for a string (a policy document) is stored as its compact JSON, keys sorted.
    ({"b": [1, "x"], "a": None}, STRING, '{"a":null,"b":[1,"x"]}'),
    ({"arn": UNKNOWN}, STRING, UNKNOWN),
    ({"arn": {**SECRET_SIG, "value": "x"}}, STRING, conform.MISFIT),
    ({"a": 1}, schema.Scalar("any"), {"a": 1}),
    ("red", schema.Choice(("red", "blue")), "red"),
    ("green", schema.Choice(("red", "blue")), conform.MISFIT),
    (["1", "true"], schema.ListOf(STRING), ["1", "true"]),
    (["1", "x"], schema.ListOf(INTEGER), conform.MISFIT),
    ("a", schema.ListOf(STRING), conform.MISFIT),
    ({"a": "1"}, schema.MapOf(INTEGER), {"a": 1.0}),
    ({"a": "x"}, schema.MapOf(INTEGER), conform.MISFIT),
    (["a"], schema.MapOf(STRING), conform.MISFIT),
    ("a", schema.ObjectOf(Node), conform.MISFIT),
    # Unknowns, nulls, assets are kept; a secret is conformed inside and stays secret.
    (UNKNOWN, schema.ListOf(STRING), UNKNOWN),
    (None, BOOLEAN, None),
    (ASSET, STRING, ASSET),
    ({**SECRET_SIG, "value": "true"}, BOOLEAN, {**SECRET_SIG, "value": True}),
    ({**SECRET_SIG, "value": "x"}, BOOLEAN, conform.MISFIT),
]


@pytest.mark.parametrize(("given", "shape", "expected"), CONFORMED)
def test_a_value_is_conformed_to_its_declared_type_as_the_provider_converts_it(given, shape, expected):
    assert conform.conform(given, shape) == expected
    if expected is conform.MISFIT:
        assert conform.conform(given, shape) is conform.MISFIT


def test_an_object_keeps_the_fields_that_fit_and_drops_the_others():
    identity = {"type": "UserAssigned", "userAssignedIdentities": ["/subscriptions/s/identity/i"], "extra": 1}
    assert conform.conform(identity, schema.ObjectOf(ClusterIdentity)) == {"type": "UserAssigned", "extra": 1}
    assert repr(conform.MISFIT) == "MISFIT"


def test_an_input_that_does_not_fit_its_output_is_left_out(monkeypatch):
    identity = schema.Field("identity", schema.ObjectOf(ClusterIdentity), False)
    described = schema.ResourceSchema((identity,), frozenset({"identity"}), frozenset({"identity"}))
    monkeypatch.setattr(schema, "resource_schema", lambda type_: described)
    inputs = struct_pb2.Struct()
    inputs.update({"identity": {"type": "UserAssigned", "userAssignedIdentities": ["/id/i"]}, "x": ["a"]})
    outputs = engine._echoed_inputs("azure-native:containerservice:ManagedCluster", inputs)
    assert values.plain(struct_pb2.Value(struct_value=outputs)) == {
        "identity": {"type": "UserAssigned"},  # the provider returns its own map of identities
        "x": ["a"],  # not an output: kept as given
    }
    inputs.update({"identity": "not an object"})
    assert list(engine._echoed_inputs("azure-native:containerservice:ManagedCluster", inputs)) == ["x"]
