"""Running Pulumi programs under the mock engine: what it records, what the program sees, and each error."""

import json
import os
import sys
import textwrap
from pathlib import Path

import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import provider_pb2, resource_pb2

from preflight import engine
from preflight.errors import PreflightError
from preflight.model import UNKNOWN, Mode
from preflight.project import load_project

PROGRAMS = Path(__file__).parents[1] / "programs"
WEBAPP = PROGRAMS / "webapp"
REPO = Path(__file__).parents[3]
ACCOUNT = "123456789012"


def make(tmp_path, source, stack="config: {}\n", files=None):
    """A one-file project `demo` (stack dev) in tmp_path, loaded."""
    (tmp_path / "Pulumi.yaml").write_text("name: demo\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text(stack)
    (tmp_path / "__main__.py").write_text(textwrap.dedent(source))
    for name, text in (files or {}).items():
        (tmp_path / name).write_text(textwrap.dedent(text))
    return load_project(tmp_path, "dev")


def run(project, mode=Mode.UPDATE, on_resource=None):
    return engine.run_program(project, mode, ACCOUNT, on_resource)


def by_name(result):
    return {resource.name: resource for resource in result.resources}


def plain(struct):
    return {key: engine.values.plain(value) for key, value in struct.fields.items()}


@pytest.fixture(scope="module")
def webapp_update():
    seen = []
    result = run(load_project(WEBAPP, "dev"), Mode.UPDATE, seen.append)
    return result, seen


@pytest.fixture(scope="module")
def webapp_preview():
    return run(load_project(WEBAPP, "prod"), Mode.PREVIEW)


def test_every_registration_is_recorded_in_order_and_reported_as_it_happens(webapp_update):
    result, seen = webapp_update
    assert seen == result.resources
    types = [resource.type for resource in result.resources]
    assert types[:2] == ["pulumi:providers:aws", "pulumi:pulumi:Stack"]  # the invokes made the provider first
    assert types.index("pulumi:providers:random") < types.index("random:index/randomPassword:RandomPassword")
    resources = by_name(result)
    assert set(resources) >= {
        "webapp-dev",
        "default_7_51_1",
        "default_4_21_4",
        "data-key",
        "data-key-alias",
        "assets",
        "assets-bucket",
        "assets-encryption",
        "assets-policy",
        "app-logs",
        "handler-role",
        "handler",
        "db-password",
        "suffix",
    }
    assert result.seconds > 0


def test_urns_parents_dependencies_and_property_dependencies(webapp_update):
    resources = by_name(webapp_update[0])
    stack = resources["webapp-dev"]
    assert stack.urn == "urn:pulumi:dev::webapp::pulumi:pulumi:Stack::webapp-dev"
    assert stack.parent is None
    assert not stack.custom
    component = resources["assets"]
    assert component.urn == "urn:pulumi:dev::webapp::webapp:storage:SecureBucket::assets"
    assert component.parent == stack.urn
    assert component.provider is None
    assert plain(component.outputs) == {"bucketName": resources["assets-bucket"].id}
    bucket = resources["assets-bucket"]
    assert (
        bucket.urn
        == "urn:pulumi:dev::webapp::webapp:storage:SecureBucket$aws:s3/bucket:Bucket::assets-bucket"
    )
    assert bucket.parent == component.urn
    policy = resources["assets-policy"]
    # Sorted, not in the SDK's set order, so reports of one program are identical from run to run.
    assert policy.dependencies == sorted([bucket.urn, resources["assets-encryption"].urn])
    assert policy.property_dependencies["policy"] == [bucket.urn]
    logs = resources["app-logs"]
    assert logs.property_dependencies["kmsKeyId"] == [resources["data-key"].urn]
    assert logs.protect is False


def test_default_providers_carry_their_package_config(webapp_update):
    resources = by_name(webapp_update[0])
    aws = resources["default_7_51_1"]
    assert aws.urn == "urn:pulumi:dev::webapp::pulumi:providers:aws::default_7_51_1"
    assert aws.custom
    assert aws.parent is None
    assert plain(aws.inputs) == {
        "region": "eu-west-1",
        "defaultTags": '{"tags":{"ManagedBy":"pulumi"}}',
        "version": "7.51.1",
    }
    assert resources["data-key"].provider == f"{aws.urn}::{aws.id}"
    assert plain(resources["default_4_21_4"].inputs) == {"version": "4.21.4"}
    assert (
        resources["suffix"].provider == f"{resources['default_4_21_4'].urn}::{resources['default_4_21_4'].id}"
    )


def test_update_mode_gives_realistic_values(webapp_update):
    result = webapp_update[0]
    resources = by_name(result)
    key = resources["data-key"]
    outputs = plain(key.outputs)
    assert outputs["arn"] == f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/{key.id}"
    assert outputs["tagsAll"] == {
        "ManagedBy": "pulumi",
        "Team": "payments",
        "CostCenter": "CC-1",
        "Environment": "dev",
    }
    assert "arn" not in plain(key.inputs)
    bucket = resources["assets-bucket"]
    assert plain(bucket.inputs)["bucket"] == bucket.id  # autonamed
    assert bucket.id.startswith("assets-bucket-")
    logs = plain(resources["app-logs"].outputs)
    assert logs["arn"] == f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/webapp/dev"
    assert logs["kmsKeyId"] == outputs["arn"]
    function = plain(resources["handler"].outputs)
    assert function["invokeArn"].startswith("arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/")
    password = resources["db-password"].outputs.fields["result"].struct_value.fields
    assert password[engine.values.SIG_KEY].string_value == engine.values.SECRET_SIG
    assert len(password["value"].string_value) == 20
    assert result.outputs["keyArn"] == outputs["arn"]
    assert result.outputs["accountId"] == ACCOUNT
    assert result.outputs["passwordLength"] == 20
    assert result.outputs["dbPassword"] == "preflight-secret-placeholder"
    assert json.loads(plain(key.inputs)["policy"])["Statement"][1]["Condition"] == {
        "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:*"}
    }
    assert any("webapp:dbPassword" in warning for warning in result.warnings)


