"""Dynamic providers as the engine runs them: configured with the whole stack config, then ``check``, whose
inputs are what gets registered; a refusal or a failure of the provider's code fails the run in one line.
``create`` never runs offline."""

import textwrap
from pathlib import Path

import pytest
from google.protobuf import json_format

from preflight import engine
from preflight.errors import PreflightError
from preflight.model import UNKNOWN, Mode
from preflight.project import SECRET_PLACEHOLDER, load_project

ACCOUNT = "123456789012"
STACK_CONFIG = """
config:
  demo:greeting: hello
  demo:limits:
    max: 3
  demo:token:
    secure: AAABAKEYCIPHERTEXT
  aws:region: eu-west-1
"""
PROVIDER = """
import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, ResourceProvider, Resource


class Greeter(ResourceProvider):
    def configure(self, req):
        self.config = {
            key: req.config.get(key) for key in ("greeting", "limits", "token", "aws:region", "missing")
        }
        log = req.config.get("log")
        if log:
            with open(log, "a") as handle:
                handle.write("configured\\n")
        if req.config.get("fail") == "configure":
            raise ValueError("no credentials in the config")

    def check(self, olds, news):
        if self.config["greeting"] == "raise":
            raise RuntimeError("the check\\n itself broke")
        if self.config["greeting"] == "exit":
            raise SystemExit(3)  # not an Exception: the thread must still report it
        failures = [CheckFailure("size", "must be under 10")] if news["size"] >= 10 else []
        if news.get("label") == "":
            failures.append(CheckFailure("label", "must not be empty"))
        seen = {key: type(value).__name__ for key, value in sorted(news.items()) if key != "__provider"}
        return CheckResult({**news, "config": self.config, "seen": seen, "olds": olds}, failures)

    def create(self, props):
        raise RuntimeError("create must not run offline")


class Greeting(Resource):
    config: pulumi.Output[dict]
    seen: pulumi.Output[dict]

    def __init__(self, name, props, opts=None):
        super().__init__(Greeter(), name, {"config": None, "seen": None, **props}, opts)
"""


def project(tmp_path: Path, body: str, config: str = STACK_CONFIG):
    (tmp_path / "Pulumi.yaml").write_text("name: demo\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text(textwrap.dedent(config))
    (tmp_path / "__main__.py").write_text(PROVIDER + textwrap.dedent(body))
    return load_project(tmp_path, "dev")


def registered(run: engine.ProgramRun, name: str):
    return next(resource for resource in run.resources if resource.name == name)


def plain(resource) -> dict:
    return json_format.MessageToDict(resource.inputs)


@pytest.mark.parametrize("mode", list(Mode))
def test_check_gets_the_stack_config_and_its_inputs_are_what_is_registered(tmp_path, mode):
    run = engine.run_program(
        project(tmp_path, 'g = Greeting("hi", {"size": 3})\npulumi.export("config", g.config)\n'),
        mode,
        ACCOUNT,
    )
    config = {
        "greeting": "hello",  # a key without a namespace is the project's, as pulumi.Config reads it
        "limits": '{"max":3}',  # structured values arrive as JSON text, as the engine sends config
        "token": SECRET_PLACEHOLDER,  # a secret arrives in plain text: the plugin unwraps secrets
        "aws:region": "eu-west-1",  # every namespace, not only the project's
        "missing": None,
    }
    inputs = plain(registered(run, "hi"))
    assert inputs["config"] == config
    assert inputs["size"] == 3
    assert inputs["seen"] == {"size": "float"}  # a number on the wire is a double, as the plugin reads it
    assert inputs["olds"] == {}  # a first deployment: no old inputs
    # A dynamic resource's outputs are its checked inputs: what `check` added is what the program reads.
    # (Exporting it, the SDK drops the None value, under the CLI as here.)
    assert run.outputs["config"] == {key: value for key, value in config.items() if value is not None}


def test_the_default_dynamic_provider_carries_the_whole_config_with_namespaces_and_secrets_marked(tmp_path):
    run = engine.run_program(project(tmp_path, 'Greeting("hi", {"size": 3})\n'), Mode.PREVIEW, ACCOUNT)
    provider = registered(run, "default")
    assert provider.type == "pulumi:providers:pulumi-python"
    assert plain(provider) == {
        "aws:region": "eu-west-1",
        "demo:greeting": "hello",
        "demo:limits": '{"max":3}',
        "demo:token": {engine.values.SIG_KEY: engine.values.SECRET_SIG, "value": SECRET_PLACEHOLDER},
    }
    assert registered(run, "hi").provider.startswith(provider.urn + "::")


def test_unknown_inputs_reach_check_unknown_at_preview_and_secrets_stay_secret(tmp_path):
    body = """
    key = pulumi.CustomResource("aws:kms/key:Key", "key", {})
    Greeting("hi", {"size": 3, "arn": key.id, "password": pulumi.Output.secret("s3cret")})
    """
    run = engine.run_program(project(tmp_path, body), Mode.PREVIEW, ACCOUNT)
    inputs = registered(run, "hi").inputs
    # The id of a resource not yet created is unknown at preview: check sees the SDK's Unknown.
    assert plain(registered(run, "hi"))["seen"] == {"arn": "Unknown", "password": "str", "size": "float"}
    assert engine.values.plain(inputs.fields["arn"]) == UNKNOWN
    # The secret reached check in plain text and is marked secret again in what is registered.
    password = inputs.fields["password"].struct_value.fields
    assert password[engine.values.SIG_KEY].string_value == engine.values.SECRET_SIG
    assert password["value"].string_value == "s3cret"


@pytest.mark.parametrize("mode", list(Mode))
def test_check_failures_fail_the_run_in_one_line_naming_the_resource_and_the_properties(tmp_path, mode):
    with pytest.raises(PreflightError) as raised:
        engine.run_program(project(tmp_path, 'Greeting("hi", {"size": 30, "label": ""})\n'), mode, ACCOUNT)
    assert raised.value.message.startswith(
        "program __main__.py failed: hi (pulumi-python:dynamic:Resource) failed its dynamic provider's "
        "check: size: must be under 10; label: must not be empty (at __main__.py:"
    )
    assert "\n" not in raised.value.message


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            STACK_CONFIG + "  demo:fail: configure\n",
            "the dynamic provider of hi (pulumi-python:dynamic:Resource) raised ValueError: no credentials "
            "in the config",
        ),
        (
            STACK_CONFIG.replace("demo:greeting: hello", "demo:greeting: raise"),
            "the dynamic provider of hi (pulumi-python:dynamic:Resource) raised RuntimeError: the check "
            "itself broke",
        ),
        (
            STACK_CONFIG.replace("demo:greeting: hello", "demo:greeting: exit"),
            "the dynamic provider of hi (pulumi-python:dynamic:Resource) raised SystemExit: 3",
        ),
    ],
)
def test_a_provider_whose_configure_or_check_raises_fails_the_run_in_one_line(tmp_path, config, expected):
    with pytest.raises(PreflightError) as raised:
        engine.run_program(project(tmp_path, 'Greeting("hi", {"size": 3})\n', config), Mode.UPDATE, ACCOUNT)
    assert raised.value.message.startswith(f"program __main__.py failed: {expected} (at __main__.py:")


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({"__provider": "bm90IGEgcGlja2xl"}, "cannot be unpickled: UnpicklingError: "),
        ({}, "has no serialized dynamic provider in its __provider input"),
        ({"__provider": 7}, "has no serialized dynamic provider in its __provider input"),
    ],
)
def test_a_dynamic_resource_without_a_usable_provider_is_one_line(tmp_path, props, expected):
    body = f'pulumi.CustomResource("pulumi-python:dynamic:Resource", "raw", {props!r})\n'
    with pytest.raises(PreflightError) as raised:
        engine.run_program(project(tmp_path, body), Mode.PREVIEW, ACCOUNT)
    assert "raw (pulumi-python:dynamic:Resource)" in raised.value.message
    assert expected in raised.value.message
    assert "\n" not in raised.value.message


