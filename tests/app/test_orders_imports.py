"""The function's code imports only the standard library and boto3/botocore (what the Lambda runtime has)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "app" / "orders_api"
RUNTIME_PACKAGES = {"boto3", "botocore"}


def imported_top_level_modules(source: str) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            modules.add(node.module.split(".")[0])
    return modules


def test_every_module_imports_only_stdlib_and_boto3():
    files = sorted(PACKAGE.glob("*.py"))
    assert {path.name for path in files} >= {"__init__.py", "handler.py", "validation.py", "store.py"}
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


def test_app_holds_only_the_orders_api_package():
    shipped = {path.name for path in PACKAGE.parent.iterdir() if path.name != "__pycache__"}
    assert shipped == {"orders_api"}
