"""Reading a pack folder before starting it: PulumiPolicy.yaml, the runtime and the interpreter."""

import sys

import pytest
from pack_helpers import PACKS

from preflight.analyzer import load_pack_spec
from preflight.errors import PreflightError


def pack(tmp_path, manifest: str):
    (tmp_path / "PulumiPolicy.yaml").write_text(manifest)
    return tmp_path


def test_a_plain_python_pack_runs_with_this_interpreter():
    spec = load_pack_spec(PACKS / "basic")
    assert spec.directory == (PACKS / "basic").resolve()
    assert spec.version == "2.0.0"
    assert spec.interpreter == sys.executable
    assert spec.virtualenv is None
    assert spec.warnings == ()


def test_a_pack_without_version_leaves_it_to_the_pack(tmp_path):
    assert load_pack_spec(pack(tmp_path, "runtime: python\n")).version == ""


def test_the_packs_virtualenv_is_used_when_it_exists(tmp_path):
    directory = pack(tmp_path, "runtime:\n  name: python\n  options:\n    virtualenv: venv\nversion: 1\n")
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    (tmp_path / "venv" / "bin" / "python").symlink_to(sys.executable)
    spec = load_pack_spec(directory)
    assert spec.interpreter == str(tmp_path / "venv" / "bin" / "python")
    assert spec.virtualenv == tmp_path / "venv"
    assert spec.version == "1"
    assert spec.warnings == ()


def test_an_absolute_virtualenv_path_is_taken_as_is(tmp_path):
    venv = tmp_path / "elsewhere"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    directory = tmp_path / "pack"
    directory.mkdir()
    spec = load_pack_spec(pack(directory, f"runtime:\n  name: python\n  options:\n    virtualenv: {venv}\n"))
    assert spec.virtualenv == venv


def test_a_missing_virtualenv_falls_back_to_this_interpreter_with_a_warning(tmp_path):
    spec = load_pack_spec(pack(tmp_path, "runtime: {name: python, options: {virtualenv: venv}}\n"))
    assert spec.interpreter == sys.executable
    assert spec.virtualenv is None
    (warning,) = spec.warnings
    assert f"its virtualenv {tmp_path / 'venv'} does not exist, so it runs with {sys.executable}" in warning
    assert f"python -m venv {tmp_path / 'venv'}" in warning


def test_runtime_options_without_virtualenv_use_this_interpreter(tmp_path):
    spec = load_pack_spec(pack(tmp_path, "runtime: {name: python, options: {toolchain: pip}}\n"))
    assert (spec.interpreter, spec.warnings) == (sys.executable, ())


def test_a_folder_that_does_not_exist_is_named(tmp_path):
    with pytest.raises(PreflightError, match=r"policy pack .*nothing: no such folder"):
        load_pack_spec(tmp_path / "nothing")


def test_a_folder_without_manifest_is_not_a_pack(tmp_path):
    with pytest.raises(PreflightError, match=r"no PulumiPolicy\.yaml in this folder"):
        load_pack_spec(tmp_path)


def test_invalid_yaml_names_the_line(tmp_path):
    with pytest.raises(
        PreflightError, match=r"PulumiPolicy\.yaml: not valid YAML \(line 2\): mapping values are not"
    ):
        load_pack_spec(pack(tmp_path, "runtime: python\nversion: a: b\n"))


def test_yaml_errors_without_position_are_still_one_line(tmp_path, monkeypatch):
    import yaml

    def broken(_text):
        raise yaml.YAMLError("reader failed")

    monkeypatch.setattr(yaml, "safe_load", broken)
    with pytest.raises(PreflightError, match=r"PulumiPolicy\.yaml: not valid YAML: reader failed$"):
        load_pack_spec(pack(tmp_path, "runtime: python\n"))


def test_the_manifest_must_be_a_mapping(tmp_path):
    with pytest.raises(PreflightError, match=r"must be a YAML mapping"):
        load_pack_spec(pack(tmp_path, "- python\n"))


@pytest.mark.parametrize("runtime", ["runtime: nodejs", "runtime: {name: go}", "version: 1"])
def test_only_python_packs_run(tmp_path, runtime):
    with pytest.raises(PreflightError, match=r"runtime is .*; preflight runs Python packs"):
        load_pack_spec(pack(tmp_path, runtime + "\n"))


def test_an_empty_manifest_has_no_runtime(tmp_path):
    with pytest.raises(PreflightError, match=r"runtime is None"):
        load_pack_spec(pack(tmp_path, ""))