def test_each_provider_is_unpickled_and_configured_once_as_the_plugin_caches_it(tmp_path):
    log = tmp_path / "configured.log"
    config = STACK_CONFIG + f"  demo:log: {log}\n"
    body = """
    class Shared(Resource):
        pass

    provider = Greeter()
    provider.flavour = "shared"  # pickled apart from Greeting's fresh Greeter(), which has no attributes
    for name in ("a", "b", "c"):
        Shared(provider, name, {"size": 1})
    Greeting("other", {"size": 2})
    """
    run = engine.run_program(project(tmp_path, body, config), Mode.UPDATE, ACCOUNT)
    assert [r.name for r in run.resources if r.type == "pulumi-python:dynamic:Resource"] == [
        "a",
        "b",
        "c",
        "other",
    ]
    # The plugin caches providers by their pickled text: one configure for the three resources that share a
    # provider, one for the fourth.
    assert log.read_text() == "configured\n" * 2


@pytest.mark.parametrize(("mode", "key_id"), [(Mode.PREVIEW, "Unknown"), (Mode.UPDATE, "str")])
def test_resources_given_as_inputs_reach_check_as_their_id_or_urn(tmp_path, mode, key_id):
    body = """
    key = pulumi.CustomResource("aws:kms/key:Key", "key", {})
    group = pulumi.ComponentResource("demo:index:Group", "group")
    Greeting("hi", {"size": 3, "key": key, "group": group, "both": [key, group]})
    """
    run = engine.run_program(project(tmp_path, body), mode, ACCOUNT)
    inputs = plain(registered(run, "hi"))
    # As the engine sends them to a provider that takes no resource references: a custom resource's id
    # (unknown at preview, before it exists), a component's URN.
    assert inputs["seen"] == {"both": "list", "group": "str", "key": key_id, "size": "float"}
    assert inputs["group"] == "urn:pulumi:dev::demo::demo:index:Group::group"
    assert inputs["both"][1] == inputs["group"]
    key = registered(run, "key")
    assert inputs["key"] == (UNKNOWN if mode is Mode.PREVIEW else key.id)


def test_secrets_inside_objects_and_lists_are_marked_again_where_check_kept_them(tmp_path):
    body = """
    secret = pulumi.Output.secret
    Greeting("hi", {"size": 3, "nested": {"pw": secret("x"), "plain": 1}, "items": [secret("y"), "z"],
                    "already": secret("w")})
    """
    checked = """
    from pulumi.runtime import rpc
    _check = Greeter.check

    def check(self, olds, news):
        # Marks one secret itself and adds a field inside an object.
        news = {**news, "already": rpc.wrap_rpc_secret("w"), "nested": {**news["nested"], "extra": 2}}
        return _check(self, olds, news)

    Greeter.check = check
    """
    run = engine.run_program(project(tmp_path, checked + body), Mode.UPDATE, ACCOUNT)
    inputs = plain(registered(run, "hi"))
    secret = engine.values.SIG_KEY, engine.values.SECRET_SIG

    def marked(value):
        return {secret[0]: secret[1], "value": value}

    assert inputs["nested"] == {"pw": marked("x"), "plain": 1, "extra": 2}
    assert inputs["items"] == [marked("y"), "z"]
    assert inputs["already"] == marked("w")  # marked once, not wrapped again
