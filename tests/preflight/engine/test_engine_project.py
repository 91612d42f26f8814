"""Loading Pulumi.yaml and Pulumi.<stack>.yaml the way the Pulumi CLI reads them."""

import sys
from pathlib import Path

import pytest

from preflight.errors import PreflightError
from preflight.project import SECRET_PLACEHOLDER, load_project

WEBAPP = Path(__file__).parents[1] / "programs" / "webapp"


def write(directory: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return directory


def project_dir(tmp_path: Path, stack_yaml: str = "config: {}\n", project_yaml: str | None = None) -> Path:
    return write(
        tmp_path,
        {
            "Pulumi.yaml": project_yaml or "name: demo\nruntime: python\n",
            "Pulumi.dev.yaml": stack_yaml,
            "__main__.py": "",
        },
    )


def test_webapp_stack_config_is_namespaced_and_typed_like_the_cli():
    project = load_project(WEBAPP, "dev")
    assert project.name == "webapp"
    assert project.directory == WEBAPP.resolve()
    assert project.program == WEBAPP.resolve() / "__main__.py"
    assert project.stack == "dev"
    assert project.config["aws:region"] == "eu-west-1"
    assert project.config["webapp:enableLogs"] == "true"
    assert project.config["webapp:retentionDays"] == "30"  # the stack overrides the Pulumi.yaml default
    assert project.config["webapp:tags"] == {"Team": "payments", "CostCenter": "CC-1"}
    assert project.config["aws:defaultTags"] == {"tags": {"ManagedBy": "pulumi"}}
    assert project.config["webapp:dbPassword"] == SECRET_PLACEHOLDER
    assert project.secret_keys == frozenset({"webapp:dbPassword"})
    assert len(project.warnings) == 1
    assert "webapp:dbPassword" in project.warnings[0]
    assert "placeholder" in project.warnings[0]


def test_project_default_applies_when_the_stack_does_not_set_the_key():
    project = load_project(WEBAPP, "prod")
    assert project.config["webapp:retentionDays"] == "14"
    assert project.config["webapp:tags"] == {}


def test_fully_qualified_stack_names_use_the_last_segment():
    assert load_project(WEBAPP, "acme/webapp/prod").stack == "prod"


@pytest.mark.parametrize(
    ("yaml_value", "expected"),
    [
        ("true", "true"),
        ("False", "false"),
        ("30", "30"),
        ("0x1F", "31"),
        ("0o17", "15"),
        ("1.5", "1.5"),
        ("2.0", "2"),
        ("1e3", "1000"),
        (".inf", "inf"),
        ("yes", "yes"),  # YAML 1.2: a string, not a boolean
        ("2024-01-01", "2024-01-01"),  # no timestamps either
        ('"16.6"', "16.6"),
        ("plain text", "plain text"),
    ],
)
def test_scalars_become_the_strings_the_cli_passes(tmp_path, yaml_value, expected):
    directory = project_dir(tmp_path, f"config:\n  value: {yaml_value}\n")
    assert load_project(directory, "dev").config == {"demo:value": expected}


def test_structured_values_keep_types_and_nested_secure_values_make_the_key_secret(tmp_path):
    stack = (
        "config:\n"
        "  demo:settings:\n"
        "    retries: 3\n"
        "    enabled: true\n"
        "    ratio: 0.5\n"
        "    nothing: null\n"
        "    token:\n"
        "      secure: AAAA\n"
        "  demo:zones: [a, b]\n"
        "  demo:base: &base {x: 1}\n"
        "  demo:merged:\n"
        "    <<: *base\n"
        "    y: 2\n"
    )
    project = load_project(project_dir(tmp_path, stack), "dev")
    assert project.config["demo:settings"] == {
        "retries": 3,
        "enabled": True,
        "ratio": 0.5,
        "nothing": None,
        "token": SECRET_PLACEHOLDER,
    }
    assert project.config["demo:zones"] == ["a", "b"]
    assert project.config["demo:merged"] == {"x": 1, "y": 2}
    assert project.secret_keys == frozenset({"demo:settings"})


def test_secure_inside_a_list_is_secret_too(tmp_path):
    project = load_project(
        project_dir(tmp_path, "config:\n  demo:keys:\n    - plain\n    - secure: AAAA\n"), "dev"
    )
    assert project.config["demo:keys"] == ["plain", SECRET_PLACEHOLDER]
    assert project.secret_keys == frozenset({"demo:keys"})


def test_a_stack_value_replaces_a_secure_project_value_and_is_not_secret(tmp_path):
    directory = project_dir(
        tmp_path,
        "config:\n  demo:token: visible\n",
        "name: demo\nruntime: python\nconfig:\n  token:\n    secure: AAAA\n",
    )
    project = load_project(directory, "dev")
    assert project.config == {"demo:token": "visible"}
    assert project.secret_keys == frozenset()


def test_project_config_value_form_and_plain_literals(tmp_path):
    directory = project_dir(
        tmp_path,
        "",
        "name: demo\nruntime: python\nconfig:\n  aws:region:\n    value: eu-west-2\n  flag: true\n  other:\n"
        "    type: string\n    default: fallback\n",
    )
    project = load_project(directory, "dev")
    assert project.config == {"aws:region": "eu-west-2", "demo:flag": "true", "demo:other": "fallback"}


def test_required_project_config_missing_from_the_stack_is_an_error(tmp_path):
    directory = project_dir(
        tmp_path, "config: {}\n", "name: demo\nruntime: python\nconfig:\n  dbName:\n    type: string\n"
    )
    with pytest.raises(
        PreflightError, match=r"missing required configuration value demo:dbName: .*Pulumi.dev.yaml"
    ):
        load_project(directory, "dev")


def test_required_project_config_set_by_the_stack_loads(tmp_path):
    directory = project_dir(
        tmp_path,
        "config:\n  demo:dbName: orders\n",
        "name: demo\nruntime: python\nconfig:\n  dbName:\n    type: string\n",
    )
    assert load_project(directory, "dev").config == {"demo:dbName": "orders"}


def test_runtime_object_form_and_main_folder(tmp_path):
    write(tmp_path, {"src/__main__.py": "", "Pulumi.dev.yml": ""})
    (tmp_path / "Pulumi.yaml").write_text(
        "name: demo\nruntime:\n  name: python\n  options: {toolchain: pip}\nmain: src/\n"
    )
    project = load_project(tmp_path, "dev")
    assert project.program == (tmp_path / "src" / "__main__.py").resolve()
    assert project.config == {}


def test_main_may_name_the_project_folder_itself_or_come_back_into_it(tmp_path):
    write(tmp_path, {"__main__.py": "", "src/app.py": "", "Pulumi.dev.yaml": ""})
    (tmp_path / "Pulumi.yaml").write_text("name: demo\nruntime: python\nmain: .\n")
    assert load_project(tmp_path, "dev").program == (tmp_path / "__main__.py").resolve()
    (tmp_path / "Pulumi.yaml").write_text("name: demo\nruntime: python\nmain: lib/../src/app.py\n")
    assert load_project(tmp_path, "dev").program == (tmp_path / "src" / "app.py").resolve()


def test_main_file(tmp_path):
    write(tmp_path, {"app.py": "", "Pulumi.dev.yaml": "config:\n"})
    (tmp_path / "Pulumi.yml").write_text("name: demo\nruntime: python\nmain: app.py\n")
    assert load_project(tmp_path, "dev").program == (tmp_path / "app.py").resolve()


@pytest.mark.parametrize(
    ("project_yaml", "message"),
    [
        ("runtime: python\n", r"`name` is missing"),
        ("name: demo\n", r"`runtime` is missing"),
        ("name: demo\nruntime: nodejs\n", r"runtime nodejs is not supported"),
        ("name: demo\nruntime:\n  name: go\n", r"runtime go is not supported"),
        ("name: demo\nruntime: python\nmain: missing.py\n", r"the program .*missing.py does not exist"),
        ("name: demo\nruntime: python\nmain: [1]\n", r"`main` must be a file or folder path"),
        ("name: demo\nruntime: python\nmain: /tmp/app.py\n", r"`main: /tmp/app.py` is an absolute path"),
        ("name: demo\nruntime: python\nmain: ../app.py\n", r"`main: ../app.py` leaves the project folder"),
        ("name: demo\nruntime: python\nmain: src/../../x\n", r"`main: src/../../x` leaves the project"),
        ("- just\n- a list\n", r"expected a mapping"),
        ("name: demo\nruntime: python\nconfig: [a]\n", r"`config` must be a mapping"),
        ("name: demo\nruntime: python\nconfig:\n  a:b:c: 1\n", r"config key 'a:b:c' is not of the form"),
        ("name: demo\nruntime: python\nconfig:\n  odd:\n    description: x\n", r"declares none of"),
        ("name: demo\nruntime: python\nconfig:\n  empty:\n", r"config demo:empty has no value"),
        ("name: demo\nruntime: [python\n", r"Pulumi.yaml:3: invalid YAML"),
    ],
)
def test_bad_project_files_fail_with_one_line(tmp_path, project_yaml, message):
    directory = project_dir(tmp_path, project_yaml=project_yaml)
    with pytest.raises(PreflightError, match=message) as raised:
        load_project(directory, "dev")
    assert "\n" not in raised.value.message


def test_bad_stack_files_fail_with_file_and_line(tmp_path):
    with pytest.raises(PreflightError, match=r"Pulumi.dev.yaml:3: invalid YAML"):
        load_project(project_dir(tmp_path, "config:\n  a: 1\n b: [\n"), "dev")


def test_stack_file_that_is_not_a_mapping(tmp_path):
    with pytest.raises(PreflightError, match=r"Pulumi.dev.yaml: expected a mapping"):
        load_project(project_dir(tmp_path, "- a\n"), "dev")


def test_undecodable_stack_file(tmp_path):
    directory = project_dir(tmp_path)
    (directory / "Pulumi.dev.yaml").write_bytes(b"config: \xff\xfe\n")
    with pytest.raises(PreflightError, match=r"Pulumi.dev.yaml: is not UTF-8 text \(byte 9, line 1\)"):
        load_project(directory, "dev")


def test_unknown_stack_names_the_stacks_that_exist(tmp_path):
    directory = project_dir(tmp_path)
    (directory / "Pulumi.prod.yml").write_text("")
    (directory / "Pulumi.README.md").write_text("")
    with pytest.raises(
        PreflightError, match=r"stack qa not found: no Pulumi.qa.yaml .*stacks here: dev, prod"
    ):
        load_project(directory, "qa")


def test_unknown_stack_without_any_stack_file(tmp_path):
    write(tmp_path, {"Pulumi.yaml": "name: demo\nruntime: python\n", "__main__.py": ""})
    with pytest.raises(PreflightError, match=r"no stacks here"):
        load_project(tmp_path, "dev")


def test_missing_folder_and_missing_project_file(tmp_path):
    with pytest.raises(PreflightError, match=r"does not exist"):
        load_project(tmp_path / "absent", "dev")
    with pytest.raises(PreflightError, match=r"has no Pulumi.yaml"):
        load_project(tmp_path, "dev")


# -- the interpreter that runs the program -----------------------------------------------------------------


def _venv(directory: Path, name: str) -> Path:
    python = directory / name / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.symlink_to(sys.executable)
    return directory / name


def _runtime(options: str) -> str:
    return f"name: demo\nruntime:\n  name: python\n  options:\n{options}"


def test_without_options_the_program_runs_with_preflights_interpreter(tmp_path):
    project = load_project(project_dir(tmp_path), "dev")
    assert (project.interpreter, project.virtualenv, project.warnings) == (sys.executable, None, ())
    project = load_project(project_dir(tmp_path, project_yaml=_runtime("    toolchain: pip\n")), "dev")
    assert (project.interpreter, project.virtualenv) == (sys.executable, None)


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ("    virtualenv: venv\n", "venv"),
        ("    toolchain: uv\n", ".venv"),
        ("    virtualenv: env/py\n", "env/py"),
    ],
)
def test_the_projects_virtualenv_runs_the_program_as_the_cli_picks_it(tmp_path, options, name):
    venv = _venv(tmp_path, name)
    project = load_project(project_dir(tmp_path, project_yaml=_runtime(options)), "dev")
    assert project.interpreter == str(venv / "bin" / "python")
    assert project.virtualenv == venv
    assert project.warnings == ()


