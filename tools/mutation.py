"""Mutation testing of the policy pack's document rules, from a staged copy that mutmut can name.

mutmut 3 names a mutated function after its file's path (dropping a leading `src/`), and its statistics
only count a test's hit when that name is the module the tests imported. The tests import the pack as
`trading_policies` (the pack's folder is on `sys.path`, as the Pulumi CLI runs it), so a run from the
project root, where the files are `policy/trading_policies/*.py`, records hits that match no mutant and
stops. This script stages a copy in which the pack lives at `src/trading_policies/` (the rest of
`policy/` stays where the tests look for it) and runs mutmut there.

    .venv/bin/python tools/mutation.py                 # stage, run, print the score per file
    .venv/bin/python tools/mutation.py --max-children 2
    .venv/bin/python tools/mutation.py --show NAME     # the diff of one mutant of the last run

The staged copy is `.mutation/` (git-ignored); mutmut's results stay there between runs.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGE = ROOT / ".mutation"
MUTATED = ("evaluator.py", "kms.py", "logs.py", "s3.py")
PYPROJECT = """\
[tool.mutmut]
source_paths = ["src/"]
only_mutate = [{only}]
also_copy = ["tests/", "policy/", "docs/"]
pytest_add_cli_args = [
    "-n", "0", "--no-cov", "-p", "no:randomly", "-p", "no:cacheprovider",
    "--ignore=tests/policy/test_policy_preflight.py",
]
pytest_add_cli_args_test_selection = ["tests/policy/"]

[tool.pytest.ini_options]
testpaths = ["tests/policy"]
"""


def stage() -> None:
    """Copy what the policy tests need into STAGE, with the pack moved to src/trading_policies."""
    mutants = STAGE / "mutants"
    keep = mutants.exists()
    if STAGE.exists():
        for child in STAGE.iterdir():
            if child.name not in ("mutants",):
                shutil.rmtree(child) if child.is_dir() else child.unlink()
    STAGE.mkdir(exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "venv", ".hypothesis")
    shutil.copytree(ROOT / "policy" / "trading_policies", STAGE / "src" / "trading_policies", ignore=ignore)
    shutil.copytree(
        ROOT / "policy",
        STAGE / "policy",
        ignore=shutil.ignore_patterns("trading_policies", "venv", "__pycache__"),
    )
    shutil.copytree(ROOT / "tests", STAGE / "tests", ignore=ignore)
    shutil.copytree(ROOT / "docs", STAGE / "docs", ignore=ignore)
    only = ", ".join(f'"src/trading_policies/{name}"' for name in MUTATED)
    (STAGE / "pyproject.toml").write_text(PYPROJECT.format(only=only))
    if keep:
        print("mutation: reusing mutmut's earlier results in .mutation/mutants (delete it to start over)")


def run(max_children: int) -> int:
    """Run mutmut in STAGE and print the score per mutated file; 0 when it ran to the end."""
    mutmut = Path(sys.executable).with_name("mutmut")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([str(mutmut), "run", "--max-children", str(max_children)], cwd=STAGE, env=env)
    if done.returncode != 0:
        print(f"mutation: mutmut run exited {done.returncode}; see its output above", file=sys.stderr)
        return done.returncode
    return report()


def report() -> int:
    """Print killed/total per file from mutmut's meta files, and every surviving mutant's name."""
    from mutmut.stats import status_by_exit_code  # mutmut's own reading of its exit codes

    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    survivors: list[str] = []
    for meta in sorted((STAGE / "mutants" / "src" / "trading_policies").glob("*.py.meta")):
        data = json.loads(meta.read_text())
        for name, code in data.get("exit_code_by_key", {}).items():
            outcome = status_by_exit_code[code]
            counts[meta.name.removesuffix(".meta")][outcome] += 1
            if outcome == "survived":
                survivors.append(name)
    total_killed = total = 0
    for name, count in sorted(counts.items()):
        n = sum(count.values())
        total_killed += count["killed"]
        total += n
        rest = ", ".join(f"{k} {v}" for k, v in sorted(count.items()) if k != "killed")
        print(f"{name:14} killed {count['killed']:4}/{n:<4} {100 * count['killed'] / n:5.1f}%  {rest}")
    if total:
        print(f"{'all':14} killed {total_killed:4}/{total:<4} {100 * total_killed / total:5.1f}%")
    for name in survivors:
        print(f"survived: {name}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--max-children", type=int, default=os.cpu_count() or 1, help="mutants tested at once"
    )
    parser.add_argument("--report", action="store_true", help="print the score of the last run, run nothing")
    parser.add_argument("--show", metavar="NAME", help="show the diff of one mutant of the last run")
    args = parser.parse_args(argv)
    if args.show:
        mutmut = Path(sys.executable).with_name("mutmut")
        return subprocess.run([str(mutmut), "show", args.show], cwd=STAGE).returncode
    if args.report:
        return report()
    stage()
    return run(args.max_children)


if __name__ == "__main__":
    sys.exit(main())
