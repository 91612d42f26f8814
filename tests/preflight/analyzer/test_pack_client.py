"""The analyzer client against real packs started as the CLI starts them (tests/preflight/packs/)."""

import json
import os
import shutil
import sys
from pathlib import Path

import pulumi_policy
import pytest
from pack_helpers import PACKS, PROVIDER_URN, STACK_URN, client, lookup_in, provider, resource, settings

from preflight import analyzer
from preflight.errors import PreflightError
from preflight.model import UNKNOWN, Violation
from preflight.policy_config import PolicyConfig
from preflight.wire import wire_properties

BUCKET = "aws:s3/bucket:Bucket"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
KEY = "aws:kms/key:Key"


def bucket(name: str, **inputs):
    return resource(BUCKET, name, {"bucket": f"acme-{name}", "versioned": True, **inputs})


def analyze(pack, target):
    return pack.analyze(target, provider())


# -- what the pack says about itself ----------------------------------------------------------------------


def test_start_reads_the_pack_and_its_policies(basic):
    info = basic.info
    assert (info.name, info.version) == ("basic-test-pack", "2.0.0")  # PulumiPolicy.yaml's version wins
    assert basic.name == "basic-test-pack"
    assert basic.plugin_version == pulumi_policy.version.VERSION
    names = [p.name for p in info.policies]
    assert names == [
        "bucket-versioning",
        "name-prefix",
        "probe",
        "remediated",
        "disabled",
        "side-effects",
        "log-group-key",
    ]
    versioning = info.policies[0]
    assert versioning.description == "Buckets are versioned."
    assert versioning.enforcement_level == "mandatory"
    assert versioning.severity == "high"
    assert versioning.framework == "PCI-DSS 4.0 (10.5.1)"
    assert versioning.remediation_steps == "Set versioned=True."
    assert versioning.url.startswith("https://docs.aws.amazon.com/")
    assert versioning.config_schema is None
    prefix = info.policies[1]
    assert prefix.enforcement_level == "advisory"
    assert prefix.config_schema["required"] == ["prefix"]
    assert prefix.config_schema["properties"]["mode"]["enum"] == ["strict", "lenient"]
    assert {p.name: p.enforcement_level for p in info.policies}["remediated"] == "remediate"
    assert {p.name: p.enforcement_level for p in info.policies}["disabled"] == "disabled"


# -- Analyze -----------------------------------------------------------------------------------------------


def test_the_pack_analyses_below_the_programs_priority_on_every_thread(basic):
    # Linux gives each thread its own priority: the server's threads, which do the work, are lowered too.
    analyze(basic, bucket("data"))  # the server has started threads for its calls
    threads = analyzer._threads_of(basic._process.pid)
    assert len(threads) > 1
    expected = min(19, os.getpriority(os.PRIO_PROCESS, 0) + analyzer.NICENESS)
    assert {thread: os.getpriority(os.PRIO_PROCESS, thread) for thread in threads} == dict.fromkeys(
        threads, expected
    )


def test_the_packs_threads_share_one_cpu_when_there_are_several(basic):
    analyze(basic, bucket("data"))
    cpus = os.sched_getaffinity(0)
    placed = {thread: os.sched_getaffinity(thread) for thread in analyzer._threads_of(basic._process.pid)}
    if len(cpus) == 1:  # nothing to choose
        assert set(map(frozenset, placed.values())) == {frozenset(cpus)}
        return
    (cpu,) = next(iter(placed.values()))
    assert cpu in cpus
    assert placed == {thread: {cpu} for thread in placed}


def test_a_compliant_resource_has_no_violation(basic):
    assert analyze(basic, bucket("data")) == []


def test_a_violation_carries_level_severity_and_the_resource_urn(basic):
    target = bucket("data", versioned=False)
    assert analyze(basic, target) == [
        Violation(
            policy_pack="basic-test-pack",
            policy="bucket-versioning",
            enforcement_level="mandatory",
            severity="high",
            urn=target.urn,
            message="Buckets are versioned.\nbucket data is not versioned",
        )
    ]


def test_unknowns_reach_the_pack_as_unknowns_and_give_advisory_cannot_run(basic):
    target = bucket("data", versioned=UNKNOWN)
    (violation,) = analyze(basic, target)
    assert violation.policy == "bucket-versioning"
    assert violation.enforcement_level == "advisory"
    assert violation.urn == target.urn
    assert "can't run policy 'bucket-versioning'" in violation.message
    assert "during preview" in violation.message


