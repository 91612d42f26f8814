"""The functions' code imports only the standard library, boto3/botocore (what the Lambda runtime has) and
the packages shipped beside it in `app/`."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
SHIPPED_PACKAGES = {"orders_api", "ledger"}
RUNTIME_PACKAGES = {"boto3", "botocore"} | SHIPPED_PACKAGES


def imported_top_level_modules(source: str) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            modules.add(node.module.split(".")[0])
    return modules


def test_every_module_imports_only_stdlib_and_boto3():
    files = sorted(APP.glob("*/*.py"))
    names = {path.relative_to(APP).as_posix() for path in files}
    assert names >= {"orders_api/handler.py", "orders_api/store.py", "ledger/writer.py", "ledger/migrate.py"}
    for path in files:
        foreign = (
            imported_top_level_modules(path.read_text()) - set(sys.stdlib_module_names) - RUNTIME_PACKAGES
        )
        assert not foreign, (
            f"{path.name} imports {sorted(foreign)}: the Lambda runtime has only stdlib and boto3"
        )


def test_the_import_check_catches_a_third_party_import():
    found = imported_top_level_modules(
        "import requests\nfrom pydantic import BaseModel\nfrom . import store\n"
    )
    assert found == {"requests", "pydantic"}


def test_app_holds_only_the_shipped_packages():
    shipped = {path.name for path in APP.iterdir() if path.name != "__pycache__"}
    assert shipped == SHIPPED_PACKAGES
