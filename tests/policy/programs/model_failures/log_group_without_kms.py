"""MODEL_FAILURES.md #2: the "fix" that dropped KMS encryption from the log group, with 30-day retention."""

import pulumi_aws as aws
from tags import TAGS


def build() -> None:
    aws.cloudwatch.LogGroup(
        "plain-log-group",
        name="/aws/apigateway/trading-api-dev/plain",
        retention_in_days=30,
        tags=TAGS,
    )
