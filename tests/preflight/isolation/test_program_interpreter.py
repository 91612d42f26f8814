"""The program runs with the project's virtualenv, activated as the CLI's language host activates it."""

import os
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

from preflight import runner
from preflight.errors import PreflightError
from preflight.model import Mode

PROGRAM = """\
import os
import sys

import pulumi

print("python", sys.executable)
print("venv", os.environ.get("VIRTUAL_ENV", "-"))
print("path", os.environ["PATH"].split(os.pathsep)[0])
pulumi.export("done", True)
"""


def project(tmp_path: Path, runtime: str) -> Path:
    directory = tmp_path / "demo"
    directory.mkdir()
    (directory / "Pulumi.yaml").write_text(f"name: demo\nruntime:\n{textwrap.indent(runtime, '  ')}")
    (directory / "Pulumi.dev.yaml").write_text("config: {}\n")
    (directory / "__main__.py").write_text(PROGRAM)
    return directory


def virtualenv(venv: Path) -> None:
    """A virtualenv of this Python whose packages are this one's (a .pth file), made without a process."""
    venv.mkdir(parents=True)
    home = Path(sys.base_prefix) / "bin"
    version = ".".join(map(str, sys.version_info[:3]))
    (venv / "pyvenv.cfg").write_text(
        f"home = {home}\ninclude-system-site-packages = false\nversion = {version}\n"
    )
    (venv / "bin").mkdir()
    (venv / "bin" / "python").symlink_to(sys.executable)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site = venv / "lib" / version / "site-packages"
    site.mkdir(parents=True)
    (site / "packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")


def printed(directory: Path) -> dict[str, str]:
    result = runner.run(directory, "dev", mode=Mode.UPDATE)
    return dict(line.split(" ", 1) for line in result.output)


def test_the_program_runs_with_the_virtualenvs_python_and_sees_it_activated(tmp_path):
    directory = project(tmp_path, "name: python\noptions:\n  virtualenv: venv\n")
    venv = directory / "venv"
    virtualenv(venv)
    assert printed(directory) == {
        "python": str(venv / "bin" / "python"),
        "venv": str(venv),
        "path": str(venv / "bin"),
    }


def test_without_a_virtualenv_the_program_runs_with_preflights_python_in_preflights_environment(tmp_path):
    directory = project(tmp_path, "name: python\n")
    assert printed(directory) == {
        "python": sys.executable,
        "venv": os.environ.get("VIRTUAL_ENV", "-"),
        "path": os.environ["PATH"].split(os.pathsep)[0],
    }


def test_a_virtualenv_python_that_cannot_start_is_one_line(tmp_path):
    directory = project(tmp_path, "name: python\noptions:\n  virtualenv: venv\n")
    python = directory / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("not a program")  # exists, not executable
    with pytest.raises(PreflightError) as caught:
        runner.run(directory, "dev", mode=Mode.UPDATE)
    assert str(caught.value) == f"cannot start {python} to run the program: Permission denied"
