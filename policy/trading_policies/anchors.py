"""What each policy replaces: the equivalent checkov checks, cdk-nag rules and AWS Config managed rules.

A platform team that already runs checkov, cdk-nag or AWS Config reads this map (rendered into
docs/policies.md) to see which findings the pack takes over and which only it has. The ids come from the
anchors' own sources as recorded in ``shared/reference/policy-anchors.md`` (checkov 3.3.13, cdk-nag
v3 packs AwsSolutions, PCI.DSS.321, Serverless, HIPAA/NIST) and from the AWS Config managed-rule list.

``only_here`` says, for a row that no other tool covers (or covers only in part), what the others miss;
it is empty when the listed rules check the same thing. A row with no id in any column must say why.
"""

from __future__ import annotations

from dataclasses import dataclass

LESSON = "none: a lesson of this stack"


@dataclass(frozen=True)
class Anchors:
    """One policy's equivalents in the other tools, and what only the pack checks."""

    checkov: tuple[str, ...] = ()
    cdk_nag: tuple[str, ...] = ()
    aws_config: tuple[str, ...] = ()
    only_here: str = ""

    @property
    def unique(self) -> bool:
        """True when no other tool has the check at all."""
        return not (self.checkov or self.cdk_nag or self.aws_config)


ANCHORS: dict[str, Anchors] = {
    "kms-key-policy-no-unconditional-grants": Anchors(
        checkov=("CKV_AWS_33 (Principal * only)",),
        only_here=(
            "CKV_AWS_33 skips every statement with a Condition and never reads actions; nothing else looks "
            "at an unconditional kms:CreateGrant"
        ),
    ),
    "kms-key-policy-keeps-account-access": Anchors(
        only_here=(
            "the lock-out check AWS applies only when the policy is put (MalformedPolicyDocumentException)"
        )
    ),
    "kms-key-rotation-enabled": Anchors(
        checkov=("CKV_AWS_7",),
        cdk_nag=("AwsSolutions-KMS5", "PCI.DSS.321-KMSBackingKeyRotationEnabled"),
        aws_config=("cmk-backing-key-rotation-enabled",),
    ),
    "log-group-kms-key-allows-logs": Anchors(
        only_here=(
            "follows the log group to its key and reads the key policy: the failed deployment of "
            "MODEL_FAILURES.md; the others only check that kmsKeyId is set"
        )
    ),
    "log-group-encrypted": Anchors(
        checkov=("CKV_AWS_158",),
        cdk_nag=("PCI.DSS.321-CloudWatchLogGroupEncrypted",),
        aws_config=("cloudwatch-log-group-encrypted",),
    ),
    "log-group-retention": Anchors(
        checkov=("CKV_AWS_66", "CKV_AWS_338"),
        cdk_nag=("PCI.DSS.321-CloudWatchLogGroupRetentionPeriod",),
        aws_config=("cw-loggroup-retention-period-check",),
    ),
    "s3-no-public-acl": Anchors(
        checkov=("CKV_AWS_20", "CKV_AWS_57", "CKV2_AWS_43"),
        cdk_nag=("PCI.DSS.321-S3BucketPublicReadProhibited", "PCI.DSS.321-S3BucketPublicWriteProhibited"),
        aws_config=("s3-bucket-public-read-prohibited", "s3-bucket-public-write-prohibited"),
        only_here="object ACLs (BucketObjectv2, BucketObject, ObjectCopy), which the listed rules never read",
    ),
    "s3-bucket-name-includes-account-id": Anchors(
        only_here=(
            "bucket names are global; no anchor checks names (the state-bucket failure of MODEL_FAILURES.md)"
        )
    ),
    "s3-public-access-blocked": Anchors(
        checkov=("CKV2_AWS_6", "CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"),
        cdk_nag=("AwsSolutions-S2", "PCI.DSS.321-S3BucketLevelPublicAccessProhibited"),
        aws_config=(
            "s3-bucket-level-public-access-prohibited",
            "s3-account-level-public-access-blocks-periodic",
        ),
    ),
    "s3-encrypted-with-kms": Anchors(
        checkov=("CKV_AWS_145",),
        cdk_nag=("PCI.DSS.321-S3DefaultEncryptionKMS",),
        aws_config=("s3-default-encryption-kms",),
    ),
    "s3-versioning-enabled": Anchors(
        checkov=("CKV_AWS_21",),
        cdk_nag=("PCI.DSS.321-S3BucketVersioningEnabled",),
        aws_config=("s3-bucket-versioning-enabled",),
    ),
    "s3-tls-only": Anchors(
        checkov=("CKV_AWS_379 (buckets with a public ACL only)",),
        cdk_nag=("AwsSolutions-S10", "PCI.DSS.321-S3BucketSSLRequestsOnly"),
        aws_config=("s3-bucket-ssl-requests-only",),
    ),
    "s3-bucket-policy-no-public-allow": Anchors(
        checkov=("CKV_AWS_70",),
        aws_config=("s3-bucket-public-read-prohibited", "s3-bucket-public-write-prohibited"),
    ),
    "s3-bucket-access-logging": Anchors(
        checkov=("CKV_AWS_18",),
        cdk_nag=("AwsSolutions-S1", "PCI.DSS.321-S3BucketLoggingEnabled"),
        aws_config=("s3-bucket-logging-enabled",),
    ),
    "s3-access-log-retention": Anchors(
        checkov=("CKV2_AWS_61",),
        only_here=(
            "how long the access-log bucket keeps the logs: CKV2_AWS_61 asks that a bucket have a lifecycle "
            "configuration, not that it keep audit logs 12 months"
        ),
    ),
    "dynamodb-pitr-enabled": Anchors(
        checkov=("CKV_AWS_28",),
        cdk_nag=("AwsSolutions-DDB3",),
        aws_config=("dynamodb-pitr-enabled",),
    ),
    "dynamodb-encrypted-with-cmk": Anchors(
        checkov=("CKV_AWS_119",),
        aws_config=("dynamodb-table-encrypted-kms",),
    ),
    "dynamodb-deletion-protection": Anchors(aws_config=("dynamodb-table-deletion-protection-enabled",)),
    "rds-storage-encrypted-with-cmk": Anchors(
        checkov=("CKV_AWS_96", "CKV_AWS_327"),
        cdk_nag=("AwsSolutions-RDS2", "PCI.DSS.321-RDSStorageEncrypted"),
        aws_config=("rds-storage-encrypted", "rds-cluster-encrypted-at-rest"),
    ),
    "rds-serverless-v2-valid": Anchors(
        only_here=(
            "Serverless v2 settings AWS refuses only at deployment (ACU steps, auto-pause versions, no "
            "db.serverless instance)"
        )
    ),
    "rds-master-password-managed": Anchors(
        only_here=(
            "a plaintext master password in the program, its inputs and its state; the anchors have no "
            "equivalent"
        )
    ),
    "rds-deletion-protection": Anchors(
        checkov=("CKV_AWS_139", "CKV_AWS_293"),
        cdk_nag=("AwsSolutions-RDS10",),
        aws_config=("rds-cluster-deletion-protection-enabled", "rds-instance-deletion-protection-enabled"),
    ),
    "rds-backup-retention": Anchors(
        checkov=("CKV_AWS_133",),
        cdk_nag=("AwsSolutions-RDS13",),
        aws_config=("db-instance-backup-enabled",),
    ),
    "rds-not-publicly-accessible": Anchors(
        checkov=("CKV_AWS_17",),
        cdk_nag=("PCI.DSS.321-RDSInstancePublicAccess",),
        aws_config=("rds-instance-public-access-check", "rds-snapshots-public-prohibited"),
    ),
    "rds-iam-authentication": Anchors(
        checkov=("CKV_AWS_162", "CKV_AWS_161"),
        cdk_nag=("AwsSolutions-RDS6",),
        aws_config=("rds-cluster-iam-authentication-enabled", "rds-instance-iam-authentication-enabled"),
    ),
    "rds-log-exports-enabled": Anchors(
        checkov=("CKV_AWS_324", "CKV_AWS_129"),
        cdk_nag=("PCI.DSS.321-RDSLoggingEnabled",),
        aws_config=("rds-logging-enabled", "rds-postgresql-logs-to-cloudwatch"),
    ),
    "rds-postgresql-query-logging": Anchors(checkov=("CKV2_AWS_27", "CKV2_AWS_30")),
    "rds-engine-version-follows-upgrades": Anchors(
        only_here=(
            "a pinned minor version that AWS's automatic upgrades move past makes the next pulumi up a "
            "refused downgrade"
        )
    ),
    "rds-final-snapshot-key-kept": Anchors(
        only_here="a final snapshot whose key pulumi destroy schedules for deletion becomes unreadable"
    ),
    "lambda-not-public": Anchors(
        checkov=("CKV_AWS_301", "CKV_AWS_364", "CKV_AWS_258"),
        cdk_nag=("PCI.DSS.321-LambdaFunctionPublicAccessProhibited", "LambdaFunctionUrlAuth"),
        aws_config=("lambda-function-public-access-prohibited",),
    ),
    "lambda-tracing-active": Anchors(checkov=("CKV_AWS_50",), cdk_nag=("Serverless-LambdaTracing",)),
    "lambda-in-vpc": Anchors(
        checkov=("CKV_AWS_117",),
        cdk_nag=("PCI.DSS.321-LambdaInsideVPC",),
        aws_config=("lambda-inside-vpc",),
    ),
    "lambda-env-encrypted-with-cmk": Anchors(checkov=("CKV_AWS_173",)),
    "lambda-log-group-managed": Anchors(
        cdk_nag=("LambdaLogging (in no pack)",),
        only_here=(
            "the function's log group declared in the stack with a retention, before Lambda creates one "
            "without"
        ),
    ),
    "lambda-stream-consumer-failure-destination": Anchors(
        cdk_nag=("Serverless-LambdaEventSourceMappingDestination",),
        only_here=(
            "bounded retries or record age as well: with unbounded retries a failing record never reaches "
            "the destination and blocks its shard until it expires"
        ),
    ),
    "sqs-queue-encrypted-with-cmk": Anchors(
        checkov=("CKV_AWS_27",),
        cdk_nag=("AwsSolutions-SQS2",),
        only_here=(
            "a customer-managed key: the others also accept SQS-managed keys or the AWS managed key aws/sqs, "
            "whose policies the stack cannot restrict"
        ),
    ),
    "sns-topic-encrypted-with-cmk": Anchors(
        checkov=("CKV_AWS_26",),
        aws_config=("sns-encrypted-kms",),
        only_here=(
            "a customer-managed key: the others also accept the AWS managed key aws/sns, whose policy the "
            "stack cannot restrict"
        ),
    ),
    "apigateway-stage-access-logging": Anchors(
        checkov=("CKV_AWS_76",),
        cdk_nag=("AwsSolutions-APIG1", "Serverless-APIGWAccessLogging"),
        aws_config=("api-gwv2-access-logs-enabled",),
    ),
    "apigateway-stage-xray": Anchors(
        checkov=("CKV_AWS_73",),
        cdk_nag=("Serverless-APIGWXrayEnabled",),
        aws_config=("api-gw-xray-enabled",),
    ),
    "apigateway-method-authorization": Anchors(
        checkov=("CKV_AWS_59", "CKV2_AWS_70"),
        cdk_nag=("AwsSolutions-APIG4",),
        aws_config=("api-gwv2-authorization-type-configured",),
    ),
    "apigateway-no-data-trace": Anchors(checkov=("CKV_AWS_276",)),
    "apigateway-stage-waf": Anchors(
        checkov=("CKV2_AWS_29",),
        cdk_nag=("AwsSolutions-APIG3", "PCI.DSS.321-APIGWAssociatedWithWAF"),
        aws_config=("api-gw-associated-with-waf",),
    ),
    "apigateway-execution-logging": Anchors(
        checkov=("CKV2_AWS_4",),
        cdk_nag=("AwsSolutions-APIG6", "PCI.DSS.321-APIGWExecutionLoggingEnabled"),
        aws_config=("api-gw-execution-logging-enabled",),
    ),
    "iam-no-wildcard-actions": Anchors(
        checkov=("CKV_AWS_62", "CKV_AWS_63", "CKV2_AWS_40"),
        cdk_nag=(
            "AwsSolutions-IAM5",
            "PCI.DSS.321-IAMPolicyNoStatementsWithAdminAccess",
            "PCI.DSS.321-IAMPolicyNoStatementsWithFullAccess",
        ),
        aws_config=(
            "iam-policy-no-statements-with-admin-access",
            "iam-policy-no-statements-with-full-access",
        ),
    ),
    "iam-no-wildcard-actions-across-policies": Anchors(
        only_here=(
            "the listed checks read one policy document at a time; none adds up the policies that reach one "
            "role, user or group (and a user's groups), where patterns split between them cover a service"
        )
    ),
    "iam-no-wildcard-resource-across-policies": Anchors(
        only_here=(
            "the listed checks read one policy document at a time; none adds up the Resource patterns of the "
            "policies that reach one role, user or group, where patterns split between them match most "
            "resources of a type"
        )
    ),
    "iam-region-restricted": Anchors(
        only_here="identity policies limited to the stack's region (aws:RequestedRegion or regional ARNs)"
    ),
    "ec2-security-group-no-public-ingress": Anchors(
        checkov=("CKV_AWS_277", "CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260"),
        cdk_nag=("AwsSolutions-EC23", "PCI.DSS.321-EC2RestrictedSSH", "PCI.DSS.321-EC2RestrictedCommonPorts"),
        aws_config=("vpc-sg-open-only-to-authorized-ports", "restricted-ssh", "restricted-common-ports"),
        only_here="the union of a group's inline and standalone rules (0.0.0.0/1 + 128.0.0.0/1 is the world)",
    ),
    "ec2-security-group-no-unrestricted-egress": Anchors(
        checkov=("CKV_AWS_382",),
        only_here="the union of a group's inline and standalone rules, with configurable ports",
    ),
    "vpc-subnet-no-public-ip-on-launch": Anchors(
        checkov=("CKV_AWS_130",),
        cdk_nag=("PCI.DSS.321-VPCSubnetAutoAssignPublicIpDisabled",),
        aws_config=("subnet-auto-assign-public-ip-disabled",),
    ),
    "vpc-subnet-no-public-ipv6": Anchors(
        only_here=(
            "the anchors' subnet checks read mapPublicIpOnLaunch only; an IPv6 address is public, so this "
            "follows each subnet that assigns one, or that an instance, interface or Auto Scaling group asks "
            "one in, to its route table (association or the VPC's main table) and an internet gateway"
        ),
    ),
    "ec2-instance-no-public-ip": Anchors(
        checkov=("CKV_AWS_88 (instances)", "CKV_AWS_389 (launch configurations)"),
        aws_config=("ec2-instance-no-public-ip",),
        only_here=(
            'launch templates\' network interfaces too, with the value as written ("true" in a template); '
            "an Elastic IP attached to an instance or interface; ECS services' assignPublicIp (Security Hub "
            "ECS.2)"
        ),
    ),
    "vpc-flow-logs-enabled": Anchors(
        checkov=("CKV2_AWS_11",),
        cdk_nag=("AwsSolutions-VPC7", "PCI.DSS.321-VPCFlowLogsEnabled"),
        aws_config=("vpc-flow-logs-enabled",),
    ),
    "vpc-default-security-group-closed": Anchors(
        checkov=("CKV2_AWS_12",),
        cdk_nag=("PCI.DSS.321-VPCDefaultSecurityGroupClosed",),
        aws_config=("vpc-default-security-group-closed",),
    ),
    "secretsmanager-secret-encrypted-with-cmk": Anchors(
        checkov=("CKV_AWS_149",),
        cdk_nag=("PCI.DSS.321-SecretsManagerUsingKMSKey",),
        aws_config=("secretsmanager-using-cmk",),
        only_here="the key of the master secret RDS manages (masterUserSecretKmsKeyId)",
    ),
    "secretsmanager-secret-rotation": Anchors(
        checkov=("CKV2_AWS_57",),
        cdk_nag=("AwsSolutions-SMG4", "PCI.DSS.321-SecretsManagerRotationEnabled"),
        aws_config=("secretsmanager-rotation-enabled-check", "secretsmanager-secret-periodic-rotation"),
        only_here=(
            "a SecretRotation with rotationEnabled false, which stops the rotation of an RDS-managed secret"
        ),
    ),
    "kms-grant-restricted": Anchors(
        only_here=(
            "a KMS Grant resource that hands the key to another account or passes on kms:CreateGrant; no "
            "anchor reads grants"
        )
    ),
    "iam-no-wildcard-resource": Anchors(
        checkov=("CKV_AWS_355", "CKV_AWS_356"),
        cdk_nag=("AwsSolutions-IAM5",),
        only_here=(
            "resource-level actions matched against the IAM action catalogue, including NotAction and ? "
            "patterns"
        ),
    ),
    "iam-role-trust-not-public": Anchors(
        checkov=("CKV_AWS_60", "CKV_AWS_61"),
        aws_config=("cognito-identity-pool-unauth-access-check",),
        only_here=(
            "a trust policy public under a Condition that binds no caller (aws:SecureTransport, a wildcard "
            "account); CKV_AWS_60 skips any statement with a Condition"
        ),
    ),
    "vpc-endpoint-policy-not-open": Anchors(
        only_here="VPC endpoint policies that let any principal use the endpoint; no anchor reads them"
    ),
    "ec2-image-not-public": Anchors(
        checkov=("CKV_AWS_205 (every launch permission)",),
        only_here=(
            'an image made public (group "all"), also by an Image Builder distribution; CKV_AWS_205 fails '
            "every launch permission, a named account's too, and no anchor reads Image Builder distributions"
        ),
    ),
    "vpc-endpoint-service-not-public": Anchors(
        checkov=("CKV_AWS_123 (acceptance only)",),
        only_here=(
            'who may connect: an endpoint service open to principal "*" without acceptance; CKV_AWS_123 asks '
            "for acceptance whoever is allowed, and no anchor reads allowedPrincipals or "
            "VpcEndpointServiceAllowedPrinciple"
        ),
    ),
    "ssm-document-not-public": Anchors(aws_config=("ssm-document-not-public",)),
    "codebuild-project-not-public": Anchors(
        only_here=(
            "a CodeBuild project whose builds, logs and artifacts are public (projectVisibility "
            '"PUBLIC_READ"); no anchor reads projectVisibility'
        )
    ),
    "secretsmanager-policy-not-public": Anchors(
        checkov=("CKV_AWS_283 (policy documents in general)",),
        only_here="the secret's resource policy judged after its conditions; no anchor reads secret policies",
    ),
    "resource-policy-not-public": Anchors(
        checkov=("CKV_AWS_168 (SQS)", "CKV_AWS_169 (SNS)", "CKV_AWS_32 (ECR)"),
        aws_config=("sqs-queue-no-public-access",),
        only_here=(
            "one evaluator for every service's resource policy, after its conditions (bound callers, policy "
            "variables); the others cover SQS, SNS and ECR, each its own way"
        ),
    ),
    "apigateway-resource-policy-not-open": Anchors(
        only_here=(
            "reads an API's resource policy after its conditions and Deny statements, with the API's "
            "endpoint type and IAM-authorized methods; no anchor looks at API Gateway resource policies"
        )
    ),
    "opensearch-access-policy-not-public": Anchors(
        checkov=("CKV_AWS_137 (in a VPC only)",),
        aws_config=(
            "opensearch-in-vpc-only",
            "elasticsearch-in-vpc-only",
            "opensearch-access-control-enabled",
        ),
        only_here=(
            "the access policy itself, judged with the domain's network and fine-grained access control: the "
            "Config rules flag every public domain or every domain without fine-grained access control, "
            "whatever its policy allows"
        ),
    ),
    "opensearch-serverless-encrypted-with-cmk": Anchors(
        only_here=(
            "a customer-managed key for OpenSearch Serverless collections, in their encryption policies and "
            "their own encryptionConfigs; the recorded anchors read no OpenSearch Serverless resource"
        )
    ),
    "required-tags": Anchors(aws_config=("required-tags",)),
    "pci-scope-tags": Anchors(
        aws_config=("required-tags (with Compliance and DataClassification values)",),
    ),
    "physical-name-has-environment-suffix": Anchors(
        only_here="physical names that carry the environment suffix; no anchor checks names"
    ),
    "resources-judged-by-the-pack": Anchors(
        only_here=(
            "AWS resources declared where no rule reads them (AWS Native, Cloud Control, CloudFormation "
            "stacks and stack sets, Serverless Application Repository, Service Catalog and SageMaker "
            "projects, Elastic Beanstalk, Terraform modules and awscc); each tool judges only the resource "
            "types it knows"
        )
    ),
}
