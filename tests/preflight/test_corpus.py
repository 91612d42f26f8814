"""Corpus: a program of types and invokes preflight has no hand-written values for, run in both modes.

Every output-only property the installed SDK declares always present (``pulumi.Output[T]``, not
``Optional``) must have a value of type ``T`` in update mode, and be unknown in preview; a property the
program can set and did not is never invented from its type (absent in both modes; only a hand-written
generator, which knows the provider's default, may give it a value, unknown in preview). Every invoke must be
answered with a value of its result type in both modes, and listed as synthesized. The expected types and
the settable properties are read with the Pulumi SDK's own reader (``pulumi._types``, the constructor's
signature), not with preflight's, so the check is independent.
"""

import enum
import functools
import inspect
import typing
from collections import abc
from pathlib import Path

import pulumi
import pytest
from pulumi import _types

from preflight import invokes, runner, values
from preflight.model import UNKNOWN, Mode

TYPED = Path(__file__).parent / "programs" / "typed"


@functools.cache
def resource_classes() -> dict[str, type]:
    """The corpus's resource classes by type token. The provider SDKs are imported on first use, by the
    worker that runs these tests: imported at collection, in every worker and under coverage's tracer, they
    were the largest part of the suite's collection time."""
    import pulumi_aws as aws
    import pulumi_random as random
    import pulumi_tls as tls

    return {
        "aws:lb/loadBalancer:LoadBalancer": aws.lb.LoadBalancer,
        "aws:acm/certificate:Certificate": aws.acm.Certificate,
        "aws:eks/cluster:Cluster": aws.eks.Cluster,
        "aws:apigatewayv2/api:Api": aws.apigatewayv2.Api,
        "aws:apigatewayv2/stage:Stage": aws.apigatewayv2.Stage,
        "aws:appsync/graphQLApi:GraphQLApi": aws.appsync.GraphQLApi,
        "aws:ec2/instance:Instance": aws.ec2.Instance,
        "aws:dynamodb/table:Table": aws.dynamodb.Table,
        "aws:elasticache/replicationGroup:ReplicationGroup": aws.elasticache.ReplicationGroup,
        "random:index/randomShuffle:RandomShuffle": random.RandomShuffle,
        "random:index/randomBytes:RandomBytes": random.RandomBytes,
        "tls:index/privateKey:PrivateKey": tls.PrivateKey,
        "tls:index/selfSignedCert:SelfSignedCert": tls.SelfSignedCert,
    }


@functools.cache
def invoke_results() -> dict[str, tuple[str, type]]:
    """Stack output -> (invoke token, result type), imported on first use as resource_classes is."""
    import pulumi_aws as aws
    import pulumi_tls as tls

    return {
        "ami": ("aws:ec2/getAmi:getAmi", aws.ec2.GetAmiResult),
        "zone": ("aws:route53/getZone:getZone", aws.route53.GetZoneResult),
        "role": ("aws:iam/getRole:getRole", aws.iam.GetRoleResult),
        "parameter": ("aws:ssm/getParameter:getParameter", aws.ssm.GetParameterResult),
        "publicKey": ("tls:index/getPublicKey:getPublicKey", tls.GetPublicKeyResult),
    }


@pytest.fixture(scope="module")
def runs():
    return {mode: runner.run(TYPED, "dev", mode=mode) for mode in Mode}


def always_present(cls):
    """Wire name -> declared type of every property the SDK says is always present."""
    hints = _types._raw_return_hints(cls)
    return {name: unwrap(hint) for name, hint in hints.items() if not is_optional(unwrap(hint))}


def settable(cls):
    """Wire names of the properties a program can set: the resource constructor's arguments."""
    wire = _types.resource_py_to_pulumi_names(cls)
    return {wire.get(name, name) for name in inspect.signature(cls._internal_init).parameters}


def unset_inputs(resource):
    """The always-present properties of ``resource`` that the program could have set and did not."""
    cls = resource_classes()[resource.type]
    return (set(always_present(cls)) & settable(cls)) - set(plain(resource.inputs))


def unwrap(hint):
    return typing.get_args(hint)[0] if typing.get_origin(hint) is pulumi.Output else hint


def is_optional(hint):
    return typing.get_origin(hint) is typing.Union and type(None) in typing.get_args(hint)


def conforms(value, hint):
    """Whether a plain value (numbers as floats, as on the wire) is a value of the annotated type."""
    if typing.get_origin(hint) is typing.Union:
        members = [member for member in typing.get_args(hint) if member is not type(None)]
        return (value is None and is_optional(hint)) or any(conforms(value, m) for m in members)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is typing.Any:
        return True
    if hint is bool:
        return isinstance(value, bool)
    if hint in (int, float):
        return (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and (hint is float or float(value).is_integer())
        )
    if hint is str:
        return isinstance(value, str) and value != UNKNOWN
    if origin in (list, abc.Sequence):
        return isinstance(value, list) and all(conforms(item, args[0]) for item in value)
    if origin in (dict, abc.Mapping):
        return isinstance(value, dict) and all(conforms(item, args[1]) for item in value.values())
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return value in [member.value for member in hint]
    if isinstance(hint, type) and _types.is_output_type(hint):
        fields = _types._raw_return_hints(hint)
        return isinstance(value, dict) and all(
            key in fields and conforms(item, fields[key]) for key, item in value.items()
        )
    raise AssertionError(f"the corpus meets a type the check does not know: {hint!r}")