def test_preview_mode_leaves_computed_values_unknown(webapp_preview):
    result = webapp_preview
    resources = by_name(result)
    aws = resources["default_7_51_1"]
    assert aws.id == UNKNOWN
    key = resources["data-key"]
    assert key.provider == f"{aws.urn}::{UNKNOWN}"
    assert key.id is None
    assert key.protect is True  # the prod stack protects the key
    outputs = plain(key.outputs)
    assert outputs["arn"] == UNKNOWN
    assert outputs["keyId"] == UNKNOWN
    assert outputs["tagsAll"] == {"ManagedBy": "pulumi", "Environment": "prod"}
    bucket = resources["assets-bucket"]
    assert plain(bucket.inputs)["bucket"].startswith("assets-bucket-")  # autonames are known in a preview
    assert plain(bucket.outputs)["websiteEndpoint"] == UNKNOWN
    assert plain(resources["assets-policy"].inputs)["policy"] == UNKNOWN
    assert "app-logs" not in resources  # enableLogs is false in prod
    assert result.outputs["keyArn"] == UNKNOWN
    assert result.outputs["bucketName"] == plain(bucket.inputs)["bucket"]
    assert "logs are disabled for this stack" in result.warnings
    arn = plain(resources["handler-role"].outputs)["arn"]
    assert arn == UNKNOWN


def test_runs_restore_the_process_and_are_reproducible(tmp_path, webapp_update):
    cwd, path, argv = os.getcwd(), list(sys.path), list(sys.argv)
    again = run(load_project(WEBAPP, "dev"))
    assert (os.getcwd(), sys.path, sys.argv) == (cwd, path, argv)
    assert "storage" not in sys.modules
    first = by_name(webapp_update[0])
    assert [r.urn for r in again.resources] == [r.urn for r in webapp_update[0].resources]
    assert by_name(again)["data-key"].id == first["data-key"].id
    assert again.outputs == webapp_update[0].outputs


def test_a_second_project_with_the_same_module_names_is_clean(tmp_path):
    project = make(
        tmp_path,
        """
        import pulumi
        from storage import VALUE
        pulumi.export("value", VALUE)
        """,
        files={"storage.py": "VALUE = 'mine'\n"},
    )
    assert run(project).outputs == {"value": "mine"}


