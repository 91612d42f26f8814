"""Stack references read the outputs given with --stack-outputs, as the engine reads a deployed stack's."""

import json
import os
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from preflight import engine, stack_outputs
from preflight.cli import main
from preflight.errors import PreflightError
from preflight.model import Mode
from preflight.project import load_project

ACCOUNT = "123456789012"
# A program whose stage needs the role another stack exports, as the trading program's staging stack does.
PROGRAM = """
import pulumi

network = pulumi.StackReference("acme/network/prod")
role = network.get_output("roleArn")


def required(value):
    if not value:
        raise pulumi.RunError("stack acme/network/prod exports no roleArn: deploy it first")
    return value


pulumi.export("roleArn", role.apply(required))
pulumi.export("all", network.outputs)
"""


def project(tmp_path: Path, source: str = PROGRAM):
    (tmp_path / "Pulumi.yaml").write_text("name: demo\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text(textwrap.dedent(source))
    return load_project(tmp_path, "dev")


def outputs_file(tmp_path: Path, data: object, name: str = "outputs.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize("mode", list(Mode))
@pytest.mark.parametrize("given", ["acme/network/prod", "prod"])
def test_a_reference_reads_the_outputs_given_for_its_stack_in_both_modes(tmp_path, mode, given):
    loaded = replace(project(tmp_path), stack_outputs={given: {"roleArn": "arn:aws:iam::1:role/r", "n": 2}})
    run = engine.run_program(loaded, mode, ACCOUNT)
    assert run.outputs["roleArn"] == "arn:aws:iam::1:role/r"
    assert run.outputs["all"] == {"roleArn": "arn:aws:iam::1:role/r", "n": 2}
    assert not any("stack reference" in warning or "--stack-outputs" in warning for warning in run.warnings)


def test_a_reference_with_no_outputs_warns_and_a_failure_it_causes_says_how_to_give_them(tmp_path):
    with pytest.raises(PreflightError) as raised:
        engine.run_program(project(tmp_path), Mode.PREVIEW, ACCOUNT)
    assert raised.value.message.startswith(
        "program __main__.py failed: RunError: stack acme/network/prod exports no roleArn: deploy it first"
    )
    assert raised.value.message.endswith(
        "; stack reference acme/network/prod read no outputs: pass --stack-outputs prod=FILE"
    )

    quiet = project(tmp_path, "import pulumi\npulumi.export('all', pulumi.StackReference('prod').outputs)\n")
    run = engine.run_program(quiet, Mode.UPDATE, ACCOUNT)
    assert run.outputs["all"] == {}
    assert run.warnings == [stack_outputs.missing_warning("prod")]
    assert "--stack-outputs prod=FILE" in run.warnings[0]


def test_outputs_given_for_a_stack_the_program_never_references_are_a_warning(tmp_path):
    loaded = replace(
        project(tmp_path), stack_outputs={"prod": {"roleArn": "arn:aws:iam::1:role/r"}, "dev": {}}
    )
    run = engine.run_program(loaded, Mode.UPDATE, ACCOUNT)
    assert run.warnings == [
        "--stack-outputs dev: the program references no stack of that name, so the file was not read"
    ]


def test_the_cli_chains_a_referenced_stacks_report_into_the_next_run(tmp_path):
    owner = tmp_path / "owner"
    owner.mkdir()
    (owner / "Pulumi.yaml").write_text("name: network\nruntime: python\n")
    (owner / "Pulumi.prod.yaml").write_text("config: {}\n")
    (owner / "__main__.py").write_text(
        "import pulumi\nimport pulumi_aws as aws\n"
        "pulumi.export('roleArn', aws.iam.Role('r', assume_role_policy='{}').arn)\n"
    )
    report = tmp_path / "prod.json"
    common = ["--format", "json", "--output"]
    assert main([str(owner), "--stack", "prod", "--mode", "update", *common, str(report)]) == 0
    assert json.loads(report.read_text())["outputs"]["roleArn"].startswith(f"arn:aws:iam::{ACCOUNT}:role/r-")

    user = tmp_path / "user"
    user.mkdir()
    project(user)
    result = tmp_path / "user.json"
    assert main([str(user), "--stack", "dev", "--stack-outputs", f"prod={report}", *common, str(result)]) == 0
    assert json.loads(result.read_text())["outputs"]["roleArn"].startswith(f"arn:aws:iam::{ACCOUNT}:role/r-")


@pytest.mark.parametrize(
    ("argument", "problem"),
    [
        ("prod", "'prod' is not NAME=FILE (for example dev=dev-outputs.json)"),
        ("prod=", "'prod=' is not NAME=FILE (for example dev=dev-outputs.json)"),
        (
            "a/b/c/d=x.json",
            "'a/b/c/d' is not a stack name: write the stack (dev) or organization/project/stack",
        ),
    ],
)
def test_a_malformed_option_is_one_line(tmp_path, capsys, argument, problem):
    project(tmp_path)
    assert main([str(tmp_path), "--stack", "dev", "--stack-outputs", argument]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1
    assert f"argument --stack-outputs: {problem}" in error


def test_a_stack_given_twice_is_refused(tmp_path, capsys):
    project(tmp_path)
    path = outputs_file(tmp_path, {})
    argv = [
        str(tmp_path),
        "--stack",
        "dev",
        "--stack-outputs",
        f"prod={path}",
        "--stack-outputs",
        f"prod={path}",
    ]
    assert main(argv) == 2
    assert capsys.readouterr().err.strip() == (
        "preflight: error: argument --stack-outputs: prod is given more than once; give each stack once "
        "(see python -m preflight --help)"
    )


def _report(mode: str, outputs: object = None) -> dict:
    report = {"project": "p", "stack": "prod", "mode": mode, "resources": [], "summary": {}}
    return report if outputs is None else {**report, "outputs": outputs}


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (
            "[1, 2]",
            "must be a JSON object of output names and values, as `pulumi stack output --json` prints, "
            "not list",
        ),
        ("{", "not valid JSON: Expecting property name enclosed in double quotes (line 1, column 2)"),
        ('{"a": NaN}', "not valid JSON: NaN is not a JSON value"),
        ('{"a": ' + "1" * 5000 + "}", "not valid JSON: Exceeds the limit (4300 digits)"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply to be a stack's outputs"),
        (
            json.dumps(_report("update")),
            "this preflight report has no outputs; write it with a newer preflight",
        ),
        (
            json.dumps(_report("preview", {"a": "x"})),
            "a report of --mode preview has outputs that are unknown until deployment; run the referenced "
            "stack with --mode update",
        ),
        (
            json.dumps(_report("update", {"a": {"b": "<unknown>"}})),
            "a report of --mode update has outputs that are unknown until deployment",
        ),
    ],
)
def test_a_bad_outputs_file_is_one_line_naming_it(tmp_path, content, problem):
    path = tmp_path / "outputs.json"
    path.write_text(content)
    with pytest.raises(PreflightError) as raised:
        stack_outputs.load("prod", path)
    assert raised.value.message.startswith(f"--stack-outputs prod: {path}: {problem}")


def test_a_missing_or_unreadable_outputs_file_is_one_line(tmp_path):
    with pytest.raises(PreflightError) as raised:
        stack_outputs.load("prod", tmp_path / "absent.json")
    assert raised.value.message == (
        f"--stack-outputs prod: {tmp_path / 'absent.json'}: no such file (write it with "
        "`pulumi stack output --stack prod --json`)"
    )
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(PreflightError) as raised:
        stack_outputs.load("prod", fifo)
    assert (
        raised.value.message
        == f"--stack-outputs prod: {fifo}: is a named pipe (FIFO), not a file; pass a regular file"
    )


def test_outputs_files_in_either_shape_are_read(tmp_path):
    plain = outputs_file(tmp_path, {"roleArn": "arn"}, "plain.json")
    report = outputs_file(tmp_path, _report("update", {"roleArn": "arn"}), "report.json")
    assert stack_outputs.load("prod", plain) == {"roleArn": "arn"}
    assert stack_outputs.load("prod", report) == {"roleArn": "arn"}


def test_lookup_matches_the_whole_name_first_then_the_stack_alone():
    given = {"acme/network/prod": {"a": 1}, "prod": {"a": 2}, "dev": {"a": 3}}
    assert stack_outputs.lookup(given, "acme/network/prod") == ("acme/network/prod", {"a": 1})
    assert stack_outputs.lookup(given, "other/network/prod") == ("prod", {"a": 2})
    assert stack_outputs.lookup(given, "dev") == ("dev", {"a": 3})
    assert stack_outputs.lookup(given, "acme/network/test") is None