def plain(struct):
    return {key: values.plain(value) for key, value in struct.fields.items()}


def test_the_corpus_needs_the_sdk_types():
    # The corpus is only worth something while preflight has no hand-written values for what it uses.
    # These four have generators for their ARNs and ids; the rest of their outputs come from the types.
    assert set(values._GENERATORS) & set(resource_classes()) == {
        "aws:acm/certificate:Certificate",
        "aws:apigatewayv2/api:Api",
        "aws:dynamodb/table:Table",
        "aws:ec2/instance:Instance",
    }
    assert not {token for token, _ in invoke_results().values()} & set(invokes._HANDLERS)


@pytest.mark.parametrize("mode", list(Mode), ids=lambda mode: mode.value)
def test_every_resource_type_of_the_corpus_is_registered(runs, mode):
    assert {r.type for r in runs[mode].resources if r.type in resource_classes()} == set(resource_classes())
    assert runs[mode].warnings == []


def test_update_gives_every_always_present_output_a_value_of_its_type(runs):
    checked = 0
    for resource in runs[Mode.UPDATE].resources:
        if resource.type not in resource_classes():
            continue
        outputs, unset = plain(resource.outputs), unset_inputs(resource)
        for name, hint in always_present(resource_classes()[resource.type]).items():
            if name in unset:  # test_inputs_the_program_left_unset_are_never_invented_from_their_type
                continue
            assert name in outputs, f"{resource.type} {name} has no value"
            assert conforms(outputs[name], hint), f"{resource.type} {name}={outputs[name]!r} is not {hint}"
            checked += 1
    assert checked > 90


def test_preview_leaves_unknown_every_always_present_output_the_program_did_not_set(runs):
    for resource in runs[Mode.PREVIEW].resources:
        if resource.type not in resource_classes():
            continue
        outputs, given, unset = plain(resource.outputs), plain(resource.inputs), unset_inputs(resource)
        for name in always_present(resource_classes()[resource.type]):
            if name in unset:  # test_inputs_the_program_left_unset_are_never_invented_from_their_type
                continue
            if name == "tagsAll":  # the provider's plan computes it from the resource's and default tags
                assert outputs[name] == {}
            elif name in given:  # as the program set it (autonamed names included), known or not
                assert outputs[name] == given[name]
            else:
                assert outputs[name] == UNKNOWN, f"{resource.type} {name} must be unknown at preview"


def test_inputs_the_program_left_unset_are_never_invented_from_their_type(runs):
    previewed = {r.urn: plain(r.outputs) for r in runs[Mode.PREVIEW].resources}
    checked = 0
    for resource in runs[Mode.UPDATE].resources:
        if resource.type not in resource_classes():
            continue
        updated, preview = plain(resource.outputs), previewed[resource.urn]
        for name in unset_inputs(resource):
            if resource.type not in values._GENERATORS:
                assert name not in updated, f"{resource.type} {name} was invented from its type"
            # Unknown in preview exactly where update gives a value (a hand-written generator's default).
            assert preview.get(name, "absent") == (UNKNOWN if name in updated else "absent"), (
                f"{resource.type} {name}"
            )
            checked += 1
    assert checked > 90


@pytest.mark.parametrize("mode", list(Mode), ids=lambda mode: mode.value)
def test_invokes_are_answered_from_their_result_type_in_both_modes_and_listed(runs, mode):
    run = runs[mode]
    (stack,) = [r for r in run.resources if r.type == "pulumi:pulumi:Stack"]
    exported = plain(stack.outputs)
    for output, (_, result_type) in invoke_results().items():
        answer = exported[output]
        for name, hint in always_present(result_type).items():
            assert conforms(answer.get(name), hint), f"{output}.{name}={answer.get(name)!r} is not {hint}"
    assert run.synthesized_invokes == sorted(token for token, _ in invoke_results().values())


def test_values_name_what_they_are(runs):
    by_type = {r.type: plain(r.outputs) for r in runs[Mode.UPDATE].resources}
    balancer = by_type["aws:lb/loadBalancer:LoadBalancer"]
    assert balancer["arn"].startswith("arn:aws:elasticloadbalancing:eu-west-1:123456789012:")
    assert balancer["dnsName"].endswith(".eu-west-1.elasticloadbalancing.amazonaws.com")
    assert "securityGroups" not in balancer  # an input the program left out is not invented
    assert by_type["aws:ec2/instance:Instance"]["publicIp"].startswith("3.")
    assert by_type["aws:dynamodb/table:Table"]["streamArn"].startswith(
        "arn:aws:dynamodb:eu-west-1:123456789012:table/table-"
    )
    certificate = by_type["aws:acm/certificate:Certificate"]
    (option,) = certificate["domainValidationOptions"]  # output only: one element, every field filled
    assert set(option) == {"domainName", "resourceRecordName", "resourceRecordType", "resourceRecordValue"}
    assert by_type["aws:appsync/graphQLApi:GraphQLApi"]["uris"]["GRAPHQL"].startswith("https://")
    assert by_type["aws:eks/cluster:Cluster"]["certificateAuthority"]["data"]
    assert by_type["aws:apigatewayv2/stage:Stage"]["name"].startswith("stage-")