def test_explicit_providers_regions_and_resource_options(tmp_path):
    project = make(
        tmp_path,
        """
        import pulumi
        import pulumi_aws as aws

        west = aws.Provider("west", region="us-west-2", default_tags={"tags": {"Owner": "ops"}})
        logs = aws.cloudwatch.LogGroup(
            "logs", name="/x", tags={"A": "1"}, opts=pulumi.ResourceOptions(provider=west)
        )
        here = aws.cloudwatch.LogGroup("here", name="/y", region="eu-central-1", opts=pulumi.ResourceOptions(
            provider=west, retain_on_delete=True, delete_before_replace=True, ignore_changes=["tags"],
            additional_secret_outputs=["arn", "name"], import_="/y",
        ))
        secret_tags = aws.s3.Bucket("b", tags=pulumi.Output.secret({"A": "1"}), opts=pulumi.ResourceOptions(
            provider=west, additional_secret_outputs=["tags"]))
        pulumi.export("arn", logs.arn)
        """,
    )
    result = run(project)
    resources = by_name(result)
    assert "default_7_51_1" not in resources  # nothing used the default provider
    provider = resources["west"]
    assert provider.type == "pulumi:providers:aws"
    assert provider.provider is None
    assert json.loads(plain(provider.inputs)["defaultTags"]) == {"tags": {"Owner": "ops"}}
    assert resources["logs"].provider == f"{provider.urn}::{provider.id}"
    outputs = plain(resources["logs"].outputs)
    assert outputs["arn"] == f"arn:aws:logs:us-west-2:{ACCOUNT}:log-group:/x"
    assert outputs["tagsAll"] == {"Owner": "ops", "A": "1"}
    here = resources["here"]
    assert here.retain_on_delete
    assert here.delete_before_replace is True
    assert here.ignore_changes == ["tags"]
    assert here.additional_secret_outputs == ["arn", "name"]
    assert here.id == "/y"
    arn = here.outputs.fields["arn"].struct_value.fields
    assert arn["value"].string_value == f"arn:aws:logs:eu-central-1:{ACCOUNT}:log-group:/y"
    assert resources["logs"].delete_before_replace is None
    tags = resources["b"].outputs.fields["tags"].struct_value.fields
    assert set(tags) == {engine.values.SIG_KEY, "value"}
    assert result.outputs["arn"] == outputs["arn"]


def test_preview_keeps_import_ids(tmp_path):
    project = make(
        tmp_path,
        """
        import pulumi
        import pulumi_aws as aws
        aws.cloudwatch.LogGroup("g", name="/g", opts=pulumi.ResourceOptions(import_="/g"))
        """,
    )
    assert by_name(run(project, Mode.PREVIEW))["g"].id == "/g"


def test_aliases_are_recorded_as_urns(tmp_path):
    project = make(
        tmp_path,
        """
        import pulumi
        import pulumi_aws as aws

        class Box(pulumi.ComponentResource):
            def __init__(self, name, opts=None):
                super().__init__("demo:index:Box", name, None, opts)
                aws.sns.Topic("t", opts=pulumi.ResourceOptions(parent=self, aliases=[
                    pulumi.Alias(name="old-t"),
                    pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE),
                    pulumi.Alias(stack="other", project="proj", type_="aws:sns/topic:OldTopic"),
                ]))
                self.register_outputs({})

        box = Box("box")
        aws.sns.Topic("u", opts=pulumi.ResourceOptions(aliases=[
            pulumi.Alias(parent=box), "urn:pulumi:dev::demo::aws:sns/topic:Topic::legacy"]))
        """,
    )
    resources = by_name(run(project))
    assert resources["t"].aliases == [
        "urn:pulumi:dev::demo::demo:index:Box$aws:sns/topic:Topic::old-t",
        "urn:pulumi:dev::demo::aws:sns/topic:Topic::t",
        "urn:pulumi:other::proj::demo:index:Box$aws:sns/topic:OldTopic::t",
    ]
    assert set(resources["u"].aliases) == {
        "urn:pulumi:dev::demo::demo:index:Box$aws:sns/topic:Topic::u",
        "urn:pulumi:dev::demo::aws:sns/topic:Topic::legacy",
    }