def test_schema_defaults_and_the_packs_initial_config_reach_the_pack(basic):
    (violation,) = analyze(basic, resource(BUCKET, "logs", {"bucket": "other-logs", "versioned": True}))
    assert violation.policy == "name-prefix"
    assert violation.severity == "low"
    # prefix and mode are schema defaults; maxLength 50 comes from the pack's initial_config (default 63)
    assert violation.message.endswith("breaks prefix=acme- maxLength=50.0 mode=strict")


def test_remediate_that_still_fails_is_mandatory_and_disabled_never_runs(basic):
    (violation,) = analyze(basic, bucket("data", remediateMe=True))
    assert (violation.policy, violation.enforcement_level, violation.severity) == (
        "remediated",
        "mandatory",
        "medium",
    )


def test_the_request_carries_provider_options_and_stack_settings(basic):
    target = resource(
        "aws:sqs/queue:Queue",
        "jobs",
        {
            "probe": True,
            "name": "jobs",
            "__defaults": ["name"],
            "kmsKey": {
                "4dabf18193072939515e22adb298388d": "5cf8f73096256a8f31e491e813e4eb8e",
                "urn": "urn:pulumi:dev::shop::aws:kms/key:Key::k",
                "id": "key-123",
            },
            "policy": {
                "4dabf18193072939515e22adb298388d": "d0e6a833031e9bbcd3f4e8bde6ca49a4",
                "value": "{}",
                "secret": True,
            },
            "nested": {"__internal": 1, "kept": [1, "two"]},
        },
        protect=True,
        ignore_changes=["tags"],
        delete_before_replace=False,
        aliases=["urn:pulumi:dev::shop::aws:sqs/queue:Queue::old"],
        additional_secret_outputs=["url"],
    )
    (violation,) = analyze(basic, target)
    seen = json.loads(violation.message.split("probe ", 1)[1])
    assert seen == {
        "provider": ["pulumi:providers:aws", "default_7_51_1", "eu-west-1"],
        "protect": True,
        "parent": STACK_URN,
        "ignoreChanges": ["tags"],
        "deleteBeforeReplace": False,
        "aliases": ["urn:pulumi:dev::shop::aws:sqs/queue:Queue::old"],
        "additionalSecretOutputs": ["url"],
        "stack": ["shop", "dev", True],
        "organization": "organization",
        "region": "eu-west-1",
        "tags": {"pulumi:project": "shop", "pulumi:runtime": "python"},
        # internal keys dropped, the resource reference as its id, the output value as its (secret) value
        "props": {"kmsKey": "key-123", "name": "jobs", "nested": {"kept": [1.0, "two"]}, "policy": "{}"},
    }


def test_a_resource_without_provider_or_parent_is_sent_without_them(basic):
    component = resource("shop:index:Shop", "shop", {"probe": True}, parent=None, provider=None)
    (violation,) = basic.analyze(component, None)
    seen = json.loads(violation.message.split("probe ", 1)[1])
    assert (seen["provider"], seen["parent"], seen["deleteBeforeReplace"]) == (None, None, None)


# -- AnalyzeStack ------------------------------------------------------------------------------------------


def stack_resources(arn: str, rotation: bool = True):
    key = resource(
        KEY, "logs-key", {"enableKeyRotation": rotation}, outputs={"enableKeyRotation": rotation, "arn": arn}
    )
    group = resource(
        LOG_GROUP,
        "app-logs",
        {"kmsKeyId": arn},
        outputs={"kmsKeyId": arn, "arn": "arn:aws:logs:eu-west-1:123456789012:log-group:app"},
        dependencies=[key.urn],
        property_dependencies={"kmsKeyId": [key.urn], "tags": []},
        parent=key.urn,
    )
    bare = resource(LOG_GROUP, "bare-logs", {"retentionInDays": 30})
    return [provider(), key, group, bare]


def test_analyze_stack_follows_property_dependencies_with_final_outputs(basic):
    resources = stack_resources("arn:aws:kms:eu-west-1:123456789012:key/abc")
    violations = basic.analyze_stack(resources, lookup_in(*resources))
    assert [(v.policy, v.enforcement_level, v.severity, v.urn) for v in violations] == [
        ("log-group-key", "mandatory", "critical", resources[2].urn),
        ("log-group-key", "mandatory", "critical", resources[3].urn),
    ]
    assert violations[0].message.endswith(
        "log group app-logs -> key logs-key arn=arn:aws:kms:eu-west-1:123456789012:key/abc parent=logs-key "
        "deps=['logs-key']"
    )
    assert violations[1].message.endswith("log group bare-logs is not encrypted with a key of this stack")


