"""resources-judged-by-the-pack: AWS resources declared through a generic provider or a template, which no
other rule reads, are blocked until declared with pulumi-aws or exempted with a reason."""

from __future__ import annotations

import json

import pytest
from policy_harness import ACCOUNT, POLICIES, R, U, run

RULE = "resources-judged-by-the-pack"
NAME = f"trading-data-{ACCOUNT}-us-east-1-dev"
UNREAD = "which no rule of the pack reads, so nothing checks the AWS resources it creates"
FIX = (
    "Fix: Declare each AWS resource with the pulumi-aws resource of the same kind (e.g. "
    "aws.lambda_.FunctionUrl for AWS::Lambda::Url, aws.s3.Bucket for AWS::S3::Bucket), which the pack's "
    "rules read; where that is not possible, review what it creates and exempt it from this policy with a "
    "reason and an expiry date. PCI DSS v4.0 2.2.1, 12.5.1"
)
PUBLIC_URL_TEMPLATE = json.dumps(
    {
        "Resources": {
            "Url": {"Type": "AWS::Lambda::Url", "Properties": {"AuthType": "NONE"}},
            "Bucket": {"Type": "AWS::S3::Bucket"},
        }
    }
)
CASES = [
    (
        R("aws-native:lambda:Url", "url", {"authType": "NONE", "targetFunctionArn": "arn:aws:lambda:f"}),
        "is declared through Pulumi AWS Native",
    ),
    (
        R("aws-native:s3:Bucket", "bucket", {"bucketName": NAME}),
        "is declared through Pulumi AWS Native",
    ),
    (
        R(
            "aws:cloudcontrol/resource:Resource",
            "bucket",
            {"typeName": "AWS::S3::Bucket", "desiredState": json.dumps({"BucketName": NAME})},
        ),
        "creates AWS::S3::Bucket through the Cloud Control API from desiredState",
    ),
    (
        R("aws:cloudcontrol/resource:Resource", "later", {"typeName": U, "desiredState": U}),
        "creates a resource through the Cloud Control API from desiredState",
    ),
    (
        R("aws:cloudformation/stack:Stack", "cfn", {"name": "cfn", "templateBody": PUBLIC_URL_TEMPLATE}),
        "deploys a CloudFormation template (AWS::Lambda::Url, AWS::S3::Bucket)",
    ),
    (
        R("aws:cloudformation/stack:Stack", "cfn", {"name": "cfn", "templateUrl": "https://s3/t.yaml"}),
        "deploys a CloudFormation template",
    ),
    (
        R(
            "aws:cloudformation/stack:Stack",
            "yaml",
            {"templateBody": "Resources:\n  B: {Type: AWS::S3::Bucket}"},
        ),
        "deploys a CloudFormation template",
    ),
    (
        R("aws:cloudformation/stackSet:StackSet", "set", {"templateBody": PUBLIC_URL_TEMPLATE}),
        "holds a CloudFormation template (AWS::Lambda::Url, AWS::S3::Bucket) that its instances deploy to "
        "accounts and regions",
    ),
    (
        R("aws:cloudformation/stackSetInstance:StackSetInstance", "one", {"stackSetName": "set"}),
        "deploys the CloudFormation template of the stack set 'set'",
    ),
    (
        R("aws:cloudformation/stackInstances:StackInstances", "many", {"stackSetName": U}),
        "deploys the CloudFormation template of the stack set it names",
    ),
    (
        R("aws:servicecatalog/provisionedProduct:ProvisionedProduct", "product", {"productId": "prod-1"}),
        "launches a Service Catalog product, whose template creates its resources",
    ),
    # The red-team inputs: a SAR application is deployed as a CloudFormation stack of its SAM template, and
    # a SageMaker project provisions the Service Catalog product it names; neither was reported.
    (
        R(
            "aws:serverlessrepository/cloudFormationStack:CloudFormationStack",
            "rotator",
            {
                "applicationId": "arn:aws:serverlessrepo:us-east-1:297356227824:applications/Rotator",
                "capabilities": ["CAPABILITY_IAM", "CAPABILITY_RESOURCE_POLICY"],
            },
        ),
        "deploys the Serverless Application Repository application "
        "arn:aws:serverlessrepo:us-east-1:297356227824:applications/Rotator as a CloudFormation stack",
    ),
    (
        R("aws:serverlessrepository/cloudFormationStack:CloudFormationStack", "later", {"applicationId": U}),
        "deploys the Serverless Application Repository application as a CloudFormation stack",
    ),
    (
        R(
            "aws:sagemaker/project:Project",
            "ml",
            {"projectName": "ml", "serviceCatalogProvisioningDetails": {"productId": "prod-abc"}},
        ),
        "provisions a Service Catalog product for a SageMaker project, whose template creates its resources",
    ),
    (
        R(
            "aws:elasticbeanstalk/environment:Environment",
            "web",
            {
                "application": "trading",
                "solutionStackName": "64bit Amazon Linux 2023 v6.1.0 running Node.js 20",
            },
        ),
        "deploys an Elastic Beanstalk environment, a CloudFormation stack of instances, security groups and "
        "load balancers built from its settings and application bundle",
    ),
    # pulumi-terraform-module registers each resource of a module as <package>:tf:<terraform type>.
    (
        R(
            "vpc:tf:aws_security_group",
            "module.vpc.aws_security_group.this[0]",
            {
                "__address": "module.vpc.aws_security_group.this[0]",
                "__module": "urn:pulumi:dev::trading::vpc:index:Module::vpc",
                "ingress": [{"cidr_blocks": ["0.0.0.0/0"], "from_port": 0, "to_port": 0, "protocol": "-1"}],
            },
        ),
        "is the Terraform resource module.vpc.aws_security_group.this[0], created by a Terraform module",
    ),
    (
        R("bucket:tf:awscc_s3_bucket", "module.b.awscc_s3_bucket.this", {"__address": U}),
        "is the Terraform resource, created by a Terraform module",
    ),
    (
        R("awscc:lambda/url:Url", "url", {"authType": "NONE", "targetFunctionArn": "arn:aws:lambda:f"}),
        "is declared through the AWS Cloud Control Terraform provider (awscc)",
    ),
]


