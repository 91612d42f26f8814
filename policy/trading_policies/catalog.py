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
from .anchors import ANCHORS, LESSON, Anchors
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
        '`[{"resource": "<URN, or logical name with type; wildcards allowed>", "type": "<e.g. '
        'aws:kms/key:Key>", "reason": "<at least 10 characters>", "expires": "YYYY-MM-DD"}]`. A logical name '
        "needs its type, since names repeat across types. An exempted violation is reported as advisory with "
        "its reason; after `expires` it blocks again.",
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
    lines += _anchor_map(rules)
    return "\n".join(lines) + "\n"


def _ids(ids: tuple[str, ...], anchors: Anchors) -> str:
    if ids:
        return ", ".join(ids)
    return LESSON if anchors.unique else "none"


def _anchor_map(rules: Sequence[Rule]) -> list[str]:
    """The map from each policy to the checks of checkov, cdk-nag and AWS Config that find the same fault."""
    entries = [(rule, ANCHORS[rule.name]) for rule in rules]
    unique = [rule.name for rule, anchors in entries if anchors.unique]
    partial = [rule.name for rule, anchors in entries if anchors.only_here and not anchors.unique]
    lines = [
        "",
        "## What the pack replaces, and what only it checks",
        "",
        f"For each of the {len(entries)} policies: the checkov checks, cdk-nag rules (AwsSolutions, "
        "PCI.DSS.321, Serverless packs) and AWS Config managed rules that find the same fault. "
        f"{len(unique)} policies have no equivalent in any of them; {len(partial)} more check something the "
        "listed rules miss (last column).",
        "",
        "| Policy | checkov | cdk-nag | AWS Config | Only this pack |",
        "|---|---|---|---|---|",
    ]
    for rule, anchors in entries:
        cells = [_ids(ids, anchors) for ids in (anchors.checkov, anchors.cdk_nag, anchors.aws_config)]
        lines.append(f"| `{rule.name}` | " + " | ".join(_cell(c) for c in [*cells, anchors.only_here]) + " |")
    lines += [
        "",
        "Policies no other tool has: " + ", ".join(f"`{name}`" for name in unique) + ".",
        "",
        "Policies that also check what the listed rules miss: "
        + ", ".join(f"`{name}`" for name in partial)
        + ".",
    ]
    return lines


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
