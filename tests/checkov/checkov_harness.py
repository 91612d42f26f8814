"""Runs the real checkov on preflight's Terraform-plan exports: the check programs' and the three stacks'.

checkov lives in its own virtualenv (`.checkov-venv`, from requirements-checkov.txt, built by `make test` as
`.venv` is), never in the project's: it is a test tool with its own pinned world of dependencies. It starts
slowly (10-30 s), so every plan is written to one folder and checkov runs once over all of them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = Path(__file__).resolve().parent / "programs"
STACKS = ("dev", "staging", "prod")
# The check programs, each run for its one stack.
CHECK_PROGRAMS = {"checks": "test"}


class CheckovMissing(Exception):
    pass


def checkov_command() -> Path:
    """checkov in the project's `.checkov-venv`, or beside the `.venv` this checkout links to (a worktree)."""
    candidates = [ROOT / ".checkov-venv", (ROOT / ".venv").resolve().parent / ".checkov-venv"]
    for venv in candidates:
        if (venv / "bin" / "checkov").is_file():
            return venv / "bin" / "checkov"
    raise CheckovMissing(
        f"checkov is not installed in {candidates[0]}: `make .checkov-venv/.installed` installs it "
        "(`make test` does too)"
    )


@dataclass(frozen=True)
class Finding:
    check_id: str
    check_name: str
    resource: str
    passed: bool


PREFLIGHT = (sys.executable, "-m", "preflight")
DEV_ROLE_ARN = "arn:aws:iam::123456789012:role/trading-apigw-logs-role-dev-20261201120000000000000001"


def export_plans(folder: Path) -> dict[str, str]:
    """Writes `<name>.json` for each check program and stack; returns the plans' texts by name.

    Each export is `python -m preflight` in its own process, all at once and without coverage's tracer
    (the exports feed checkov; preflight's coverage comes from its own tests): traced and one after the
    other, they took three times as long.
    """
    folder.mkdir(parents=True, exist_ok=True)
    runs = {name: (PROGRAMS / name, stack) for name, stack in CHECK_PROGRAMS.items()}
    runs |= {stack: (ROOT, stack) for stack in STACKS}
    environment = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    # staging reads the API Gateway role that dev exports once deployed (a stack reference).
    dev_outputs = folder.with_name(f"{folder.name}-dev-outputs.json")
    dev_outputs.write_text(json.dumps({"apiGatewayCloudWatchRoleArn": DEV_ROLE_ARN}))
    exports = {
        name: subprocess.Popen(
            [
                *PREFLIGHT,
                str(project),
                "--stack",
                stack,
                "--format",
                "terraform-plan",
                "--output",
                str(folder / f"{name}.json"),
                *(["--stack-outputs", f"dev={dev_outputs}"] if stack == "staging" else []),
            ],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, (project, stack) in runs.items()
    }
    texts = {}
    for name, export in exports.items():
        _, stderr = export.communicate()
        if export.returncode != 0:
            project, stack = runs[name]
            raise RuntimeError(
                f"preflight could not export {project} for stack {stack} (exit {export.returncode}): "
                f"{stderr[-2000:]}"
            )
        texts[name] = (folder / f"{name}.json").read_text()
    return texts


def run_checkov(folder: Path) -> dict[str, list[Finding]]:
    """checkov once over every plan in the folder; its findings by plan name."""
    completed = subprocess.run(
        [
            str(checkov_command()),
            "--directory",
            str(folder),
            "--framework",
            "terraform_plan",
            "--output",
            "json",
            "--compact",
            # No network: no guideline download, no external checks.
            "--skip-download",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "LOG_LEVEL": "WARNING"},
    )
    # checkov exits 1 when a check fails; anything else, or no JSON, is checkov failing.
    if completed.returncode not in (0, 1) or not completed.stdout.startswith(("{", "[")):
        raise RuntimeError(f"checkov failed (exit {completed.returncode}): {completed.stderr[-2000:]}")
    report = json.loads(completed.stdout)
    runs = report if isinstance(report, list) else [report]
    findings: dict[str, list[Finding]] = {}
    for run in runs:
        for kind, passed in (("passed_checks", True), ("failed_checks", False)):
            for check in run["results"][kind]:
                name = Path(check["file_path"]).stem
                findings.setdefault(name, []).append(
                    Finding(check["check_id"], check["check_name"], check["resource"], passed)
                )
    return findings


def scan(folder: Path) -> dict:
    """Exports every plan and runs checkov over them: {"plans": texts by name, "findings": by name}."""
    texts = export_plans(folder)
    findings = run_checkov(folder)
    return {
        "plans": texts,
        "findings": {name: [vars(f) for f in found] for name, found in sorted(findings.items())},
    }


def findings_of(scanned: dict, name: str) -> list[Finding]:
    return [Finding(**item) for item in scanned["findings"].get(name, [])]