def test_the_stack_request_is_serialized_as_the_whole_message_would_be():
    resources = stack_resources("arn:aws:kms:eu-west-1:123456789012:key/abc")
    resources.append(
        resource(LOG_GROUP, "big", {"tags": {f"k{i}": "v" * 200 for i in range(200)}})
    )  # > 2^14 B
    lookup = lookup_in(*resources)
    sent = analyzer.stack_request(resources, lookup)
    whole = analyzer.analyzer_pb2.AnalyzeStackRequest()
    for entry in resources:
        message = whole.resources.add(
            type=entry.type,
            urn=entry.urn,
            name=entry.name,
            parent=entry.parent or "",
            dependencies=entry.dependencies,
        )
        message.properties.CopyFrom(
            wire_properties(entry.outputs if entry.outputs is not None else entry.inputs)
        )
        message.options.CopyFrom(analyzer._options(entry))
        for key, urns in entry.property_dependencies.items():
            if urns:
                message.propertyDependencies[key].urns.extend(urns)
        if lookup(entry.provider) is not None:
            message.provider.CopyFrom(analyzer.provider_message(lookup(entry.provider)))
    assert sent == whole.SerializeToString(deterministic=True)
    parsed = analyzer.analyzer_pb2.AnalyzeStackRequest.FromString(sent)
    assert [r.name for r in parsed.resources] == [
        "default_7_51_1",
        "logs-key",
        "app-logs",
        "bare-logs",
        "big",
    ]
    assert set(parsed.resources[2].propertyDependencies) == {"kmsKeyId"}  # an empty list is left out
    assert analyzer.stack_request([], lookup) == b""


def test_analyze_stack_reports_stack_level_violations_without_urn(basic):
    resources = [provider(), bucket("data")]
    (violation,) = basic.analyze_stack(resources, lookup_in(*resources))
    assert violation.urn is None
    assert violation.message.endswith("the stack has no log group")


def test_analyze_stack_sends_inputs_when_there_are_no_outputs(basic):
    resources = stack_resources("arn:aws:kms:eu-west-1:123456789012:key/abc", rotation=False)
    resources[1].outputs = None
    violations = basic.analyze_stack(resources, lookup_in(*resources))
    assert violations[0].message.endswith("log group app-logs uses key logs-key without rotation")
    assert "arn=None" in violations[1].message


# -- configuration -----------------------------------------------------------------------------------------


def test_the_config_file_sets_levels_and_settings(tmp_path):
    config = {
        "name-prefix": PolicyConfig("mandatory", {"prefix": "shop-", "mode": "lenient"}),
        "bucket-versioning": PolicyConfig("disabled"),
    }
    pack = client("basic", config, config_source="shop.json")
    try:
        info = pack.start()
        levels = {p.name: p.enforcement_level for p in info.policies}
        assert (levels["name-prefix"], levels["bucket-versioning"]) == ("mandatory", "disabled")
        (violation,) = analyze(pack, resource(BUCKET, "b", {"bucket": "acme-b", "versioned": False}))
        assert violation.policy == "name-prefix"
        assert violation.enforcement_level == "mandatory"
        assert violation.message.endswith("breaks prefix=shop- maxLength=50.0 mode=lenient")
    finally:
        pack.stop()


def test_invalid_config_stops_the_start_with_the_file_named():
    pack = client("basic", {"name-prefix": PolicyConfig(None, {"maxLength": 100})}, config_source="shop.json")
    try:
        with pytest.raises(
            PreflightError, match=r"^policy config shop\.json: name-prefix\.maxLength: 100 is greater"
        ):
            pack.start()
    finally:
        pack.stop()


def test_a_config_setting_unknown_to_the_schema_is_a_warning():
    pack = client("basic", {"probe": PolicyConfig(None, {"x": 1})})
    try:
        pack.start()
    finally:
        pack.stop()
    assert any(
        "probe.x is not a setting of this policy" in w and "(none given; defaults" in w for w in pack.warnings
    )


def test_a_pack_with_an_invalid_config_schema_fails_to_start():
    pack = client("bad_schema")
    try:
        with pytest.raises(
            PreflightError, match=r"^policy pack bad-schema-pack: policy broken has an invalid config"
        ):
            pack.start()
    finally:
        pack.stop()


