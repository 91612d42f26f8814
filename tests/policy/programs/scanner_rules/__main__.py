"""One compliant ("good-") and one non-compliant ("bad-") resource for each rule that covers what the leading
scanners find on these services; the pack must block every "bad-" resource in preview and update and stay
quiet on every "good-" one.
"""

import json

import pulumi
import pulumi_aws as aws

account = aws.get_caller_identity().account_id
key = aws.kms.Key("good-key", enable_key_rotation=True)

# API Gateway: WAF on the public stage, execution logging at ERROR.
api = aws.apigateway.RestApi("api", name="trading-api-dev", endpoint_configuration={"types": "REGIONAL"})
health = aws.apigateway.Method(
    "health", rest_api=api.id, resource_id=api.root_resource_id, http_method="GET", authorization="AWS_IAM"
)
aws.apigateway.Integration(
    "health-integration", rest_api=api.id, resource_id=api.root_resource_id, http_method="GET", type="MOCK"
)
deployment = aws.apigateway.Deployment(
    "deployment", rest_api=api.id, opts=pulumi.ResourceOptions(depends_on=[health])
)
stages = {
    label: aws.apigateway.Stage(f"{label}-stage", rest_api=api.id, deployment=deployment.id, stage_name=label)
    for label in ("good", "bad")
}
acl = aws.wafv2.WebAcl(
    "good-web-acl",
    scope="REGIONAL",
    default_action={"allow": {}},
    rules=[
        {
            "name": "common",
            "priority": 1,
            "override_action": {"none": {}},
            "statement": {
                "managed_rule_group_statement": {"vendor_name": "AWS", "name": "AWSManagedRulesCommonRuleSet"}
            },
            "visibility_config": {
                "cloudwatch_metrics_enabled": True,
                "metric_name": "common",
                "sampled_requests_enabled": True,
            },
        }
    ],
    visibility_config={
        "cloudwatch_metrics_enabled": True,
        "metric_name": "acl",
        "sampled_requests_enabled": True,
    },
)
aws.wafv2.WebAclAssociation("good-waf", resource_arn=stages["good"].arn, web_acl_arn=acl.arn)
for label, level in (("good", "ERROR"), ("bad", "OFF")):
    aws.apigateway.MethodSettings(
        f"{label}-method-settings",
        rest_api=api.id,
        stage_name=stages[label].stage_name,
        method_path="*/*",
        settings={"logging_level": level, "metrics_enabled": True, "data_trace_enabled": False},
    )

# Aurora PostgreSQL: statement and slow-query logging in the cluster parameter group, logs exported.
parameters = aws.rds.ClusterParameterGroup(
    "good-parameters",
    family="aurora-postgresql16",
    parameters=[
        {"name": "log_statement", "value": "ddl"},
        {"name": "log_min_duration_statement", "value": "1000"},
    ],
)
common = {
    "engine": "aurora-postgresql",
    "engine_mode": "provisioned",
    "engine_version": "16.6",
    "master_username": "trading_admin",
    "manage_master_user_password": True,
    "storage_encrypted": True,
    "kms_key_id": key.arn,
    "skip_final_snapshot": True,
}
aws.rds.Cluster(
    "good-cluster",
    db_cluster_parameter_group_name=parameters.name,
    enabled_cloudwatch_logs_exports=["postgresql"],
    master_user_secret_kms_key_id=key.arn,
    **common,
)
aws.rds.Cluster("bad-cluster", **common)

# Security groups: the world in two halves, in and out; HTTPS out is allowed by default.
vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
groups = {
    label: aws.ec2.SecurityGroup(f"{label}-sg", vpc_id=vpc.id, description=label)
    for label in ("good-egress", "bad-egress", "bad-ingress")
}
aws.vpc.SecurityGroupEgressRule(
    "good-https-out",
    security_group_id=groups["good-egress"].id,
    ip_protocol="tcp",
    from_port=443,
    to_port=443,
    cidr_ipv4="0.0.0.0/0",
)
for half in ("0.0.0.0/1", "128.0.0.0/1"):
    label = half.split(".")[0]
    aws.vpc.SecurityGroupEgressRule(
        f"half-out-{label}", security_group_id=groups["bad-egress"].id, ip_protocol="-1", cidr_ipv4=half
    )
    aws.vpc.SecurityGroupIngressRule(
        f"half-in-{label}",
        security_group_id=groups["bad-ingress"].id,
        ip_protocol="tcp",
        from_port=22,
        to_port=22,
        cidr_ipv4=half,
    )

# Subnets: no public addresses on launch.
for label, public in (("good", False), ("bad", True)):
    aws.ec2.Subnet(
        f"{label}-subnet",
        vpc_id=vpc.id,
        cidr_block=f"10.0.{int(public)}.0/24",
        map_public_ip_on_launch=public,
    )

# S3: server access logging (the log target itself excepted), no public object ACLs.
logs_bucket = aws.s3.Bucket("good-log-target", bucket=f"trading-access-logs-{account}-us-east-1-dev")
# What makes it an access-log bucket: only S3 log delivery may put objects into it.
aws.s3.BucketPolicy(
    "good-log-target-policy",
    bucket=logs_bucket.id,
    policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "logging.s3.amazonaws.com"},
                    "Action": "s3:PutObject",
                    "Resource": f"arn:aws:s3:::trading-access-logs-{account}-us-east-1-dev/*",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account}},
                }
            ],
        }
    ),
)
good_bucket = aws.s3.Bucket("good-bucket", bucket=f"trading-data-{account}-us-east-1-dev")
aws.s3.BucketLogging(
    "good-bucket-logging", bucket=good_bucket.id, target_bucket=logs_bucket.id, target_prefix="data/"
)
bad_bucket = aws.s3.Bucket("bad-bucket", bucket=f"trading-other-{account}-us-east-1-dev")
for label, acl_name in (("good", "private"), ("bad", "public-read")):
    aws.s3.BucketObjectv2(
        f"{label}-object", bucket=good_bucket.id, key=f"{label}.json", content="{}", acl=acl_name
    )

# Secrets Manager: a customer-managed key and rotation.
rotator = aws.lambda_.Function.get("rotator", "trading-rotate-dev")
good_secret = aws.secretsmanager.Secret("good-secret", name="trading-api-dev", kms_key_id=key.arn)
aws.secretsmanager.SecretRotation(
    "good-rotation",
    secret_id=good_secret.id,
    rotation_lambda_arn=rotator.arn,
    rotation_rules={"automatically_after_days": 30},
)
aws.secretsmanager.Secret("bad-secret", name="trading-partner-dev")
pulumi.export("policy", json.dumps({"stages": list(stages)}))
