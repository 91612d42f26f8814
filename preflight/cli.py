"""The command line of `python -m preflight` (CONTRACTS.md section 1) and its exit statuses.

0: no mandatory violation; 1: at least one; 2: the program, its config, a pack or the arguments are wrong,
said in one line on standard error (the traceback or the pack's stderr only with ``--verbose``); 130 and 143
after SIGINT and SIGTERM, once the program and the packs have been ended with their process groups.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import math
import os
import re
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from preflight.errors import Interrupted, PreflightError
from preflight.policy_config import config_count_message

FORMATS = ("text", "json", "sarif", "terraform-plan")
MODES = ("preview", "update")


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse would print the whole usage and exit; one line says it better.
        raise _UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m preflight",
        description="Run a Pulumi Python project for a stack under mocks and check it with CrossGuard policy "
        "packs, as `pulumi preview --policy-pack` would, without the Pulumi CLI or a cloud account.",
        epilog="Environment: provider SDKs are imported with lazy annotations, compiled once into "
        "PREFLIGHT_CACHE_DIR (default $XDG_CACHE_HOME/preflight or ~/.cache/preflight); "
        "PREFLIGHT_LAZY_ANNOTATIONS=off imports them as usual.",
    )
    parser.add_argument("project_dir", nargs="?", default=".", metavar="PROJECT_DIR", help="default: .")
    parser.add_argument(
        "--stack", required=True, metavar="NAME", help="stack whose Pulumi.<NAME>.yaml to use"
    )
    parser.add_argument(
        "--policy-pack", action="append", default=[], metavar="DIR", help="policy pack folder (repeatable)"
    )
    parser.add_argument(
        "--policy-config",
        action="append",
        default=[],
        metavar="FILE",
        help="JSON config for the pack at the same position, as `pulumi preview --policy-pack-config` takes",
    )
    parser.add_argument("--mode", choices=MODES, default="preview", help="default: preview")
    parser.add_argument("--format", choices=FORMATS, default="text", help="default: text")
    parser.add_argument("--output", metavar="FILE", help="write the report here instead of standard output")
    parser.add_argument("--account-id", default="123456789012", metavar="ID", help="default: 123456789012")
    parser.add_argument(
        "--stack-outputs",
        action="append",
        default=[],
        type=_stack_outputs_argument,
        metavar="NAME=FILE",
        help="outputs of the stack NAME that the program references, as `pulumi stack output --stack NAME "
        "--json` prints them, or a preflight JSON report of NAME in --mode update (repeatable)",
    )
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=600.0,
        metavar="SECONDS",
        help="time limit of the whole run, the program's included (default: 600)",
    )
    parser.add_argument(
        "--progress",
        action="store_true",
        help="show the live progress line on standard error even when it is not a terminal",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="show tracebacks and the policy packs' standard error"
    )
    return parser


def _stack_outputs_argument(text: str) -> tuple[str, Path]:
    from preflight.stack_outputs import parse_argument

    try:
        return parse_argument(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Runs preflight with ``argv`` (default: the process's arguments) and returns the exit status."""
    try:
        args = build_parser().parse_args(argv)
        _check(args)
    except _UsageError as exc:
        return _fail(f"{exc} (see python -m preflight --help)")
    previous = _on_signals()
    try:
        return _run(args)
    except Interrupted as exc:
        name = signal.Signals(exc.signum).name
        print(
            f"preflight: interrupted by {name}: the program and the policy packs were stopped",
            file=sys.stderr,
        )
        return 128 + exc.signum
    except PreflightError as exc:
        return _fail(exc.message, exc.detail if args.verbose else None)
    except Exception as exc:  # noqa: BLE001 - the contract: one line, the traceback only on request
        detail = traceback.format_exc() if args.verbose else None
        fault = _input_fault(exc)
        if fault is not None:
            return _fail(fault, detail)
        hint = "" if args.verbose else " (run with --verbose for the traceback)"
        return _fail(f"internal error: {type(exc).__name__}: {_one_line(str(exc))}{hint}", detail)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _on_signals() -> dict[int, object]:
    """SIGINT and SIGTERM raise Interrupted once; a repeat while preflight ends its processes is ignored."""
    received: list[int] = []

    def interrupt(signum: int, frame: object) -> None:
        if received:
            return
        received.append(signum)
        raise Interrupted(signum)

    return {signum: signal.signal(signum, interrupt) for signum in (signal.SIGINT, signal.SIGTERM)}


