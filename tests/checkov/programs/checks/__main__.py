"""Pairs of resources for checkov: the first of a pair fails the check named beside it; the second, fixed."""

import json

import pulumi
import pulumi_aws as aws

# CKV2_AWS_6: a bucket needs a public access block (a separate resource: a graph check).
aws.s3.Bucket("open-bucket")
closed = aws.s3.Bucket("closed-bucket")
aws.s3.BucketPublicAccessBlock(
    "closed-bucket-block",
    bucket=closed.id,
    block_public_acls=True,
    block_public_policy=True,
    ignore_public_acls=True,
    restrict_public_buckets=True,
)

# CKV_AWS_7: rotation on.
aws.kms.Key("static-key")
rotating = aws.kms.Key("rotating-key", enable_key_rotation=True)

# CKV_AWS_158: log groups encrypted with a key (its ARN is unknown in preview: a reference).
aws.cloudwatch.LogGroup("plain-logs", retention_in_days=365)
aws.cloudwatch.LogGroup("keyed-logs", retention_in_days=365, kms_key_id=rotating.arn)

# CKV_AWS_119: tables encrypted with a customer-managed key.
attributes = [{"name": "id", "type": "S"}]
aws.dynamodb.Table("plain-table", hash_key="id", attributes=attributes, billing_mode="PAY_PER_REQUEST")
aws.dynamodb.Table(
    "cmk-table",
    hash_key="id",
    attributes=attributes,
    billing_mode="PAY_PER_REQUEST",
    server_side_encryption={"enabled": True, "kms_key_arn": rotating.arn},
)

# CKV_AWS_24: no SSH from anywhere.
vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
aws.ec2.SecurityGroup(
    "open-sg",
    vpc_id=vpc.id,
    description="SSH from anywhere",
    ingress=[{"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"]}],
)
aws.ec2.SecurityGroup(
    "closed-sg",
    vpc_id=vpc.id,
    description="SSH from the VPC only",
    ingress=[{"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["10.0.0.0/16"]}],
)

# CKV_AWS_76: stages write access logs.
api = aws.apigateway.RestApi("api", name="checks", endpoint_configuration={"types": "REGIONAL"})
deployment = aws.apigateway.Deployment("deployment", rest_api=api.id)
aws.apigateway.Stage("bare-stage", rest_api=api.id, deployment=deployment.id, stage_name="bare")
access_logs = aws.cloudwatch.LogGroup("access-logs", retention_in_days=365, kms_key_id=rotating.arn)
logged_stage = aws.apigateway.Stage(
    "logged-stage",
    rest_api=api.id,
    deployment=deployment.id,
    stage_name="logged",
    access_log_settings={
        "destination_arn": access_logs.arn,
        "format": json.dumps({"requestId": "$context.requestId", "status": "$context.status"}),
    },
)

# CKV2_AWS_29: a stage of a public API is protected by a WAF web ACL (an association: a graph check).
visibility = {"cloudwatch_metrics_enabled": True, "metric_name": "checks", "sampled_requests_enabled": True}
acl = aws.wafv2.WebAcl("acl", scope="REGIONAL", default_action={"allow": {}}, visibility_config=visibility)
aws.wafv2.WebAclAssociation("logged-stage-acl", resource_arn=logged_stage.arn, web_acl_arn=acl.arn)

# A secret argument: the plan must never show it.
secret = aws.secretsmanager.Secret("db", kms_key_id=rotating.arn)
aws.secretsmanager.SecretVersion(
    "db-password", secret_id=secret.id, secret_string=pulumi.Output.secret("checks-secret-in-clear")
)
