"""The pack's entry point, run by the Pulumi CLI: builds the PolicyPack, which starts the analyzer server."""

from pulumi_policy import EnforcementLevel, PolicyPack
from trading_policies import ALL_POLICIES, PACK_DESCRIPTION, PACK_NAME

PolicyPack(
    name=PACK_NAME,
    policies=ALL_POLICIES,
    enforcement_level=EnforcementLevel.MANDATORY,
    description=PACK_DESCRIPTION,
)