@pytest.mark.parametrize(("resource", "fault"), CASES, ids=lambda c: getattr(c, "name", None))
def test_a_resource_the_pack_cannot_judge_is_blocked(resource, fault):
    (diag,) = run(RULE, [resource])
    assert (diag.policy, diag.level, diag.urn) == (RULE, "mandatory", resource.urn)
    assert f"[HIGH] {resource.type} '{resource.name}': {fault}, {UNREAD}. {FIX}" in diag.message


def test_a_public_function_url_through_aws_native_is_blocked_where_the_pulumi_aws_one_is():
    # The red-team input: every other rule passes the AWS Native URL; this one blocks it.
    native = CASES[0][0]
    typed = R("aws:lambda/functionUrl:FunctionUrl", "url", {"authorizationType": "NONE", "functionName": "f"})
    blocking = [name for name in POLICIES if any(d.level == "mandatory" for d in run(name, [native]))]
    assert blocking == [RULE]
    assert run(RULE, [typed]) == []
    assert [d.level for d in run("lambda-not-public", [typed])] == ["mandatory"]


@pytest.mark.parametrize(
    "resource",
    [
        R("aws:s3/bucket:Bucket", "b", {"bucket": NAME}),
        R("random:index/randomPassword:RandomPassword", "p", {"length": 32}),
        R("tls:index/privateKey:PrivateKey", "k", {"algorithm": "ED25519"}),
        R("command:local:Command", "c", {"create": "echo hi"}),
        # A dynamic provider runs code, like the program itself: no policy reads what it calls.
        R("pulumi-python:dynamic:Resource", "d", {"__provider": "opaque"}),
        R("aws:cloudformation/cloudFormationType:CloudFormationType", "t", {"typeName": "Acme::Ext::Thing"}),
        # A Terraform module's component and its resources of other providers create no AWS resource.
        R("vpc:index:Module", "vpc", {"cidr": "10.0.0.0/16"}),
        R("vpc:tf:random_string", "module.vpc.random_string.suffix", {"length": 8}),
    ],
    ids=lambda r: r.type,
)
def test_pulumi_aws_resources_and_other_providers_are_not_reported(resource):
    resource.provider = None
    assert run(RULE, [resource]) == []


def test_an_exemption_names_the_generic_resource_and_says_why():
    stack = R("aws:cloudformation/stack:Stack", "vendor", {"templateUrl": "https://s3/vendor.json"})
    exemption = {
        "resource": "vendor",
        "type": "aws:cloudformation/stack:Stack",
        "reason": "vendor template reviewed in SEC-77: a read-only role, no data",
        "expires": "2999-12-31",
    }
    (diag,) = run(RULE, [stack], {"exemptions": [exemption]})
    assert diag.level == "advisory"
    assert diag.message.endswith(
        "Exempted by policy config (resource 'vendor' of type aws:cloudformation/stack:Stack until "
        "2999-12-31): vendor template reviewed in SEC-77: a read-only role, no data"
    )