# -- logs, errors, crashes and hangs -----------------------------------------------------------------------


def test_pack_logs_and_a_policy_that_raises():
    pack = client("basic")
    try:
        pack.start()
        target = bucket("data", logToEngine=True)
        assert analyze(pack, target) == []
        with pytest.raises(PreflightError) as raised:
            analyze(pack, bucket("boom", explode=True))
        boom = "urn:pulumi:dev::shop::aws:s3/bucket:Bucket::boom"
        assert raised.value.message.startswith(
            f"policy pack basic-test-pack: Analyze of {boom} failed: UNKNOWN: "
        )
        assert "policy exploded on purpose" in raised.value.message
    finally:
        pack.stop()
    # The SDK's server logs nothing more; the detail is what the pack had written on stderr by then (its
    # reader thread may take in more afterwards on a busy machine: stop() waits for all of it).
    assert pack._stderr_text().startswith(raised.value.detail)
    pack.stop()  # stopping twice is harmless
    assert f"policy pack basic-test-pack: warning: engine log from the pack ({target.urn})" in pack.warnings
    assert "policy pack basic-test-pack: error: engine error from the pack" in pack.warnings
    assert (
        f"policy pack basic-test-pack: warning: stderr warning from the pack, root {target.urn}"
        in pack.warnings
    )
    assert not any("engine info" in w for w in pack.warnings)


def test_a_pack_that_crashes_mid_run_is_reported_with_its_status():
    pack = client("basic")
    try:
        pack.start()
        with pytest.raises(
            PreflightError, match=r"^policy pack basic-test-pack crashed during Analyze of .*::boom"
        ):
            analyze(pack, bucket("boom", crash=True))
    finally:
        pack.stop()


def test_a_pack_that_hangs_meets_the_deadline():
    pack = client("basic")
    try:
        pack.start()  # with the default deadline: a loaded machine may well take half a second to configure
        pack.rpc_timeout = 0.5
        with pytest.raises(
            PreflightError, match=r"did not answer Analyze of .*::slow within 0\.5 s \(it hangs\)"
        ):
            analyze(pack, bucket("slow", hang=True))
    finally:
        pack.stop()


def test_a_stack_analysis_that_hangs_meets_its_own_deadline(monkeypatch):
    pack = client("basic", stack_timeout=0.5)
    try:
        pack.start()
        monkeypatch.setattr(pack, "_stub", _Stalled(pack._stub))
        with pytest.raises(PreflightError, match=r"did not answer AnalyzeStack within 0\.5 s"):
            pack.analyze_stack([provider()], lookup_in(provider()))
    finally:
        pack.stop()


class _Stalled:
    """Wraps a stub so AnalyzeStack goes to a pack policy that sleeps (the SDK has no hang switch there)."""

    def __init__(self, stub):
        self._stub = stub

    def AnalyzeStack(self, request, timeout):
        # An Analyze call with the same deadline stands in for a stack policy that never returns.
        import grpc

        from preflight.analyzer import analyzer_pb2

        try:
            hanging = analyzer_pb2.AnalyzeRequest(type=BUCKET, urn="urn:x::slow", name="slow")
            hanging.properties.update({"hang": True})
            return self._stub.Analyze(hanging, timeout=timeout)
        except grpc.RpcError:
            raise


def test_a_broken_connection_to_a_live_pack_is_reported(monkeypatch):
    monkeypatch.setattr(analyzer, "STOP_GRACE", 0.2)
    pack = client("basic")
    try:
        pack.start()
        import grpc

        dead = grpc.insecure_channel("127.0.0.1:1")
        monkeypatch.setattr(pack, "_stub", analyzer.analyzer_pb2_grpc.AnalyzerStub(dead))
        with pytest.raises(
            PreflightError, match=r"^policy pack basic-test-pack: Analyze of .* failed: UNAVAILABLE"
        ):
            analyze(pack, bucket("data"))
        dead.close()
    finally:
        pack.stop()


def test_a_pack_that_dies_at_start_shows_its_error():
    pack = client("crash_on_start")
    try:
        with pytest.raises(PreflightError) as raised:
            pack.start()
    finally:
        pack.stop()
    assert (
        "exited with status 1 before it printed its port; its stderr ends: ModuleNotFoundError: No module"
        in (raised.value.message)
    )
    assert "Traceback" in raised.value.detail