def test_reads_stack_references_get_resource_and_unmocked_calls(tmp_path):
    project = make(
        tmp_path,
        """
        import pulumi
        import pulumi_aws as aws

        ref = pulumi.StackReference("acme/network/prod")
        existing = aws.s3.Bucket.get("existing", "legacy-bucket")
        old_key = aws.kms.Key.get("old-key", "1234abcd-12ab-34cd-56ef-1234567890ab")
        topic = aws.sns.Topic("topic", name="alerts")
        again = topic.urn.apply(lambda urn: aws.sns.Topic("again", opts=pulumi.ResourceOptions(urn=urn)).arn)
        ami = pulumi.runtime.invoke("aws:ec2/getAmi:getAmi", {"mostRecent": True}).value
        pulumi.runtime.invoke("aws:ec2/getAmi:getAmi", {})
        pulumi.runtime.invoke("pulumi:pulumi:notAFunction", {})
        pulumi.runtime.invoke("pulumi:pulumi:notAFunction", {"again": True})
        pulumi.export("existingArn", existing.arn)
        pulumi.export("refOutputs", ref.outputs)
        pulumi.export("again", again)
        pulumi.export("ami", ami)
        """,
    )
    result = run(project)
    assert result.outputs["existingArn"] == "arn:aws:s3:::legacy-bucket"
    assert result.outputs["refOutputs"] == {}
    assert result.outputs["again"] == f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts"
    assert result.outputs["ami"]["imageId"].startswith("ami-")  # answered from the SDK's result type
    assert result.synthesized_invokes == ["aws:ec2/getAmi:getAmi"]
    assert "existing" not in by_name(result)  # reads are not registrations
    assert any("stack reference acme/network/prod" in warning for warning in result.warnings)
    assert not any("getAmi" in warning for warning in result.warnings)
    unmocked = "invoke pulumi:pulumi:notAFunction is not mocked; it returned no values"
    assert result.warnings.count(unmocked) == 1  # once, however often the program calls it


def test_logs_components_without_sdks_and_dynamic_code(tmp_path):
    project = make(
        tmp_path,
        """
        import pulumi
        import pulumi_aws as aws

        bucket = aws.s3.Bucket("logged")
        pulumi.log.warn("careful", resource=bucket)
        pulumi.log.info("ignored")
        widget = pulumi.CustomResource("acme:index:Widget", "widget", {"size": 3})
        remote = pulumi.ComponentResource("acme:index:Remote", "remote", {}, None, remote=True)
        exec("import pulumi_aws as aws\\naws.sns.Topic('dynamic')")
        pulumi.export("widgetId", widget.id)
        """,
    )
    result = run(project)
    resources = by_name(result)
    assert "logged: careful" in result.warnings
    assert resources["default"].type == "pulumi:providers:acme"  # no installed SDK, so no version
    assert result.outputs["widgetId"].startswith("widget-")
    assert any("multi-language component" in warning for warning in result.warnings)
    assert "dynamic" in resources


def test_transforms_are_reported_not_run(tmp_path):
    project = make(
        tmp_path,
        """
        import pulumi
        import pulumi_aws as aws

        def tag_everything(args):
            return None

        pulumi.runtime.register_resource_transform(tag_everything)
        pulumi.runtime.register_invoke_transform(lambda args: None)
        aws.sns.Topic("t", opts=pulumi.ResourceOptions(transforms=[tag_everything]))
        """,
    )
    warnings = run(project).warnings
    assert "stack transforms are not run by preflight; resources are analysed as declared" in warnings
    assert "invoke transforms are not run by preflight; invokes are answered as declared" in warnings
    assert "t: resource transforms are not run by preflight; it is analysed as declared" in warnings


# --- errors ------------------------------------------------------------------------------------------------


