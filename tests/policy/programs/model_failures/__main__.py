"""Each module repeats one mistake of MODEL_FAILURES.md with its own resources; the policy pack tests expect
each resource to be blocked by the policies that name that mistake."""

import ideal_key_policy
import kms_grant_for_logs
import log_group_without_kms
import state_bucket_name

for scenario in (kms_grant_for_logs, ideal_key_policy, log_group_without_kms, state_bucket_name):
    scenario.build()
