"""Policy configs and pack answers a user can get wrong: exit 2, one line about the input, no traceback."""

import os
from pathlib import Path

import pytest
from pack_helpers import PACKS, client

from preflight import analyzer, cli, files
from preflight.errors import PreflightError
from preflight.model import PackInfo, PolicyInfo
from preflight.policy_config import MAX_DEPTH, reconcile

SHOP = Path(__file__).resolve().parents[1] / "cli" / "shop"


def refusal(capsys, config: Path) -> str:
    """The command line with this policy config: exit 2, exactly one line, no traceback (no pack starts)."""
    status = cli.main(
        [str(SHOP), "--stack", "dev", "--policy-pack", str(PACKS / "basic"), "--policy-config", str(config)]
    )
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    assert "internal error" not in err
    return err.strip().removeprefix(f"preflight: error: policy config {config}: ")


TOO_LARGE = (
    "the number is too large; the Pulumi CLI passes settings as 64-bit floating point numbers (up to about "
    "1.8e308)"
)
TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep; no policy setting needs that"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"probe": {"limit": NaN}}', "not valid JSON: NaN is not a JSON value; write a number or a string"),
        (
            '{"probe": {"limit": -Infinity}}',
            "not valid JSON: -Infinity is not a JSON value; write a number or a string",
        ),
        ('{"probe": {"limit": 1e999}}', f"probe.limit: {TOO_LARGE}"),
        ('{"probe": {"limits": [1, ' + "9" * 400 + "]}}", f"probe.limits[1]: {TOO_LARGE}"),
        (
            '{"probe": {"limit": ' + "9" * 5000 + "}}",
            "a number has more than 4,300 digits; no policy setting needs it (the CLI passes numbers as "
            "64-bit floats)",
        ),
        ('{"probe": {"deep": ' + "[" * 150 + "]" * 150 + "}}", TOO_DEEP),
        ('{"probe": {"deep": ' + "[" * 100_000 + "]" * 100_000 + "}}", TOO_DEEP),
    ],
)
def test_a_policy_config_the_cli_could_not_pass_on_is_refused(capsys, tmp_path, text, message):
    config = tmp_path / "config.json"
    config.write_text(text)
    assert refusal(capsys, config) == message


def test_a_policy_config_that_is_not_a_regular_file_is_named(capsys, tmp_path):
    config = tmp_path / "config.json"
    os.mkfifo(config)
    assert refusal(capsys, config) == "is a named pipe (FIFO), not a file; pass a regular file"
    config.unlink()
    config.symlink_to(config)
    assert refusal(capsys, config) == "is a loop of symbolic links; point the link at a real file"
    config.unlink()
    config.write_bytes(b" " * (files.MAX_BYTES + 1))
    assert (
        refusal(capsys, config) == "is 10.0 MiB; a config file may be at most 10 MiB (is it the right file?)"
    )


@pytest.mark.parametrize("ref", ["https://example.invalid/schema.json", "#/definitions/missing"])
def test_a_config_schema_that_refers_to_what_cannot_be_resolved_is_the_pack_s_error(ref):
    schema = {"properties": {"limit": {"$ref": ref}}}
    pack = PackInfo("p", "1", (PolicyInfo("odd", "d", "mandatory", config_schema=schema),))
    with pytest.raises(PreflightError) as raised:
        reconcile(pack, {}, {"odd": analyzer.policy_config.PolicyConfig(None, {"limit": 1})}, "c.json")
    assert raised.value.message.startswith(
        "policy pack p: policy odd has an invalid config schema: it refers to "
    )
    assert raised.value.message.endswith(
        ", which a pack's schema cannot resolve; fix the policy's config_schema"
    )


def test_an_initial_config_level_the_protocol_does_not_define_is_the_pack_s_error(monkeypatch):
    """A pack of another SDK answers GetAnalyzerInfo with an enforcement level preflight cannot know."""
    original = analyzer.analyzer_pb2_grpc.AnalyzerStub

    class Odd:
        def __init__(self, stub):
            self._stub = stub

        def __getattr__(self, name):
            return getattr(self._stub, name)

        def GetAnalyzerInfo(self, request, timeout):
            info = self._stub.GetAnalyzerInfo(request, timeout=timeout)
            info.initialConfig["bucket-versioning"].enforcementLevel = 42
            return info

    monkeypatch.setattr(analyzer.analyzer_pb2_grpc, "AnalyzerStub", lambda channel: Odd(original(channel)))
    pack = client("basic")
    try:
        with pytest.raises(PreflightError) as raised:
            pack.start()
    finally:
        pack.stop()
    assert raised.value.message == (
        "policy pack basic-test-pack: its initial config gives policy bucket-versioning enforcement level "
        "42, which the analyzer protocol does not define; the pack's SDK and preflight disagree (update the "
        "pack)"
    )
