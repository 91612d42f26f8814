"""Errors only a user's input or environment causes read as sentences about it, never "internal error"."""

import io
import os
from pathlib import Path

import pytest

from preflight import cli

PROJECT = Path(__file__).resolve().parent / "shop"


def one_line(capsys, status: int) -> str:
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    assert "internal error" not in err
    return err.strip().removeprefix("preflight: error: ")


def test_a_closed_standard_output_asks_for_an_output_file(capsys, monkeypatch):
    monkeypatch.setattr(cli.sys, "stdout", None)  # what Python sets when started with fd 1 closed
    status = cli.main([str(PROJECT), "--stack", "dev"])
    assert one_line(capsys, status) == (
        "standard output is closed, so the report has nowhere to go; pass --output FILE"
    )


def test_a_reader_that_goes_away_is_a_closed_pipe_not_a_crash(capsys, monkeypatch):
    read_end, write_end = os.pipe()
    os.close(read_end)  # `preflight ... | head -0`: the reader is gone before the report is written
    stream = io.TextIOWrapper(io.FileIO(write_end, "w"), encoding="utf-8")
    monkeypatch.setattr(cli.sys, "stdout", stream)
    status = cli.main([str(PROJECT), "--stack", "dev"])
    assert one_line(capsys, status) == (
        "standard output was closed before the report was written (the command reading it ended); pass "
        "--output FILE, or let the reader read to the end"
    )
    # Standard output now leads nowhere, so Python's own flush at exit has no broken pipe to report.
    stream.write("more")
    stream.flush()
    stream.close()


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (
            RecursionError("maximum recursion depth exceeded"),
            "a value is nested too deeply to process (Python's recursion limit); look in the stack config, "
            "the policy config or the program's resource inputs",
        ),
        (
            OverflowError("int too large to convert to float"),
            "a number is too large to process (int too large to convert to float); the engine passes numbers "
            "as 64-bit floats: look in the stack config, the policy config or the program's resource inputs",
        ),
        (
            ValueError(
                "Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits"
            ),
            "a number is too large to process (Exceeds the limit (4300 digits) for integer string "
            "conversion: value has 5000 digits); the engine passes numbers as 64-bit floats: look in the "
            "stack config, the policy config or the program's resource inputs",
        ),
    ],
)
def test_depth_and_number_size_errors_are_about_the_input(capsys, monkeypatch, error, message):
    from preflight import runner

    def failing(*args, **kwargs):
        raise error

    monkeypatch.setattr(runner, "run", failing)
    assert one_line(capsys, cli.main([str(PROJECT), "--stack", "dev"])) == message


def test_another_value_error_is_still_an_internal_error(capsys, monkeypatch):
    from preflight import runner

    def failing(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(runner, "run", failing)
    assert cli.main([str(PROJECT), "--stack", "dev"]) == 2
    assert "internal error: ValueError: a bug" in capsys.readouterr().err