def test_an_absolute_virtualenv_is_taken_as_written(tmp_path):
    venv = _venv(tmp_path, "elsewhere")
    project_yaml = _runtime(f"    virtualenv: {venv}\n")
    project = load_project(project_dir(tmp_path / "project", project_yaml=project_yaml), "dev")
    assert project.interpreter == str(venv / "bin" / "python")


def test_a_virtualenv_that_does_not_exist_runs_the_program_with_preflights_and_says_so(tmp_path):
    directory = project_dir(tmp_path, project_yaml=_runtime("    virtualenv: venv\n"))
    project = load_project(directory, "dev")
    assert (project.interpreter, project.virtualenv) == (sys.executable, None)
    venv = directory.resolve() / "venv"
    assert project.warnings == (
        f"{directory.resolve() / 'Pulumi.yaml'}: the virtualenv {venv} does not exist, so the program runs "
        f"with {sys.executable} (the Pulumi CLI creates it: pulumi install, or python -m venv {venv} && "
        f"{venv}/bin/pip install -r {directory.resolve()}/requirements.txt)",
    )


def test_a_poetry_project_runs_with_preflights_interpreter_and_says_how_to_use_its_own(tmp_path):
    project = load_project(project_dir(tmp_path, project_yaml=_runtime("    toolchain: poetry\n")), "dev")
    assert project.interpreter == sys.executable
    (warning,) = project.warnings
    assert warning.endswith(
        f"toolchain poetry: the program runs with {sys.executable}; run preflight from the project's poetry "
        "environment (poetry run python -m preflight ...) to use its packages"
    )


@pytest.mark.parametrize("value", ['""', "5", "[venv]"])
def test_a_virtualenv_that_is_not_a_path_is_refused(tmp_path, value):
    directory = project_dir(tmp_path, project_yaml=_runtime(f"    virtualenv: {value}\n"))
    with pytest.raises(PreflightError) as caught:
        load_project(directory, "dev")
    assert str(caught.value) == (
        f"{directory.resolve() / 'Pulumi.yaml'}: runtime.options.virtualenv must be the path of a virtualenv "
        "folder, relative to the project or absolute"
    )


def test_options_that_are_not_a_mapping_are_ignored_as_the_cli_ignores_them(tmp_path):
    project = load_project(project_dir(tmp_path, project_yaml=_runtime("    - virtualenv\n")), "dev")
    assert (project.interpreter, project.warnings) == (sys.executable, ())
