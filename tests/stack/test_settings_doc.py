"""docs/settings.md and the README's settings table are generated from settings.SETTINGS and the stack files;
these tests fail when either is stale.

Regenerate with:  .venv/bin/python tests/stack/test_settings_doc.py
"""

import yaml
from stack_harness import PROJECT_ROOT, STACKS

from settings import REQUIRED, SETTINGS, full_key

DOC = PROJECT_ROOT / "docs" / "settings.md"
README = PROJECT_ROOT / "README.md"
README_BEGIN = "<!-- settings:begin -->"
README_END = "<!-- settings:end -->"
INTRO = """# Stack settings

Every key the program reads, validated by `settings.py` before any resource is declared (a bad value stops
the program with one line naming the key, the value and what is accepted). Keys without a namespace live
under `trading:`. A key that is not listed here is refused, so a misspelling never goes unnoticed.
Generated from `settings.SETTINGS` and the stack files by `.venv/bin/python tests/stack/test_settings_doc.py`.
"""


def _cell(value: object) -> str:
    if isinstance(value, bool):
        text = str(value).lower()
    elif isinstance(value, list | tuple):
        text = ", ".join(str(item) for item in value) or "(none)"
    elif value is None:
        text = "-"
    else:
        text = str(value)
    return text.replace("|", "\\|")


def render_table() -> str:
    stacks = {
        stack: yaml.safe_load((PROJECT_ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
        for stack in STACKS
    }
    header = ["Key", "Type", "Default", "Accepted values", *STACKS, "Meaning"]
    rows = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    for setting in SETTINGS:
        key = full_key(setting)
        default = "required" if setting.default is REQUIRED else _cell(setting.default)
        per_stack = [_cell(stacks[stack].get(key)) for stack in STACKS]
        cells = [f"`{key}`", setting.kind, default, _cell(setting.accepted), *per_stack, setting.description]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def render() -> str:
    return INTRO + "\n" + render_table()


def render_readme(readme: str) -> str:
    """The README with the table between its settings markers replaced by the current one."""
    head, begin, rest = readme.partition(README_BEGIN)
    _, end, tail = rest.partition(README_END)
    if not (begin and end):
        raise AssertionError(f"README.md lost its {README_BEGIN} / {README_END} markers")
    return f"{head}{README_BEGIN}\n{render_table()}{README_END}{tail}"


def test_settings_reference_is_current():
    regenerate = "run `.venv/bin/python tests/stack/test_settings_doc.py`"
    assert DOC.is_file(), f"docs/settings.md is missing: {regenerate}"
    assert DOC.read_text() == render(), f"docs/settings.md is stale: {regenerate}"


def test_readme_settings_table_is_current():
    readme = README.read_text()
    assert readme == render_readme(readme), (
        "the settings table in README.md is stale: run `.venv/bin/python tests/stack/test_settings_doc.py`"
    )


def test_every_stack_file_sets_every_key():
    for stack in STACKS:
        config = yaml.safe_load((PROJECT_ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
        missing = [
            full_key(setting)
            for setting in SETTINGS
            # A key whose default is None means "off" when left out (no auto-pause, no reserved concurrency).
            if full_key(setting) not in config and setting.default is not None
        ]
        assert missing == [], f"Pulumi.{stack}.yaml"


if __name__ == "__main__":
    DOC.write_text(render())
    README.write_text(render_readme(README.read_text()))
    print(f"wrote {DOC.relative_to(PROJECT_ROOT)} and the settings table in README.md")