def test_a_pack_that_never_prints_a_port_times_out():
    pack = client("no_port", start_timeout=0.5)
    try:
        with pytest.raises(PreflightError, match=r"no_port printed no port within 0\.5 s of starting"):
            pack.start()
    finally:
        pack.stop()


def test_a_pack_that_prints_something_else_first_is_named():
    pack = client("bad_port", start_timeout=20)
    try:
        with pytest.raises(
            PreflightError, match=r"printed 'loading policies\.\.\.' where the CLI expects its port"
        ):
            pack.start()
    finally:
        pack.stop()


def test_a_pack_that_closes_its_output_is_reported(monkeypatch):
    monkeypatch.setattr(analyzer, "STOP_GRACE", 0.2)
    monkeypatch.setenv("PREFLIGHT_TEST_NO_PORT", "close-stdout")
    pack = client("no_port", start_timeout=20)
    try:
        with pytest.raises(PreflightError, match=r"closed its standard output without printing its port"):
            pack.start()
    finally:
        pack.stop()


def test_a_pack_that_ignores_terminate_is_killed(monkeypatch):
    monkeypatch.setattr(analyzer, "STOP_GRACE", 0.2)
    monkeypatch.setenv("PREFLIGHT_TEST_NO_PORT", "ignore-term")
    # The pack closes its output only once it ignores SIGTERM: start() returns after that, however slowly
    # the pack's interpreter starts, so the stop below always meets a pack that needs the kill.
    pack = client("no_port", start_timeout=600)
    process = None
    try:
        with pytest.raises(PreflightError, match=r"closed its standard output without printing its port"):
            pack.start()
        process = pack._process
    finally:
        pack.stop()
    assert process.returncode == -9


def test_an_abort_before_the_process_exists_ends_it_at_once():
    pack = client("basic")
    pack.abort()
    try:
        with pytest.raises(PreflightError, match=r"exited with status -15 before it printed its port"):
            pack.start()
    finally:
        pack.stop()


# -- an older SDK, its own virtualenv ---------------------------------------------------------------------


@pytest.fixture
def legacy_pack(tmp_path):
    directory = tmp_path / "legacy"
    shutil.copytree(PACKS / "legacy", directory)
    (directory / "venv" / "bin").mkdir(parents=True)
    (directory / "venv" / "bin" / "python").symlink_to(sys.executable)
    # A virtualenv of its own that sees this one's packages, so the pack starts with its own interpreter path.
    shutil.copy(Path(sys.prefix) / "pyvenv.cfg", directory / "venv" / "pyvenv.cfg")
    (directory / "venv" / "lib").symlink_to(Path(sys.prefix) / "lib")
    return directory


def test_a_pack_without_configure_stack_and_analyze_stack_runs_in_its_virtualenv(legacy_pack):
    pack = client(legacy_pack, stack_settings=settings(dry_run=False, config={}))
    try:
        info = pack.start()
        assert (info.name, info.version) == ("legacy-pack", "0.0.1")  # no version in its PulumiPolicy.yaml
        (violation,) = analyze(pack, bucket("data"))
        assert violation.enforcement_level == "advisory"
        assert violation.severity == ""
        assert violation.message.endswith(f"seen data with {legacy_pack / 'venv'}")
        assert pack.analyze_stack([bucket("data")], lookup_in()) == []
    finally:
        pack.stop()


def test_a_failing_configure_stack_is_reported(monkeypatch):
    import grpc

    monkeypatch.setattr(analyzer, "STOP_GRACE", 0.2)
    dead = grpc.insecure_channel("127.0.0.1:1")

    class Unreachable:
        """Everything goes to the pack, except ConfigureStack, which meets a closed port."""

        def __init__(self, stub):
            self._stub = stub

        def __getattr__(self, name):
            return getattr(self._stub, name)

        def ConfigureStack(self, request, timeout):
            return original(dead).ConfigureStack(request, timeout=timeout)

    original = analyzer.analyzer_pb2_grpc.AnalyzerStub
    monkeypatch.setattr(
        analyzer.analyzer_pb2_grpc, "AnalyzerStub", lambda channel: Unreachable(original(channel))
    )
    pack = client("basic")
    try:
        with pytest.raises(PreflightError, match=r"^policy pack .*basic: ConfigureStack failed: UNAVAILABLE"):
            pack.start()
    finally:
        pack.stop()
        dead.close()


def test_provider_urn_splits_off_the_id():
    assert analyzer.provider_urn(f"{PROVIDER_URN}::{UNKNOWN}") == PROVIDER_URN
    assert analyzer.provider_urn(None) is None
