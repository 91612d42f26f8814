"""`python -m preflight`: each exit status, each bad-input message, --output, --format and --verbose."""

import json
import re
import runpy
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from preflight import cli, runner
from preflight.errors import PreflightError

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
PROJECT = HERE / "shop"
PACK = HERE.parent / "packs" / "basic"
LENIENT = HERE / "lenient.json"


def run(capsys, *args: str) -> tuple[int, str, str]:
    status = cli.main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def one_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# -- bad input: exit 2, one line ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([str(PROJECT), "--stack", "dev", "--format", "yaml"], "argument --format: invalid choice: 'yaml'"),
        ([str(PROJECT), "--stack", "dev", "--mode", "apply"], "argument --mode: invalid choice: 'apply'"),
        ([str(PROJECT)], "the following arguments are required: --stack"),
        ([str(PROJECT), "--stack", "dev", "--colour"], "unrecognized arguments: --colour"),
        (
            [str(PROJECT), "--stack", "dev", "--account-id", "12345"],
            "--account-id: '12345' is not an AWS account id",
        ),
        (
            [str(PROJECT), "--stack", "dev", "--policy-config", str(LENIENT)],
            "1 --policy-config files for 0 --policy-pack folders",
        ),
        (["/nonexistent/project", "--stack", "dev"], "project folder /nonexistent/project does not exist"),
        # Only ASCII digits make an account id; \\d would take these Bengali ones.
        (
            [str(PROJECT), "--stack", "dev", "--account-id", "১২৩৪৫৬৭৮৯০১২"],
            "--account-id: '১২৩৪৫৬৭৮৯০১২' is not an AWS account id (12 digits)",
        ),
        # The CLI wants a --policy-pack-config for every --policy-pack once one is given.
        (
            [
                str(PROJECT),
                "--stack",
                "dev",
                "--policy-pack",
                str(PACK),
                "--policy-pack",
                str(PACK),
                "--policy-config",
                str(LENIENT),
            ],
            "1 --policy-config files for 2 --policy-pack folders: give one config per pack, in the same",
        ),
        (
            [str(PROJECT / "Pulumi.yaml"), "--stack", "dev"],
            f"project folder {PROJECT / 'Pulumi.yaml'} is not a folder (PROJECT_DIR holds Pulumi.yaml)",
        ),
    ],
)
def test_bad_arguments_exit_2_with_one_line(capsys, args, message):
    status, out, err = run(capsys, *args)
    line = one_line(err)
    assert status == 2
    assert out == ""
    assert line.startswith("preflight: error: ")
    assert message in line
    assert line.endswith("(see python -m preflight --help)")


@pytest.mark.parametrize("value", ["0", "-5", "soon", "nan", "inf"])
def test_a_timeout_that_is_not_a_positive_number_of_seconds_is_refused(capsys, value):
    status, _, err = run(capsys, str(PROJECT), "--stack", "dev", "--timeout", value)
    assert status == 2
    assert one_line(err) == (
        f"preflight: error: argument --timeout: {value!r} is not a number of seconds above 0 "
        "(see python -m preflight --help)"
    )


def test_progress_is_one_rewritten_line_on_standard_error_and_is_erased_at_the_end(capsys):
    status, out, err = run(capsys, str(PROJECT), "--stack", "dev", "--format", "json", "--progress")
    assert status == 0
    assert json.loads(out)["project"] == "shop"
    updates = err.split("\r\x1b[K")
    assert updates[0] == ""
    assert updates[-1] == ""  # erased: what follows starts on a clean line
    assert updates[1].startswith("preflight: running the program: ")
    assert re.fullmatch(r"preflight: analysing: 6 resources registered, 0 analysed, [0-9.]+ s", updates[-2])


def test_a_run_that_fails_before_the_program_is_waited_for_leaves_no_progress_line(capsys, tmp_path):
    status, out, err = run(
        capsys, str(PROJECT), "--stack", "dev", "--progress", "--policy-pack", str(tmp_path / "none")
    )
    assert (status, out) == (2, "")
    assert one_line(err).startswith("preflight: error: ")
    assert "\x1b" not in err  # nothing was shown, so nothing is erased


def test_a_second_signal_while_the_run_is_being_stopped_is_ignored(capsys, monkeypatch):
    def interrupted_run(*args, **kwargs):
        try:
            signal.raise_signal(signal.SIGTERM)  # its handler runs here, before raise_signal returns
        finally:
            # Ending the program and the packs: a second Ctrl-C now must not cut that short.
            signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(runner, "run", interrupted_run)
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    status, out, err = run(capsys, str(PROJECT), "--stack", "dev")
    assert (status, out) == (143, "")
    assert err == "preflight: interrupted by SIGTERM: the program and the policy packs were stopped\n"
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before  # put back


