"""Stack and project files a user can get wrong: each refused with exit 2 and one line naming the file."""

import os
from pathlib import Path

import pytest

from preflight import cli, files
from preflight.errors import PreflightError
from preflight.project import MAX_DEPTH, MAX_VALUES, load_project


def project(tmp_path: Path, stack_yaml: str = "config: {}\n") -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: demo\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text(stack_yaml)
    (tmp_path / "__main__.py").write_text("")
    return tmp_path


def refusal(capsys, directory: Path) -> str:
    """Runs the command line on the project: exit 2 and exactly one line, no traceback."""
    status = cli.main([str(directory), "--stack", "dev"])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    assert "internal error" not in err
    return err.strip().removeprefix("preflight: error: ").replace(f"{directory}{os.sep}", "")


BOMB = "\n".join(
    ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 7)]
    + ["config:\n  demo:bomb: *a6\n"]
)


@pytest.mark.parametrize(
    ("stack_yaml", "message"),
    [
        (
            "config:\n  aws:region: eu-west-1\n  aws:region: us-east-1\n",
            "Pulumi.dev.yaml:3: invalid YAML: duplicate key 'aws:region' (first at line 2); keep one",
        ),
        (
            "config:\n  demo:tags:\n    a: 1\n    a: 2\n",
            "Pulumi.dev.yaml:4: invalid YAML: duplicate key 'a' (first at line 3); keep one",
        ),
        (
            'config:\n  "": 1\n',
            "Pulumi.dev.yaml:2: invalid YAML: empty key; give the key a name or remove the entry",
        ),
        (
            "config:\n  ~: 1\n",
            "Pulumi.dev.yaml:2: invalid YAML: empty key; give the key a name or remove the entry",
        ),
        (
            "config:\n  [a]: 1\n",
            "Pulumi.dev.yaml:2: invalid YAML: a key is a list or a mapping; keys are plain values",
        ),
        (
            "config:\n  demo:x: !!python/object/apply:os.system [echo hi]\n",
            "Pulumi.dev.yaml:2: invalid YAML: the Python-specific tag !!python/object/apply:os.system is not "
            "allowed: Pulumi config files hold plain data",
        ),
        (
            "config:\n  demo:x: !!python/name:os.system\n",
            "Pulumi.dev.yaml:2: invalid YAML: the Python-specific tag !!python/name:os.system is not "
            "allowed: Pulumi config files hold plain data",
        ),
        (
            "config:\n  demo:x: !!map [a]\n",
            "Pulumi.dev.yaml:2: invalid YAML: expected a mapping node, but found sequence",
        ),
        (
            "config:\n  demo:x: \x07\n",
            "Pulumi.dev.yaml:2: invalid YAML: the character #x0007 is not allowed in YAML (a control "
            "character); remove it",
        ),
        (
            "config:\n  demo:x: !!set {a}\n",
            "Pulumi.dev.yaml:2: invalid YAML: the tag !!set is not part of the YAML the Pulumi CLI reads; "
            "remove it",
        ),
        (
            "config:\n  demo:x: !custom 1\n",
            "Pulumi.dev.yaml:2: invalid YAML: the tag !custom is not part of the YAML the Pulumi CLI reads; "
            "remove it",
        ),
        (
            BOMB,
            f"Pulumi.dev.yaml:5: invalid YAML: holds more than {MAX_VALUES:,} values once its aliases are "
            "expanded (an alias bomb?)",
        ),
        (
            "config:\n  demo:loop: &a [1, *a]\n",
            "Pulumi.dev.yaml:2: invalid YAML: an alias refers to a mapping or list that contains it",
        ),
        (
            "config:\n  demo:deep: " + "[" * 5000 + "]" * 5000 + "\n",
            f"Pulumi.dev.yaml:2: invalid YAML: nested more than {MAX_DEPTH} levels deep",
        ),
        (
            "config:\n  demo:deep:\n" + "".join("  " * (i + 2) + f"k{i}:\n" for i in range(150)) + "\n",
            f"Pulumi.dev.yaml:{MAX_DEPTH}: invalid YAML: nested more than {MAX_DEPTH} levels deep",
        ),
        (
            "config:\n  demo:n: " + "9" * 5000 + "\n",
            "Pulumi.dev.yaml:2: invalid YAML: an integer of 5000 characters is too large for a config value; "
            "quote it to pass text",
        ),
        (
            "config:\n  demo:n: 0x" + "f" * 5000 + "\n",
            "Pulumi.dev.yaml:2: invalid YAML: an integer of 5002 characters is too large for a config value; "
            "quote it to pass text",
        ),
    ],
)
def test_a_stack_file_the_cli_would_not_read_is_refused_in_one_line(capsys, tmp_path, stack_yaml, message):
    assert refusal(capsys, project(tmp_path, stack_yaml)) == message


