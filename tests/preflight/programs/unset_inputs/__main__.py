"""A bucket with no access logging and a secret with a rotation that leaves ``rotationEnabled`` unset.

Both leave out inputs that the provider computes (a bucket's ``logging``, a rotation's ``rotationEnabled``),
which preflight must not invent: the pack has to judge what the program declares.
"""

import pulumi_aws as aws

bucket = aws.s3.Bucket("unlogged")
secret = aws.secretsmanager.Secret("db")
rotation = aws.secretsmanager.SecretRotation(
    "db-rotation",
    secret_id=secret.id,
    rotation_lambda_arn="arn:aws:lambda:eu-west-1:123456789012:function:rotate-db",
    rotation_rules=aws.secretsmanager.SecretRotationRotationRulesArgs(automatically_after_days=30),
)