def test_help_exits_0(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "--policy-pack DIR" in out
    assert "PREFLIGHT_LAZY_ANNOTATIONS=off imports them as usual" in " ".join(out.split())


def test_a_preflight_error_is_one_line_and_its_detail_comes_with_verbose(capsys, monkeypatch):
    from preflight import runner

    def failing(*args, **kwargs):
        raise PreflightError(
            "program __main__.py failed: ValueError: boom (at __main__.py:3)", detail="Traceback..."
        )

    monkeypatch.setattr(runner, "run", failing)
    status, _, err = run(capsys, str(PROJECT), "--stack", "dev")
    assert status == 2
    assert (
        one_line(err) == "preflight: error: program __main__.py failed: ValueError: boom (at __main__.py:3)"
    )
    status, _, err = run(capsys, str(PROJECT), "--stack", "dev", "--verbose")
    assert status == 2
    assert err.splitlines() == [
        "Traceback...",
        "preflight: error: program __main__.py failed: ValueError: boom (at __main__.py:3)",
    ]


def test_an_unexpected_error_is_one_line_and_its_traceback_comes_with_verbose(capsys, monkeypatch):
    from preflight import runner

    def broken(*args, **kwargs):
        raise KeyError("a\nb")

    monkeypatch.setattr(runner, "run", broken)
    status, _, err = run(capsys, str(PROJECT), "--stack", "dev")
    assert status == 2
    assert one_line(err) == (
        "preflight: error: internal error: KeyError: 'a\\nb' (run with --verbose for the traceback)"
    )
    status, _, err = run(capsys, str(PROJECT), "--stack", "dev", "-v")
    assert status == 2
    assert err.startswith("Traceback (most recent call last):")
    assert err.splitlines()[-1] == "preflight: error: internal error: KeyError: 'a\\nb'"


def test_an_empty_error_message_still_says_something(capsys, monkeypatch):
    from preflight import runner

    def broken(*args, **kwargs):
        raise RuntimeError

    monkeypatch.setattr(runner, "run", broken)
    _, _, err = run(capsys, str(PROJECT), "--stack", "dev")
    assert "internal error: RuntimeError: (no message)" in err


# -- real runs ---------------------------------------------------------------------------------------------


def test_a_mandatory_violation_exits_1_with_the_text_report(capsys):
    status, out, err = run(capsys, str(PROJECT), "--stack", "dev", "--policy-pack", str(PACK))
    assert status == 1
    assert err == ""
    assert "Policies:\n    basic-test-pack@v2.0.0: " in out
    assert "- [mandatory]  bucket-versioning  (aws:s3/bucket:Bucket: data)" in out
    assert "shop:index:Logging" in out


def test_no_mandatory_violation_exits_0_and_json_goes_to_the_output_file(capsys, tmp_path):
    target = tmp_path / "report.json"
    args = [str(PROJECT), "--stack", "dev", "--policy-pack", str(PACK), "--policy-config", str(LENIENT)]
    status, out, err = run(capsys, *args, "--format", "json", "--output", str(target), "--mode", "update")
    assert (status, out, err) == (0, "", "")
    document = json.loads(target.read_text())
    assert document["mode"] == "update"
    assert document["summary"]["mandatory"] == 0
    assert {v["policy"] for v in document["violations"]} >= {"bucket-versioning"}
    names = {r["name"] for r in document["resources"]}
    assert {"logs", "logs-key", "logs-group", "data"} <= names


def test_sarif_to_standard_output(capsys):
    status, out, _ = run(
        capsys, str(PROJECT), "--stack", "dev", "--policy-pack", str(PACK), "--format", "sarif"
    )
    assert status == 1
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0"
    assert sarif["runs"][0]["tool"]["driver"]["rules"][0]["id"] == "bucket-versioning"


def test_an_unknown_stack_and_a_missing_pack_exit_2(capsys, tmp_path):
    status, _, err = run(capsys, str(PROJECT), "--stack", "prod")
    assert status == 2
    assert "dev" in one_line(err)
    status, _, err = run(capsys, str(PROJECT), "--stack", "dev", "--policy-pack", str(tmp_path / "none"))
    assert status == 2
    assert "no such folder" in one_line(err)


def test_an_output_file_that_cannot_be_written_exits_2(capsys, tmp_path):
    status, _, err = run(
        capsys, str(PROJECT), "--stack", "dev", "--output", str(tmp_path / "missing" / "r.txt")
    )
    assert status == 2
    assert one_line(err).startswith(
        f"preflight: error: cannot write the report to {tmp_path / 'missing' / 'r.txt'}:"
    )


def test_python_dash_m_preflight_runs_main(capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["preflight", str(PROJECT), "--stack", "dev", "--format", "json"])
    with pytest.raises(SystemExit) as exited:
        runpy.run_module("preflight", run_name="__main__")
    assert exited.value.code == 0
    assert json.loads(capsys.readouterr().out)["project"] == "shop"


def test_the_real_command_line_reports_a_bad_flag_in_one_line():
    done = subprocess.run(
        [sys.executable, "-m", "preflight", str(PROJECT), "--stack", "dev", "--format", "yaml"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert one_line(done.stderr).startswith("preflight: error: argument --format: invalid choice: 'yaml'")


def test_what_the_program_prints_is_a_diagnostic_of_the_stack_never_part_of_the_report(capsys, tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: chatty\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    program = (
        "import os, subprocess, sys\nimport pulumi\nprint('hello from the program')\n"
        "print('a warning', file=sys.stderr)\nsys.stdout.flush()\n"
        "subprocess.run(['echo', 'from a subprocess'], check=True)\npulumi.export('a', 1)\n"
    )
    (tmp_path / "__main__.py").write_text(program)
    status, out, err = run(capsys, str(tmp_path), "--stack", "dev", "--format", "json")
    assert (status, err) == (0, "")
    report = json.loads(out)
    stack = "urn:pulumi:dev::chatty::pulumi:pulumi:Stack::chatty-dev"
    assert report["diagnostics"] == [
        {"urn": stack, "severity": "info", "message": line}
        for line in ("hello from the program", "a warning", "from a subprocess")
    ]
    status, out, err = run(capsys, str(tmp_path), "--stack", "dev", "--format", "sarif")
    assert (status, err) == (0, "")
    assert "hello" not in out
    status, out, err = run(capsys, str(tmp_path), "--stack", "dev")
    assert (status, err) == (0, "")
    shown = "Diagnostics:\n  pulumi:pulumi:Stack (chatty-dev):\n    hello from the program\n    a warning\n"
    assert shown in out
