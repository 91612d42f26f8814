"""Renders docs/policies.md, the catalog of the pack's policies, from the rules' own metadata.

Regenerate with ``PYTHONPATH=policy .venv/bin/python -m trading_policies.catalog docs/policies.md``; a test
fails when the committed file differs from what this renders.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import PACK_NAME, RULES
from .registry import PCI_DSS_VERSION, Rule

REGENERATE = "PYTHONPATH=policy .venv/bin/python -m trading_policies.catalog docs/policies.md"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _config_text(rule: Rule) -> str:
    entries = [f"`{key}` (default `{json.dumps(spec.get('default'))}`)" for key, spec in rule.config.items()]
    return "; ".join([*entries, "`exemptions`"])


def render(rules: Sequence[Rule] = RULES) -> str:
    """The Markdown catalog of ``rules``."""
    lines = [
        f"# Policy catalog: `{PACK_NAME}`",
        "",
        f"Generated from the rules' metadata by `trading_policies/catalog.py`; do not edit by hand. "
        f"Regenerate with `{REGENERATE}`.",
        "",
        f"Every policy is mandatory by default and maps to PCI DSS v{PCI_DSS_VERSION} requirements. Each "
        "accepts, in the policy pack config, the settings listed under Config plus `exemptions`: "
        '`[{"resource": "<logical name or URN, wildcards allowed>", "reason": "<at least 10 characters>", '
        '"expires": "YYYY-MM-DD"}]`. An exempted violation is reported as advisory with its reason; after '
        "`expires` it blocks again.",
        "",
        "| Policy | Kind | Severity | PCI DSS | What it checks | How to fix | Config |",
        "|---|---|---|---|---|---|---|",
    ]
    for rule in rules:
        kind = "stack" if rule.stack else "resource"
        lines.append(
            f"| [`{rule.name}`]({rule.url}) | {kind} | {rule.severity.value} | {', '.join(rule.pci)} | "
            f"{_cell(rule.description)} | {_cell(rule.remediation)} | {_cell(_config_text(rule))} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str], out: Any = sys.stdout) -> int:
    """Write the catalog to the file named in ``argv`` (or standard output without one)."""
    text = render()
    if argv:
        Path(argv[0]).write_text(text, encoding="utf-8")
    else:
        out.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