def _check(args: argparse.Namespace) -> None:
    # [0-9], not \d: \d also matches other scripts' digits, which no AWS account id has.
    if not re.fullmatch(r"[0-9]{12}", args.account_id):
        raise _UsageError(f"argument --account-id: {args.account_id!r} is not an AWS account id (12 digits)")
    names = [name for name, _ in args.stack_outputs]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise _UsageError(
            f"argument --stack-outputs: {repeated[0]} is given more than once; give each stack once"
        )
    if args.policy_config and len(args.policy_config) != len(args.policy_pack):
        raise _UsageError(config_count_message(len(args.policy_config), len(args.policy_pack)))
    project_dir = Path(args.project_dir)
    if not project_dir.is_dir():
        problem = "is not a folder" if project_dir.exists() else "does not exist"
        raise _UsageError(f"project folder {args.project_dir} {problem} (PROJECT_DIR holds Pulumi.yaml)")


def _run(args: argparse.Namespace) -> int:
    # Imported here so that a bad flag is reported without loading the Pulumi SDK.
    from preflight import report, runner
    from preflight.model import Mode

    result = runner.run(
        args.project_dir,
        args.stack,
        policy_packs=args.policy_pack,
        policy_configs=args.policy_config,
        mode=Mode(args.mode),
        account_id=args.account_id,
        stack_outputs=dict(args.stack_outputs),
        timeout=args.timeout,
        progress=sys.stderr if args.progress or sys.stderr.isatty() else None,
    )
    write: Callable[[TextIO], object]
    if args.format == "terraform-plan":
        from preflight import tfplan

        text, notes = tfplan.render(result)
        # The plan has no place for them, so what was left out and the run's warnings go to standard error.
        for line in [*notes, *(f"warning: {warning}" for warning in result.warnings)]:
            print(f"preflight: {line}", file=sys.stderr)
        write = functools.partial(_write_text, text)
    elif args.format == "text":
        write = functools.partial(_write_text, report.render_text(result))
    else:
        # Written as it is encoded: the text of a large stack's report is never in memory whole.
        document = report.to_json(result) if args.format == "json" else report.to_sarif(result)
        write = functools.partial(report.dump, document)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as stream:
                write(stream)
        except OSError as exc:
            raise PreflightError(f"cannot write the report to {args.output}: {exc.strerror or exc}") from None
    else:
        _write_stdout(write)
    return 1 if report.summary(result)["mandatory"] else 0


def _write_text(text: str, stream: TextIO) -> None:
    stream.write(text)


def _write_stdout(write: Callable[[TextIO], object]) -> None:
    stream = sys.stdout
    if stream is None:  # started with standard output closed
        raise PreflightError("standard output is closed, so the report has nowhere to go; pass --output FILE")
    try:
        write(stream)
        stream.flush()
    except BrokenPipeError:
        # Python would meet the same broken pipe again flushing at exit and print a traceback: point
        # standard output at /dev/null, as the Python documentation advises for SIGPIPE.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
        raise PreflightError(
            "standard output was closed before the report was written (the command reading it ended); "
            "pass --output FILE, or let the reader read to the end"
        ) from None


def _input_fault(exc: Exception) -> str | None:
    """What an error that only data can cause says about the data (the loaders catch the known cases;
    this keeps any other from reading as a fault of preflight)."""
    where = "the stack config, the policy config or the program's resource inputs"
    if isinstance(exc, RecursionError):
        return f"a value is nested too deeply to process (Python's recursion limit); look in {where}"
    if isinstance(exc, OverflowError) or (
        isinstance(exc, ValueError) and "integer string conversion" in str(exc)
    ):
        return (
            f"a number is too large to process ({_one_line(str(exc))}); the engine passes numbers as 64-bit "
            f"floats: look in {where}"
        )
    return None


def _fail(message: str, detail: str | None = None) -> int:
    if detail:
        print(detail.rstrip("\n"), file=sys.stderr)
    print(f"preflight: error: {message}", file=sys.stderr)
    return 2


def _one_line(text: str) -> str:
    return " ".join(text.split()) or "(no message)"