def test_a_program_that_raises_names_the_innermost_project_line(tmp_path):
    project = make(
        tmp_path,
        """
        import helper
        helper.build()
        """,
        files={"helper.py": "def build():\n    raise ValueError('bad\\nvalue')\n"},
    )
    with pytest.raises(PreflightError) as raised:
        run(project)
    assert raised.value.message == "program __main__.py failed: ValueError: bad value (at helper.py:2)"
    assert "Traceback" in raised.value.detail


def test_the_programs_prints_go_to_standard_error_not_into_the_report(tmp_path, capsys):
    project = make(tmp_path, "import sys\nprint('progress')\nsys.stdout.write('more\\n')\n")
    run(project)
    out, err = capsys.readouterr()
    assert (out, err) == ("", "progress\nmore\n")
    print("after")
    assert capsys.readouterr().out == "after\n"


def test_missing_required_config(tmp_path):
    project = make(tmp_path, "import pulumi\npulumi.Config().require('name')\n")
    with pytest.raises(PreflightError) as raised:
        run(project)
    assert raised.value.message == (
        "missing required configuration value demo:name: set it in Pulumi.dev.yaml (at __main__.py:2)"
    )


def test_duplicate_urns_are_rejected_like_the_engine(tmp_path):
    project = make(
        tmp_path,
        """
        import pulumi_aws as aws
        aws.sns.Topic("same")
        aws.sns.Topic("same")
        """,
    )
    with pytest.raises(PreflightError) as raised:
        run(project)
    assert raised.value.message == (
        "program __main__.py failed: duplicate resource URN urn:pulumi:dev::demo::aws:sns/topic:Topic::same: "
        "two resources of type aws:sns/topic:Topic are named 'same' (at __main__.py:4); "
        "give each a unique name"
    )


def test_duplicates_made_by_generated_code_have_no_location(tmp_path):
    project = make(
        tmp_path,
        """
        for _ in range(3):
            exec("import pulumi_aws as aws\\naws.sns.Topic('same')")
        """,
    )
    with pytest.raises(PreflightError) as raised:
        run(project)
    assert raised.value.message.endswith("are named 'same'; give each a unique name")


def test_log_error_fails_the_run(tmp_path):
    project = make(tmp_path, "import pulumi\npulumi.log.error('no good')\npulumi.log.error('twice')\n")
    with pytest.raises(PreflightError) as raised:
        run(project)
    assert raised.value.message == "program __main__.py reported an error: no good"
    assert raised.value.detail == "no good\ntwice"


def test_missing_file_archive_is_reported_with_its_path(tmp_path):
    project = make(
        tmp_path,
        """
        import pulumi
        import pulumi_aws as aws
        aws.lambda_.Function("fn", role="arn:aws:iam::1:role/r", runtime="python3.12", handler="a.h",
            code=pulumi.AssetArchive({"a.py": pulumi.FileAsset("./src/a.py")}))
        """,
    )
    with pytest.raises(PreflightError) as raised:
        run(project)
    assert (
        "fn (aws:lambda/function:Function) uses the file asset or archive './src/a.py', which does not exist"
        in (raised.value.message)
    )
    assert "(at __main__.py:4)" in raised.value.message