def test_merged_keys_may_be_overridden_and_a_modest_alias_is_fine(tmp_path):
    stack_yaml = (
        "base: &base {a: 1, b: 2}\nlist: &list [x, y]\n"
        "config:\n  demo:m:\n    <<: *base\n    b: 3\n  demo:l: *list\n"
        "  demo:j: [*list]\n  demo:k: [*list]\n  demo:big: " + "9" * 40 + "\n"
    )
    config = load_project(project(tmp_path, stack_yaml), "dev").config
    assert config["demo:m"] == {"a": 1, "b": 3}
    assert config["demo:l"] == ["x", "y"]
    assert config["demo:j"] == config["demo:k"] == [["x", "y"]]
    assert config["demo:big"] == "9" * 40


@pytest.mark.parametrize("name", ["Pulumi.yaml", "Pulumi.dev.yaml"])
def test_a_file_that_is_not_a_regular_file_is_named_with_what_it_is(capsys, tmp_path, name):
    directory = project(tmp_path)
    target = directory / name
    target.unlink()
    os.mkfifo(target)  # reading it would wait for a writer forever
    assert refusal(capsys, directory) == f"{name}: is a named pipe (FIFO), not a file; pass a regular file"
    target.unlink()
    target.symlink_to(directory / "loop")
    (directory / "loop").symlink_to(target)
    assert refusal(capsys, directory) == f"{name}: is a loop of symbolic links; point the link at a real file"
    target.unlink()
    target.symlink_to("nowhere.yaml")
    assert refusal(capsys, directory) == f"{name}: is a symbolic link to nowhere.yaml, which does not exist"
    target.unlink()
    target.mkdir()
    assert refusal(capsys, directory) == f"{name}: is a folder, not a file; pass a regular file"
    target.rmdir()
    target.write_bytes(b"# " + b"x" * files.MAX_BYTES + b"\n")
    assert (
        refusal(capsys, directory)
        == f"{name}: is 10.0 MiB; a config file may be at most 10 MiB (is it the right file?)"
    )
    target.write_bytes(b"name: demo\n\xff\xfe\n")
    assert refusal(capsys, directory) == f"{name}: is not UTF-8 text (byte 12, line 2); save it as UTF-8"


def test_a_file_that_grows_past_the_limit_while_read_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text("config: {}\n")
    monkeypatch.setattr(files, "MAX_BYTES", 4)  # the file is larger than stat said by the time it is read
    monkeypatch.setattr(files.os, "stat", lambda p: os.stat_result((0o100644, 0, 0, 1, 0, 0, 3, 0, 0, 0)))
    with pytest.raises(
        PreflightError, match=r"Pulumi.dev.yaml: is 0.0 MiB; a config file may be at most 0 MiB"
    ):
        files.read_text(path)


def test_an_unreadable_file_says_why(tmp_path, monkeypatch):
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text("config: {}\n")
    with pytest.raises(PreflightError, match=r"none.yaml: no such file$"):
        files.read_text(tmp_path / "none.yaml")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files, "open", denied, raising=False)
    with pytest.raises(PreflightError, match=r"Pulumi.dev.yaml: cannot be read: Permission denied$"):
        files.read_text(path)
    monkeypatch.setattr(files.os, "stat", denied)
    with pytest.raises(PreflightError, match=r"^label: cannot be read: Permission denied$"):
        files.read_text(path, "label")
    assert files.exists(tmp_path / "none") is False
    assert files.exists(Path("nul\0byte")) is False


def test_a_program_that_is_a_symlink_loop_or_a_pipe_is_named(capsys, tmp_path):
    directory = project(tmp_path)
    (directory / "Pulumi.yaml").write_text("name: demo\nruntime: python\nmain: app.py\n")
    (directory / "app.py").symlink_to(directory / "other.py")
    (directory / "other.py").symlink_to(directory / "app.py")
    assert refusal(capsys, directory) == (
        "Pulumi.yaml: `main: app.py` is a loop of symbolic links; point it at the program"
    )
    (directory / "app.py").unlink()
    os.mkfifo(directory / "app.py")
    assert refusal(capsys, directory) == (
        "Pulumi.yaml: the program app.py is not a regular file (a pipe, a device or a "
        "broken or looping link); point `main:` at the program"
    )


def test_recursion_past_the_depth_limit_is_still_one_line_about_the_file(tmp_path, monkeypatch):
    from preflight import project as project_module

    monkeypatch.setattr(project_module, "MAX_DEPTH", 10**6)  # the last guard: Python's own limit
    directory = project(tmp_path, "config:\n  demo:deep: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(PreflightError, match=r"Pulumi.dev.yaml: invalid YAML: nested too deeply to read$"):
        load_project(directory, "dev")
