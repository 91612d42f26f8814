"""A pack as an older SDK serves it: no ConfigureStack and no AnalyzeStack (the CLI goes on without both)."""

import sys

from pulumi_policy import PolicyPack, ResourceValidationPolicy
from pulumi_policy import policy as sdk

del sdk._PolicyAnalyzerServicer.ConfigureStack
del sdk._PolicyAnalyzerServicer.AnalyzeStack


def everything(args, report):
    report(f"seen {args.name} with {sys.prefix}")


PolicyPack(
    name="legacy-pack",
    policies=[ResourceValidationPolicy(name="everything", description="Reports all.", validate=everything)],
)