def test_existing_file_archives_pass(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("")
    project = make(
        tmp_path,
        """
        import pulumi
        import pulumi_aws as aws
        aws.lambda_.Function("fn", role="arn:aws:iam::1:role/r", runtime="python3.12", handler="a.h",
            code=pulumi.AssetArchive({"a.py": pulumi.FileAsset("./src/a.py"), "b": pulumi.StringAsset("x")}),
            layers=[pulumi.FileArchive("./src")])
        """,
    )
    assert by_name(run(project))["fn"].id.startswith("fn-")


def test_system_exit_and_errors_outside_project_code(tmp_path):
    with pytest.raises(PreflightError, match=r"failed: SystemExit: exit status 3 \(at __main__.py:2\)"):
        run(make(tmp_path, "import sys\nsys.exit(3)\n"))
    project = make(
        tmp_path,
        """
        import json
        import pulumi
        pulumi.export("x", pulumi.Output.from_input({1, 2}).apply(json.dumps))
        """,
    )
    with pytest.raises(PreflightError) as raised:
        run(project)
    assert raised.value.message.startswith("program __main__.py failed: TypeError: Object of type set")
    assert "(at " not in raised.value.message


def test_invoke_failures_fail_the_program(tmp_path):
    project = make(
        tmp_path,
        """
        import pulumi_aws as aws
        statements = [{"sid": "A", "actions": ["a"]}, {"sid": "A", "actions": ["b"]}]
        aws.iam.get_policy_document(statements=statements)
        """,
    )
    with pytest.raises(
        PreflightError, match=r"invoke of aws:iam/getPolicyDocument:getPolicyDocument failed: "
    ):
        run(project)


def test_unknown_resource_urn_fails_get_resource(tmp_path):
    project = make(
        tmp_path,
        """
        import pulumi
        import pulumi_aws as aws
        aws.sns.Topic("t", opts=pulumi.ResourceOptions(urn="urn:pulumi:dev::demo::aws:sns/topic:Topic::nope"))
        """,
    )
    with pytest.raises(
        PreflightError, match=r"unknown resource urn:pulumi:dev::demo::aws:sns/topic:Topic::nope"
    ):
        run(project)


def test_disabled_default_providers(tmp_path):
    project = make(
        tmp_path,
        "import pulumi_aws as aws\naws.sns.Topic('t')\n",
        stack="config:\n  pulumi:disable-default-providers: [aws]\n",
    )
    with pytest.raises(
        PreflightError, match=r"default provider for aws is disabled .* uses no explicit provider"
    ):
        run(project)


def test_program_location_follows_causes_and_survives_cycles(tmp_path):
    project = make(tmp_path, "")
    code = compile("raise KeyError('inner')", str(tmp_path / "mod.py"), "exec")

    def wrap():
        try:
            exec(code)
        except KeyError as inner:
            raise RuntimeError("outer") from inner

    with pytest.raises(RuntimeError) as raised:
        wrap()
    assert engine._program_location(project, raised.value) == "mod.py:1"
    first, second = ValueError("a"), ValueError("b")
    first.__context__, second.__context__ = second, first
    assert engine._program_location(project, first) is None
    assert engine._relative(project, Path("/elsewhere/x.py")) == "/elsewhere/x.py"
    assert engine._format_detail(None) is None


# --- monitor details -------------------------------------------------------------------------------------


def test_monitor_answers_the_rarely_used_calls(tmp_path):
    project = make(tmp_path, "")
    monitor = engine._Monitor(project, Mode.UPDATE, ACCOUNT, None)
    assert (
        monitor.Call(resource_pb2.ResourceCallRequest(tok="acme:index:method")) == provider_pb2.CallResponse()
    )
    assert monitor.warnings == ["call acme:index:method is not mocked; it returned no values"]
    monitor.RegisterResource(
        resource_pb2.RegisterResourceRequest(type="aws:sns/topic:Topic", name="t", custom=True)
    )
    topic = monitor.registered["urn:pulumi:dev::demo::aws:sns/topic:Topic::t"]
    request = resource_pb2.ExistsResourceRequest(id=topic.id, type="aws:sns/topic:Topic")
    assert monitor.ExistsResource(request).exists
    assert not monitor.ExistsResource(
        resource_pb2.ExistsResourceRequest(id="other", type="aws:sns/topic:Topic")
    ).exists
    for text in ("not json", '{"tags": ["a"]}', "[]"):
        bad = struct_pb2.Struct()
        bad.update({"defaultTags": text})
        monitor._remember_provider("urn:p", bad)
        assert monitor.providers["urn:p"].default_tags == {}
    assert monitor.engine.RequirePulumiVersion(None) == empty_pb2.Empty()


def test_installed_versions(tmp_path, monkeypatch):
    assert engine._installed_version("random") == "4.21.4"
    assert engine._installed_version("no-such-package") == ""
    package = tmp_path / "pulumi_brokenpkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "pulumi-plugin.json").write_text("{not json")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert engine._installed_version("brokenpkg") == ""


def test_inline_loop_keeps_explicit_executors(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    loop = engine._InlineLoop()
    try:
        with ThreadPoolExecutor(1) as pool:
            assert loop.run_until_complete(loop.run_in_executor(pool, sum, [1, 2])) == 3
        assert loop.run_until_complete(loop.run_in_executor(None, sum, [3])) == 3
    finally:
        loop.close()


def test_a_run_leaves_a_disabled_collector_disabled(tmp_path):
    import gc

    gc.disable()
    try:
        run(make(tmp_path, "import pulumi\npulumi.export('a', 1)\n"))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_garbage_of_earlier_runs_is_collected_once_it_has_grown_by_a_quarter(monkeypatch):
    import gc
    import weakref

    monkeypatch.setitem(engine._garbage, "deferred", False)
    monkeypatch.setitem(engine._garbage, "live", 0)

    class Cycle:
        pass

    def garbage():
        cycle = Cycle()
        cycle.me = cycle
        return weakref.ref(cycle)

    was_enabled = gc.isenabled()
    gc.disable()  # the cycles below must wait for the engine's collection, not the collector's own
    try:
        first = garbage()
        engine._defer_garbage()  # a run ends: what it left is frozen
        engine._collect_deferred_garbage()  # the next run starts: the first collection of this process
        assert first() is None
        assert gc.get_freeze_count() == 0
        live = engine._garbage["live"]
        assert live > 0
        second = garbage()
        engine._defer_garbage()
        engine._collect_deferred_garbage()  # little was deferred since: it stays frozen
        assert second() is not None
        assert gc.get_freeze_count() > live
        kept = [[] for _ in range(live // 4 + 1)]  # a quarter more objects
        engine._defer_garbage()
        engine._collect_deferred_garbage()
        assert second() is None
        assert gc.get_freeze_count() == 0
        assert engine._garbage["live"] >= len(kept)  # what stays alive is the next baseline
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def test_secret_provider_config_reaches_the_default_provider_as_a_secret(tmp_path):
    project = make(
        tmp_path,
        "import pulumi_aws as aws\naws.sns.Topic('t')\n",
        stack="config:\n  aws:secretKey:\n    secure: AAAA\n  aws:allowedAccountIds: ['1']\n",
    )
    provider = by_name(run(project))["default_7_51_1"]
    secret = provider.inputs.fields["secretKey"].struct_value.fields
    assert secret[engine.values.SIG_KEY].string_value == engine.values.SECRET_SIG
    assert plain(provider.inputs)["allowedAccountIds"] == '["1"]'


def test_call_site_without_a_file_has_no_position():
    assert engine._file_uri("<string>") is None
    assert engine._call_site_stack_trace() == engine.source_pb2.StackTrace()


@pytest.mark.skipif(
    not (REPO / "__main__.py").exists(), reason="the project's own program is not written yet"
)
def test_the_projects_own_program_runs_in_both_modes():
    project = load_project(REPO, "dev")
    for mode in (Mode.PREVIEW, Mode.UPDATE):
        result = run(project, mode)
        assert len(result.resources) > 20
        assert result.outputs["region"] == project.config["aws:region"]
        assert result.outputs["accountId"] == ACCOUNT


@pytest.mark.parametrize("mode", list(Mode), ids=lambda mode: mode.value)
def test_inputs_come_back_in_the_shape_their_outputs_declare(tmp_path, mode):
    # A policy document given as a dict for a string property comes back as its JSON, as pulumi-aws stores
    # it; a list where a map is declared, which the SDK rejects with an AssertionError, is left out.
    project = make(
        tmp_path,
        """
        import pulumi
        import pulumi_aws as aws

        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}
        role = aws.iam.Role("r", assume_role_policy=trust, max_session_duration="7200")
        pulumi.export("policy", role.assume_role_policy)
        pulumi.export("duration", role.max_session_duration)
        pulumi.export("types", pulumi.Output.all(role.assume_role_policy, role.max_session_duration).apply(
            lambda values: [type(value).__name__ for value in values]))
        """,
    )
    outputs = run(project, mode).outputs
    assert outputs["policy"] == (
        '{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow"}],"Version":"2012-10-17"}'
    )
    assert (outputs["duration"], outputs["types"]) == (7200, ["str", "int"])
